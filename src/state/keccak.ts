import { createKeccak } from 'hash-wasm';
import { bytesToHex, hexToBytes, type Hex } from './hex.js';
import { INPUT_BYTES, loadDirectKeccak, type DirectKeccak } from './keccakWasm.js';

// hash-wasm's Keccak runs as WASM (several times @noble/hashes). It is driven directly over its own
// memory (keccakWasm.ts), or through its public IHasher where that is not possible. Creating it is
// async, hashing is sync; one instance serves all callers, which are all on one thread.
let keccak: DirectKeccak | undefined;
let loading: Promise<void> | undefined;

export function keccakReady(): Promise<void> {
  loading ??= (async () => {
    keccak = (await loadDirectKeccak()) ?? (await viaHasher());
  })();
  return loading;
}

/** The same interface over hash-wasm's public API: the input area is plain memory, copied in. */
async function viaHasher(): Promise<DirectKeccak> {
  const hasher = await createKeccak(256);
  const input = new Uint8Array(INPUT_BYTES);
  const hash = (data: Uint8Array) => input.set(hasher.init().update(data).digest('binary'));
  return { input, hash, hashInput: (length) => hash(input.subarray(0, length)) };
}

function ready(): DirectKeccak {
  if (!keccak) throw new Error('keccak256 used before keccakReady() resolved');
  return keccak;
}

export function keccak256(data: Uint8Array): Uint8Array {
  const k = ready();
  k.hash(data);
  return k.input.slice(0, 32);
}

/** keccak256(data) written to out[offset, offset + 32), without allocating. */
export function keccak256Into(data: Uint8Array, out: Uint8Array, offset = 0): void {
  const k = ready();
  k.hash(data);
  out.set(k.input.subarray(0, 32), offset);
}

/**
 * Where to write data to hash in place (KECCAK_INPUT_BYTES long): no copy into the hasher. Valid
 * until the next hash of any kind, which overwrites it.
 */
export function keccakInput(): Uint8Array {
  return ready().input;
}

export const KECCAK_INPUT_BYTES = INPUT_BYTES;

/** keccak256 of keccakInput()[0, length): the digest is left in keccakInput()[0, 32). */
export function hashKeccakInput(length: number): void {
  ready().hashInput(length);
}

export function keccak256Hex(data: Uint8Array | Hex): Hex {
  return bytesToHex(keccak256(typeof data === 'string' ? hexToBytes(data) : data));
}

export const EMPTY_CODE_HASH: Hex = '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470';
export const EMPTY_TRIE_ROOT: Hex = '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421';
