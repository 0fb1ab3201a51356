import { assertEpochDuration, blockSealsEpoch, epochEndTime, initialEpoch, nextEpoch, type Epoch } from './lp181.js';
import { assertTargetEpoch, type EpochSource, type EpochStatus, type SealedEpoch } from './source.js';

export interface BlockHeader {
  number: number;
  /** Unix seconds. */
  timestamp: number;
}

/** The little a timestamp-derived epoch source needs from a chain. */
export interface BlockReader {
  head(): Promise<BlockHeader>;
  block(n: number): Promise<BlockHeader>;
}

export interface BlockTimestampEpochSourceOptions {
  /** Epoch duration D in seconds. */
  durationSeconds: number;
  /** The block whose timestamp starts epoch 0; default 0 (genesis). */
  anchorHeight?: number;
}

function checkHeader(header: BlockHeader, expected: number | undefined, what: string): BlockHeader {
  if (header === null || typeof header !== 'object') throw new Error(`${what}: no block returned`);
  const { number, timestamp } = header;
  if (!Number.isSafeInteger(number) || number < 0) throw new Error(`${what}: bad block number ${String(number)}`);
  if (expected !== undefined && number !== expected) {
    throw new Error(`${what}: asked for block ${expected}, got block ${number}`);
  }
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp) || timestamp < 0) {
    throw new Error(`${what}: block ${number} has bad timestamp ${String(timestamp)}`);
  }
  return { number, timestamp };
}

/**
 * Finds the first block in (after.number, upTo.number] whose timestamp is >= `timestamp`, given
 * after.timestamp < timestamp <= upTo.timestamp and non-decreasing timestamps. It gallops up from
 * `after` and then bisects, so it costs O(log distance) reads: epochs are usually much shorter than
 * the chain, and the sealing block of one epoch is always the lower bound for the next.
 *
 * Exported so that a node-backed source, which learns epoch start times from the node, can locate
 * sealing blocks the same way.
 */
export async function findFirstBlockAtOrAfter(
  read: (n: number) => Promise<BlockHeader>,
  timestamp: number,
  bounds: { after: BlockHeader; upTo: BlockHeader },
): Promise<BlockHeader> {
  let bad = bounds.after;
  let good = bounds.upTo;
  if (!(bad.number < good.number && bad.timestamp < timestamp && good.timestamp >= timestamp)) {
    throw new Error(
      `no block can reach timestamp ${timestamp} between block ${bad.number} (t=${bad.timestamp}) ` + `and block ${good.number} (t=${good.timestamp})`,
    );
  }

  // Timestamps outside the current bracket mean the chain (or the reader) breaks the ordering the
  // search relies on; answering anyway would pick an arbitrary freeze height.
  const probe = async (n: number): Promise<BlockHeader> => {
    const header = await read(n);
    if (header.timestamp < bad.timestamp || header.timestamp > good.timestamp) {
      throw new Error(
        `block timestamps decrease: block ${n} has t=${header.timestamp}, outside ` +
          `[block ${bad.number} t=${bad.timestamp}, block ${good.number} t=${good.timestamp}]`,
      );
    }
    return header;
  };

  for (let step = 1; bad.number + step < good.number; step *= 2) {
    const header = await probe(bad.number + step);
    if (header.timestamp >= timestamp) {
      good = header;
      break;
    }
    bad = header;
  }
  while (good.number - bad.number > 1) {
    const header = await probe(bad.number + Math.floor((good.number - bad.number) / 2));
    if (header.timestamp >= timestamp) good = header;
    else bad = header;
  }
  return good;
}

/**
 * Derives LP-181 epochs from block timestamps alone, for chains whose node does not report epochs.
 * Epoch 0 starts at the anchor block's timestamp; each sealing block (the first block with
 * timestamp >= start + D) ends its epoch and starts the next one at its own timestamp. There is no
 * P-Chain here, so every pChainHeight is null and the freeze height is `sealed.sealingHeight`.
 *
 * Each `status` call reads the chain afresh (a cache lives only for that call, so a reorg between
 * calls cannot leave stale blocks behind) and costs O(E log G) block reads for E epochs up to the
 * head and G blocks per epoch.
 */
export class BlockTimestampEpochSource implements EpochSource {
  readonly kind = 'block-timestamp';
  readonly durationSeconds: number;
  readonly anchorHeight: number;
  private readonly reader: BlockReader;

  constructor(reader: BlockReader, options: BlockTimestampEpochSourceOptions) {
    assertEpochDuration(options.durationSeconds);
    const anchorHeight = options.anchorHeight ?? 0;
    if (!Number.isSafeInteger(anchorHeight) || anchorHeight < 0) {
      throw new RangeError(`anchorHeight must be a non-negative integer, got ${String(anchorHeight)}`);
    }
    this.reader = reader;
    this.durationSeconds = options.durationSeconds;
    this.anchorHeight = anchorHeight;
  }

