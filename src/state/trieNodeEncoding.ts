import { hashKeccakInput, KECCAK_INPUT_BYTES, keccak256, keccakInput } from './keccak.js';
import { rlpHeaderLength, rlpStringLength, writeRlpHeader, writeRlpListHeader, writeRlpString } from './rlp.js';

/**
 * How a Merkle Patricia trie node becomes bytes, and the reference its parent keeps to it (after
 * go-ethereum's trie/node_enc.go and trie/hasher.go): leaves and extensions are
 * [hex-prefix key, value or child], branches [child0 … child15, value].
 *
 * Node keys are given as a nibble range [start, end) of a path, so the stack trie can encode
 * straight from the key being inserted without copying chunks out of it.
 *
 * Every node is encoded straight into the Keccak input area (keccakInput(): WASM memory, so hashing
 * copies nothing) and turned into its reference (copied, or hashed) before the next node is
 * encoded; a node too large for it (only with values of kilobytes) goes to a scratch buffer.
 * Like the hasher, both are shared by all tries: encoding is synchronous and all callers are on
 * one thread, which keeps the state root's hot path free of allocations beyond the references.
 */

/** A child that is already hashed: a 32-byte hash, or the node's RLP if shorter than 32 bytes. */
export type Ref = Uint8Array;

const HASH_LENGTH = 32;

let scratch = new Uint8Array(0);
/** Where the last node was encoded: the Keccak input area or `scratch`. */
let encoded: Uint8Array = scratch;

function reserve(length: number): Uint8Array {
  if (length <= KECCAK_INPUT_BYTES) {
    encoded = keccakInput();
  } else {
    if (scratch.length < length) scratch = new Uint8Array(Math.max(length, scratch.length * 2));
    encoded = scratch;
  }
  return encoded;
}

/**
 * Reference to the node just encoded (its first `length` bytes): embedded if shorter than a hash,
 * except for the root, which is always hashed.
 */
export function nodeRef(length: number, isRoot: boolean): Ref {
  if (length < HASH_LENGTH && !isRoot) return encoded.slice(0, length);
  if (encoded !== scratch) {
    hashKeccakInput(length);
    return encoded.slice(0, HASH_LENGTH);
  }
  return keccak256(scratch.subarray(0, length));
}

/** Encodes [compact(path[start, end), leaf), value]; returns its length. */
export function encodeLeaf(path: Uint8Array, start: number, end: number, value: Uint8Array): number {
  const keyItem = compactItemLength(end - start);
  const payload = keyItem + rlpStringLength(value);
  const total = rlpHeaderLength(payload) + payload;
  const buf = reserve(total);
  let at = writeRlpListHeader(buf, 0, payload);
  at = writeCompact(buf, at, path, start, end, true);
  writeRlpString(buf, at, value);
  return total;
}

/** Encodes [compact(path[start, end), extension), child]; returns its length. */
export function encodeExt(path: Uint8Array, start: number, end: number, childRef: Ref): number {
  const payload = compactItemLength(end - start) + refItemLength(childRef);
  const total = rlpHeaderLength(payload) + payload;
  const buf = reserve(total);
  let at = writeRlpListHeader(buf, 0, payload);
  at = writeCompact(buf, at, path, start, end, false);
  writeRef(buf, at, childRef);
  return total;
}

/** Encodes [child0 … child15, value]; returns its length. */
export function encodeBranch(children: (Ref | null)[], value: Uint8Array | null): number {
  let payload = value ? rlpStringLength(value) : 1;
  for (let i = 0; i < 16; i++) {
    const child = children[i];
    payload += child ? refItemLength(child) : 1;
  }
  const total = rlpHeaderLength(payload) + payload;
  const buf = reserve(total);
  let at = writeRlpListHeader(buf, 0, payload);
  for (let i = 0; i < 16; i++) {
    const child = children[i];
    if (child) {
      at = writeRef(buf, at, child);
    } else {
      buf[at++] = 0x80;
    }
  }
  if (value) writeRlpString(buf, at, value);
  else buf[at] = 0x80;
  return total;
}

/** Encoded length of a hex-prefix ("compact") key of `nibbles` nibbles as an RLP string. */
function compactItemLength(nibbles: number): number {
  const bytes = (nibbles >> 1) + 1;
  // A single compact byte is a flag byte (≤ 0x3f): RLP encodes it as itself.
  return bytes === 1 ? 1 : rlpHeaderLength(bytes) + bytes;
}

/** Writes the hex-prefix encoding of path[start, end) as an RLP string. */
function writeCompact(buf: Uint8Array, offset: number, path: Uint8Array, start: number, end: number, leaf: boolean): number {
  const nibbles = end - start;
  const bytes = (nibbles >> 1) + 1;
  let at = bytes === 1 ? offset : writeRlpHeader(buf, offset, bytes, 0x80);
  const flag = leaf ? 0x20 : 0x00;
  let i = start;
  if (nibbles & 1) {
    buf[at++] = flag | 0x10 | path[i++]!;
  } else {
    buf[at++] = flag;
  }
  for (; i < end; i += 2) buf[at++] = (path[i]! << 4) | path[i + 1]!;
  return at;
}

/** A hash is embedded as a 32-byte string, a short node as its own RLP. */
function refItemLength(ref: Ref): number {
  return ref.length === HASH_LENGTH ? HASH_LENGTH + 1 : ref.length;
}

function writeRef(buf: Uint8Array, offset: number, ref: Ref): number {
  if (ref.length === HASH_LENGTH) buf[offset++] = 0x80 + HASH_LENGTH;
  buf.set(ref, offset);
  return offset + ref.length;
}
