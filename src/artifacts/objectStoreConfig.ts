import { readFileSync } from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';
import { checkArtifactsBaseUrl } from './artifactUrl.js';

/** The S3 credentials the artifact client signs with. Never logged, never put in an error. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Where a run's artifacts are published when an object store is configured. */
export interface ObjectStoreConfig {
  /** e.g. http://127.0.0.1:7070 — scheme, host and port only. */
  endpoint: string;
  bucket: string;
  region: string;
  /** Non-enumerable: a logged or serialised config does not show it. */
  credentials: S3Credentials;
  /**
   * REGENESIS_S3_MIRROR_URL: where the bucket's bodies are also served read-only over HTTP(S) (a
   * CDN, a web server in front of the bucket), for hosts without S3 credentials; the run index
   * names each file's URL there (artifactUrl.ts). Optional.
   */
  mirrorUrl?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const DEFAULT_REGION = 'us-east-1';
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const OWN_VARIABLES = ['REGENESIS_S3_ENDPOINT', 'REGENESIS_S3_BUCKET', 'REGENESIS_S3_REGION', 'REGENESIS_S3_CREDENTIALS_FILE', 'REGENESIS_S3_MIRROR_URL'];

/** An environment variable's value, or undefined when unset or blank (a blank value is an unset one). */
function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/**
 * The object store the environment names, or undefined when it names none (the local artifact
 * directory is then the store). Any REGENESIS_S3_* variable means an object store is wanted, so half
 * a configuration — an endpoint without a bucket, a key without its secret — is refused with one
 * message naming everything missing, rather than silently falling back to the local directory.
 */
export function objectStoreConfigFromEnv(env: Env = process.env): ObjectStoreConfig | undefined {
  if (OWN_VARIABLES.every((name) => read(env, name) === undefined)) return undefined;
  const problems: string[] = [];
  const endpoint = endpointFrom(env, problems);
  const bucket = bucketFrom(env, problems);
  const region = regionFrom(env, problems);
  const credentials = credentialsFrom(env, problems);
  const mirrorUrl = mirrorFrom(env, problems);
  if (problems.length > 0 || !endpoint || !bucket || !region || !credentials) {
    throw new Error(`object store configuration refused: ${problems.join('; ')}`);
  }
  const config = { endpoint, bucket, region, ...(mirrorUrl ? { mirrorUrl } : {}) } as ObjectStoreConfig;
  Object.defineProperty(config, 'credentials', { value: credentials, enumerable: false });
  return config;
}

/**
 * REGENESIS_S3_ENDPOINT as an origin. Credentials in the URL are refused without echoing it (they
 * belong in the credential variables), and so is a path, which path-style addressing would break.
 */
function endpointFrom(env: Env, problems: string[]): string | undefined {
  const raw = read(env, 'REGENESIS_S3_ENDPOINT');
  if (raw === undefined) return void problems.push('REGENESIS_S3_ENDPOINT is missing');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return void problems.push('REGENESIS_S3_ENDPOINT is not a URL (expected e.g. http://127.0.0.1:7070)');
  }
  if (url.username || url.password) {
    return void problems.push('REGENESIS_S3_ENDPOINT must not carry credentials: use AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or REGENESIS_S3_CREDENTIALS_FILE');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return void problems.push(`REGENESIS_S3_ENDPOINT must be http:// or https://, not ${url.protocol}`);
  }
  if (url.pathname !== '/' || url.search || url.hash) {
    return void problems.push(`REGENESIS_S3_ENDPOINT must be scheme, host and port only (${url.origin}), without a path or query`);
  }
  return url.origin;
}

/** REGENESIS_S3_MIRROR_URL, optional: a read-only HTTP(S) base URL without credentials (artifactUrl.ts). */
function mirrorFrom(env: Env, problems: string[]): string | undefined {
  const raw = read(env, 'REGENESIS_S3_MIRROR_URL');
  if (raw === undefined) return undefined;
  try {
    return checkArtifactsBaseUrl(raw, 'REGENESIS_S3_MIRROR_URL');
  } catch (err) {
    return void problems.push((err as Error).message);
  }
}

