import { stat } from 'node:fs/promises';
import { getHeapStatistics } from 'node:v8';
import type { AccountRecord } from './account.js';
import { StateRootBuilder, type AccountEncoding } from './accountTrie.js';
import { bytesToHex, type Hex } from './hex.js';
import { keccakReady } from './keccak.js';
import { keySpanPass, type ThreadFigure } from './keySpanPass.js';
import { readAccountBytes } from './readAccountBytes.js';
import { defaultThreads } from './threads.js';

/**
 * State roots of whole states: of records (computeStateRoot) and of export partition files
 * (stateRootOfFiles), single-threaded or on every core. The account and storage tries themselves,
 * and the checks on each account, are accountTrie.ts's.
 */

export * from './accountTrie.js';

export async function computeStateRoot(records: Iterable<AccountRecord> | AsyncIterable<AccountRecord>, encoding: AccountEncoding = 'ethereum'): Promise<Hex> {
  await keccakReady();
  const builder = new StateRootBuilder(encoding);
  if (Symbol.asyncIterator in records) {
    for await (const record of records) builder.add(record);
  } else {
    // A plain loop: `for await` over a sync iterable would cost a microtask per record.
    for (const record of records) builder.add(record);
  }
  return builder.root();
}

/** How a pass over export partitions runs: `threads` 1 is the single-threaded pass; unset, defaultThreads(). */
export interface PassThreads {
  threads?: number;
  /** Runs the spans of a pass split `threads` ways one after another on this thread (tests of the split). */
  inline?: boolean;
}

/**
 * State root of export partition files (in key order), read as bytes (readAccountBytes): the
 * root-only pass. On several threads (stateRootPass) for a large state; the root is the same.
 */
export async function stateRootOfFiles(
  paths: readonly string[],
  encoding: AccountEncoding = 'ethereum',
  options: PassThreads = {},
): Promise<{ stateRoot: Hex; accounts: number }> {
  const { stateRoot, accounts } = await stateRootPass(paths, encoding, options);
  return { stateRoot, accounts };
}

/** stateRootOfFiles with what each thread did (the bench reports it). */
export async function stateRootPass(
  paths: readonly string[],
  encoding: AccountEncoding = 'ethereum',
  options: PassThreads = {},
): Promise<{ stateRoot: Hex; accounts: number; threads: ThreadFigure[] }> {
  await keccakReady();
  const threads = options.threads ?? defaultThreads(paths.length, await totalBytes(paths));
  if (threads > 1) {
    const pass = await keySpanPass(paths, threads, { encoding, inline: options.inline });
    return { stateRoot: bytesToHex(pass.root), accounts: pass.accounts, threads: pass.threads };
  }
  const started = performance.now();
  const builder = new StateRootBuilder(encoding);
  await readAccountBytes(paths, (account) => builder.addBytes(account));
  const seconds = Math.round((performance.now() - started) / 10) / 100;
  const figure: ThreadFigure = { thread: 'main', span: 'all', files: paths.length, accounts: builder.accounts, seconds, heapPeakMb: heapMb() };
  return { stateRoot: builder.root(), accounts: builder.accounts, threads: [figure] };
}

/** Bytes of the files, which decide whether threads are worth starting. */
export async function totalBytes(paths: readonly string[]): Promise<number> {
  const sizes = await Promise.all(paths.map(async (p) => (await stat(p)).size));
  return sizes.reduce((a, b) => a + b, 0);
}

/** This thread's V8 heap with external memory now, MiB. */
export function heapMb(): number {
  const h = getHeapStatistics();
  return Math.round((h.total_heap_size + h.external_memory) / 2 ** 20);
}
