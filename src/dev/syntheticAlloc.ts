import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AtomicFile } from '../artifacts/atomicFile.js';
import { partitionBounds } from '../chains/evm/gethExport.js';
import type { AccountRecord } from '../state/account.js';
import type { Hex } from '../state/hex.js';
import { EMPTY_CODE_HASH, keccak256, keccakReady } from '../state/keccak.js';
import { accountLine } from '../state/jsonl.js';
import { storageRoot } from '../state/stateRoot.js';
import { StatsAccumulator, type StateStats } from '../state/stats.js';
import { mulberry32 as rng } from './mulberry32.js';

/**
 * A synthetic state for the benchmark and the export tests, the same for the same (accounts, seed),
 * built in seconds where filling a chain by transactions takes minutes: every tenth account is
 * a contract with 10–100 storage slots (half Solidity-style small slots, half mapping-style hashed
 * slots) and code from a pool of shared bytecodes; the others are funded EOAs. Records are written
 * exactly as an export writes them (same fields, same order, storage roots included), split into
 * the key ranges of `partitionBounds(partitions)`, so an export of a node initialised with this
 * state must reproduce the files byte for byte.
 */

export interface AllocSpec {
  accounts: number;
  seed: number;
  partitions: number;
}

export interface GeneratedAlloc {
  spec: AllocSpec;
  /** Partition files in key order. */
  files: Array<{ path: string; sha256: string; bytes: number; accounts: number }>;
  /** sha256 of all partition files concatenated in order: independent of the partitioning. */
  contentSha256: string;
  stats: StateStats;
}

function mix(seed: number, index: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ index;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

function randomBytes(next: () => number, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += 4) {
    const r = next();
    out[i] = r & 0xff;
    if (i + 1 < length) out[i + 1] = (r >>> 8) & 0xff;
    if (i + 2 < length) out[i + 2] = (r >>> 16) & 0xff;
    if (i + 3 < length) out[i + 3] = r >>> 24;
  }
  return out;
}

const CODE_POOL_SIZE = 64;

function codePool(seed: number): Array<{ code: Hex; codeHash: Hex }> {
  const pool: Array<{ code: Hex; codeHash: Hex }> = [];
  for (let i = 0; i < CODE_POOL_SIZE; i++) {
    const next = rng(mix(seed ^ 0x5eed, i));
    const length = 200 + (next() % 1200);
    const code = randomBytes(next, length);
    // Start every contract with PUSH1 0x80 PUSH1 0x40 MSTORE, like solc output.
    code.set([0x60, 0x80, 0x60, 0x40, 0x52], 0);
    pool.push({ code: `0x${code.toString('hex')}`, codeHash: `0x${Buffer.from(keccak256(code)).toString('hex')}` });
  }
  return pool;
}

function word(bytes: Buffer): Hex {
  return `0x${bytes.toString('hex').padStart(64, '0')}`;
}

/** The record of account `index` (its place in generation order, not in key order). */
function accountAt(seed: number, index: number, address: Buffer, key: Buffer, pool: Array<{ code: Hex; codeHash: Hex }>): AccountRecord {
  const next = rng(mix(seed, index));
  const balance = (BigInt(next() % 0x100000) << 48n) | (BigInt(next()) << 16n) | BigInt((next() % 0xffff) + 1);
  const record: AccountRecord = {
    key: `0x${key.toString('hex')}`,
    address: `0x${address.toString('hex')}`,
    balance: `0x${balance.toString(16)}`,
    nonce: '0x0',
    codeHash: EMPTY_CODE_HASH,
  };
  if (index % 10 !== 0) {
    record.nonce = `0x${(next() % 1000).toString(16)}`;
    return record;
  }
  const code = pool[next() % pool.length]!;
  record.nonce = '0x1';
  record.code = code.code;
  record.codeHash = code.codeHash;
  const slots = 10 + (next() % 91);
  const storage: Record<Hex, Hex> = {};
  for (let j = 0; j < slots; j++) {
    const slot = j < slots >> 1 ? word(Buffer.from(j.toString(16).padStart(2, '0'), 'hex')) : word(randomBytes(next, 32));
    const value = randomBytes(next, 1 + (next() % 32));
    value[0] = value[0]! | 1; // never zero: a zero slot is an absent slot
    storage[slot] = word(value);
  }
  record.storage = storage;
  record.storageRoot = storageRoot(storage);
  return record;
}

/** Addresses and keys of all accounts, and the generation indices in key order. */
function keysInOrder(spec: AllocSpec): { addresses: Buffer; keys: Buffer; order: Uint32Array } {
  const n = spec.accounts;
  const addresses = Buffer.alloc(n * 20);
  const keys = Buffer.alloc(n * 32);
  const preimage = Buffer.alloc(8);
  for (let i = 0; i < n; i++) {
    preimage.writeUInt32BE(spec.seed >>> 0, 0);
    preimage.writeUInt32BE(i, 4);
    const address = keccak256(preimage).subarray(12);
    addresses.set(address, i * 20);
    keys.set(keccak256(address), i * 32);
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const head = new Float64Array(n);
  for (let i = 0; i < n; i++) head[i] = keys.readUInt32BE(i * 32) * 2 ** 21 + (keys.readUInt32BE(i * 32 + 4) >>> 11);
  order.sort((a, b) => head[a]! - head[b]! || Buffer.compare(keys.subarray(a * 32, a * 32 + 32), keys.subarray(b * 32, b * 32 + 32)));
  return { addresses, keys, order };
}

export async function generateAlloc(spec: AllocSpec, dir: string): Promise<GeneratedAlloc> {
  await keccakReady();
  await mkdir(dir, { recursive: true });
  const pool = codePool(spec.seed);
  const { addresses, keys, order } = keysInOrder(spec);
  const bounds = partitionBounds(spec.partitions);
  const files: GeneratedAlloc['files'] = [];
  const total = new StatsAccumulator();
  const content = createHash('sha256');
  let at = 0;
  for (let p = 0; p < bounds.length; p++) {
    const end = bounds[p]!.end;
    const path = join(dir, `part-${String(p).padStart(3, '0')}.jsonl`);
    const out = await AtomicFile.create(path);
    let accounts = 0;
    for (; at < order.length; at++) {
      const i = order[at]!;
      const key = keys.subarray(i * 32, i * 32 + 32);
      if (end !== null && `0x${key.toString('hex')}` >= end) break;
      const record = accountAt(spec.seed, i, addresses.subarray(i * 20, i * 20 + 20), key, pool);
      const line = accountLine(record);
      content.update(line);
      await out.write(line);
      total.add(record);
      accounts++;
    }
    const written = await out.commit();
    files.push({ path, sha256: written.sha256, bytes: written.bytes, accounts });
  }
  return { spec, files, contentSha256: content.digest('hex'), stats: total.snapshot() };
}