/** REGENESIS_S3_BUCKET, checked against S3's bucket naming rule. */
function bucketFrom(env: Env, problems: string[]): string | undefined {
  const bucket = read(env, 'REGENESIS_S3_BUCKET');
  if (bucket === undefined) return void problems.push('REGENESIS_S3_BUCKET is missing');
  if (!BUCKET_NAME.test(bucket)) {
    return void problems.push(`REGENESIS_S3_BUCKET ${JSON.stringify(bucket)} is not a bucket name (3-63 lowercase letters, digits, "." and "-")`);
  }
  return bucket;
}

/** REGENESIS_S3_REGION, us-east-1 when unset (what S3-compatible servers answer to by default). */
function regionFrom(env: Env, problems: string[]): string | undefined {
  const region = read(env, 'REGENESIS_S3_REGION') ?? DEFAULT_REGION;
  if (!REGION_NAME.test(region)) return void problems.push(`REGENESIS_S3_REGION ${JSON.stringify(region)} is not a region name (e.g. us-east-1)`);
  return region;
}

/**
 * The credentials: from the file REGENESIS_S3_CREDENTIALS_FILE names, or from the standard
 * AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN). Both at once is refused, so
 * that which key signs is never a guess; a key without its secret (or the reverse) names the
 * missing one. No value is ever quoted.
 */
function credentialsFrom(env: Env, problems: string[]): S3Credentials | undefined {
  const file = read(env, 'REGENESIS_S3_CREDENTIALS_FILE');
  const accessKeyId = read(env, 'AWS_ACCESS_KEY_ID');
  const secretAccessKey = read(env, 'AWS_SECRET_ACCESS_KEY');
  if (file !== undefined) {
    if (accessKeyId !== undefined || secretAccessKey !== undefined) {
      return void problems.push('both REGENESIS_S3_CREDENTIALS_FILE and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are set: set only one');
    }
    return credentialsFromFile(file, problems);
  }
  if (accessKeyId === undefined && secretAccessKey === undefined) {
    return void problems.push('credentials are missing: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or REGENESIS_S3_CREDENTIALS_FILE');
  }
  if (accessKeyId === undefined) return void problems.push('AWS_ACCESS_KEY_ID is missing (AWS_SECRET_ACCESS_KEY is set)');
  if (secretAccessKey === undefined) return void problems.push('AWS_SECRET_ACCESS_KEY is missing (AWS_ACCESS_KEY_ID is set)');
  const sessionToken = read(env, 'AWS_SESSION_TOKEN');
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

/**
 * Reads `{accessKeyId, secretAccessKey[, sessionToken]}` from a JSON file. A parse error is reported
 * without the parser's message, which quotes the text around the fault — the secret itself.
 */
function credentialsFromFile(path: string, problems: string[]): S3Credentials | undefined {
  const where = `REGENESIS_S3_CREDENTIALS_FILE (${path})`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return void problems.push(`${where} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return void problems.push(`${where} is not JSON (expected {"accessKeyId": "…", "secretAccessKey": "…"})`);
  }
  const fields = (parsed ?? {}) as Record<string, unknown>;
  const missing = ['accessKeyId', 'secretAccessKey'].filter((name) => typeof fields[name] !== 'string' || (fields[name] as string).trim() === '');
  if (missing.length > 0) return void problems.push(`${where}: ${missing.join(' and ')} missing (non-empty strings expected)`);
  const sessionToken = typeof fields.sessionToken === 'string' && fields.sessionToken ? fields.sessionToken : undefined;
  return {
    accessKeyId: (fields.accessKeyId as string).trim(),
    secretAccessKey: (fields.secretAccessKey as string).trim(),
    ...(sessionToken ? { sessionToken } : {}),
  };
}

/**
 * The S3 client for a configuration: path-style addressing (`endpoint/bucket/key`), which every
 * S3-compatible server answers without wildcard DNS for virtual-host buckets.
 */
export function s3ClientFor(config: ObjectStoreConfig): S3Client {
  return new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    forcePathStyle: true,
    credentials: config.credentials,
  });
}

/** What may be logged about a store: where it is, never how one signs in. */
export function describeObjectStore(config: ObjectStoreConfig): string {
  return `s3 bucket ${config.bucket} at ${config.endpoint} (${config.region})`;
}
