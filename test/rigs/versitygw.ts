import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3ClientFor, type ObjectStoreConfig, type S3Credentials } from '../../src/artifacts/objectStoreConfig.js';
import { freePort } from '../../src/nodes/ports.js';
import { isPortInUse, ProcessStartError, spawnLogged, type ManagedProcess } from '../../src/nodes/process.js';
import { toolPath } from '../../src/tools.js';

export interface VersityGwOptions {
  /** The address it listens on (a rig's bridge, for agents on hosts of their own). Default loopback. */
  host?: string;
  /** The bucket created once the server answers; default `regenesis-artifacts`. */
  bucket?: string;
  startTimeoutMs?: number;
}

const REGION = 'us-east-1';

/**
 * A real VersityGW (S3-compatible object store) on a loopback port, serving a posix root in a temp
 * directory, with root credentials made for this run alone. The credentials are private fields:
 * printing the rig (a failed assertion, a log line) never shows them; tests reach them only through
 * `client()` and `env()`.
 */
export class VersityGw {
  readonly #credentials: S3Credentials;

  constructor(
    readonly endpoint: string,
    readonly bucket: string,
    /** The posix root: one directory per bucket, one file per object. */
    readonly rootDir: string,
    readonly logPath: string,
    private readonly proc: ManagedProcess,
    credentials: S3Credentials,
  ) {
    this.#credentials = credentials;
  }

  get pid(): number {
    return this.proc.pid;
  }

  /** The configuration an artifact client of this server uses. */
  config(): ObjectStoreConfig {
    const config = { endpoint: this.endpoint, bucket: this.bucket, region: REGION } as ObjectStoreConfig;
    Object.defineProperty(config, 'credentials', { value: { ...this.#credentials }, enumerable: false });
    return config;
  }

  /** A client signed with the root credentials (the caller destroys it). */
  client(): S3Client {
    return s3ClientFor(this.config());
  }

  /** The environment variables that configure the artifact store for this server. */
  env(): Record<string, string> {
    return {
      REGENESIS_S3_ENDPOINT: this.endpoint,
      REGENESIS_S3_BUCKET: this.bucket,
      AWS_ACCESS_KEY_ID: this.#credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: this.#credentials.secretAccessKey,
    };
  }

  /** Stops the server and removes its objects (the log stays). Safe to call twice. */
  async stop(): Promise<void> {
    await this.proc.stop(5_000);
    await rm(this.rootDir, { recursive: true, force: true });
  }
}

/** Root credentials made for one run: random, so no two servers (or runs) share them. */
function randomCredentials(): S3Credentials {
  return { accessKeyId: `rg${randomBytes(9).toString('hex')}`, secretAccessKey: randomBytes(30).toString('base64url') };
}

/**
 * The environment the server starts with: ours (the test run's marker among it) without any
 * VersityGW or root-account setting from outside, plus the run's root credentials. Passed through
 * the environment, never argv, so they are in neither `ps` nor the log's command-line header.
 */
function serverEnv(credentials: S3Credentials): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('VGW_') && !name.startsWith('ROOT_')) env[name] = value;
  }
  return { ...env, ROOT_ACCESS_KEY: credentials.accessKeyId, ROOT_SECRET_KEY: credentials.secretAccessKey };
}

/**
 * Waits until the server answers HTTP at all (an unsigned request gets 403: enough to know it
 * listens). Fails fast, with the end of its log, if the process exits first.
 */
async function waitForHttp(endpoint: string, proc: ManagedProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.hasExited()) {
      const info = await proc.exited;
      throw new ProcessStartError(`versitygw ${proc.pid} exited (code ${info.code}, signal ${info.signal}) before ${endpoint} answered`, proc.logTail());
    }
    const answered = await fetch(endpoint, { signal: AbortSignal.timeout(2_000) }).then(
      async (response) => {
        await response.arrayBuffer();
        return true;
      },
      () => false,
    );
    if (answered) return;
    if (Date.now() > deadline) throw new ProcessStartError(`${endpoint} did not answer within ${timeoutMs} ms`, proc.logTail());
    await sleep(100);
  }
}

/**
 * Starts VersityGW on a free loopback port with a posix root in a new temp directory, waits until
 * it answers, and creates the bucket through the SDK. The server dies with the test process
 * (spawnLogged). A port taken between freePort() and bind is retried twice.
 */
export async function startVersityGw(options: VersityGwOptions = {}): Promise<VersityGw> {
  const binary = toolPath('versitygw');
  const bucket = options.bucket ?? 'regenesis-artifacts';
  const dir = mkdtempSync(join(tmpdir(), 'versitygw-'));
  const rootDir = join(dir, 'root');
  mkdirSync(rootDir);
  const credentials = randomCredentials();
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const logPath = join(dir, `versitygw-${port}.log`);
    const host = options.host ?? '127.0.0.1';
    const proc = spawnLogged(binary, ['--port', `${host}:${port}`, '--quiet', 'posix', rootDir], { logPath, env: serverEnv(credentials) });
    const endpoint = `http://${host}:${port}`;
    try {
      await waitForHttp(endpoint, proc, options.startTimeoutMs ?? 30_000);
    } catch (err) {
      await proc.stop(2_000);
      if (attempt < 3 && isPortInUse(err)) continue;
      throw new Error(`versitygw did not start (log: ${logPath})`, { cause: err });
    }
    const gw = new VersityGw(endpoint, bucket, rootDir, logPath, proc, credentials);
    await createBucket(gw).catch(async (err: unknown) => {
      await gw.stop();
      throw err;
    });
    return gw;
  }
}

/** Creates the rig's bucket with the root credentials: the first signed request, so it also proves them. */
async function createBucket(gw: VersityGw): Promise<void> {
  const client = gw.client();
  try {
    await client.send(new CreateBucketCommand({ Bucket: gw.bucket }));
  } finally {
    client.destroy();
  }
}
