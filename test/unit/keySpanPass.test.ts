import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AtomicFile } from '../../src/artifacts/atomicFile.js';
import { mulberry32Fraction as prng } from '../../src/dev/mulberry32.js';
import { buildEvmGenesis } from '../../src/genesis/buildEvmGenesis.js';
import { postMergeChainConfig } from '../../src/genesis/chainConfig.js';
import { GethGenesisWriter } from '../../src/genesis/gethGenesisWriter.js';
import type { AccountRecord } from '../../src/state/account.js';
import { bytesToHex, toQuantity, type Hex } from '../../src/state/hex.js';
import { accountLine } from '../../src/state/jsonl.js';
import { EMPTY_CODE_HASH, keccak256Hex, keccakReady } from '../../src/state/keccak.js';
import { keySpanPass } from '../../src/state/keySpanPass.js';
import { computeStateRoot, stateRootOfFiles, type PassThreads } from '../../src/state/stateRoot.js';

// The pass split into key spans (on worker threads, or one after another on this thread) must give
// the single-threaded pass's root, genesis bytes and failures, however the partitions fall.

const bytes = (rand: () => number, n: number) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));

function account(rand: () => number, i: number): AccountRecord {
  const address = bytesToHex(bytes(rand, 20));
  const record: AccountRecord = {
    key: keccak256Hex(address),
    address,
    balance: toQuantity(BigInt(Math.floor(rand() * 1e15)) * 10n ** 9n),
    nonce: toQuantity(BigInt(Math.floor(rand() * 100))),
    codeHash: EMPTY_CODE_HASH,
  };
  if (i % 4 === 0) {
    const code = bytesToHex(bytes(rand, 1 + Math.floor(rand() * 100)));
    record.code = code;
    record.codeHash = keccak256Hex(code);
    const storage: Record<Hex, Hex> = {};
    for (let s = 0; s < Math.floor(rand() * 8); s++) storage[bytesToHex(bytes(rand, 32))] = `0x${(1 + Math.floor(rand() * 1e9)).toString(16)}`;
    record.storage = storage;
  }
  return record;
}

/** `count` accounts in key order whose key passes `keep`. */
function state(seed: number, count: number, keep: (key: string) => boolean = () => true): AccountRecord[] {
  const rand = prng(seed);
  const out: AccountRecord[] = [];
  for (let i = 0; out.length < count; i++) {
    const a = account(rand, i);
    if (keep(a.key)) out.push(a);
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : 1));
}

let dir: string;
let fileNo = 0;

/** Writes the records as partitions split at the given keys (hex prefixes; a split may leave a partition empty). */
function partitions(records: AccountRecord[], splits: string[]): string[] {
  const bounds = [...splits.map((s) => s.padEnd(66, '0')), undefined];
  let from = 0;
  return bounds.map((bound) => {
    let to = from;
    while (to < records.length && (bound === undefined || records[to]!.key < bound)) to++;
    const path = join(dir, `part-${++fileNo}.jsonl`);
    writeFileSync(path, records.slice(from, to).map(accountLine).join(''));
    from = to;
    return path;
  });
}

const header = { config: postMergeChainConfig(7777), timestamp: 1_900_000_000, gasLimit: 30_000_000 };

/** The genesis as the record writer (GethGenesisWriter) makes it: the bytes the pass must reproduce. */
async function recordGenesis(records: AccountRecord[]): Promise<string> {
  const parts: string[] = [];
  const writer = new GethGenesisWriter({ write: async (chunk) => void parts.push(chunk) }, header);
  for (const r of records) await writer.add(r);
  await writer.finish();
  return parts.join('');
}

async function genesis(paths: string[], options: PassThreads) {
  const out = join(dir, `genesis-${++fileNo}.json`);
  const result = await buildEvmGenesis(paths, header, await AtomicFile.create(out), 'ethereum', undefined, options);
  return { ...result, text: readFileSync(out, 'utf8') };
}

const SPLITS: Record<string, string[]> = {
  'on nibbles (4)': ['0x4', '0x8', '0xc'],
  'one third each': ['0x5555', '0xaaaa'],
  'empty partitions': ['0x0', '0x3', '0x3', '0xf8'],
  'odd bounds': ['0x17', '0x2f', '0x9e1', '0xd0'],
  'one file': [],
};

