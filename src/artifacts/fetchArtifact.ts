import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { AtomicFile, type WrittenFile } from './atomicFile.js';
import { checkSha256Hex, contentKey } from './layout.js';
import { isMissingObject, s3Failure } from './s3Errors.js';

export interface FetchOptions {
  /**
   * The length the index gives: a body announced or streaming longer or shorter is refused as soon
   * as that shows, so a wrong object cannot fill the validator's disk before its hash is known.
   */
  expectedBytes?: number;
}

/**
 * Opens the body of `sha256/<hex>`. A missing object is said as such, naming the key and the bucket
 * (the coordinator has not published it, or the agent was pointed at another bucket).
 */
async function openBody(client: S3Client, bucket: string, key: string): Promise<{ body: Readable; length?: number }> {
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!response.Body) throw new Error('the response has no body');
    return { body: response.Body as Readable, length: response.ContentLength };
  } catch (err) {
    if (isMissingObject(err)) throw new Error(`artifact ${key} not found in bucket ${bucket}`);
    throw s3Failure(`GetObject ${key} in bucket ${bucket}`, err);
  }
}

/** Refuses a length other than the expected one, naming both (nothing is written by then). */
function checkLength(key: string, bytes: number, expected: number | undefined, what: string): void {
  if (expected !== undefined && bytes !== expected) {
    throw new Error(`artifact ${key}: ${what} ${bytes} bytes, expected ${expected}; refused, nothing written`);
  }
}

/**
 * Streams the body into the `.partial` file, hashing every chunk on the way; stops as soon as it is
 * longer than expected. Returns the hex digest and the length.
 */
async function streamInto(file: AtomicFile, body: Readable, hash: Hash, key: string, expectedBytes?: number): Promise<{ sha256: string; bytes: number }> {
  let bytes = 0;
  for await (const chunk of body) {
    const data = chunk as Buffer;
    bytes += data.byteLength;
    if (expectedBytes !== undefined && bytes > expectedBytes) checkLength(key, bytes, expectedBytes, 'the body runs to at least');
    hash.update(data);
    await file.write(data);
  }
  checkLength(key, bytes, expectedBytes, 'the body has');
  return { sha256: hash.digest('hex'), bytes };
}

/** A body being fetched: its stream, the length its server announces, and how errors name it. */
interface OpenedBody {
  body: Readable;
  length?: number;
  /** The body's name in length errors (`sha256/<hex>`, or its URL). */
  key: string;
  /** Where it came from, in the hash error (`sha256/<hex> from bucket b`, or its URL). */
  from: string;
}

/**
 * Streams an opened body to `destPath`, trusting nothing the server says: the bytes go into
 * `destPath.partial` while they are hashed, and only bytes that hash to `sha256` are fsynced and
 * renamed into place. Any other body is refused: the partial file is removed and the error names
 * the body, the expected and the actual sha256.
 */
async function saveChecked(opened: OpenedBody, sha256: string, destPath: string, options: FetchOptions): Promise<WrittenFile> {
  const { body, length, key, from } = opened;
  const file = await AtomicFile.create(destPath).catch((err: unknown) => {
    body.destroy();
    throw err;
  });
  try {
    if (length !== undefined) checkLength(key, length, options.expectedBytes, 'the server announces');
    const received = await streamInto(file, body, createHash('sha256'), key, options.expectedBytes);
    if (received.sha256 !== sha256) {
      throw new Error(`artifact ${from}: expected sha256 ${sha256}, got ${received.sha256}; refused, nothing written to ${destPath}`);
    }
  } catch (err) {
    body.destroy();
    await file.abort();
    throw err;
  }
  return file.commit();
}

/** Downloads the artifact whose sha256 is `sha256` from `bucket` to `destPath` (saveChecked). */
export async function fetchArtifact(client: S3Client, bucket: string, sha256: string, destPath: string, options: FetchOptions = {}): Promise<WrittenFile> {
  const key = contentKey(checkSha256Hex('sha256', sha256));
  const opened = await openBody(client, bucket, key);
  return saveChecked({ ...opened, key, from: `${key} from bucket ${bucket}` }, sha256, destPath, options);
}

/**
 * Downloads the artifact whose sha256 is `sha256` from a plain HTTP(S) URL (a mirror of the bucket,
 * artifactUrl.ts) to `destPath` (saveChecked): the URL's server is trusted for nothing but bytes.
 */
export async function fetchArtifactFromUrl(url: string, sha256: string, destPath: string, options: FetchOptions = {}): Promise<WrittenFile> {
  checkSha256Hex('sha256', sha256);
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow' });
  } catch (err) {
    throw new Error(`GET ${url}: ${(err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).message}`);
  }
  if (response.status === 404) throw new Error(`artifact ${url} not found (HTTP 404)`);
  if (!response.ok || !response.body) throw new Error(`GET ${url}: HTTP ${response.status}`);
  const announced = response.headers.get('content-length');
  const body = Readable.fromWeb(response.body as WebReadableStream);
  return saveChecked({ body, ...(announced ? { length: Number(announced) } : {}), key: url, from: url }, sha256, destPath, options);
}
