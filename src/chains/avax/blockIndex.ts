import { RpcResponseError } from '../evm/rpc.js';
import { AvaxService, isMethodMissing, parseSafeUint, type AvaxEndpoints } from './api.js';
import { digestOfJson, type BlockDigest, type DigestPage, type PageSource } from './blockDigest.js';
import { orderedParallel, WALK_CONCURRENCY } from './blockWalk.js';
import { digestOfContainer } from './containerDigest.js';
import { decodeCheckedHex, decodeId } from './encoding.js';
import type { UtxoChain } from './utxo.js';

/**
 * avalanchego's block index (`--index-enabled`, indexer/service.go in v1.14.0): at
 * `<prefix>/index/<P|X>/block`, `index.getContainerRange {startIndex, numToFetch ≤ 1024, encoding}`
 * returns the accepted containers in acceptance order — the proposervm block bytes, which wrap
 * the chain's block (containerDigest.ts reads both). Index i holds the (i+1)-th block this node
 * indexed; on a node indexing since genesis that is height i+1, on one that enabled the index
 * later it starts further up, so the height of container 0 is read, not assumed, and every
 * container read checks it holds the height it should. Without `--index-enabled` the route is not
 * registered (HTTP 404) and discovery walks the blocks instead.
 */

export const INDEX_PAGE = 1024;
/** Containers read to find the height of index 0 (the first one that decodes tells it). */
const PROBE = 64;

interface FormattedContainer {
  bytes?: unknown;
  index?: unknown;
}

export class BlockIndex {
  readonly service: AvaxService;
  constructor(
    endpoints: AvaxEndpoints,
    readonly chain: UtxoChain,
  ) {
    this.service = new AvaxService(`${endpoints.baseUrl}${endpoints.prefix}/index/${chain}/block`, { timeoutMs: 120_000 });
  }

  /** Containers from `startIndex`, at most `count` (≤ 1024); fewer when the index ends first. */
  async range(startIndex: number, count: number): Promise<Array<{ index: number; bytes: Uint8Array }>> {
    const m = 'index.getContainerRange';
    const reply = await this.service.call<{ containers?: FormattedContainer[] | null }>(m, { startIndex, numToFetch: count, encoding: 'hex' });
    return (reply?.containers ?? []).map((c, i) => ({
      index: parseSafeUint(c.index, `${m}(${startIndex}).containers[${i}].index`),
      bytes: decodeCheckedHex(c.bytes as string, `${m}(${startIndex}).containers[${i}].bytes`),
    }));
  }
}

export interface IndexedChain {
  index: BlockIndex;
  /** Height of the block at index 0. */
  firstHeight: number;
}

/**
 * The chain's block index, or undefined when the node has none (route or method missing) or it is
 * empty. The height of index 0 is taken from the first of its first 64 containers that decodes
 * (none decoding: the walk is used).
 */
export async function openBlockIndex(endpoints: AvaxEndpoints, chain: UtxoChain, hrp: string, stakingAssetID: string): Promise<IndexedChain | undefined> {
  const index = new BlockIndex(endpoints, chain);
  let first: Array<{ index: number; bytes: Uint8Array }>;
  try {
    first = await index.range(0, PROBE);
  } catch (err) {
    // An empty index answers "start index > last accepted index": nothing to read from it.
    if (isMethodMissing(err) || err instanceof RpcResponseError) return undefined;
    throw err;
  }
  const asset = decodeId(stakingAssetID, 'stakingAssetID');
  for (const c of first) {
    try {
      return { index, firstHeight: digestOfContainer(c.bytes, chain, hrp, asset).height - c.index };
    } catch {
      // a block this decoder skips: try the next
    }
  }
  return undefined;
}

export interface IndexStats {
  /** Blocks read from container bytes, and blocks read as JSON because the decoder skipped them. */
  decoded: number;
  fallbacks: number;
  firstFallback?: string;
}

/**
 * Pages of up to 1024 blocks from the index: one request per page, plus one `getBlockByHeight`
 * per block the decoder cannot read whole. Heights before the index starts are walked.
 */
export function indexPages(
  indexed: IndexedChain,
  options: { hrp: string; stakingAssetID: string; blockJson: (height: number) => Promise<unknown>; walk: PageSource; stats?: IndexStats },
): PageSource {
  const asset = decodeId(options.stakingAssetID, 'stakingAssetID');
  const stats = options.stats ?? { decoded: 0, fallbacks: 0 };
  const { index, firstHeight } = indexed;
  return async function* pages(from: number, to: number, signal?: AbortSignal): AsyncGenerator<DigestPage> {
    if (from < firstHeight) yield* options.walk(from, Math.min(to, firstHeight - 1), signal);
    let height = Math.max(from, firstHeight);
    while (height <= to) {
      signal?.throwIfAborted();
      const count = Math.min(INDEX_PAGE, to - height + 1);
      const containers = await index.range(height - firstHeight, count);
      if (containers.length === 0) {
        // The index ends below the pinned height (a node that stopped indexing): walk the rest.
        yield* options.walk(height, to, signal);
        return;
      }
      const blocks: Array<BlockDigest | undefined> = [];
      const skipped: number[] = [];
      for (const c of containers) {
        const expected = firstHeight + c.index;
        try {
          const digest = digestOfContainer(c.bytes, index.chain, options.hrp, asset);
          if (digest.height !== expected)
            throw new IndexHeightError(`${index.chain}-Chain index ${c.index} holds height ${digest.height}, expected ${expected}`);
          blocks.push(digest);
          stats.decoded += 1;
        } catch (err) {
          if (err instanceof IndexHeightError) throw err;
          stats.fallbacks += 1;
          stats.firstFallback ??= `height ${expected}: ${(err as Error).message}`;
          skipped.push(blocks.length);
          blocks.push(undefined);
        }
      }
      const jsons = orderedParallel(
        0,
        skipped.length - 1,
        WALK_CONCURRENCY,
        async (i) => {
          const h = firstHeight + containers[skipped[i]!]!.index;
          return digestOfJson(h, await options.blockJson(h), options.stakingAssetID);
        },
        signal,
      );
      let i = 0;
      for await (const digest of jsons) blocks[skipped[i++]!] = digest;
      const last = firstHeight + containers[containers.length - 1]!.index;
      yield { from: height, to: last, blocks: blocks as BlockDigest[], requests: 1 + skipped.length };
      height = last + 1;
    }
  };
}

/** The index and the chain disagree about heights: neither path can be trusted to continue. */
export class IndexHeightError extends Error {
  override readonly name = 'IndexHeightError';
}
