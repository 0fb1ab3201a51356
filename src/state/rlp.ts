/**
 * Recursive Length Prefix encoding, limited to what the state trie needs: byte strings and lists.
 * Integers are the caller's job (big-endian, leading zeros stripped, zero = empty string).
 *
 * Besides the tree encoder, the header and string writers are exported so the trie can encode
 * nodes straight into one reusable buffer instead of building intermediate arrays per node.
 */

export type RlpItem = Uint8Array | readonly RlpItem[];

const STRING_BASE = 0x80;
const LIST_BASE = 0xc0;

/** Bytes needed for the header of a string or list whose payload is `payloadLength` bytes. */
export function rlpHeaderLength(payloadLength: number): number {
  if (payloadLength < 56) return 1;
  let n = 1;
  for (let rest = payloadLength; rest > 0xff; rest = Math.floor(rest / 256)) n++;
  return 1 + n;
}

/**
 * Writes a header at `offset` and returns the offset just past it. `base` is 0x80 for a string,
 * 0xc0 for a list. (A single byte below 0x80 has no header; see rlpStringLength.)
 */
export function writeRlpHeader(target: Uint8Array, offset: number, payloadLength: number, base: typeof STRING_BASE | typeof LIST_BASE): number {
  if (payloadLength < 56) {
    target[offset] = base + payloadLength;
    return offset + 1;
  }
  const lengthBytes = rlpHeaderLength(payloadLength) - 1;
  target[offset] = base + 55 + lengthBytes;
  let rest = payloadLength;
  for (let i = lengthBytes; i >= 1; i--) {
    target[offset + i] = rest & 0xff;
    rest = Math.floor(rest / 256);
  }
  return offset + 1 + lengthBytes;
}

/** Encoded length of `bytes` as an RLP string. */
export function rlpStringLength(bytes: Uint8Array): number {
  const n = bytes.length;
  if (n === 1 && bytes[0]! < STRING_BASE) return 1;
  return rlpHeaderLength(n) + n;
}

/** Writes `bytes` as an RLP string at `offset`; returns the offset just past it. */
export function writeRlpString(target: Uint8Array, offset: number, bytes: Uint8Array): number {
  const n = bytes.length;
  if (n === 1 && bytes[0]! < STRING_BASE) {
    target[offset] = bytes[0]!;
    return offset + 1;
  }
  const at = writeRlpHeader(target, offset, n, STRING_BASE);
  target.set(bytes, at);
  return at + n;
}

/** Writes a list header at `offset`; returns the offset just past it. */
export function writeRlpListHeader(target: Uint8Array, offset: number, payloadLength: number): number {
  return writeRlpHeader(target, offset, payloadLength, LIST_BASE);
}

function encodedLength(item: RlpItem): number {
  if (item instanceof Uint8Array) return rlpStringLength(item);
  let payload = 0;
  for (const child of item) payload += encodedLength(child);
  return rlpHeaderLength(payload) + payload;
}

function write(target: Uint8Array, offset: number, item: RlpItem): number {
  if (item instanceof Uint8Array) return writeRlpString(target, offset, item);
  let payload = 0;
  for (const child of item) payload += encodedLength(child);
  let at = writeRlpListHeader(target, offset, payload);
  for (const child of item) at = write(target, at, child);
  return at;
}

export function encodeRlp(item: RlpItem): Uint8Array {
  const out = new Uint8Array(encodedLength(item));
  write(out, 0, item);
  return out;
}
