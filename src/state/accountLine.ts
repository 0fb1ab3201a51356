import { NIBBLE, type AccountBytes } from './accountBytes.js';

/**
 * Decodes an account line straight from the bytes read, into AccountBytes: no string, no object,
 * hex decoded once. It knows exactly the form accountLine() writes (src/state/jsonl.ts):
 *
 *   {"key":"0x…","address":"0x…","balance":"0x…","nonce":"0x…","codeHash":"0x…"
 *    [,"code":"0x…"][,"storage":{"0x…":"0x…",…}][,"storageRoot":"0x…"]}
 *
 * and answers false for anything else (other spacing or order, escapes, a field of the wrong size
 * or not hex, a nonce over 8 bytes): the caller then parses the line as JSON, which accepts every
 * form and names what is wrong. So this never decides that a line is bad, only that it is the
 * common case.
 */

const text = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const KEY = text('{"key":"0x');
const ADDRESS = text('","address":"0x');
const BALANCE = text('","balance":"0x');
const NONCE = text('","nonce":"0x');
const CODE_HASH = text('","codeHash":"0x');
const CODE = text(',"code":"0x');
const STORAGE = text(',"storage":{');
const STORAGE_ROOT = text(',"storageRoot":"0x');
const QUOTE = 0x22;

/** The line being parsed: buffer and position, reused. */
let buf: Uint8Array = new Uint8Array(0);
let at = 0;
let end = 0;

function literal(expected: Uint8Array): boolean {
  if (at + expected.length > end) return false;
  for (let i = 0; i < expected.length; i++) if (buf[at + i] !== expected[i]) return false;
  at += expected.length;
  return true;
}

/** Where the hex digits from `at` end (at the closing quote), or -1 if a non-digit comes first. */
function digitsEnd(): number {
  let i = at;
  while (i < end && NIBBLE[buf[i]!]! >= 0) i++;
  return i < end && buf[i] === QUOTE ? i : -1;
}

/** Decodes buf[from, to) (hex digits, checked) into out[offset, offset + length), right-aligned. */
function decode(from: number, to: number, out: Uint8Array, offset: number, length: number): void {
  let i = to - 1;
  for (let b = offset + length - 1; b >= offset; b--) {
    const lo = i >= from ? NIBBLE[buf[i--]!]! : 0;
    const hi = i >= from ? NIBBLE[buf[i--]!]! : 0;
    out[b] = (hi << 4) | lo;
  }
}

/** Exactly `out.length` bytes of hex up to a quote (not consumed). */
function fixed(out: Uint8Array): boolean {
  const stop = digitsEnd();
  if (stop !== at + 2 * out.length) return false;
  decode(at, stop, out, 0, out.length);
  at = stop;
  return true;
}

/** A quantity up to a quote, right-aligned in `out` (32 bytes); its significant bytes, or -1. */
function quantity(out: Uint8Array, maxBytes: number): number {
  const stop = digitsEnd();
  if (stop <= at) return -1;
  let first = at;
  while (first < stop && buf[first] === 0x30) first++;
  const bytes = (stop - first + 1) >> 1;
  if (bytes > maxBytes) return -1;
  decode(first, stop, out, 32 - bytes, bytes);
  at = stop;
  return bytes;
}

/** A storage word ("0x" + 1..64 digits) in quotes, into out[offset, offset + 32). */
function word(out: Uint8Array, offset: number): boolean {
  if (at + 3 > end || buf[at] !== QUOTE || buf[at + 1] !== 0x30 || buf[at + 2] !== 0x78) return false;
  at += 3;
  const stop = digitsEnd();
  if (stop <= at || stop - at > 64) return false;
  decode(at, stop, out, offset, 32);
  at = stop + 1;
  return true;
}

/**
 * Whether the digits buf[from, to) come strictly after buf[prevFrom, prevTo) as strings compare
 * (a prefix first): the order a sorted storage object has, so its text can be copied verbatim.
 */
function after(prevFrom: number, prevTo: number, from: number, to: number): boolean {
  const n = Math.min(prevTo - prevFrom, to - from);
  for (let i = 0; i < n; i++) {
    const d = buf[from + i]! - buf[prevFrom + i]!;
    if (d !== 0) return d > 0;
  }
  return to - from > prevTo - prevFrom;
}

/** Code hex digits (an even number) up to a quote, decoded into out.code; `at` ends past the quote. */
function code(out: AccountBytes): boolean {
  const stop = digitsEnd();
  if (stop < 0 || (stop - at) % 2 !== 0) return false;
  decode(at, stop, out.codeOf((stop - at) >> 1), 0, (stop - at) >> 1);
  at = stop + 1;
  return true;
}

