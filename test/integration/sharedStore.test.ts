import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/artifacts/atomicFile.js';
import { contentKey, partitionPath, RUN_FILES, runFileKey } from '../../src/artifacts/layout.js';
import { SharedArtifactStore } from '../../src/artifacts/sharedStore.js';
import { LocalArtifactStore, localFiles } from '../../src/artifacts/store.js';
import { startVersityGw, type VersityGw } from '../rigs/versitygw.js';

// Two workers on two disks sharing one real S3-compatible server (VersityGW): what one writes and
// shares, the other makes local by sha256, and refuses any other body without leaving a byte.

let gw: VersityGw;
let client: S3Client;
let work: string;

const sha256Of = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** A worker's store: its own artifacts directory, the shared bucket. */
function workerStore(name: string): SharedArtifactStore {
  return new SharedArtifactStore(new LocalArtifactStore(join(work, name)), gw.config(), client);
}

/** Writes `data` at `rel` of the run on `store`'s disk, whole, and shares it; returns its sha256 and size. */
async function writeAndShare(store: SharedArtifactStore, runKey: string, rel: string, data: Buffer): Promise<{ path: string; sha256: string; bytes: number }> {
  const written = await writeFileAtomic(store.path(runKey, rel), data);
  const file = { path: rel, sha256: written.sha256, bytes: written.bytes };
  await store.share(runKey, file);
  return file;
}

