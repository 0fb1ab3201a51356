import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WORKER_NODE_OPTIONS } from '../../src/config.js';
import { BIN, startCliDev, type CliDev } from '../rigs/cliDev.js';
import { planFor } from '../helpers/plans.js';
import { inOneDay } from '../helpers/run.js';

describe('regenesis CLI: dev, start --wait --json, status, bad plans', () => {
  let fx: CliDev;
  let work: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    fx = await startCliDev('cli');
    ({ work, env } = fx);
  });

  afterAll(async () => {
    await fx?.stop();
  });

  const cli = (args: string[]) => fx.cli(args);
  const cliAsync = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => fx.cliAsync(args, extraEnv);
  const writePlan = (file: string, name: string, chainId: number) => fx.writePlan(file, name, chainId);

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
    expect(fx.devLog()).toContain('workflow bundle built');
  });

  it('refuses a bad plan file before starting anything, naming the field', () => {
    const planPath = join(work, 'bad.json');
    writeFileSync(
      planPath,
      JSON.stringify(planFor({ name: 'bad', chains: { C: { rpcUrl: undefined } }, target: { epoch: 1 }, genesis: { chainId: 1, startTime: inOneDay() } })),
    );
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
    // A `regenesis dev` of its own: the one the other tests drive stays up whatever runs after this.
    const own = await startCliDev('cli-sigint', { accounts: 2, contracts: 1, slots: 2 });
    try {
      own.dev.kill('SIGINT');
      const code = await Promise.race([own.devExit, sleep(30_000).then(() => 'timeout' as const)]);
      expect(code).toBe(0);
    } finally {
      await own.stop();
    }
  });
});
