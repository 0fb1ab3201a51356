import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { digestTree } from '../../src/agent/dataDigest.js';

const root = mkdtempSync(join(tmpdir(), 'data-digest-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A data directory like a node's: nested database files. */
function dataDir(name: string): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'db', 'v1'), { recursive: true });
  writeFileSync(join(dir, 'db', 'v1', '000001.ldb'), 'a'.repeat(4096));
  writeFileSync(join(dir, 'db', 'v1', 'CURRENT'), 'MANIFEST-000002\n');
  writeFileSync(join(dir, 'config.json'), '{}');
  return dir;
}

describe("the digest of a halted node's data directory (src/agent/dataDigest.ts)", () => {
  it('counts the files and bytes, and stays the same when the files are only read', async () => {
    const dir = dataDir('read');
    const first = await digestTree(dir);
    expect(first).toMatchObject({ files: 3, bytes: 4096 + 16 + 2 });
    readFileSync(join(dir, 'db', 'v1', '000001.ldb'));
    expect(await digestTree(dir)).toEqual(first);
  });

  it('changes when a file is rewritten to the same size with its modification time put back', async () => {
    const dir = dataDir('rewrite');
    const file = join(dir, 'db', 'v1', '000001.ldb');
    // A whole second, so that putting it back is exact to the nanosecond.
    const second = 1_700_000_000;
    utimesSync(file, second, second);
    const before = await digestTree(dir);
    const mtimeNs = statSync(file, { bigint: true }).mtimeNs;
    await new Promise((resolve) => setTimeout(resolve, 20));
    writeFileSync(file, 'b'.repeat(4096));
    utimesSync(file, second, second);
    expect(statSync(file, { bigint: true }).mtimeNs).toBe(mtimeNs);
    expect((await digestTree(dir)).sha256).not.toBe(before.sha256);
  });

  it('changes when a file is added, even empty, or renamed', async () => {
    const dir = dataDir('entries');
    const before = await digestTree(dir);
    writeFileSync(join(dir, 'db', 'LOCK'), '');
    const added = await digestTree(dir);
    expect(added.sha256).not.toBe(before.sha256);
    renameSync(join(dir, 'db', 'LOCK'), join(dir, 'db', 'LOCK2'));
    expect((await digestTree(dir)).sha256).not.toBe(added.sha256);
  });
});
