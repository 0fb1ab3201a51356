import { createKeccak, type IHasher } from 'hash-wasm';
import { bytesToHex, hexToBytes, type Hex } from './hex.js';

// hash-wasm's Keccak runs as WASM (~1.3M hashes/s here, several times @noble/hashes). Creating the
// hasher is async, hashing is sync; one hasher is reused because all callers are on one thread.
let hasher: IHasher | undefined;

export async function keccakReady(): Promise<void> {
  hasher ??= await createKeccak(256);
}

export function keccak256(data: Uint8Array): Uint8Array {
  if (!hasher) throw new Error('keccak256 used before keccakReady() resolved');
  hasher.init();
  hasher.update(data);
  return hasher.digest('binary');
}

export function keccak256Hex(data: Uint8Array | Hex): Hex {
  return bytesToHex(keccak256(typeof data === 'string' ? hexToBytes(data) : data));
}

export const EMPTY_CODE_HASH: Hex = '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470';
export const EMPTY_TRIE_ROOT: Hex = '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421';