describe('key span pass', () => {
  beforeAll(async () => {
    await keccakReady();
    dir = mkdtempSync(join(tmpdir(), 'key-spans-'));
  });

  it('gives the single-threaded root for every split, thread count and span layout', async () => {
    const records = state(1, 400);
    const want = await computeStateRoot(records);
    for (const [name, splits] of Object.entries(SPLITS)) {
      const paths = partitions(records, splits);
      expect((await stateRootOfFiles(paths, 'ethereum', { threads: 1 })).stateRoot, name).toBe(want);
      for (const threads of [2, 3, 5, 16, 17, 40]) {
        expect(await stateRootOfFiles(paths, 'ethereum', { threads, inline: true }), `${name}, ${threads} spans`).toEqual({ stateRoot: want, accounts: 400 });
      }
    }
  });

  it('gives the same root and genesis bytes on worker threads', async () => {
    const records = state(2, 300);
    const want = await computeStateRoot(records);
    const wantGenesis = await recordGenesis(records);
    for (const splits of [SPLITS['on nibbles (4)']!, SPLITS['one third each']!]) {
      const paths = partitions(records, splits);
      for (const threads of [2, 3]) {
        expect(await stateRootOfFiles(paths, 'ethereum', { threads })).toEqual({ stateRoot: want, accounts: 300 });
        const g = await genesis(paths, { threads });
        expect(g.stateRoot).toBe(want);
        expect(g.text).toBe(wantGenesis);
        expect(g.threads.map((t) => t.thread)).toEqual(['main', ...Array<string>(threads - 1).fill('worker')]);
        expect(g.threads.reduce((n, t) => n + t.accounts, 0)).toBe(300);
      }
    }
    // No scratch file is left beside the genesis.
    expect(readdirSync(dir).filter((f) => f.includes('.span-'))).toEqual([]);
  });

  it('writes the genesis bytes of one thread for every split, with stats equal', async () => {
    const records = state(3, 250);
    const wantGenesis = await recordGenesis(records);
    const one = await genesis(partitions(records, SPLITS['one third each']!), { threads: 1 });
    expect(one.text).toBe(wantGenesis);
    expect(one.stateRoot).toBe(await computeStateRoot(records));
    for (const [name, splits] of Object.entries(SPLITS)) {
      for (const threads of [2, 3, 17]) {
        const g = await genesis(partitions(records, splits), { threads, inline: true });
        expect(g.text, `${name}, ${threads} spans`).toBe(wantGenesis);
        expect(g.stats).toEqual(one.stats);
        expect(g.stateRoot).toBe(one.stateRoot);
      }
    }
  });

  it('handles a single account, all keys under one nibble, and no accounts', async () => {
    for (const records of [state(4, 1), state(5, 60, (k) => k.startsWith('0x7')), []]) {
      const want = await computeStateRoot(records);
      const wantGenesis = await recordGenesis(records);
      for (const splits of [SPLITS['on nibbles (4)']!, SPLITS['odd bounds']!]) {
        const paths = partitions(records, splits);
        for (const threads of [2, 4, 17]) {
          expect((await stateRootOfFiles(paths, 'ethereum', { threads, inline: true })).stateRoot).toBe(want);
          expect((await genesis(paths, { threads, inline: true })).text).toBe(wantGenesis);
        }
      }
    }
  });

  it('writes the same bytes across output buffers, with an entry larger than one', async () => {
    const records = state(8, 2500);
    // 700 KB of code and 2,000 slots: one alloc entry of well over 1 MiB.
    const big = records[1234]!;
    const rand = prng(9);
    big.code = bytesToHex(bytes(rand, 700_000));
    big.codeHash = keccak256Hex(big.code);
    const slots = Array.from({ length: 2000 }, (): [Hex, Hex] => [bytesToHex(bytes(rand, 32)), bytesToHex(bytes(rand, 32)).replace(/^0x00/, '0x01') as Hex]);
    big.storage = Object.fromEntries(slots) as Record<Hex, Hex>;
    const wantGenesis = await recordGenesis(records);
    const paths = partitions(records, SPLITS['one third each']!);
    for (const options of [{ threads: 1 }, { threads: 3, inline: true }]) {
      const g = await genesis(paths, options);
      expect(g.text.length).toBe(wantGenesis.length);
      expect(g.text === wantGenesis).toBe(true);
    }
  });

  it('reports progress in increasing totals, one call at a time, from every thread', async () => {
    const records = state(10, 400);
    const paths = partitions(records, SPLITS['on nibbles (4)']!);
    for (const options of [{ inline: true }, { inline: false }]) {
      const seen: number[] = [];
      let running = 0;
      const progress = async (accounts: number) => {
        expect(running++).toBe(0);
        seen.push(accounts);
        await new Promise((resolve) => setTimeout(resolve, 1));
        running--;
      };
      const pass = await keySpanPass(paths, 2, { encoding: 'ethereum', progress, progressEvery: 50, ...options });
      expect(pass.accounts).toBe(400);
      expect(seen.length).toBeGreaterThan(0);
      expect([...seen].sort((a, b) => a - b)).toEqual(seen);
      expect(seen.at(-1)).toBeLessThanOrEqual(400);
    }
  });

  it('lets a failing progress call through as it is, and stops the workers', async () => {
    const paths = partitions(state(11, 300), SPLITS['on nibbles (4)']!);
    class Cancelled extends Error {}
    const progress = async () => {
      throw new Cancelled('heartbeat cancelled');
    };
    for (const inline of [true, false]) {
      await expect(keySpanPass(paths, 2, { encoding: 'ethereum', progress, progressEvery: 10, inline })).rejects.toBeInstanceOf(Cancelled);
    }
  });

  it('copies lines in other forms and unsorted storage as the record writer writes them', async () => {
    const records = state(6, 120);
    const lines = records.map((r, i) => {
      if (i % 7 === 0) return `${JSON.stringify(r, null, 1).replace(/\n/g, '')}\n`; // another spacing: read through JSON.parse
      if (i % 5 === 0 && r.storage && Object.keys(r.storage).length > 1) {
        const reversed = Object.fromEntries(Object.entries(r.storage).sort(([a], [b]) => (a < b ? 1 : -1)));
        return accountLine({ ...r, storage: undefined }).replace(/}\n$/, `,"storage":${JSON.stringify(reversed)}}\n`);
      }
      return accountLine(r);
    });
    const path = join(dir, 'mixed.jsonl');
    writeFileSync(path, lines.join(''));
    const half = join(dir, 'mixed-2.jsonl');
    writeFileSync(half, '');
    const wantGenesis = await recordGenesis(records);
    for (const options of [{ threads: 1 }, { threads: 3, inline: true }]) {
      const g = await genesis([path, half], options);
      expect(g.text).toBe(wantGenesis);
      expect(g.stateRoot).toBe(await computeStateRoot(records));
    }
  });

  it('fails as the single-threaded pass does: keys out of order across and within files, a bad line in a later span', async () => {
    const records = state(7, 200);
    const cases: Array<[string, string[]]> = [];
    // The second file starts below the first one's last key.
    const [a, b] = partitions(records, ['0x8']);
    const overlap = join(dir, 'overlap.jsonl');
    writeFileSync(overlap, readFileSync(a!, 'utf8').split('\n').slice(-3).join('\n') + readFileSync(b!, 'utf8'));
    cases.push(['across files', [a!, overlap]]);
    // Two lines swapped in the last span's keys.
    const swapped = [...records];
    [swapped[180], swapped[181]] = [swapped[181]!, swapped[180]!];
    cases.push(['within a file', partitions(swapped, ['0x4', '0x8'])]);
    // A code hash that does not match, in the last span, after a line out of order in the first.
    const bad = records.map((r) => ({ ...r }));
    bad[bad.findLastIndex((r) => r.code !== undefined)]!.codeHash = EMPTY_CODE_HASH;
    cases.push(['a bad account', partitions(bad, ['0x8'])]);
    const late = [...bad];
    [late[10], late[11]] = [late[11]!, late[10]!];
    cases.push(['the earlier of two faults', partitions(late, ['0x8'])]);
    for (const [name, paths] of cases) {
      const single = await stateRootOfFiles(paths, 'ethereum', { threads: 1 }).then(
        () => 'no error',
        (err: Error) => err.message,
      );
      expect(single, name).not.toBe('no error');
      for (const options of [{ threads: 2 }, { threads: 3, inline: true }, { threads: 17, inline: true }]) {
        await expect(stateRootOfFiles(paths, 'ethereum', options), `${name}, ${JSON.stringify(options)}`).rejects.toThrow(single);
        const target = join(dir, `failed-${++fileNo}.json`);
        await expect(buildEvmGenesis(paths, header, await AtomicFile.create(target), 'ethereum', undefined, options)).rejects.toThrow(single);
        expect(readdirSync(dir).filter((f) => f.startsWith(`failed-${fileNo}.json`))).toEqual([]);
      }
    }
  });
});
