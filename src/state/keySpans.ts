import { open } from 'node:fs/promises';
import { NIBBLE } from './accountBytes.js';
import { MAX_GROUP_DEPTH } from './subtrieAssembly.js';

/**
 * How a pass over export partitions is split between threads: into key spans aligned on nibble
 * boundaries, whatever the partitions' own bounds. A span owns every key whose first `depth`
 * nibbles (its group) lie in [from, to); its subtries are whole, so their references assemble into
 * the root (subtrieAssembly.ts). Partitions are key ranges in order, so a span reads only the files
 * whose range meets its own: none twice when partitions are aligned (the export's 2, 4, 8, 16), a
 * file straddling a span boundary by both spans, each skipping the other's keys.
 *
 * A file's range is known from its first and last keys (read here, a few bytes from each end):
 * where one cannot be read cheaply (an empty file, another line form) the range widens to the
 * neighbours' known keys, so a span never misses a file that may hold its keys. The passes read
 * every file they read whole, and the pass checks that the keys they saw are the ones planned with
 * (checkPlannedKeys) and in order.
 */

export interface SpanFile {
  path: string;
  /** Position in the pass's file list: errors are ordered by it. */
  index: number;
}

/** The keys a file was planned with, hex; undefined where they could not be read cheaply. */
export interface PlannedKeys {
  first?: string;
  last?: string;
}

export interface KeySpan {
  /** Nibbles of a group prefix: 1 for up to 16 spans, 2 beyond. */
  depth: number;
  /** Groups [from, to) this span owns. */
  from: number;
  to: number;
  files: SpanFile[];
}

const KEY_BITS = 256n;
const KEY_SPACE = 1n << KEY_BITS;

/** `count` spans over the whole key space, each with the files it must read, and each file's planned keys. */
export async function planSpans(paths: readonly string[], count: number): Promise<{ spans: KeySpan[]; planned: PlannedKeys[] }> {
  if (!Number.isInteger(count) || count < 1 || count > 16 ** MAX_GROUP_DEPTH) throw new Error(`key spans: 1..${16 ** MAX_GROUP_DEPTH}, got ${count}`);
  const depth = count <= 16 ? 1 : 2;
  const groups = 16 ** depth;
  const ends = await Promise.all(paths.map(endKeysOf));
  const ranges = fileRanges(ends);
  const shift = KEY_BITS - 4n * BigInt(depth);
  const spans: KeySpan[] = [];
  for (let i = 0; i < count; i++) {
    const from = Math.floor((groups * i) / count);
    const to = Math.floor((groups * (i + 1)) / count);
    const lo = BigInt(from) << shift;
    const hi = BigInt(to) << shift;
    const files = paths.flatMap((path, index) => (reads(ranges[index]!, lo, hi) ? [{ path, index }] : []));
    spans.push({ depth, from, to, files });
  }
  const hex = (k: bigint | undefined) => (k === undefined ? undefined : `0x${k.toString(16).padStart(64, '0')}`);
  return { spans, planned: ends.map((e) => ({ first: hex(e.first), last: hex(e.last) })) };
}

interface Range {
  lo: bigint;
  hi: bigint;
}

/**
 * Whether a span [lo, hi) must read a file of range `r`: when they meet, and always the span its
 * lowest possible key falls in, so every file is read by some span (an empty range only comes from
 * keys out of order, which that span then finds).
 */
function reads(r: Range, lo: bigint, hi: bigint): boolean {
  const meet = (r.lo > lo ? r.lo : lo) < (r.hi < hi ? r.hi : hi);
  return meet || (r.lo >= lo && r.lo < hi);
}

/**
 * Each file's possible keys: from its first key (else the last known key before it) up to its last
 * key (else the next known key after it).
 */
function fileRanges(ends: ReadonlyArray<EndKeys>): Range[] {
  const ranges: Range[] = [];
  let lo = 0n;
  for (let i = 0; i < ends.length; i++) {
    lo = ends[i]!.first ?? lo;
    let hi = ends[i]!.last === undefined ? undefined : ends[i]!.last! + 1n;
    for (let j = i + 1; hi === undefined && j < ends.length; j++) hi = ends[j]!.first ?? ends[j]!.last;
    ranges.push({ lo, hi: hi ?? KEY_SPACE });
    lo = ends[i]!.last ?? lo;
  }
  return ranges;
}

const KEY_PREFIX = Buffer.from('{"key":"0x', 'latin1');
const LINE_HEAD = KEY_PREFIX.length + 65;
const TAIL_BYTES = 1 << 16;

interface EndKeys {
  first?: bigint;
  last?: bigint;
}

/**
 * The keys of a file's first and last lines, where those start in the export's form; a last line
 * longer than TAIL_BYTES, or any other form, leaves that key unknown.
 */
export async function endKeysOf(path: string): Promise<EndKeys> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    const head = Buffer.alloc(Math.min(size, LINE_HEAD));
    await file.read(head, 0, head.length, 0);
    const tail = Buffer.alloc(Math.min(size, TAIL_BYTES));
    await file.read(tail, 0, tail.length, size - tail.length);
    return { first: lineKey(head, 0, head.length), last: lastLineKey(tail, tail.length === size) };
  } finally {
    await file.close();
  }
}

/** The key of the last non-empty line in `tail` (the file's end; `whole` if it is the whole file). */
function lastLineKey(tail: Buffer, whole: boolean): bigint | undefined {
  let end = tail.length;
  while (end > 0 && (tail[end - 1] === 0x0a || tail[end - 1] === 0x0d)) end--;
  const lf = tail.lastIndexOf(0x0a, end - 1);
  const cr = tail.lastIndexOf(0x0d, end - 1);
  const breakAt = Math.max(lf, cr);
  if (breakAt < 0 && !whole) return undefined;
  return lineKey(tail, breakAt + 1, end);
}

/** The key at the start of line buf[start, end) as a number, when the line starts `{"key":"0x<64 hex>"`. */
function lineKey(buf: Buffer, start: number, end: number): bigint | undefined {
  const key = new Uint8Array(32);
  return peekKey(buf, start, end, key) ? BigInt(`0x${Buffer.from(key).toString('hex')}`) : undefined;
}

/**
 * Decodes the key at the start of line buf[start, end) into `out` (32 bytes) when the line starts
 * `{"key":"0x<64 hex>"`; false otherwise. The span passes read keys this way to skip lines that
 * belong to another span without decoding them.
 */
export function peekKey(buf: Uint8Array, start: number, end: number, out: Uint8Array): boolean {
  let at = start + KEY_PREFIX.length;
  if (at + 65 > end || buf[at + 64] !== 0x22) return false;
  for (let i = 0; i < KEY_PREFIX.length; i++) if (buf[start + i] !== KEY_PREFIX[i]) return false;
  for (let b = 0; b < 32; b++, at += 2) {
    const hi = NIBBLE[buf[at]!]!;
    const lo = NIBBLE[buf[at + 1]!]!;
    if ((hi | lo) < 0) return false;
    out[b] = (hi << 4) | lo;
  }
  return true;
}
