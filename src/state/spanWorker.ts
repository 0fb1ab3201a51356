import { parentPort, workerData } from 'node:worker_threads';
import { runSpan, SpanFailure, type SpanTask } from './spanPass.js';
import { createWriteStream, type WriteStream } from 'node:fs';

/**
 * Entry of a span worker thread (threads.ts starts it): runs one span (spanPass.ts) and posts
 *   { progress: accounts }  after every chunk read, at most every PROGRESS_MS,
 *   { result }              once done, or
 *   { failure: { message, file, line } }  when the input is bad.
 * A genesis span writes its alloc entries to `allocPath`, for the coordinator to stitch in order.
 */

export interface SpanWorkerData {
  task: SpanTask;
  allocPath?: string;
}

export type SpanWorkerMessage =
  | { progress: number }
  | { result: Awaited<ReturnType<typeof runSpan>> }
  | { failure: { message: string; file: number; line: number } };

const PROGRESS_MS = 200;

/** Writes buffers to the piece file, waiting for the stream when it is behind (back-pressure). */
function pieceWriter(stream: WriteStream): (chunks: Buffer[]) => Promise<void> {
  return async (chunks) => {
    let ok = true;
    for (const chunk of chunks) ok = stream.write(chunk);
    if (!ok) await new Promise<void>((resolve) => stream.once('drain', resolve));
  };
}

/** Ends the stream and waits until its bytes are with the OS (or it failed). */
function close(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => resolve());
  });
}

/** Runs the span given in workerData; a bad input is a message, anything else crashes the worker (its 'error' event). */
async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('spanWorker.ts runs as a worker thread only');
  const { task, allocPath } = workerData as SpanWorkerData;
  const stream = allocPath ? createWriteStream(allocPath) : undefined;
  let reported = 0;
  const progress = (accounts: number) => {
    const now = performance.now();
    if (now - reported < PROGRESS_MS) return;
    reported = now;
    port.postMessage({ progress: accounts } satisfies SpanWorkerMessage);
  };
  try {
    const result = await runSpan(task, { write: stream ? pieceWriter(stream) : undefined, progress });
    if (stream) await close(stream);
    port.postMessage({ result } satisfies SpanWorkerMessage);
  } catch (err) {
    stream?.destroy();
    if (!(err instanceof SpanFailure)) throw err;
    port.postMessage({ failure: { message: err.message, file: err.file, line: err.line } } satisfies SpanWorkerMessage);
  }
}

await main();