  async status(targetEpoch: number): Promise<EpochStatus> {
    assertTargetEpoch(targetEpoch);
    const duration = this.durationSeconds;
    const cache = new Map<number, BlockHeader>();
    const read = async (n: number): Promise<BlockHeader> => {
      const cached = cache.get(n);
      if (cached) return cached;
      const header = checkHeader(await this.reader.block(n), n, `block(${n})`);
      cache.set(n, header);
      return header;
    };

    const head = checkHeader(await this.reader.head(), undefined, 'head()');
    cache.set(head.number, head);
    if (head.number < this.anchorHeight) {
      throw new Error(`head block ${head.number} is below anchorHeight ${this.anchorHeight}`);
    }
    const anchor = await read(this.anchorHeight);
    if (head.timestamp < anchor.timestamp) {
      throw new Error(
        `block timestamps decrease: head block ${head.number} (t=${head.timestamp}) is older than ` + `anchor block ${anchor.number} (t=${anchor.timestamp})`,
      );
    }

    let epoch: Epoch = initialEpoch({ timestamp: anchor.timestamp, pChainHeight: null });
    // The last block of the previous epoch (or the anchor): its timestamp is the epoch's start.
    let previousLast = anchor;
    let sealed: SealedEpoch | undefined;
    // The current epoch is needed too, so the walk goes on to the head even past the target.
    while (blockSealsEpoch(head.timestamp, epoch, duration)) {
      const sealing = await findFirstBlockAtOrAfter(read, epochEndTime(epoch, duration), {
        after: previousLast,
        upTo: head,
      });
      if (epoch.number === targetEpoch) {
        sealed = {
          number: epoch.number,
          startTime: epoch.startTime,
          pChainHeight: epoch.pChainHeight,
          sealingHeight: sealing.number,
          sealingTimestamp: sealing.timestamp,
          sealingPChainHeight: null,
        };
      }
      epoch = nextEpoch({ timestamp: sealing.timestamp, pChainHeight: null, epoch }, duration);
      previousLast = sealing;
    }

    return {
      current: { number: epoch.number, startTime: epoch.startTime, pChainHeight: epoch.pChainHeight },
      headHeight: head.number,
      headTimestamp: head.timestamp,
      durationSeconds: duration,
      ...(sealed ? { sealed } : {}),
    };
  }
}

export interface EvmBlockReaderOptions {
  /** Per-request timeout; default 30 s. */
  timeoutMs?: number;
}

function parseQuantity(value: unknown, what: string): number {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]+$/.test(value)) {
    throw new Error(`${what}: expected a hex quantity, got ${JSON.stringify(value)}`);
  }
  const big = BigInt(value);
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${what}: ${value} does not fit in 2^53`);
  return Number(big);
}

/**
 * A BlockReader over an EVM JSON-RPC endpoint with plain fetch. Error messages name only the
 * endpoint's host, because RPC URLs often carry an API key in the path or query.
 */
export function evmBlockReader(rpcUrl: string, options: EvmBlockReaderOptions = {}): BlockReader {
  let host: string;
  try {
    host = new URL(rpcUrl).host;
  } catch {
    throw new RangeError('rpcUrl must be an absolute URL');
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError(`timeoutMs must be a positive number, got ${String(timeoutMs)}`);
  }
  let nextId = 1;

  const call = async (method: string, params: unknown[]): Promise<unknown> => {
    const id = nextId++;
    let response: Response;
    try {
      response = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new Error(`${method} at ${host}: ${(err as Error).message}`, { cause: err });
    }
    if (!response.ok) throw new Error(`${method} at ${host}: HTTP ${response.status}`);
    let body: { result?: unknown; error?: { code?: number; message?: string } };
    try {
      body = (await response.json()) as typeof body;
    } catch (err) {
      throw new Error(`${method} at ${host}: response is not JSON`, { cause: err });
    }
    if (body.error) {
      throw new Error(`${method} at ${host}: RPC error ${body.error.code ?? '?'}: ${body.error.message ?? ''}`);
    }
    return body.result;
  };

  const block = async (n: number): Promise<BlockHeader> => {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`block number must be a non-negative integer, got ${n}`);
    const result = (await call('eth_getBlockByNumber', [`0x${n.toString(16)}`, false])) as {
      number?: unknown;
      timestamp?: unknown;
    } | null;
    if (result === null || result === undefined) throw new Error(`eth_getBlockByNumber at ${host}: block ${n} not found`);
    return {
      number: parseQuantity(result.number, `eth_getBlockByNumber(${n}).number at ${host}`),
      timestamp: parseQuantity(result.timestamp, `eth_getBlockByNumber(${n}).timestamp at ${host}`),
    };
  };

  return {
    async head() {
      return block(parseQuantity(await call('eth_blockNumber', []), `eth_blockNumber at ${host}`));
    },
    block,
  };
}
