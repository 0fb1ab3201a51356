import { digestOfJson, type BlockDigest, type DigestPage, type PageSource } from './blockDigest.js';

/**
 * The block walk: one `getBlockByHeight {encoding: json}` per block (the node's JSON-RPC takes no
 * batches), but up to `concurrency` requests in flight, read ahead of the page being consumed.
 * Pages come out in height order, so whoever checkpoints after each page never skips a block.
 */

export interface WalkOptions {
  /** Blocks per page (the checkpoint unit). Default 128. */
  pageSize?: number;
  /** Requests in flight. Default 8. */
  concurrency?: number;
}

export const WALK_PAGE_SIZE = 128;
export const WALK_CONCURRENCY = 8;

/**
 * `fetch(h)` for every h in from..to, at most `concurrency` at a time, results in order. A failed
 * fetch fails the iteration when its turn comes; those still in flight are awaited quietly.
 */
export async function* orderedParallel<T>(
  from: number,
  to: number,
  concurrency: number,
  fetch: (h: number) => Promise<T>,
  signal?: AbortSignal,
): AsyncGenerator<T> {
  const inFlight: Array<Promise<T>> = [];
  let next = from;
  const fill = (): void => {
    while (inFlight.length < concurrency && next <= to) {
      const p = fetch(next++);
      p.catch(() => undefined); // reported when awaited below, not as an unhandled rejection
      inFlight.push(p);
    }
  };
  try {
    fill();
    while (inFlight.length > 0) {
      signal?.throwIfAborted();
      const value = await inFlight.shift()!;
      fill();
      yield value;
    }
  } finally {
    await Promise.allSettled(inFlight);
  }
}

export function walkPages(blockJson: (height: number) => Promise<unknown>, stakingAssetID: string, options: WalkOptions = {}): PageSource {
  const pageSize = options.pageSize ?? WALK_PAGE_SIZE;
  const concurrency = options.concurrency ?? WALK_CONCURRENCY;
  return async function* pages(from: number, to: number, signal?: AbortSignal): AsyncGenerator<DigestPage> {
    let page: BlockDigest[] = [];
    const digests = orderedParallel(from, to, concurrency, async (h) => digestOfJson(h, await blockJson(h), stakingAssetID), signal);
    for await (const digest of digests) {
      page.push(digest);
      if (page.length === pageSize || digest.height === to) {
        yield { from: page[0]!.height, to: digest.height, blocks: page, requests: page.length };
        page = [];
      }
    }
  };
}
