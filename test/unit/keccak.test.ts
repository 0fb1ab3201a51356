import { keccak_256 } from '@noble/hashes/sha3.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashKeccakInput, KECCAK_INPUT_BYTES, keccak256, keccak256Into, keccakInput, keccakReady } from '../../src/state/keccak.js';
import { loadDirectKeccak } from '../../src/state/keccakWasm.js';

// The reference is @noble/hashes, which shares nothing with hash-wasm's WASM module.

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

// Around the sponge's rate (136), the node sizes of a trie, and the input area's size (chunking).
const LENGTHS = [
  0,
  1,
  20,
  31,
  32,
  33,
  135,
  136,
  137,
  272,
  532,
  4096,
  KECCAK_INPUT_BYTES - 1,
  KECCAK_INPUT_BYTES,
  KECCAK_INPUT_BYTES + 1,
  3 * KECCAK_INPUT_BYTES + 7,
];

beforeAll(async () => {
  await keccakReady();
});

describe('keccak256', () => {
  it('loads hash-wasm’s module for direct use (else every hash would take the slower public API)', async () => {
    expect(await loadDirectKeccak()).toBeDefined();
  });

  it('matches @noble/hashes at every length that matters, through each entry point', async () => {
    const direct = (await loadDirectKeccak())!;
    for (const [i, length] of LENGTHS.entries()) {
      const data = bytes(length, i + 1);
      const expected = hex(keccak_256(data));
      expect(hex(keccak256(data)), `keccak256, ${length} bytes`).toBe(expected);
      const out = new Uint8Array(40);
      keccak256Into(data, out, 5);
      expect(hex(out.subarray(5, 37)), `keccak256Into, ${length} bytes`).toBe(expected);
      direct.hash(data);
      expect(hex(direct.input.subarray(0, 32)), `direct, ${length} bytes`).toBe(expected);
      if (length <= KECCAK_INPUT_BYTES) {
        keccakInput().set(data);
        hashKeccakInput(length);
        expect(hex(keccakInput().subarray(0, 32)), `in place, ${length} bytes`).toBe(expected);
      }
    }
  });

  it('returns a digest of its own, not a view of the input area', () => {
    const first = keccak256(Uint8Array.of(1));
    const copy = hex(first);
    keccak256(Uint8Array.of(2));
    expect(hex(first)).toBe(copy);
  });
});