function storage(out: AccountBytes): boolean {
  let n = 0;
  if (buf[at] === 0x7d /* } */) {
    at++;
    return true;
  }
  let prevFrom = 0;
  let prevTo = 0;
  for (;;) {
    out.reserveSlots(n + 1);
    const from = at + 3;
    if (!word(out.slots, n * 32)) return false;
    if (n > 0 && out.storageSorted && !after(prevFrom, prevTo, from, at - 1)) out.storageSorted = false;
    prevFrom = from;
    prevTo = at - 1;
    if (buf[at++] !== 0x3a /* : */ || !word(out.values, n * 32)) return false;
    n++;
    const next = buf[at++];
    if (next === 0x7d) break;
    if (next !== 0x2c /* , */) return false;
  }
  out.slotCount = n;
  return true;
}

/** Points the parser at line[start, stop) and clears what a line may or may not set in `out`. */
function begin(line: Uint8Array, start: number, stop: number, out: AccountBytes): void {
  buf = line;
  at = start;
  end = stop;
  out.addressText = undefined;
  out.record = undefined;
  out.line = null;
  out.code = null;
  out.slotCount = 0;
  out.hasStorageRoot = false;
  out.storageSorted = true;
}

/**
 * Decodes line[start, end) (without its line break) into `out`; false if the line is not in the
 * form above, in which case `out` holds nothing meaningful.
 */
export function parseAccountLine(line: Uint8Array, start: number, stop: number, out: AccountBytes): boolean {
  begin(line, start, stop, out);
  out.line = line;
  const spans = out.spans;
  spans.start = start;
  spans.end = stop;
  // Zero unless this line has a storage object (even an empty one, which accountLine leaves out).
  spans.storageEnd = 0;
  if (!(literal(KEY) && fixed(out.key) && literal(ADDRESS))) return false;
  spans.address = at - 3;
  if (!(fixed(out.address) && literal(BALANCE))) return false;
  // BALANCE begins with the address's closing quote.
  spans.addressEnd = at - BALANCE.length + 1;
  spans.balance = at - 3;
  out.balanceLength = quantity(out.balance, 32);
  if (out.balanceLength < 0) return false;
  spans.balanceEnd = at + 1;
  if (!literal(NONCE)) return false;
  spans.nonce = at - 3;
  out.nonceLength = quantity(out.nonce, 8);
  if (out.nonceLength < 0) return false;
  spans.nonceEnd = at + 1;
  if (!literal(CODE_HASH) || !fixed(out.codeHash)) return false;
  if (buf[at++] !== QUOTE) return false;
  if (literal(CODE)) {
    spans.code = at - 3;
    if (!code(out)) return false;
    spans.codeEnd = at;
  }
  if (literal(STORAGE)) {
    spans.storage = at - 1;
    if (!storage(out)) return false;
    spans.storageEnd = at;
  }
  if (literal(STORAGE_ROOT)) {
    if (!fixed(out.storageRoot) || buf[at++] !== QUOTE) return false;
    out.hasStorageRoot = true;
  }
  return at + 1 === end && buf[at] === 0x7d;
}

const ALLOC_ADDRESS = text('"0x');
const ALLOC_BALANCE = text('":{"balance":"0x');
const ALLOC_NONCE = text('","nonce":"0x');

/**
 * Decodes one alloc entry of a geth genesis, as the run's genesis writer writes it (allocEntry,
 * src/genesis/gethGenesisWriter.ts; a trailing comma allowed):
 *
 *   "0x…":{"balance":"0x…","nonce":"0x…"[,"code":"0x…"][,"storage":{"0x…":"0x…",…}]}[,]
 *
 * into `out`: address, balance, nonce, code and storage. An alloc entry names no key and no code
 * hash: those are the caller's to derive (keccak of the address and of the code). False for any
 * other form, which the caller then parses as JSON; as parseAccountLine, it never decides that a
 * line is bad.
 */
export function parseAllocLine(line: Uint8Array, start: number, stop: number, out: AccountBytes): boolean {
  begin(line, start, stop, out);
  if (end > start && buf[end - 1] === 0x2c /* , */) end--;
  if (!(literal(ALLOC_ADDRESS) && fixed(out.address) && literal(ALLOC_BALANCE))) return false;
  out.balanceLength = quantity(out.balance, 32);
  if (out.balanceLength < 0 || !literal(ALLOC_NONCE)) return false;
  out.nonceLength = quantity(out.nonce, 8);
  if (out.nonceLength < 0 || buf[at++] !== QUOTE) return false;
  if (literal(CODE) && !code(out)) return false;
  if (literal(STORAGE) && !storage(out)) return false;
  return at + 1 === end && buf[at] === 0x7d;
}
