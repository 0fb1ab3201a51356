import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { fillChain } from '../../src/dev/fill.js';
import { startGethDev, type GethNode } from '../../src/nodes/geth.js';
import { freePort } from '../../src/nodes/ports.js';
import { planFor, type PlanOverrides } from '../helpers/plans.js';
import { inOneDay } from '../helpers/run.js';

export const BIN = new URL('../../bin/regenesis.js', import.meta.url).pathname;

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * What the CLI tests drive: `regenesis dev` (a real Temporal dev server with its Web UI and a
 * worker) on free loopback ports, a filled geth dev chain, and the `regenesis` binary run as an
 * operator would run it, in its own process.
 */
export interface CliDev {
  work: string;
  env: NodeJS.ProcessEnv;
  geth: GethNode;
  dev: ChildProcess;
  devExit: Promise<number | null>;
  devLog(): string;
  /** Runs the CLI to completion, blocking this process (no log of other processes flows meanwhile). */
  cli(args: string[]): CliResult;
  /** Runs the CLI without blocking this process. */
  cliAsync(args: string[], extraEnv?: NodeJS.ProcessEnv): Promise<CliResult>;
  /** A plan file for a run over the chain's current epoch; `extra` is merged in. */
  writePlan(file: string, name: string, chainId: number, extra?: PlanOverrides): string;
  stop(): Promise<void>;
}

export async function startCliDev(prefix: string, fill = { accounts: 50, contracts: 3, slots: 30 }): Promise<CliDev> {
  const work = mkdtempSync(join(tmpdir(), `regenesis-${prefix}-`));
  const port = await freePort();
  const uiPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
    REGENESIS_ARTIFACTS_DIR: join(work, 'artifacts'),
    REGENESIS_TASK_QUEUE: `${prefix}-${port}`,
    LOG_FORMAT: 'json',
  };
  const geth = await startGethDev({ dataDir: join(work, 'geth'), periodSeconds: 1 });
  await fillChain(geth.rpcUrl, fill);
  const dev = spawn(process.execPath, [BIN, 'dev', '--port', String(port), '--ui-port', String(uiPort), '--state-dir', join(work, 'state')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const devExit = new Promise<number | null>((resolve) => dev.once('exit', (code) => resolve(code)));
  let log = '';
  dev.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  dev.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  // Up when the frontend answers and the worker is polling (the UI is served too).
  for (let i = 0; ; i++) {
    try {
      const c = await Connection.connect({ address: env.TEMPORAL_ADDRESS!, connectTimeout: 500 });
      await c.close();
      const ui = await fetch(`http://127.0.0.1:${uiPort}/`).catch(() => undefined);
      if (ui?.ok) break;
    } catch {
      // not yet
    }
    if (i > 240) throw new Error(`regenesis dev did not come up:\n${log}`);
    await sleep(250);
  }
  return {
    work,
    env,
    geth,
    dev,
    devExit,
    devLog: () => log,
    cli: (args) => spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 300_000 }),
    cliAsync: (args, extraEnv = {}) =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [BIN, ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        child.once('close', (status) => resolve({ status, stdout, stderr }));
      }),
    writePlan(file, name, chainId, extra = {}) {
      const planPath = join(work, file);
      const plan = planFor(
        {
          name,
          chains: { C: { rpcUrl: geth.rpcUrl, partitions: 2 } },
          epoch: { durationSeconds: 3, pollSeconds: 1 },
          genesis: { chainId, startTime: inOneDay() },
        },
        extra,
      );
      writeFileSync(planPath, JSON.stringify(plan));
      return planPath;
    },
    async stop() {
      if (dev.exitCode === null) dev.kill('SIGKILL');
      await geth.stop();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
