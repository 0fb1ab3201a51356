import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SpanResult } from './spanPass.js';
import { SpanFailure } from './spanPass.js';
import type { SpanWorkerData, SpanWorkerMessage } from './spanWorker.js';

/**
 * Span worker threads (spanWorker.ts), and how many a pass gets.
 *
 * The project runs from its TypeScript sources through tsx, and a worker thread starts with no
 * loader: a worker whose entry is a .ts file first registers tsx's loader in itself (as
 * bin/regenesis.js does for the CLI), then imports the entry. Compiled to .js it imports it as is.
 */

/** Below this many bytes of partitions, threads cost more to start (~0.3–0.6 s, tsx included) than they save. */
export const SMALL_PASS_BYTES = 48 * 2 ** 20;

/** One thread per core, no more than there are partitions, and one for a small state. */
export function defaultThreads(files: number, bytes: number): number {
  if (bytes < SMALL_PASS_BYTES) return 1;
  return Math.max(1, Math.min(availableParallelism(), files));
}

const here = import.meta.url;
const ENTRY = new URL(`./spanWorker${extname(fileURLToPath(here))}`, here).href;

/** The code a worker starts with: the entry, through tsx's loader when it is TypeScript. */
function bootstrap(): string {
  if (!ENTRY.endsWith('.ts')) return `import(${JSON.stringify(ENTRY)})`;
  const api = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(api)}).then((m) => { (m.register ?? m.default.register)(); return import(${JSON.stringify(ENTRY)}); })`;
}

export interface SpanWorker {
  /** The span's result; rejects with its SpanFailure, or with the worker's own crash. */
  done: Promise<SpanResult>;
  stop(): Promise<void>;
}

/** Starts a worker on one span; `onProgress` gets its owned accounts so far. */
export function startSpanWorker(data: SpanWorkerData, onProgress: (accounts: number) => void): SpanWorker {
  const worker = new Worker(bootstrap(), { eval: true, workerData: data });
  const done = new Promise<SpanResult>((resolve, reject) => {
    let settled = false;
    worker.on('message', (message: SpanWorkerMessage) => {
      if ('progress' in message) return onProgress(message.progress);
      settled = true;
      if ('result' in message) resolve(message.result);
      else reject(new SpanFailure(message.failure.message, message.failure.file, message.failure.line));
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`span worker exited with code ${code} before its result`));
    });
  });
  return { done, stop: async () => void (await worker.terminate()) };
}