/** Every file under `dir` (partial ones included), relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

beforeAll(async () => {
  gw = await startVersityGw();
  client = gw.client();
  work = mkdtempSync(join(tmpdir(), 'shared-store-'));
});

afterAll(async () => {
  client?.destroy();
  await gw?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('making a run file local on a worker that did not write it', () => {
  it('fetches by the sha256 the reader is given, or by the run record, byte for byte', async () => {
    const a = workerStore('a1');
    const b = workerStore('b1');
    const part = randomBytes(300_000);
    const samples = Buffer.from('{"address":"0x01"}\n');
    const partition = await writeAndShare(a, 'run-1', partitionPath(0), part);
    await writeAndShare(a, 'run-1', RUN_FILES.samples, samples);

    // The body is stored under its own hash, and the run's record names it.
    const body = await client.send(new GetObjectCommand({ Bucket: gw.bucket, Key: contentKey(sha256Of(part)) }));
    expect(Buffer.from(await body.Body!.transformToByteArray()).equals(part)).toBe(true);
    const record = await client.send(new GetObjectCommand({ Bucket: gw.bucket, Key: runFileKey('run-1', partitionPath(0)) }));
    expect(JSON.parse(await record.Body!.transformToString())).toEqual({ sha256: sha256Of(part), bytes: part.byteLength });

    const [byHash, byRecord] = await localFiles(b, 'run-1', [partition, RUN_FILES.samples]);
    expect(byHash).toBe(join(work, 'b1', 'run-1', partitionPath(0)));
    expect(readFileSync(byHash!).equals(part)).toBe(true);
    expect(readFileSync(byRecord!).equals(samples)).toBe(true);
    expect(filesUnder(join(work, 'b1'))).toEqual([`run-1/${partitionPath(0)}`, `run-1/${RUN_FILES.samples}`]);
  });

  it('shares one download between readers of one file at once', async () => {
    const a = workerStore('a2');
    const b = workerStore('b2');
    const data = randomBytes(2_000_000);
    const file = await writeAndShare(a, 'run-2', RUN_FILES.cGenesis, data);
    const paths = await Promise.all([b.local('run-2', file), b.local('run-2', file), b.local('run-2', RUN_FILES.cGenesis)]);
    expect(new Set(paths).size).toBe(1);
    expect(readFileSync(paths[0]!).equals(data)).toBe(true);
    expect(filesUnder(join(work, 'b2'))).toEqual([`run-2/${RUN_FILES.cGenesis}`]);
  });

  it('refuses a body that does not hash to the sha256 asked for: nothing at the path, no .partial', async () => {
    const a = workerStore('a3');
    const b = workerStore('b3');
    const original = randomBytes(200_000);
    const file = await writeAndShare(a, 'run-3', partitionPath(1), original);
    // The bucket's body is replaced behind the writer's back, same length.
    const altered = Buffer.from(original);
    altered.write('tampered', 5000);
    await client.send(new PutObjectCommand({ Bucket: gw.bucket, Key: contentKey(file.sha256), Body: altered }));

    const dest = b.path('run-3', partitionPath(1));
    await expect(b.local('run-3', file)).rejects.toThrow(`expected sha256 ${file.sha256}, got ${sha256Of(altered)}; refused, nothing written`);
    // The same refusal when the reader is given only the path (the run's record names the sha256).
    await expect(b.local('run-3', partitionPath(1))).rejects.toThrow(`expected sha256 ${file.sha256}, got ${sha256Of(altered)}`);
    expect(existsSync(dest)).toBe(false);
    expect(filesUnder(join(work, 'b3'))).toEqual([]);

    // Shared again by its writer (the damaged body's checksum differs), it is fetched whole.
    await a.share('run-3', file);
    expect(readFileSync(await b.local('run-3', file)).equals(original)).toBe(true);
  });

  it('refuses a body of another length than the reader was told, and a file nobody shared', async () => {
    const a = workerStore('a4');
    const b = workerStore('b4');
    const file = await writeAndShare(a, 'run-4', RUN_FILES.cGenesis, randomBytes(4096));
    await expect(b.local('run-4', { ...file, bytes: 4000 })).rejects.toThrow('the server announces 4096 bytes, expected 4000; refused, nothing written');
    await expect(b.local('run-4', RUN_FILES.samples)).rejects.toThrow(
      `artifact ${RUN_FILES.samples} of run run-4 is not on this worker's disk and no worker recorded it (${runFileKey('run-4', RUN_FILES.samples)} not found in bucket ${gw.bucket})`,
    );
    expect(filesUnder(join(work, 'b4'))).toEqual([]);
  });

  it('publishes the whole run from any worker: every recorded file made local, a stale copy replaced', async () => {
    const a = workerStore('a5');
    const b = workerStore('b5');
    const parts = [randomBytes(50_000), randomBytes(70_000)];
    for (const [i, data] of parts.entries()) await writeAndShare(a, 'run-5', partitionPath(i), data);
    // b wrote the samples once, then a wrote them again after (a retried step on another host).
    await writeAndShare(b, 'run-5', RUN_FILES.samples, Buffer.from('old\n'));
    const samples = Buffer.from('{"address":"0x02"}\n');
    await writeAndShare(a, 'run-5', RUN_FILES.samples, samples);
    await writeAndShare(b, 'run-5', RUN_FILES.report, Buffer.from('{"ok":true}\n'));

    const written = await b.writeManifest('run-5');
    const expected = [
      { path: partitionPath(0), data: parts[0]! },
      { path: partitionPath(1), data: parts[1]! },
      { path: RUN_FILES.report, data: Buffer.from('{"ok":true}\n') },
      { path: RUN_FILES.samples, data: samples },
    ];
    expect(written.manifest.files).toEqual(expected.map(({ path, data }) => ({ path, sha256: sha256Of(data), bytes: data.byteLength })));
    for (const { path, data } of expected) expect(readFileSync(b.path('run-5', path)).equals(data)).toBe(true);

    // Discarding the run removes its records (and b's copy); the bodies stay for any run naming them.
    await b.remove('run-5');
    const left = await client.send(new ListObjectsV2Command({ Bucket: gw.bucket, Prefix: 'runs/run-5/' }));
    expect(left.Contents ?? []).toEqual([]);
    expect(existsSync(b.runDir('run-5'))).toBe(false);
    await client.send(new GetObjectCommand({ Bucket: gw.bucket, Key: contentKey(sha256Of(samples)) }));
  });
});

describe('one local artifacts directory (no object store)', () => {
  it('shares nothing and hands readers the path as it always did', async () => {
    const store = new LocalArtifactStore(join(work, 'local'));
    const path = store.path('run-6', RUN_FILES.samples);
    await writeFileAtomic(path, 'x\n');
    await store.share('run-6', { path: RUN_FILES.samples, sha256: sha256Of(Buffer.from('x\n')) });
    expect(await store.local('run-6', { path: RUN_FILES.samples, sha256: sha256Of(Buffer.from('x\n')) })).toBe(path);
    // A file that is not there is not looked for anywhere: the reader fails opening it, as before.
    expect(await store.local('run-6', RUN_FILES.cGenesis)).toBe(store.path('run-6', RUN_FILES.cGenesis));
    expect(filesUnder(join(work, 'local'))).toEqual([`run-6/${RUN_FILES.samples}`]);
  });
});
