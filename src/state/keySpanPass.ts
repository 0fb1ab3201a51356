import { createReadStream } from 'node:fs';
import { appendFile, rm, writeFile } from 'node:fs/promises';
import { planSpans, type KeySpan, type PlannedKeys } from './keySpans.js';
import { runSpan, SpanFailure, type FileKeys, type SpanResult, type SpanTask } from './spanPass.js';
import { assembleRoot, type SubtrieRefs } from './subtrieAssembly.js';
import type { AccountEncoding } from './accountTrie.js';
import { sumStats, type StateStats } from './stats.js';
import { startSpanWorker, type SpanWorker } from './threads.js';
import { ProgressTally } from './progressTally.js';

/**
 * A root (and genesis) pass over export partitions on several threads: the key space is split
 * into spans (keySpans.ts), the first span runs on this thread and each other on a worker thread
 * of its own, and the root is assembled from the spans' subtrie references (subtrieAssembly.ts).
 *
 * The alloc entries of a genesis pass come out in key order without a second pass over the
 * accounts: the first span writes straight into the output, the others each into a file of their
 * own, which are appended in order once the spans are done.
 *
 * A bad input fails as one pass over the accounts would: each span stops at its first bad line,
 * the keys at file boundaries are checked here, and the earliest failure (by file, then line) is
 * the one reported.
 */

export interface ThreadFigure {
  thread: 'main' | 'worker';
  /** The key groups the thread owned, first-last inclusive, as hex prefixes (`0-7`: first nibbles 0 to 7). */
  span: string;
  files: number;
  accounts: number;
  seconds: number;
  /** The thread's largest V8 heap with external memory, MiB (RSS is the process's, shared by all threads). */
  heapPeakMb: number;
}

export interface KeySpanPassResult {
  root: Uint8Array;
  accounts: number;
  stats: StateStats;
  threads: ThreadFigure[];
}

export interface KeySpanPassOptions {
  encoding: AccountEncoding;
  /** Genesis pass: where the alloc entries go, in order (awaited), and a scratch file per later span. */
  alloc?: { write(chunks: Buffer[]): Promise<void>; piecePath(span: number): string };
  /** Called with the accounts done so far, about every `progressEvery` of them (awaited). */
  progress?: (accounts: number) => Promise<void>;
  progressEvery?: number;
  /** Runs every span on this thread, one after the other (tests of the spans without threads). */
  inline?: boolean;
}

/**
 * The pass over `paths` split into `spanCount` key spans: the root from their subtries, the totals,
 * and the alloc entries in order when `options.alloc` is given.
 */
export async function keySpanPass(paths: readonly string[], spanCount: number, options: KeySpanPassOptions): Promise<KeySpanPassResult> {
  const { spans, planned } = await planSpans(paths, spanCount);
  const progress = new ProgressTally(spans.length, options.progress, options.progressEvery ?? 4096);
  const runs: SpanRun[] = [];
  try {
    for (let i = 0; i < spans.length; i++) runs.push(startSpan(spans[i]!, i, options, progress, runs));
    const settled = await settleAll(runs);
    await progress.drain();
    const results = failEarliest(settled, paths);
    checkPlannedKeys(results, planned, paths);
    if (options.alloc) await stitch(options.alloc, results);
    return assemble(spans, results, runs);
  } finally {
    await Promise.all(runs.map((r) => r.worker?.stop()));
    if (options.alloc) await Promise.all(spans.map((_, i) => (i > 0 ? rm(options.alloc!.piecePath(i), { force: true }) : undefined)));
  }
}

interface SpanRun {
  span: KeySpan;
  worker?: SpanWorker;
  started: number;
  finished?: number;
  done: Promise<SpanResult>;
}

/** The span on this thread (the first, or all with `inline`) or on a worker of its own. */
function startSpan(span: KeySpan, i: number, options: KeySpanPassOptions, progress: ProgressTally, earlier: SpanRun[]): SpanRun {
  const task: SpanTask = { ...span, encoding: options.encoding, ...(options.alloc ? { alloc: { leading: i > 0 } } : {}) };
  const started = performance.now();
  let worker: SpanWorker | undefined;
  let done: Promise<SpanResult>;
  if (i === 0 || options.inline) {
    const write = options.alloc && i === 0 ? options.alloc.write : options.alloc ? pieceWrite(options.alloc.piecePath(i)) : undefined;
    // Inline spans after the first wait for the ones before: this thread runs one at a time.
    const before = Promise.allSettled(earlier.map((r) => r.done));
    done = before.then(() => runSpan(task, { write, progress: (n) => progress.update(i, n) }));
  } else {
    worker = startSpanWorker({ task, ...(options.alloc ? { allocPath: options.alloc.piecePath(i) } : {}) }, (n) => void progress.update(i, n));
    done = worker.done;
  }
  const run: SpanRun = { span, started, worker, done };
  run.done = done.finally(() => (run.finished = performance.now()));
  return run;
}

/** Appends to a piece file, for inline spans (workers write their own). */
function pieceWrite(path: string): (chunks: Buffer[]) => Promise<void> {
  // The first write truncates what a pass that crashed may have left.
  let first = true;
  return async (chunks) => {
    for (const chunk of chunks) {
      await (first ? writeFile(path, chunk) : appendFile(path, chunk));
      first = false;
    }
  };
}

