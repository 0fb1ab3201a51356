import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentConfig } from '../../src/agent/config.js';
import { stageGenesis, stagedGenesisPath } from '../../src/agent/newNode.js';
import { checkArtifactsBaseUrl, s3ArtifactUrl } from '../../src/artifacts/artifactUrl.js';
import { fetchArtifact } from '../../src/artifacts/fetchArtifact.js';
import { contentKey } from '../../src/artifacts/layout.js';
import { publishFile, publishRun } from '../../src/artifacts/objectStore.js';
import { objectStoreConfigFromEnv, s3ClientFor } from '../../src/artifacts/objectStoreConfig.js';
import { readRunIndex } from '../../src/artifacts/runIndex.js';
import { startVersityGw, type VersityGw } from '../rigs/versitygw.js';

// Content-addressed artifacts on a real S3-compatible server (VersityGW): what the coordinator
// publishes, an agent fetches by sha256 and refuses unless the bytes hash to it.

let gw: VersityGw;
let client: S3Client;
let work: string;

const sha256Of = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** The message `run` throws with (the test fails if it throws nothing). */
function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a refusal, but it was accepted');
}

/** Writes `data` at `rel` under the work directory and returns its path. */
function writeWork(rel: string, data: Buffer | string): string {
  const path = join(work, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
  return path;
}

/** Publishes a one-file run through `through` and reads its index back: proof a client can sign in. */
async function roundTrip(through: S3Client, runKey: string): Promise<string[]> {
  await publishRun(through, gw.bucket, runKey, [{ rel: 'reports/ping.json', localPath: writeWork(`${runKey}/ping.json`, `{"run":"${runKey}"}`) }]);
  return Object.keys((await readRunIndex(through, gw.bucket, runKey)).files);
}

/** The keys under `prefix` as the server lists them (not as the publisher says it wrote them). */
async function listKeys(prefix: string): Promise<string[]> {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: gw.bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key ?? '').sort();
}

beforeAll(async () => {
  gw = await startVersityGw();
  client = gw.client();
  work = mkdtempSync(join(tmpdir(), 'object-store-'));
});

