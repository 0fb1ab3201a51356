import { setTimeout as sleep } from 'node:timers/promises';
import { avaxEndpoints, probeNodeDialect, type AvaxEndpoints } from '../chains/avax/api.js';
import { parseCHead, type CHead } from '../chains/avax/heads.js';
import { JsonRpcClient } from '../chains/evm/rpc.js';
import { ExchangeChain } from '../chains/exchange/xchain.js';
import { PlatformChain } from '../chains/platform/pchain.js';
import { AVALANCHEGO, DIALECTS } from '../network/dialect.js';

/**
 * The heads a validator's own node had accepted when it last answered: what a genesis built at
 * the halt must carry, read by the validator itself rather than taken from the coordinator.
 *
 * - C: `eth_getBlockByNumber('latest')`; coreth resolves `latest` to its last accepted block
 *   (eth/api_backend.go HeaderByNumber) unless the node allows unfinalized queries.
 * - P: `platform.getHeight`, the height of the last accepted block.
 * - X: avalanchego v1.14.0's X-Chain is linearised: `avm.getHeight` (`xvm.getHeight` on luxd)
 *   answers the height of `state.GetLastAccepted()` (vms/avm/service.go GetHeight).
 */
export interface LastAccepted {
  C?: CHead & Answered;
  P?: { height: number } & Answered;
  X?: { height: number } & Answered;
}

interface Answered {
  /** When this chain's read answered, by the agent's clock (ISO-8601). */
  readAt: string;
}

export interface HeadReader {
  /**
   * One round: the three chains read side by side; each that answered is in the result. A node's
   * chains can go quiet at different moments while it shuts down, so each chain's head is its own
   * last answer, never dropped because another chain stopped answering first.
   */
  read(): Promise<LastAccepted>;
}

// A loaded host answers slowly; a read that waits longer only means fewer reads, never a lost one.
const READ_TIMEOUT_MS = 5_000;
const PROBE_TIMEOUT_MS = 10_000;

/**
 * A reader of the node at `uri`, its API prefix and X-Chain service found from what the node says
 * it is (`info.getNodeVersion`, on `/ext`, then luxd's `/v1`).
 */
export async function headReader(uri: string, timeoutMs = READ_TIMEOUT_MS): Promise<HeadReader> {
  const endpoints = await nodeEndpoints(uri, PROBE_TIMEOUT_MS);
  const c = new JsonRpcClient(endpoints.chain('C', 'rpc'), { timeoutMs });
  const p = new PlatformChain(endpoints, { timeoutMs });
  const x = new ExchangeChain(endpoints, { timeoutMs });
  return {
    async read() {
      const [block, pHeight, xHeight] = await Promise.allSettled([c.call<unknown>('eth_getBlockByNumber', ['latest', false]), p.height(), x.height()]);
      const readAt = new Date().toISOString();
      const heads: LastAccepted = {};
      if (block.status === 'fulfilled') heads.C = { ...parseCHead(block.value, c.endpoint), readAt };
      if (pHeight.status === 'fulfilled') heads.P = { height: pHeight.value, readAt };
      if (xHeight.status === 'fulfilled') heads.X = { height: xHeight.value, readAt };
      return heads;
    },
  };
}

/** The node's C-Chain block at `height`, or undefined when it has none there (its head is lower). */
export async function cBlockAt(uri: string, height: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<CHead | undefined> {
  const c = new JsonRpcClient((await nodeEndpoints(uri, timeoutMs)).chain('C', 'rpc'), { timeoutMs });
  const block = await c.call<unknown>('eth_getBlockByNumber', [`0x${height.toString(16)}`, false]);
  return block === null ? undefined : parseCHead(block, c.endpoint);
}

/** The node's API at `uri`, its prefix and dialect found from what it says it is (`/ext`, then luxd's `/v1`). */
export async function nodeEndpoints(uri: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<AvaxEndpoints> {
  const failures: string[] = [];
  for (const prefix of ['/ext', '/v1']) {
    try {
      const { dialect } = await probeNodeDialect(avaxEndpoints(uri, AVALANCHEGO, prefix), { timeoutMs });
      return avaxEndpoints(uri, DIALECTS[dialect], prefix);
    } catch (err) {
      failures.push(`${prefix}: ${(err as Error).message}`);
    }
  }
  throw new Error(`the node at ${uri} does not say what it is: ${failures.join('; ')}`);
}

/**
 * Reads the heads once, now, then every `everyMs` until stopped. What each chain last answered is
 * kept (a failed read changes nothing: only the node's going away ends the watch, never one slow
 * answer), and handed to `onRead` (awaited, in order) whenever a read answered.
 */
export class HeadWatch {
  private stopped = false;
  private last: LastAccepted = {};
  private loop: Promise<void> = Promise.resolve();

  private constructor(
    private readonly reader: HeadReader,
    private readonly onRead: (heads: LastAccepted) => Promise<void>,
    private readonly everyMs: number,
  ) {}

  /** Resolves once the first read has answered (or failed): the heads right before the caller acts. */
  static async start(reader: HeadReader, onRead: (heads: LastAccepted) => Promise<void>, everyMs = 100): Promise<HeadWatch> {
    const watch = new HeadWatch(reader, onRead, everyMs);
    await watch.readOnce();
    watch.loop = watch.poll();
    return watch;
  }

  /** Ends the watch after the read in flight; what each chain last answered. */
  async stop(): Promise<LastAccepted> {
    this.stopped = true;
    await this.loop;
    return this.last;
  }

  private async poll(): Promise<void> {
    for (;;) {
      await sleep(this.everyMs);
      if (this.stopped) return;
      await this.readOnce();
    }
  }

  private async readOnce(): Promise<void> {
    const heads = await this.reader.read().catch((): LastAccepted => ({}));
    if (!heads.C && !heads.P && !heads.X) return;
    this.last = { ...this.last, ...heads };
    await this.onRead(this.last);
  }
}
