import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AtomicFile } from '../../src/artifacts/atomicFile.js';
import { buildEvmGenesis } from '../../src/genesis/buildEvmGenesis.js';
import { postMergeChainConfig } from '../../src/genesis/chainConfig.js';
import type { AccountRecord } from '../../src/state/account.js';
import { bytesToHex, toQuantity, type Hex } from '../../src/state/hex.js';
import { accountLine } from '../../src/state/jsonl.js';
import { computeStateRoot } from '../../src/state/stateRoot.js';
import { keccak256Hex, keccakReady, EMPTY_CODE_HASH } from '../../src/state/keccak.js';
import { mulberry32Fraction as prng } from '../../src/dev/mulberry32.js';

function randomBytes(rand: () => number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
}

function randomState(seed: number, count: number): AccountRecord[] {
  const rand = prng(seed);
  const records: AccountRecord[] = [];
  for (let i = 0; i < count; i++) {
    const address = bytesToHex(randomBytes(rand, 20));
    const record: AccountRecord = {
      key: keccak256Hex(address),
      address,
      balance: toQuantity(BigInt(Math.floor(rand() * 1e15)) * 10n ** 6n),
      nonce: toQuantity(BigInt(Math.floor(rand() * 100))),
      codeHash: EMPTY_CODE_HASH,
    };
    if (i % 5 === 0) {
      const code = bytesToHex(randomBytes(rand, 1 + Math.floor(rand() * 200)));
      record.code = code;
      record.codeHash = keccak256Hex(code);
      const storage: Record<Hex, Hex> = {};
      for (let s = 0; s < Math.floor(rand() * 20); s++) {
        storage[bytesToHex(randomBytes(rand, 32))] = `0x${bytesToHex(randomBytes(rand, 32)).slice(2).replace(/^00/, '01')}`;
      }
      record.storage = storage;
    }
    records.push(record);
  }
  return records.sort((a, b) => (a.key < b.key ? -1 : 1));
}

describe('geth genesis writer', () => {
  let dir: string;
  let parts: string[];
  let records: AccountRecord[];

  beforeAll(async () => {
    await keccakReady();
    dir = mkdtempSync(join(tmpdir(), 'genesis-test-'));
    records = randomState(42, 300);
    // Two partitions, as the export writes them: concatenated they are the whole state in key order.
    parts = [join(dir, 'part-000.jsonl'), join(dir, 'part-001.jsonl')];
    writeFileSync(parts[0]!, records.slice(0, 120).map(accountLine).join(''));
    writeFileSync(parts[1]!, records.slice(120).map(accountLine).join(''));
  });

  const header = { config: postMergeChainConfig(7777), timestamp: 1_900_000_000, gasLimit: 30_000_000 };

  it('writes the same bytes on every run (sha256 equal)', async () => {
    const a = await buildEvmGenesis(parts, header, await AtomicFile.create(join(dir, 'a.json')));
    const b = await buildEvmGenesis(parts, header, await AtomicFile.create(join(dir, 'b.json')));
    expect(a.genesis.sha256).toBe(b.genesis.sha256);
    expect(readFileSync(join(dir, 'a.json'))).toEqual(readFileSync(join(dir, 'b.json')));
  });

  it('holds every account, with the alloc root of the records', async () => {
    const result = await buildEvmGenesis(parts, header, await AtomicFile.create(join(dir, 'c.json')));
    const genesis = JSON.parse(readFileSync(join(dir, 'c.json'), 'utf8'));
    expect(Object.keys(genesis.alloc)).toHaveLength(records.length);
    expect(genesis.config.chainId).toBe(7777);
    expect(genesis.timestamp).toBe(`0x${(1_900_000_000).toString(16)}`);
    for (const r of records.slice(0, 50)) {
      const entry = genesis.alloc[r.address];
      expect(entry.balance).toBe(r.balance);
      expect(entry.code).toBe(r.code);
      expect(Object.keys(entry.storage ?? {}).length).toBe(Object.keys(r.storage ?? {}).length);
    }
    expect(result.stats.accounts).toBe(records.length);
    expect(result.stateRoot).toBe(await computeStateRoot(records));
    const total = records.reduce((sum, r) => sum + BigInt(r.balance), 0n);
    expect(result.stats.totalBalance).toBe(total.toString());
  });

  it('refuses accounts out of key order and leaves no file behind', async () => {
    const shuffled = join(dir, 'shuffled.jsonl');
    const reversed = [...records].reverse();
    writeFileSync(shuffled, reversed.map(accountLine).join(''));
    const target = join(dir, 'bad.json');
    // The first account out of order is named, with both keys, so the operator can find the partition.
    await expect(buildEvmGenesis([shuffled], header, await AtomicFile.create(target))).rejects.toThrow(
      `account ${reversed[1]!.address}: key ${reversed[1]!.key} is not after the previous key ${reversed[0]!.key}; records must be strictly increasing by key`,
    );
    expect(() => readFileSync(target)).toThrow();
    expect(() => readFileSync(`${target}.partial`)).toThrow();
  });
});
