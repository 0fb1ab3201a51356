import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { temporalConnectionFromEnv, type TemporalConnectionConfig } from '../../src/temporal/connect.js';

const run = promisify(execFile);
const SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../../scripts/cluster.sh');

/** A cluster of scripts/cluster.sh in a temp dir of its own: PostgreSQL, Temporal server, mTLS. */
export interface LocalCluster {
  dir: string;
  /** The TEMPORAL_* variables `cluster.sh env` prints: what a client of this cluster is given. */
  env: Record<string, string>;
  /** The cluster's Web UI (`cluster.sh ui-url`), a client of the frontend with the client certificate. */
  uiUrl: string;
  /** Those variables read the way every client reads them. */
  connection(): TemporalConnectionConfig;
  /** Runs `cluster.sh <command>` on this cluster, with extra environment variables. */
  script(command: string, env?: NodeJS.ProcessEnv): Promise<string>;
  /** Stops the Temporal server (SIGTERM, as an operator's restart does); PostgreSQL keeps running. */
  stopServer(): Promise<void>;
  /** Starts the server again on the same PostgreSQL, ports and certificates; returns once it is healthy. */
  startServer(): Promise<void>;
  /** PostgreSQL's fast shutdown and start, the Temporal server left running through it. */
  restartPostgres(): Promise<void>;
  /** Stops the server and PostgreSQL, then removes the directory. Safe to call twice. */
  destroy(): Promise<void>;
}

/**
 * PostgreSQL runs as the `postgres` user, which must reach its data directory: the temp dirs above
 * it (mkdtemp makes them 0700) get the traverse bit for others, nothing more.
 */
function traversable(dir: string): void {
  for (let at = dir; at.startsWith(tmpdir()) || at.startsWith('/tmp/'); at = dirname(at)) {
    chmodSync(at, statSync(at).mode | 0o001);
  }
}

/** Starts a cluster (about 10 s once the tools are built); the test must `destroy` it. */
export async function startCluster(name: string): Promise<LocalCluster> {
  const dir = mkdtempSync(join(tmpdir(), `regenesis-cluster-${name}-`));
  traversable(dir);
  const script = async (command: string, env: NodeJS.ProcessEnv = {}): Promise<string> => {
    const { stdout } = await run('bash', [SCRIPT, command], { env: { ...process.env, ...env, REGENESIS_CLUSTER_DIR: dir }, timeout: 240_000 });
    return stdout;
  };
  let stopped = false;
  const destroy = async () => {
    if (stopped) return;
    stopped = true;
    try {
      await script('stop');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    await script('start');
    const env = parseEnv(await script('env'));
    const uiUrl = (await script('ui-url')).trim();
    return {
      dir,
      env,
      uiUrl,
      script,
      destroy,
      connection: () => temporalConnectionFromEnv(env),
      stopServer: async () => void (await script('stop-server')),
      startServer: async () => void (await script('start-server')),
      restartPostgres: async () => void (await script('restart-postgres')),
    };
  } catch (err) {
    await destroy().catch(() => undefined);
    throw err;
  }
}

/** `export NAME=value` lines (values shell-quoted by printf %q; cluster paths need no unquoting). */
function parseEnv(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
}
