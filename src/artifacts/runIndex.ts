import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { checkRelativePath, runIndexKey } from './layout.js';
import { isMissingObject, s3Failure } from './s3Errors.js';

/** One published file of a run: what its body hashes to and how long it is. */
export interface IndexedFile {
  sha256: string;
  bytes: number;
  /** Where it is fetched from, its checksum in the URL (artifactUrl.ts); absent from indexes written before. */
  url?: string;
}

/**
 * A run's index in the bucket (`runs/<runKey>/index.json`): each relative path of the run mapped to
 * the body that is stored under `sha256/<hex>`. It is the only object a reader needs to know the
 * name of; everything else is found, and checked, by its hash.
 */
export interface RunIndex {
  version: 1;
  runKey: string;
  files: Record<string, IndexedFile>;
}

const runIndexSchema = z.object({
  version: z.literal(1),
  runKey: z.string(),
  files: z.record(
    z.string(),
    z.object({
      sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 (64 lowercase hex digits)'),
      bytes: z.number().int().nonnegative(),
      url: z.string().optional(),
    }),
  ),
});

/**
 * Parses an index read from the bucket, refusing one that is not for `runKey` or that names a path a
 * reader could not safely write (see checkRelativePath): the index comes over the network and is
 * checked like any other input.
 */
export function parseRunIndex(text: string, runKey: string): RunIndex {
  const where = `run index ${runIndexKey(runKey)}`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${where} is not JSON`);
  }
  const parsed = runIndexSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${where}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`);
  }
  if (parsed.data.runKey !== runKey) throw new Error(`${where} is for run ${JSON.stringify(parsed.data.runKey)}`);
  for (const rel of Object.keys(parsed.data.files)) checkRelativePath(rel);
  return parsed.data as RunIndex;
}

/** Reads and checks a run's index; a missing index is said as such, naming the key and bucket. */
export async function readRunIndex(client: S3Client, bucket: string, runKey: string): Promise<RunIndex> {
  const key = runIndexKey(runKey);
  let text: string;
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!response.Body) throw new Error('the response has no body');
    text = await response.Body.transformToString('utf8');
  } catch (err) {
    if (isMissingObject(err)) throw new Error(`run index ${key} not found in bucket ${bucket}`);
    throw s3Failure(`reading run index ${key} from bucket ${bucket}`, err);
  }
  return parseRunIndex(text, runKey);
}
