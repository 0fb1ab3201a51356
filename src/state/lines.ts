import { createReadStream } from 'node:fs';

/**
 * The one line splitter of the JSONL readers (readJsonLines, readAccountBytes and the key-span
 * pass): lines are found as byte ranges of the buffers read, so a reader that understands bytes
 * never makes a string, and one that wants text decodes just the line.
 *
 * Line breaks are readline's: \n, \r\n and a lone \r. Empty lines are skipped but counted, so the
 * line numbers of error messages are those an editor shows.
 */

/** One line: buf[start, end) without its line break, numbered from 1 within its file. */
export type LineHandler = (buf: Buffer, start: number, end: number, lineNo: number) => void;

const LF = 10;
const CR = 13;

/** Chunk size of the reads: larger chunks were no faster and cost more peak RSS (docs/PERFORMANCE.md). */
export const READ_CHUNK = 1 << 16;

/**
 * Splits a stream of chunks into lines. A line that continues into later chunks is carried as the
 * chunks' tails and joined once its end arrives; every other line is handed over as a view of the
 * chunk it sits in (valid only during the call).
 */
export class LineSplitter {
  private carry: Buffer[] = [];
  private lineNo = 0;

  constructor(private readonly onLine: LineHandler) {}

  /** Lines so far (empty ones included). */
  get lines(): number {
    return this.lineNo;
  }

  /** Hands over every line that ends in `chunk`; keeps its unfinished tail. */
  push(chunk: Buffer): void {
    let from = 0;
    let nl = chunk.indexOf(LF);
    if (nl === -1) {
      this.carry.push(chunk);
      return;
    }
    if (this.carry.length > 0) {
      const joined = Buffer.concat([...this.carry, chunk.subarray(0, nl)]);
      this.carry = [];
      this.line(joined, 0, joined.length, joined.indexOf(CR) !== -1);
      from = nl + 1;
      nl = chunk.indexOf(LF, from);
    }
    // Searched for once per chunk: a search per line would scan the rest of the chunk each time.
    const hasCr = chunk.indexOf(CR, from) !== -1;
    for (; nl !== -1; from = nl + 1, nl = chunk.indexOf(LF, from)) this.line(chunk, from, nl, hasCr);
    // The tail is copied: the stream may reuse the chunk's memory.
    if (from < chunk.length) this.carry.push(Buffer.from(chunk.subarray(from)));
  }

  /** Hands over the last line when the input does not end with a line break. */
  finish(): void {
    if (this.carry.length === 0) return;
    const rest = Buffer.concat(this.carry);
    this.carry = [];
    this.line(rest, 0, rest.length, rest.indexOf(CR) !== -1);
  }

  /** One \n-terminated piece: \r\n ends it, and a lone \r inside it is a line break too. */
  private line(buf: Buffer, start: number, end: number, hasCr: boolean): void {
    if (!hasCr) {
      this.emit(buf, start, end);
      return;
    }
    if (end > start && buf[end - 1] === CR) end--;
    let cr = buf.indexOf(CR, start);
    if (cr === -1 || cr >= end) {
      this.emit(buf, start, end);
      return;
    }
    for (; cr !== -1 && cr < end; start = cr + 1, cr = buf.indexOf(CR, start)) this.emit(buf, start, cr);
    this.emit(buf, start, end);
  }

  /** Numbers every line, empty ones too (editors count them), and hands over the others. */
  private emit(buf: Buffer, start: number, end: number): void {
    this.lineNo += 1;
    if (end > start) this.onLine(buf, start, end, this.lineNo);
  }
}

/** The chunks of a file, in order. */
export function readChunks(path: string): AsyncIterable<Buffer> {
  return createReadStream(path, { highWaterMark: READ_CHUNK }) as AsyncIterable<Buffer>;
}

/** Every line of a file, in order, through `onLine` (see LineSplitter); returns the line count. */
export async function forEachLine(path: string, onLine: LineHandler): Promise<number> {
  const splitter = new LineSplitter(onLine);
  for await (const chunk of readChunks(path)) splitter.push(chunk);
  splitter.finish();
  return splitter.lines;
}