afterAll(async () => {
  client?.destroy();
  await gw?.stop();
  await gw?.stop(); // a second stop is harmless
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('a run published to the object store', () => {
  it('is fetched back file by file by sha256, byte for byte, with a ≥ 5 MB body among them', async () => {
    const bodies: Record<string, Buffer> = {
      'genesis/C-genesis.json': Buffer.from(JSON.stringify({ config: { chainId: 43112 }, alloc: {} })),
      'exports/C/part-000.jsonl': Buffer.from(Array.from({ length: 60_000 }, (_, i) => `{"i":${i},"pad":"${'x'.repeat(90)}"}\n`).join('')),
      'reports/regenesis.json': Buffer.from('{"ok":true}\n'),
    };
    expect(bodies['exports/C/part-000.jsonl']!.byteLength).toBeGreaterThanOrEqual(5 * 1024 * 1024);
    const files = Object.entries(bodies).map(([rel, data]) => ({ rel, localPath: writeWork(join('run-a', rel), data) }));

    const published = await publishRun(client, gw.bucket, 'demo-run-a', files);

    const index = await readRunIndex(client, gw.bucket, 'demo-run-a');
    expect(index).toEqual(published.index);
    expect(Object.keys(index.files).sort()).toEqual(Object.keys(bodies).sort());
    const stored = await listKeys('sha256/');
    const fetchedDir = join(work, 'fetched-run-a');
    for (const [rel, entry] of Object.entries(index.files)) {
      expect(entry).toEqual({ sha256: sha256Of(bodies[rel]!), bytes: bodies[rel]!.byteLength, url: s3ArtifactUrl(gw.bucket, sha256Of(bodies[rel]!)) });
      expect(stored).toContain(contentKey(entry.sha256));
      const dest = join(fetchedDir, rel);
      const written = await fetchArtifact(client, gw.bucket, entry.sha256, dest, { expectedBytes: entry.bytes });
      expect(written.sha256).toBe(entry.sha256);
      expect(readFileSync(dest).equals(bodies[rel]!)).toBe(true);
      expect(existsSync(`${dest}.partial`)).toBe(false);
    }
    expect(await listKeys('runs/demo-run-a/')).toEqual(['runs/demo-run-a/index.json']);
  });

  it('uploads a body once, however often it is published (seen from the server, not the publisher)', async () => {
    const path = writeWork('once/body.bin', randomBytes(64 * 1024));
    const first = await publishFile(client, gw.bucket, path);
    const headFirst = await client.send(new HeadObjectCommand({ Bucket: gw.bucket, Key: first.key }));
    const fileFirst = statSync(join(gw.rootDir, gw.bucket, first.key));
    await sleep(1_100); // LastModified has one-second resolution: a re-upload would move it
    const again = await publishFile(client, gw.bucket, path);
    const twin = writeWork('once/same-bytes-other-name.bin', readFileSync(path));
    await publishRun(client, gw.bucket, 'demo-run-twice', [
      { rel: 'a.bin', localPath: path },
      { rel: 'b.bin', localPath: twin },
    ]);

    const headAgain = await client.send(new HeadObjectCommand({ Bucket: gw.bucket, Key: first.key }));
    expect(again.key).toBe(first.key);
    expect(headAgain.LastModified?.getTime()).toBe(headFirst.LastModified?.getTime());
    expect(headAgain.ETag).toBe(headFirst.ETag);
    const fileAgain = statSync(join(gw.rootDir, gw.bucket, first.key));
    expect([fileAgain.ino, fileAgain.mtimeMs]).toEqual([fileFirst.ino, fileFirst.mtimeMs]);
    expect((await listKeys('sha256/')).filter((k) => k === first.key)).toHaveLength(1);
    expect([first.uploaded, again.uploaded]).toEqual([true, false]);
  });

  it('refuses an object altered in the bucket, leaving nothing at the destination or its .partial', async () => {
    const original = randomBytes(200_000);
    const published = await publishFile(client, gw.bucket, writeWork('altered/genesis.json', original));
    const altered = Buffer.concat([original.subarray(0, 1000), Buffer.from('tampered'), original.subarray(1008)]);
    await client.send(new PutObjectCommand({ Bucket: gw.bucket, Key: published.key, Body: altered }));
    const dest = join(work, 'altered-fetch', 'genesis.json');

    const refused = fetchArtifact(client, gw.bucket, published.sha256, dest);
    await expect(refused).rejects.toThrow(published.key);
    await expect(refused).rejects.toThrow(`expected sha256 ${published.sha256}, got ${sha256Of(altered)}; refused, nothing written`);
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(`${dest}.partial`)).toBe(false);

    // Publishing the file again sees the damaged body (its checksum differs) and replaces it.
    expect((await publishFile(client, gw.bucket, join(work, 'altered/genesis.json'))).uploaded).toBe(true);
    await fetchArtifact(client, gw.bucket, published.sha256, dest);
    expect(readFileSync(dest).equals(original)).toBe(true);
  });

  it('refuses a body of another length than the index says before hashing it', async () => {
    const body = randomBytes(4096);
    const published = await publishFile(client, gw.bucket, writeWork('length/body.bin', body));
    const dest = join(work, 'length-fetch', 'body.bin');
    await expect(fetchArtifact(client, gw.bucket, published.sha256, dest, { expectedBytes: 4000 })).rejects.toThrow(
      `artifact ${published.key}: the server announces 4096 bytes, expected 4000; refused, nothing written`,
    );
    expect(existsSync(dest) || existsSync(`${dest}.partial`)).toBe(false);
  });

  it('names the key and the bucket of an artifact that is not there', async () => {
    const absent = sha256Of(randomBytes(32));
    const dest = join(work, 'absent', 'x.json');
    await expect(fetchArtifact(client, gw.bucket, absent, dest)).rejects.toThrow(`artifact sha256/${absent} not found in bucket ${gw.bucket}`);
    await expect(readRunIndex(client, gw.bucket, 'never-published')).rejects.toThrow(
      `run index runs/never-published/index.json not found in bucket ${gw.bucket}`,
    );
    expect(existsSync(dest) || existsSync(`${dest}.partial`)).toBe(false);
  });

  it('is refused to anonymous requests (403), reading or writing', async () => {
    const published = await publishFile(client, gw.bucket, writeWork('anonymous/body.bin', randomBytes(1024)));
    const objectUrl = `${gw.endpoint}/${gw.bucket}/${published.key}`;
    expect((await fetch(objectUrl)).status).toBe(403);
    await publishRun(client, gw.bucket, 'anonymous-run', [{ rel: 'body.bin', localPath: join(work, 'anonymous/body.bin') }]);
    expect((await fetch(`${gw.endpoint}/${gw.bucket}/runs/anonymous-run/index.json`)).status).toBe(403);
    expect((await fetch(`${gw.endpoint}/${gw.bucket}?list-type=2`)).status).toBe(403);
    expect((await fetch(objectUrl, { method: 'PUT', body: 'overwritten' })).status).toBe(403);
    const head = await client.send(new HeadObjectCommand({ Bucket: gw.bucket, Key: published.key }));
    expect(head.ContentLength).toBe(1024);
  });

  it('is never stored under a sha256 its bytes do not have: the server checks x-amz-checksum-sha256', async () => {
    // What publishFile relies on when a file changes between hashing and sending.
    const claimed = randomBytes(100);
    const key = contentKey(sha256Of(claimed));
    const upload = client.send(
      new PutObjectCommand({ Bucket: gw.bucket, Key: key, Body: randomBytes(100), ChecksumSHA256: createHash('sha256').update(claimed).digest('base64') }),
    );
    await expect(upload).rejects.toMatchObject({ name: 'BadDigest', $metadata: { httpStatusCode: 400 } });
    expect(await listKeys(key)).toEqual([]);
  });

  it('says what failed with wrong credentials, quoting neither the key nor the secret', async () => {
    const { AWS_ACCESS_KEY_ID: realKey } = gw.env();
    const wrongSecret = randomBytes(30).toString('base64url');
    const cases = [
      // VersityGW answers an unknown key with 404 XAdminUserNotFound (S3 says 403): never "not found".
      { accessKeyId: 'rgunknownkey0000', expected: /failed: XAdminUserNotFound \(HTTP 404\)/ },
      // The SDK's SignatureDoesNotMatch error carries the access key ID: it must not come through.
      { accessKeyId: realKey!, expected: /failed: SignatureDoesNotMatch \(HTTP 403\)/ },
    ];
    for (const { accessKeyId, expected } of cases) {
      const config = { ...gw.config() };
      Object.defineProperty(config, 'credentials', { value: { accessKeyId, secretAccessKey: wrongSecret } });
      const stranger = s3ClientFor(config);
      try {
        const failure = await fetchArtifact(stranger, gw.bucket, sha256Of(Buffer.from('x')), join(work, 'stranger', 'x')).then(
          () => new Error('fetched with wrong credentials'),
          (err: Error) => err,
        );
        expect(failure.message).toMatch(/^GetObject sha256\/[0-9a-f]{64} in bucket regenesis-artifacts failed: /);
        expect(failure.message).toMatch(expected);
        const everything = JSON.stringify({ ...failure, message: failure.message, cause: failure.cause });
        expect(everything).not.toContain(wrongSecret);
        expect(everything).not.toContain(accessKeyId);
      } finally {
        stranger.destroy();
      }
    }
  });
});

describe('a host without S3 credentials, reading a read-only HTTP mirror of the bucket', () => {
  let mirror: Server;
  let base: string;
  beforeAll(async () => {
    // What a web server or CDN in front of the bucket does: GET <base>/<key> answers the object's
    // bytes, here straight from VersityGW's posix root (one file per object).
    mirror = createServer((req, res) => {
      const key = new URL(req.url ?? '/', 'http://mirror').pathname.replace(/^\/mirror\//, '');
      const path = join(gw.rootDir, gw.bucket, key);
      if (!/^sha256\/[0-9a-f]{64}$/.test(key) || !existsSync(path)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-length': statSync(path).size });
      res.end(readFileSync(path));
    });
    await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}/mirror`;
  });
  afterAll(() => new Promise<void>((resolve) => mirror.close(() => resolve())));

  const agentConfig = (workDir: string, artifactsUrl: string): AgentConfig =>
    ({ mode: 'process', workDir, artifactsUrl, temporalAddress: '127.0.0.1:7233', namespace: 'default' }) as AgentConfig;

  it('is named by the run index, and an agent stages the genesis from it, refusing any other body', async () => {
    const genesis = Buffer.from(JSON.stringify({ networkID: 88888, allocations: [], pad: 'x'.repeat(10_000) }));
    const sha256 = sha256Of(genesis);
    const published = await publishRun(
      client,
      gw.bucket,
      'mirrored-run',
      [{ rel: 'genesis/genesis.json', localPath: writeWork('mirrored/genesis.json', genesis) }],
      base,
    );
    expect(published.index.files['genesis/genesis.json']).toEqual({
      sha256,
      bytes: genesis.byteLength,
      url: `${base}/sha256/${sha256}?checksum=sha256:${sha256}`,
    });

    const config = agentConfig(join(work, 'mirror-agent'), base);
    const staged = await stageGenesis(config, { runKey: 'mirrored-run', path: 'genesis/genesis.json', sha256 });
    expect(readFileSync(staged.path).equals(genesis)).toBe(true);

    // The mirror serves other bytes under that name (a stale cache, a tampered server): refused, nothing staged.
    appendFileSync(join(gw.rootDir, gw.bucket, contentKey(sha256)), ' ');
    const other = agentConfig(join(work, 'mirror-agent-2'), base);
    await expect(stageGenesis(other, { runKey: 'mirrored-run', path: 'genesis/genesis.json', sha256 })).rejects.toThrow(
      new RegExp(
        `staged genesis genesis/genesis.json \\(sha256 ${sha256}\\): artifact ${base}/sha256/${sha256}\\?checksum=sha256:${sha256}: expected sha256 ${sha256}, got [0-9a-f]{64}; refused`,
      ),
    );
    const target = await stagedGenesisPath(other, 'mirrored-run');
    expect(existsSync(target) || existsSync(`${target}.partial`)).toBe(false);

    // A body the mirror does not have is said as such.
    const absent = 'ab'.repeat(32);
    await expect(stageGenesis(other, { runKey: 'absent-run', path: 'genesis/genesis.json', sha256: absent })).rejects.toThrow(/not found \(HTTP 404\)/);
  });

  it('is configured without credentials, query or fragment', () => {
    expect(() => checkArtifactsBaseUrl('https://user:pw@cdn.example/x', 'REGENESIS_AGENT_ARTIFACTS_URL')).toThrow(/must not carry credentials/);
    expect(() => checkArtifactsBaseUrl('https://cdn.example/x?sig=1', 'REGENESIS_AGENT_ARTIFACTS_URL')).toThrow(/query or fragment/);
    expect(() => checkArtifactsBaseUrl('ftp://cdn.example/x', 'REGENESIS_AGENT_ARTIFACTS_URL')).toThrow(/http:\/\/ or https:\/\//);
    expect(checkArtifactsBaseUrl('https://cdn.example/regenesis/', 'x')).toBe('https://cdn.example/regenesis');
    expect(() => objectStoreConfigFromEnv({ ...gw.env(), REGENESIS_S3_MIRROR_URL: 'https://k:s@cdn.example' })).toThrow(
      /object store configuration refused: REGENESIS_S3_MIRROR_URL: must not carry credentials/,
    );
  });
});

describe('the object store configuration from the environment', () => {
  it('reaches the server from the variables alone, and is absent when none is set', async () => {
    const config = objectStoreConfigFromEnv(gw.env());
    expect(config).toMatchObject({ endpoint: gw.endpoint, bucket: gw.bucket, region: 'us-east-1' });
    expect(JSON.stringify(config)).not.toContain(gw.env().AWS_SECRET_ACCESS_KEY);
    const fromEnv = s3ClientFor(config!);
    try {
      expect(await roundTrip(fromEnv, 'config-from-env')).toEqual(['reports/ping.json']);
    } finally {
      fromEnv.destroy();
    }
    expect(objectStoreConfigFromEnv({ AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' })).toBeUndefined();
  });

  it('refuses half a configuration, naming what is missing and quoting no credential', () => {
    const env = gw.env();
    const secret = env.AWS_SECRET_ACCESS_KEY!;
    const key = env.AWS_ACCESS_KEY_ID!;
    const refusal = (vars: Record<string, string>): string => {
      const message = messageOf(() => objectStoreConfigFromEnv(vars));
      expect(message).not.toContain(secret);
      expect(message).not.toContain(key);
      return message;
    };
    expect(refusal({ ...env, REGENESIS_S3_BUCKET: '' })).toMatch(/REGENESIS_S3_BUCKET is missing/);
    expect(refusal({ ...env, REGENESIS_S3_ENDPOINT: '' })).toMatch(/REGENESIS_S3_ENDPOINT is missing/);
    expect(refusal({ ...env, AWS_SECRET_ACCESS_KEY: '' })).toMatch(/AWS_SECRET_ACCESS_KEY is missing \(AWS_ACCESS_KEY_ID is set\)/);
    expect(refusal({ ...env, AWS_ACCESS_KEY_ID: '' })).toMatch(/AWS_ACCESS_KEY_ID is missing \(AWS_SECRET_ACCESS_KEY is set\)/);
    expect(refusal({ REGENESIS_S3_ENDPOINT: gw.endpoint })).toBe(
      'object store configuration refused: REGENESIS_S3_BUCKET is missing; credentials are missing: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or REGENESIS_S3_CREDENTIALS_FILE',
    );
    expect(refusal({ ...env, REGENESIS_S3_ENDPOINT: `http://${key}:${secret}@127.0.0.1:1` })).toMatch(/REGENESIS_S3_ENDPOINT must not carry credentials/);
  });

  it('reads credentials from REGENESIS_S3_CREDENTIALS_FILE, and never quotes a malformed one', async () => {
    const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, ...place } = gw.env();
    const good = writeWork('credentials/good.json', JSON.stringify({ accessKeyId, secretAccessKey }));
    const config = objectStoreConfigFromEnv({ ...place, REGENESIS_S3_CREDENTIALS_FILE: good });
    const fromFile = s3ClientFor(config!);
    try {
      expect(await roundTrip(fromFile, 'config-from-file')).toEqual(['reports/ping.json']);
    } finally {
      fromFile.destroy();
    }
    const broken = writeWork('credentials/broken.json', `{"accessKeyId": "${accessKeyId}", "secretAccessKey": ${secretAccessKey}}`);
    const brokenRefusal = messageOf(() => objectStoreConfigFromEnv({ ...place, REGENESIS_S3_CREDENTIALS_FILE: broken }));
    expect(brokenRefusal).toMatch(/REGENESIS_S3_CREDENTIALS_FILE \(.*broken\.json\) is not JSON/);
    expect(brokenRefusal).not.toContain(secretAccessKey);
    const half = writeWork('credentials/half.json', JSON.stringify({ accessKeyId }));
    expect(() => objectStoreConfigFromEnv({ ...place, REGENESIS_S3_CREDENTIALS_FILE: half })).toThrow(/half\.json\): secretAccessKey missing/);
    expect(() => objectStoreConfigFromEnv({ ...gw.env(), REGENESIS_S3_CREDENTIALS_FILE: good })).toThrow(/set only one/);
  });
});