/**
 * Waits for every span; a span that fails for any reason but its input (a cancelled heartbeat, a
 * crashed worker) stops the others at once.
 */
async function settleAll(runs: SpanRun[]): Promise<PromiseSettledResult<SpanResult>[]> {
  for (const run of runs) {
    run.done.catch((err: unknown) => {
      if (!(err instanceof SpanFailure)) for (const other of runs) void other.worker?.stop();
    });
  }
  return Promise.allSettled(runs.map((r) => r.done));
}

/** The results, or the failure a single pass would have met first. */
function failEarliest(settled: PromiseSettledResult<SpanResult>[], paths: readonly string[]): SpanResult[] {
  const failures: SpanFailure[] = [];
  for (const s of settled) {
    if (s.status === 'fulfilled') continue;
    if (!(s.reason instanceof SpanFailure)) throw s.reason;
    failures.push(s.reason);
  }
  const results = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  failures.push(...boundaryFailures(results, paths));
  if (failures.length === 0) return results;
  failures.sort((a, b) => a.file - b.file || a.line - b.line);
  throw new Error(failures[0]!.message);
}

/**
 * Keys across file boundaries, where no span read both sides: each file's last key must be below
 * the next file's first. Every file was read whole by at least one span, so its keys are known.
 */
function boundaryFailures(results: SpanResult[], paths: readonly string[]): SpanFailure[] {
  const byFile = new Map<number, FileKeys>();
  for (const r of results) for (const f of r.files) byFile.set(f.index, f);
  const out: SpanFailure[] = [];
  let previous: string | undefined;
  for (let i = 0; i < paths.length; i++) {
    const f = byFile.get(i);
    if (!f?.first) continue;
    if (previous !== undefined && f.first.key <= previous) {
      out.push(
        new SpanFailure(
          `${paths[i]}:${f.first.line}: account ${f.first.name}: key ${f.first.key} is not after the previous key ${previous}; ` +
            'records must be strictly increasing by key',
          i,
          f.first.line,
        ),
      );
    }
    previous = f.last;
  }
  return out;
}

const STITCH_CHUNK = 1 << 20;

/**
 * The spans were given their files by the keys read at each file's ends; every file was then read
 * whole by at least one span, so the keys it really starts and ends with are known. A file whose
 * keys were not the planned ones (changed while it was read) may have had lines no span owned.
 */
function checkPlannedKeys(results: SpanResult[], planned: PlannedKeys[], paths: readonly string[]): void {
  const seen = new Set<number>();
  for (const r of results) {
    for (const f of r.files) {
      seen.add(f.index);
      const want = planned[f.index]!;
      const first = f.first?.key;
      if ((want.first !== undefined && want.first !== first) || (want.last !== undefined && want.last !== f.last)) {
        throw new Error(
          `${paths[f.index]} changed while it was read: it ${first ? `holds keys ${first} to ${f.last}` : 'holds no account'}, not ${want.first} to ${want.last}`,
        );
      }
    }
  }
  for (let i = 0; i < paths.length; i++) if (!seen.has(i)) throw new Error(`${paths[i]}: no span read it`);
}

/** Appends the later spans' alloc entries in span order, dropping the separator's comma if nothing came before. */
async function stitch(alloc: NonNullable<KeySpanPassOptions['alloc']>, results: SpanResult[]): Promise<void> {
  let entries = results[0]!.allocEntries;
  for (let i = 1; i < results.length; i++) {
    if (results[i]!.allocEntries === 0) continue;
    let skip = entries === 0 ? 1 : 0;
    for await (const chunk of createReadStream(alloc.piecePath(i), { highWaterMark: STITCH_CHUNK }) as AsyncIterable<Buffer>) {
      await alloc.write([skip > 0 ? chunk.subarray(skip) : chunk]);
      skip = 0;
    }
    entries += results[i]!.allocEntries;
  }
}

/** The root from every span's groups, in span order, and what each thread did. */
function assemble(spans: KeySpan[], results: SpanResult[], runs: SpanRun[]): KeySpanPassResult {
  const groups: SubtrieRefs[] = [];
  for (let i = 0; i < spans.length; i++) {
    const { from, to } = spans[i]!;
    for (const g of results[i]!.groups) {
      // A group outside its span would be assembled in the wrong place: the spans' own invariant.
      if (g.prefix < from || g.prefix >= to) throw new Error(`span [${from}, ${to}) returned group ${g.prefix}`);
      groups.push({ prefix: g.prefix, refs: g.refs.map((r) => new Uint8Array(r)) });
    }
  }
  const depth = spans[0]!.depth;
  return {
    root: assembleRoot(groups, depth),
    accounts: results.reduce((n, r) => n + r.accounts, 0),
    stats: sumStats(results.map((r) => r.stats)),
    threads: results.map((r, i) => ({
      thread: i === 0 || !runs[i]!.worker ? 'main' : 'worker',
      span: `${hexGroup(spans[i]!.from, depth)}-${hexGroup(spans[i]!.to - 1, depth)}`,
      files: spans[i]!.files.length,
      accounts: r.accounts,
      seconds: Math.round((runs[i]!.finished! - runs[i]!.started) / 10) / 100,
      heapPeakMb: r.heapPeakMb,
    })),
  };
}

/** A group as the hex prefix it stands for (figures name spans by it). */
function hexGroup(group: number, depth: number): string {
  return group.toString(16).padStart(depth, '0');
}
