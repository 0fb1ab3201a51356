import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { fillChain } from '../../src/dev/fill.js';
import { startGethDev, type GethNode } from '../../src/nodes/geth.js';
import { freePort } from '../../src/nodes/ports.js';
import { WORKER_NODE_OPTIONS } from '../../src/config.js';
import { inOneDay } from '../helpers/run.js';

const BIN = new URL('../../bin/regenesis.js', import.meta.url).pathname;

describe('regenesis CLI: dev, start --wait --json, status, bad plans', () => {
  let work: string;
  let geth: GethNode;
  let dev: ChildProcess;
  let env: NodeJS.ProcessEnv;
  let devExit: Promise<number | null>;
  let devLog = '';

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'regenesis-cli-'));
    const port = await freePort();
    const uiPort = await freePort();
    env = {
      ...process.env,
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      REGENESIS_ARTIFACTS_DIR: join(work, 'artifacts'),
      REGENESIS_TASK_QUEUE: `cli-${port}`,
      LOG_FORMAT: 'json',
    };
    geth = await startGethDev({ dataDir: join(work, 'geth'), periodSeconds: 1 });
    await fillChain(geth.rpcUrl, { accounts: 50, contracts: 3, slots: 30 });
    dev = spawn(process.execPath, [BIN, 'dev', '--port', String(port), '--ui-port', String(uiPort), '--state-dir', join(work, 'state')], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    devExit = new Promise((resolve) => dev.once('exit', (code) => resolve(code)));
    dev.stdout!.on('data', (d: Buffer) => (devLog += d.toString()));
    dev.stderr!.on('data', (d: Buffer) => (devLog += d.toString()));
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
      if (i > 240) throw new Error('regenesis dev did not come up');
      await sleep(250);
    }
  });

  afterAll(async () => {
    if (dev && dev.exitCode === null) dev.kill('SIGKILL');
    await geth?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const cli = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 300_000 });

  /** Like `cli`, without blocking this process: the logs of the processes it talks to keep flowing in. */
  const cliAsync = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('close', (status) => resolve({ status, stdout, stderr }));
    });

  /** A plan file for a run over the test chain's current epoch. */
  function writePlan(file: string, name: string, chainId: number): string {
    const planPath = join(work, file);
    writeFileSync(
      planPath,
      JSON.stringify({
        name,
        chains: { C: { rpcUrl: geth.rpcUrl, partitions: 2 } },
        target: { epoch: 'current' },
        epoch: { durationSeconds: 3, pollSeconds: 1 },
        genesis: { chainId, startTime: inOneDay() },
      }),
    );
    return planPath;
  }

  it('starts a run from a plan file, waits, prints JSON, and reports its status', async () => {
    const planPath = writePlan('plan.json', 'cli-run', 4242);
    const started = cli(['start', '--plan', planPath, '--id', 'cli-run-1', '--wait', '--json']);
    expect(started.stderr).not.toMatch(/error/i);
    expect(started.status).toBe(0);
    const result = JSON.parse(started.stdout.trim().split('\n').pop()!);
    expect(result.workflowId).toBe('cli-run-1');
    expect(result.status).toBe('Completed');
    expect(result.genesis.stateRoot).toBe(result.freeze.stateRoot);
    expect(existsSync(join(result.artifactsDir, 'manifest.json'))).toBe(true);

    const status = cli(['status', 'cli-run-1', '--json']);
    expect(status.status).toBe(0);
    const s = JSON.parse(status.stdout);
    expect(s.execution).toBe('COMPLETED');
    expect(s.status.phase).toBe('completed');
    // `regenesis dev` had no prebuilt bundle: it built one in a child process, not in the worker.
    await sleep(500); // the dev process's output, read while spawnSync held this process
    expect(devLog).toContain('workflow bundle built');
  });

  it('refuses a bad plan file before starting anything, naming the field', () => {
    const planPath = join(work, 'bad.json');
    writeFileSync(planPath, JSON.stringify({ name: 'bad', chains: { C: {} }, target: { epoch: 1 }, genesis: { chainId: 1, startTime: inOneDay() } }));
    const r = cli(['start', '--plan', planPath]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('plan.chains.C.rpcUrl');
    const notJson = join(work, 'broken.json');
    writeFileSync(notJson, '{ "name": ');
    const r2 = cli(['start', '--plan', notJson]);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/not valid JSON/);
  });

  it('runs a worker from a prebuilt workflow bundle with the production heap cap', async () => {
    const bundle = join(work, 'workflow-bundle.js');
    const built = cli(['bundle', '--out', bundle]);
    expect(built.status, built.stderr).toBe(0);
    expect(statSync(bundle).size).toBeGreaterThan(100_000);
    const queue = `${env.REGENESIS_TASK_QUEUE}-prebuilt`;
    const workerEnv = { ...env, REGENESIS_TASK_QUEUE: queue, REGENESIS_WORKFLOW_BUNDLE: bundle, NODE_OPTIONS: WORKER_NODE_OPTIONS };
    const worker = spawn(process.execPath, [BIN, 'worker'], { env: workerEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    worker.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    worker.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    try {
      const planPath = writePlan('plan-prebuilt.json', 'cli-prebuilt', 4243);
      const started = await cliAsync(['start', '--plan', planPath, '--id', 'cli-prebuilt-1', '--wait', '--json'], { REGENESIS_TASK_QUEUE: queue });
      expect(started.status, `${started.stderr}\n${log}`).toBe(0);
      const result = JSON.parse(started.stdout.trim().split('\n').pop()!);
      expect(result.status).toBe('Completed');
      expect(result.genesis.stateRoot).toBe(result.freeze.stateRoot);
      // The worker loaded the bundle it was given rather than building one.
      expect(log).not.toContain('workflow bundle built');
      expect(log).toContain('worker started');
    } finally {
      worker.kill('SIGTERM');
      await new Promise((resolve) => worker.once('exit', resolve));
    }
  });

  it('stops the dev server and worker cleanly on SIGINT', async () => {
    dev.kill('SIGINT');
    const code = await Promise.race([devExit, sleep(30_000).then(() => 'timeout' as const)]);
    expect(code).toBe(0);
  });
});
