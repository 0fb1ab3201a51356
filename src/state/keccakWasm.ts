import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * hash-wasm's Keccak module driven directly: one WASM call per hash over an input area in the
 * module's own memory, instead of its IHasher's init/update/digest (three calls, type checks and
 * a fresh digest array each time), which cost as much as the permutation itself on 32–600-byte
 * trie nodes. Callers write their input straight into that area.
 *
 * The module is hash-wasm's own (the binary its keccak build embeds), loaded from the installed
 * package; `undefined` when that file is not where hash-wasm 4.x puts it or does not hash the
 * known vectors, and then the caller keeps to hash-wasm's public API.
 */

/** How many bytes one update may take (hash-wasm's MAX_HEAP). */
export const INPUT_BYTES = 16 * 1024;

// The project's lib settings carry no WebAssembly types; this is the little used here.
const wasm = (
  globalThis as unknown as {
    WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: unknown } }> };
  }
).WebAssembly;

interface KeccakExports {
  memory: { buffer: ArrayBuffer };
  Hash_GetBuffer(): number;
  Hash_Init(bits: number): void;
  Hash_Update(length: number): void;
  Hash_Final(padding: number): void;
  Hash_Calculate(length: number, bits: number, padding: number): void;
}

export interface DirectKeccak {
  /** The input area: INPUT_BYTES of WASM memory; a digest overwrites its first 32 bytes. */
  input: Uint8Array;
  /** keccak256 of input[0, length) (length ≤ INPUT_BYTES), left in input[0, 32). */
  hashInput(length: number): void;
  /** keccak256 of `data` of any length, left in input[0, 32). */
  hash(data: Uint8Array): void;
}

const KECCAK_PADDING = 0x01;

function moduleBytes(): Uint8Array | undefined {
  try {
    const require = createRequire(import.meta.url);
    const file = join(dirname(require.resolve('hash-wasm')), 'keccak.umd.min.js');
    const match = /name:"sha3",data:"([A-Za-z0-9+/=]+)"/.exec(readFileSync(file, 'utf8'));
    return match ? new Uint8Array(Buffer.from(match[1]!, 'base64')) : undefined;
  } catch {
    return undefined;
  }
}

const VECTORS: Array<[string, string]> = [
  ['', 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'],
  ['abc', '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45'],
];

export async function loadDirectKeccak(): Promise<DirectKeccak | undefined> {
  const bytes = moduleBytes();
  if (!bytes) return undefined;
  let exports: KeccakExports;
  try {
    const { instance } = await wasm.instantiate(bytes, {});
    exports = instance.exports as unknown as KeccakExports;
  } catch {
    return undefined;
  }
  const offset = exports.Hash_GetBuffer();
  // The module never grows its memory, so this view stays valid.
  const input = new Uint8Array(exports.memory.buffer, offset, INPUT_BYTES);
  const direct: DirectKeccak = {
    input,
    hashInput(length) {
      exports.Hash_Calculate(length, 256, KECCAK_PADDING);
    },
    hash(data) {
      if (data.length <= INPUT_BYTES) {
        input.set(data);
        exports.Hash_Calculate(data.length, 256, KECCAK_PADDING);
        return;
      }
      exports.Hash_Init(256);
      for (let at = 0; at < data.length; at += INPUT_BYTES) {
        const chunk = data.subarray(at, at + INPUT_BYTES);
        input.set(chunk);
        exports.Hash_Update(chunk.length);
      }
      exports.Hash_Final(KECCAK_PADDING);
    },
  };
  for (const [text, digest] of VECTORS) {
    direct.hash(Buffer.from(text));
    if (Buffer.from(input.subarray(0, 32)).toString('hex') !== digest) return undefined;
  }
  return direct;
}
