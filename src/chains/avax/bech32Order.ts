import { bech32 } from '@scure/base';

/**
 * The order of bech32 addresses as strings, computed from their 20-byte short IDs. Owner files are
 * sorted as strings (`[...owners].sort()`), and for one HRP every address has the same length (the
 * HRP, "1", 32 data characters, 6 of checksum), so two addresses first differ in a data character
 * or, with equal data, not at all. But the data alphabet ("qpzry9x8…") is not in character-code
 * order: word 0 is "q" and word 1 is "p", so the byte order of the IDs is not the string order.
 * The order here ranks each 5-bit word by its character's place among the alphabet's characters.
 */

const WORDS = 32;

/** Each 5-bit word's character, read from the codec itself rather than a copy of its alphabet. */
const CHARACTERS = Array.from({ length: WORDS }, (_, word) => bech32.encode('a', [word]).charAt(2));

/** RANK[word]: the place of the word's character among the alphabet's, in character-code order. */
const RANK = (() => {
  const byCharacter = [...CHARACTERS].sort();
  return Uint8Array.from(CHARACTERS, (c) => byCharacter.indexOf(c));
})();

/** Data characters the sort key covers: 6 of 5 bits (30 bits, the first 30 bits of the ID). */
const KEY_WORDS = 6;

/**
 * The first six data characters' ranks packed into 30 bits: of two IDs, the one with the smaller
 * key has the smaller address; equal keys need the whole address compared.
 */
export function orderKey(id: Uint8Array): number {
  const head = ((id[0]! << 24) | (id[1]! << 16) | (id[2]! << 8) | id[3]!) >>> 0;
  let key = 0;
  for (let w = 0; w < KEY_WORDS; w++) key = key * WORDS + RANK[(head >>> (27 - 5 * w)) & (WORDS - 1)]!;
  return key;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Positions 0 … count - 1 ordered by the bech32 address (with `hrp`) of the ID at each. Each
 * position and its key share one 64-bit word, key above position, so the engine's native numeric
 * sort of a BigUint64Array orders them (no comparator call per comparison: seconds, not minutes,
 * for millions); the rare runs of equal keys are then ordered by their encoded addresses. Costs 8
 * bytes a position while it runs; the result is a view of the same memory.
 */
export function positionsInAddressOrder(count: number, idAt: (position: number) => Uint8Array, hrp: string): Uint32Array {
  const packed = new BigUint64Array(count);
  const halves = new Uint32Array(packed.buffer);
  const [low, high] = LITTLE_ENDIAN ? [0, 1] : [1, 0];
  for (let p = 0; p < count; p++) {
    halves[2 * p + high] = orderKey(idAt(p));
    halves[2 * p + low] = p;
  }
  packed.sort();
  for (let start = 0, end = 1; start < count; start = end, end = start + 1) {
    while (end < count && halves[2 * end + high] === halves[2 * start + high]) end++;
    if (end - start > 1) orderRun(halves, start, end, low, (p) => bech32.encodeFromBytes(hrp, idAt(p)));
  }
  // Positions moved down to the front: the write at i never passes the reads still to come (2j + low, j > i).
  for (let i = 0; i < count; i++) halves[i] = halves[2 * i + low]!;
  return halves.subarray(0, count);
}

/** Orders the positions of words start … end - 1 (equal keys) by their whole addresses. */
function orderRun(halves: Uint32Array, start: number, end: number, low: number, addressOf: (position: number) => string): void {
  const run: Array<{ position: number; address: string }> = [];
  for (let i = start; i < end; i++) run.push({ position: halves[2 * i + low]!, address: addressOf(halves[2 * i + low]!) });
  run.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  for (const [k, { position }] of run.entries()) halves[2 * (start + k) + low] = position;
}
