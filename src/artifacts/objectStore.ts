import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { artifactUrl, s3ArtifactUrl } from './artifactUrl.js';
import { sha256File } from './atomicFile.js';
import { checkRelativePath, contentKey, runIndexKey } from './layout.js';
import type { IndexedFile, RunIndex } from './runIndex.js';
import { isMissingObject, s3Failure } from './s3Errors.js';

/** A body in the bucket: its key (`sha256/<hex>`), its sha256 and length, and whether this call sent it. */
export interface PublishedFile {
  key: string;
  sha256: string;
  bytes: number;
  uploaded: boolean;
}

/**
 * One file of a run to publish: its path relative to the run, where it is on this machine, and,
 * when the caller has just hashed it (a manifest), its sha256 and length, so it is not read twice.
 */
export interface RunFile {
  rel: string;
  localPath: string;
  known?: IndexedFile;
}

export interface PublishedRun {
  indexKey: string;
  index: RunIndex;
  files: PublishedFile[];
}

/** S3's limit for one PutObject; a larger body would need a multipart upload, which this does not do. */
const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;

/** The file's sha256 and size, so that the key it will be stored under is known before a byte is sent. */
async function hashFile(localPath: string): Promise<IndexedFile> {
  const [sha256, { size }] = await Promise.all([sha256File(localPath), stat(localPath)]);
  return { sha256, bytes: size };
}

/** The sha256 as S3's checksum headers spell it: the digest in base64. */
function checksumHeader(sha256: string): string {
  return Buffer.from(sha256, 'hex').toString('base64');
}

/**
 * Whether `key` provably holds this body already, so it need not be sent again: the server must
 * report the length and the SHA-256 checksum it verified when the body was stored (publishFile
 * always sends one). A body stored without that checksum — written by another client, or damaged
 * by one — is no proof, and is replaced. (A reader checks every body against its key in any case.)
 */
async function alreadyStored(client: S3Client, bucket: string, key: string, body: IndexedFile): Promise<boolean> {
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
    return head.ContentLength === body.bytes && head.ChecksumSHA256 === checksumHeader(body.sha256);
  } catch (err) {
    if (isMissingObject(err)) return false;
    throw s3Failure(`HeadObject ${key} in bucket ${bucket}`, err);
  }
}

/**
 * Uploads one body with its SHA-256 in the request (`x-amz-checksum-sha256`): the server verifies
 * the bytes it receives against it and refuses the upload otherwise, so a file that changes between
 * hashing and sending can never be stored under the old hash.
 */
async function putBody(client: S3Client, bucket: string, key: string, body: Buffer | Readable, info: IndexedFile, contentType: string): Promise<void> {
  try {
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentLength: info.bytes,
        ContentType: contentType,
        ChecksumSHA256: checksumHeader(info.sha256),
      }),
    );
  } catch (err) {
    throw s3Failure(`PutObject ${key} in bucket ${bucket}`, err);
  } finally {
    if (body instanceof Readable) body.destroy();
  }
}

/**
 * Publishes one file content-addressed: its body under `sha256/<hex>` of its own bytes, uploaded
 * only when the bucket does not hold it already (HeadObject first). Returns the key, the sha256 and
 * the length, which is what a reader is handed to fetch and check it. A `known` hash is taken as
 * given; the upload carries it, so the server refuses bytes that no longer match it.
 */
export async function publishFile(client: S3Client, bucket: string, localPath: string, known?: IndexedFile): Promise<PublishedFile> {
  const info = known ?? (await hashFile(localPath));
  if (info.bytes > MAX_SINGLE_PUT_BYTES) {
    throw new Error(`${localPath}: ${info.bytes} bytes is over the 5 GiB a single S3 PutObject accepts (multipart upload is not supported)`);
  }
  const key = contentKey(info.sha256);
  if (await alreadyStored(client, bucket, key, info)) return { key, ...info, uploaded: false };
  await putBody(client, bucket, key, createReadStream(localPath), info, 'application/octet-stream');
  return { key, ...info, uploaded: true };
}

/** Refuses a file list an index could not represent: unsafe relative paths, or one path twice. */
function checkRunFiles(files: readonly RunFile[]): void {
  const seen = new Set<string>();
  for (const { rel } of files) {
    checkRelativePath(rel);
    if (seen.has(rel)) throw new Error(`artifact path ${JSON.stringify(rel)} is listed twice`);
    seen.add(rel);
  }
}

/**
 * Publishes a run: every file's body (content-addressed, see publishFile), then the run's index
 * `runs/<runKey>/index.json` mapping each relative path to its sha256, length and URL (on the
 * read-only mirror at `mirror` when there is one, else in the bucket: artifactUrl.ts). The index
 * goes last, so a reader that finds it finds every body it names.
 */
export async function publishRun(client: S3Client, bucket: string, runKey: string, files: readonly RunFile[], mirror?: string): Promise<PublishedRun> {
  const indexKey = runIndexKey(runKey);
  checkRunFiles(files);
  const published: PublishedFile[] = [];
  const index: RunIndex = { version: 1, runKey, files: {} };
  for (const file of files) {
    const body = await publishFile(client, bucket, file.localPath, file.known);
    published.push(body);
    const url = mirror ? artifactUrl(mirror, body.sha256) : s3ArtifactUrl(bucket, body.sha256);
    index.files[file.rel] = { sha256: body.sha256, bytes: body.bytes, url };
  }
  const text = Buffer.from(`${JSON.stringify(index, null, 2)}\n`);
  const sha256 = createHash('sha256').update(text).digest('hex');
  await putBody(client, bucket, indexKey, text, { sha256, bytes: text.byteLength }, 'application/json');
  return { indexKey, index, files: published };
}
