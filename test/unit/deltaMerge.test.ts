import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionBounds } from '../../src/chains/evm/gethExport.js';
import { deltaLine, type DeltaEntry } from '../../src/export/delta.js';
import { mergeDelta, type MergeResult } from '../../src/export/mergeDelta.js';
import type { AccountRecord } from '../../src/state/account.js';
import type { Hex } from '../../src/state/hex.js';
import { accountLine, readJsonLines } from '../../src/state/jsonl.js';
import { EMPTY_CODE_HASH, keccak256Hex, keccakReady } from '../../src/state/keccak.js';
import { computeStateRoot, storageRoot } from '../../src/state/stateRoot.js';
import { StatsAccumulator } from '../../src/state/stats.js';

// The merge against the reference: the same final state written as a full export writes it
// (records in key order, split by partitionBounds, one accountLine each). Every case compares bytes.

const PARTITIONS = 4;
const byKey = (a: { key: Hex }, b: { key: Hex }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

function eoa(seed: number, balance = BigInt(seed) * 1_000_000_007n + 1n): AccountRecord {
  const address = keccak256Hex(`0x${seed.toString(16).padStart(8, '0')}`).slice(0, 42) as Hex;
  return { key: keccak256Hex(address), address, balance: `0x${balance.toString(16)}`, nonce: `0x${(seed % 7).toString(16)}`, codeHash: EMPTY_CODE_HASH };
}

function contract(seed: number, slots: Record<Hex, Hex>): AccountRecord {
  const code: Hex = `0x6001600055${seed.toString(16).padStart(4, '0')}`;
  return { ...eoa(seed, 0n), nonce: '0x1', code, codeHash: keccak256Hex(code), storage: slots, storageRoot: storageRoot(slots) };
}

const deletion = (r: AccountRecord): DeltaEntry => ({ key: r.key, address: r.address, deleted: true });

const word = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`;

/** `records` as a full export writes them: partition i holds the keys of partitionBounds(n)[i]. */
function writeExport(dir: string, records: readonly AccountRecord[], n = PARTITIONS): string[] {
  mkdirSync(dir, { recursive: true });
  const sorted = [...records].sort(byKey);
  return partitionBounds(n).map((bounds, i) => {
    const path = join(dir, `part-${i}.jsonl`);
    const inRange = sorted.filter((r) => r.key >= bounds.start && (bounds.end === null || r.key < bounds.end));
    writeFileSync(path, inRange.map(accountLine).join(''));
    return path;
  });
}

/** The state after `delta`: records replaced or added by key, deletions removed. */
function apply(records: readonly AccountRecord[], delta: readonly DeltaEntry[]): AccountRecord[] {
  const state = new Map(records.map((r) => [r.key, r]));
  for (const entry of delta) {
    if ('deleted' in entry) state.delete(entry.key);
    else state.set(entry.key, entry);
  }
  return [...state.values()].sort(byKey);
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

async function* entries(list: readonly DeltaEntry[]): AsyncGenerator<DeltaEntry> {
  yield* list;
}

let work: string;
let cases = 0;
let before: AccountRecord[];
let stage1: string[];

beforeAll(async () => {
  await keccakReady();
  work = mkdtempSync(join(tmpdir(), 'delta-merge-'));
  before = [
    ...Array.from({ length: 60 }, (_, i) => eoa(i + 1)),
    contract(1000, { [word(1)]: word(0x2a), [word(2)]: word(0xbeef) }),
    contract(1001, { [word(7)]: word(1) }),
  ].sort(byKey);
  stage1 = writeExport(join(work, 'stage1'), before);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Merges `delta` into stage 1 and checks every output file against the reference export of the result. */
async function mergeAndCompare(
  delta: DeltaEntry[],
  from: { records: AccountRecord[]; files: string[] } = { records: before, files: stage1 },
): Promise<MergeResult> {
  const dir = join(work, `case-${++cases}`);
  const result = await mergeDelta(
    { partitions: from.files, output: (i) => ({ path: join(dir, 'out', `part-${i}.jsonl`), rel: `out/part-${i}.jsonl` }) },
    entries(delta),
  );
  const after = apply(from.records, delta);
  const expected = writeExport(join(dir, 'expected'), after, from.files.length);
  expect(result.partitions.map((p) => p.path)).toEqual(from.files.map((_, i) => `out/part-${i}.jsonl`));
  for (const [i, manifest] of result.partitions.entries()) {
    const out = join(dir, 'out', `part-${i}.jsonl`);
    expect(readFileSync(out, 'utf8'), `partition ${i}`).toBe(readFileSync(expected[i]!, 'utf8'));
    expect(manifest.sha256).toBe(sha256(expected[i]!));
    expect(manifest.bytes).toBe(readFileSync(expected[i]!).length);
    const stats = new StatsAccumulator();
    const bounds = partitionBounds(from.files.length)[i]!;
    for (const r of after.filter((r) => r.key >= bounds.start && (bounds.end === null || r.key < bounds.end))) stats.add(r);
    expect(manifest.stats).toEqual(stats.snapshot());
  }
  expect(result.accounts).toBe(after.length);
  expect(result.stateRoot).toBe(await computeStateRoot(after));
  return result;
}

describe('merging a delta into partitioned exports', () => {
  it('an empty delta reproduces the earlier export byte for byte', async () => {
    const result = await mergeAndCompare([]);
    expect(result.partitions.map((p) => p.sha256)).toEqual(stage1.map(sha256));
    expect([result.inserted, result.replaced, result.removed]).toEqual([0, 0, 0]);
  });

  it('replaces a changed account in place', async () => {
    const changed = { ...before[10]!, balance: '0x1', nonce: '0x99' } as AccountRecord;
    expect(await mergeAndCompare([changed])).toMatchObject({ replaced: 1, inserted: 0, removed: 0 });
  });

  it('inserts a new account between existing keys', async () => {
    const created = eoa(5_000);
    expect(before.some((r) => r.key === created.key)).toBe(false);
    expect(await mergeAndCompare([created])).toMatchObject({ inserted: 1, replaced: 0, removed: 0 });
  });

  it('removes a deleted account, and ignores a deletion of a key it never had', async () => {
    const gone = before[20]!;
    const never = eoa(6_000);
    const delta = [deletion(gone), deletion(never)].sort(byKey);
    expect(await mergeAndCompare(delta)).toMatchObject({ removed: 1, inserted: 0, replaced: 0 });
  });

  it('changes contract storage: slots added, changed and cleared', async () => {
    const c = before.find((r) => r.code !== undefined && Object.keys(r.storage ?? {}).length === 2)!;
    const slots = { [word(2)]: word(0xcafe), [word(3)]: word(3) };
    expect(await mergeAndCompare([{ ...c, storage: slots, storageRoot: storageRoot(slots) }])).toMatchObject({ replaced: 1 });
  });

  it('handles the first and the last key of the state', async () => {
    const candidates = Array.from({ length: 400 }, (_, i) => eoa(10_000 + i)).sort(byKey);
    const first = candidates[0]!;
    const last = candidates.at(-1)!;
    expect(first.key < before[0]!.key && last.key > before.at(-1)!.key).toBe(true);
    await mergeAndCompare([first, last]);
    // ... and replacing, then deleting, the state's own first and last records.
    await mergeAndCompare([
      { ...before[0]!, balance: '0x7' },
      { ...before.at(-1)!, balance: '0x8' },
    ]);
    await mergeAndCompare([deletion(before[0]!), deletion(before.at(-1)!)]);
  });

  it('routes entries at a partition boundary to the partition that owns the key', async () => {
    const bound = partitionBounds(PARTITIONS)[2]!.start;
    const candidates = Array.from({ length: 400 }, (_, i) => eoa(20_000 + i)).sort(byKey);
    const justAfter = candidates.find((r) => r.key >= bound)!;
    const justBefore = candidates.filter((r) => r.key < bound).at(-1)!;
    const result = await mergeAndCompare([justBefore, justAfter]);
    const lines = (i: number) => readFileSync(join(work, `case-${cases}`, 'out', `part-${i}.jsonl`), 'utf8').split('\n');
    const [before1, after2] = [accountLine(justBefore).trimEnd(), accountLine(justAfter).trimEnd()];
    expect([lines(1).includes(before1), lines(2).includes(before1)]).toEqual([true, false]);
    expect([lines(1).includes(after2), lines(2).includes(after2)]).toEqual([false, true]);
    expect(result.inserted).toBe(2);
  });

  it('empties a partition whose every account is deleted, and fills an empty one', async () => {
    const bounds = partitionBounds(PARTITIONS)[3]!;
    const inLast = before.filter((r) => r.key >= bounds.start);
    expect(inLast.length).toBeGreaterThan(0);
    const deleteAll = inLast.map(deletion);
    const result = await mergeAndCompare(deleteAll);
    expect(result.partitions[3]).toMatchObject({ bytes: 0, stats: { accounts: 0 } });
    // That result as the earlier export: an account lands in the empty partition.
    const emptied = apply(before, deleteAll);
    const files = result.partitions.map((p) => join(work, `case-${cases}`, p.path));
    await mergeAndCompare([inLast[0]!], { records: emptied, files });
  });

  it('writes the same bytes again for the same input, and reads a delta file written with deltaLine', async () => {
    const gone = before[5]!;
    const delta: DeltaEntry[] = [eoa(7_000), { ...before[30]!, balance: '0x0' as Hex }, deletion(gone)].sort(byKey);
    const path = join(work, 'delta.jsonl');
    writeFileSync(path, delta.map(deltaLine).join(''));
    const fromFile = async (dir: string) =>
      mergeDelta(
        { partitions: stage1, output: (i) => ({ path: join(work, dir, `part-${i}.jsonl`), rel: `part-${i}.jsonl` }) },
        readJsonLines<DeltaEntry>([path]),
      );
    const first = await fromFile('again-1');
    const second = await fromFile('again-2');
    expect(second).toEqual(first);
    const reference = await mergeAndCompare(delta);
    expect(first.partitions.map((p) => p.sha256)).toEqual(reference.partitions.map((p) => p.sha256));
  });

  it('writes an earlier line in another form as a full export would: storage sorted, an empty storage object left out, other spacing', async () => {
    const c = before.find((r) => Object.keys(r.storage ?? {}).length === 2)!;
    const e = before.find((r) => r.code === undefined)!;
    // The same accounts as the reference, in text accountLine never writes.
    const unsorted = JSON.stringify({ ...c, storage: Object.fromEntries(Object.entries(c.storage!).reverse()) });
    const emptyStorage = accountLine(e).replace('}\n', ',"storage":{}}\n');
    const spaced = (r: AccountRecord) => `${JSON.stringify(r, null, 1).replace(/\n/g, '')}\n`;
    expect(unsorted).not.toBe(accountLine(c).trimEnd());
    const other = before.filter((r) => r !== c && r !== e).slice(0, 3);
    const odd = [{ record: c, text: `${unsorted}\n` }, { record: e, text: emptyStorage }, ...other.map((r) => ({ record: r, text: spaced(r) }))];
    const dir = join(work, 'other-forms');
    mkdirSync(dir, { recursive: true });
    const files = stage1.map((path, i) => {
      let text = readFileSync(path, 'utf8');
      for (const { record, text: replacement } of odd) text = text.replace(accountLine(record), replacement);
      const out = join(dir, `part-${i}.jsonl`);
      writeFileSync(out, text);
      return out;
    });
    expect(files.map((f) => readFileSync(f, 'utf8')).join('')).toContain(',"storage":{}}');
    const changed = { ...before[10]!, balance: '0x7' } as AccountRecord;
    await mergeAndCompare([changed], { records: before, files });
  });

  it('refuses a delta out of key order, naming both keys', async () => {
    const [a, b] = [eoa(8_000), eoa(8_001)].sort(byKey);
    const out = (i: number) => ({ path: join(work, 'refused', `part-${i}.jsonl`), rel: `part-${i}.jsonl` });
    await expect(mergeDelta({ partitions: stage1, output: out }, entries([b!, a!]))).rejects.toThrow(`${a!.key} comes after ${b!.key}`);
  });

  it('refuses an earlier export whose records lie outside their partition', async () => {
    const files = writeExport(join(work, 'two'), before, 2);
    const out = (i: number) => ({ path: join(work, 'refused-2', `part-${i}.jsonl`), rel: `part-${i}.jsonl` });
    // Two partitions' files taken as four: the first file's second half is outside partition 0's range.
    await expect(mergeDelta({ partitions: [files[0]!, files[1]!, files[1]!, files[1]!], output: out }, entries([]))).rejects.toThrow(
      /two\/part-0\.jsonl:\d+: record \(key 0x[0-9a-f]{64}\) is out of order or outside the partition.s range/,
    );
  });

  it('refuses a delta record whose key is not keccak256 of its address', async () => {
    const forged = { ...eoa(9_000), address: eoa(9_001).address };
    const out = (i: number) => ({ path: join(work, 'refused-3', `part-${i}.jsonl`), rel: `part-${i}.jsonl` });
    await expect(mergeDelta({ partitions: stage1, output: out }, entries([forged]))).rejects.toThrow(/is not keccak256\(address\)/);
  });
});
