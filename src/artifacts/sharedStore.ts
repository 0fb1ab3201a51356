import { existsSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { fetchArtifact } from './fetchArtifact.js';
import type { WrittenFile } from './atomicFile.js';
import { checkRelativePath, checkSha256Hex, runFileKey, runFilesPrefix } from './layout.js';
import { publishFile } from './objectStore.js';
import { s3ClientFor, type ObjectStoreConfig } from './objectStoreConfig.js';
import type { IndexedFile } from './runIndex.js';
import { isMissingObject, s3Failure } from './s3Errors.js';
import { eachLimited, type ArtifactRef, type ArtifactStore, type LocalArtifactStore, type Manifest } from './store.js';

const recordSchema = z.object({ sha256: z.string(), bytes: z.number().int().nonnegative() });

/** How many bodies or records one worker moves at once: enough to hide round trips, few enough for one host. */
const PARALLEL = 8;

/**
 * The artifact store of workers on several hosts: each writes on its own disk, and every file an
 * activity shares is also stored in the object store under its sha256, with a record of the run
 * (`runs/<runKey>/files/<rel>`, see layout.ts) naming the body last written at that path. A reader
 * that does not find a file on its worker's disk fetches it by the sha256 its input carries (the
 * writer's manifest), or else by the run's record; the body is checked against that sha256 while
 * it streams and only bytes that match are renamed into place (src/artifacts/fetchArtifact.ts), so a
 * reader never sees another body or half a file. The records together are the run's directory:
 * publishing makes every recorded file local before it hashes the manifest.
 */
export class SharedArtifactStore implements ArtifactStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  /** Files this process is making local: concurrent readers of one file share one download. */
  private readonly fetching = new Map<string, Promise<string>>();

  constructor(
    readonly disk: LocalArtifactStore,
    config: ObjectStoreConfig,
    client: S3Client = s3ClientFor(config),
  ) {
    this.client = client;
    this.bucket = config.bucket;
  }

  runDir(runKey: string): string {
    return this.disk.runDir(runKey);
  }

  path(runKey: string, rel: string): string {
    return this.disk.path(runKey, rel);
  }

  /** The body first, then the record: a record never names a body the bucket does not hold. */
  async share(runKey: string, file: { path: string; sha256: string; bytes?: number }): Promise<void> {
    const rel = checkRelativePath(file.path);
    const localPath = this.disk.path(runKey, rel);
    const body: IndexedFile = { sha256: checkSha256Hex(`sha256 of ${rel}`, file.sha256), bytes: file.bytes ?? (await stat(localPath)).size };
    await publishFile(this.client, this.bucket, localPath, body);
    const key = runFileKey(runKey, rel);
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: JSON.stringify(body), ContentType: 'application/json' }));
    } catch (err) {
      throw s3Failure(`PutObject ${key} in bucket ${this.bucket}`, err);
    }
  }

  /**
   * The file on this worker's disk, fetched first when it is not there. A file already on the disk
   * was renamed into place whole by this worker (a writer's commit or an earlier fetch) and is
   * taken as it is; the manifest's hashing compares it with the run's record (writeManifest).
   */
  async local(runKey: string, file: string | ArtifactRef): Promise<string> {
    const ref = typeof file === 'string' ? { path: file } : file;
    const path = this.disk.path(runKey, checkRelativePath(ref.path));
    if (existsSync(path)) return path;
    const pending = this.fetching.get(path);
    if (pending) return pending;
    const fetching = this.fetch(runKey, ref, path).finally(() => this.fetching.delete(path));
    this.fetching.set(path, fetching);
    return fetching;
  }

  private async fetch(runKey: string, ref: ArtifactRef, path: string): Promise<string> {
    const body = ref.sha256 !== undefined ? { sha256: ref.sha256, bytes: ref.bytes } : await this.record(runKey, ref.path);
    await fetchArtifact(this.client, this.bucket, body.sha256, path, body.bytes !== undefined ? { expectedBytes: body.bytes } : {});
    return path;
  }

  /** The body the run's record names for `rel`; a file no worker shared is said as such. */
  private async record(runKey: string, rel: string): Promise<IndexedFile> {
    const key = runFileKey(runKey, rel);
    let text: string;
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!response.Body) throw new Error('the response has no body');
      text = await response.Body.transformToString('utf8');
    } catch (err) {
      if (isMissingObject(err)) {
        throw new Error(`artifact ${rel} of run ${runKey} is not on this worker's disk and no worker recorded it (${key} not found in bucket ${this.bucket})`);
      }
      throw s3Failure(`GetObject ${key} in bucket ${this.bucket}`, err);
    }
    let parsed: z.infer<typeof recordSchema>;
    try {
      parsed = recordSchema.parse(JSON.parse(text));
    } catch {
      throw new Error(`${key} in bucket ${this.bucket} is not a file record ({"sha256", "bytes"})`);
    }
    return { sha256: checkSha256Hex(key, parsed.sha256), bytes: parsed.bytes };
  }

  /** Every record of the run: its relative paths, each with the body last written there. */
  async records(runKey: string): Promise<Map<string, IndexedFile>> {
    const rels = await this.recordedPaths(runKey);
    const out = new Map<string, IndexedFile>();
    await eachLimited(rels, PARALLEL, async (rel) => void out.set(rel, await this.record(runKey, rel)));
    return new Map(rels.map((rel) => [rel, out.get(rel) as IndexedFile]));
  }

  /** The relative paths the run has records for, sorted. */
  private async recordedPaths(runKey: string): Promise<string[]> {
    const prefix = runFilesPrefix(runKey);
    const rels: string[] = [];
    let token: string | undefined;
    do {
      let page: { Contents?: Array<{ Key?: string }>; NextContinuationToken?: string; IsTruncated?: boolean };
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
      } catch (err) {
        throw s3Failure(`ListObjectsV2 ${prefix} in bucket ${this.bucket}`, err);
      }
      for (const object of page.Contents ?? []) if (object.Key) rels.push(checkRelativePath(object.Key.slice(prefix.length)));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return rels.sort();
  }

  /**
   * The manifest of the whole run, whichever workers wrote its files: every recorded file is made
   * local first, then this disk's copy of the run is hashed. A file on this disk that the run's
   * record names another body for (rewritten on another worker since this one wrote it) is
   * replaced by the recorded body, as the later write would have replaced it in one directory.
   */
  async writeManifest(runKey: string): Promise<WrittenFile & { manifest: Manifest }> {
    const records = await this.records(runKey);
    await eachLimited([...records], PARALLEL, async ([rel, body]) => void (await this.local(runKey, { path: rel, ...body })));
    const written = await this.disk.writeManifest(runKey);
    const stale = written.manifest.files.filter((file) => {
      const recorded = records.get(file.path);
      return recorded !== undefined && recorded.sha256 !== file.sha256;
    });
    if (stale.length === 0) return written;
    for (const file of stale) {
      await rm(this.disk.path(runKey, file.path), { force: true });
      await this.local(runKey, { path: file.path, ...records.get(file.path) });
    }
    return this.disk.writeManifest(runKey);
  }

  /**
   * Discards the run on this worker's disk and its records. The bodies stay: stored by content, one
   * may be another run's file too. Other workers' disks keep their copies until their hosts clean up.
   */
  async remove(runKey: string): Promise<void> {
    await this.disk.remove(runKey);
    const keys = (await this.recordedPaths(runKey)).map((rel) => runFileKey(runKey, rel));
    await eachLimited(keys, PARALLEL, async (key) => {
      try {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
      } catch (err) {
        if (!isMissingObject(err)) throw s3Failure(`DeleteObject ${key} in bucket ${this.bucket}`, err);
      }
    });
  }
}
