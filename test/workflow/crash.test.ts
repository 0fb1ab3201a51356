import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultProxy } from '../rigs/faultProxy.js';
import type { LocalGethDevnet } from '../../src/operator/localDevnet.js';
import { localLaunch, planFor } from '../helpers/plans.js';
import { statusQuery, type Phase, type RegenesisResult } from '../../workflows/messages.js';
import { approveAndRatify } from '../helpers/phases.js';
import { artifactHashes } from '../helpers/run.js';
import { uniqueTaskQueue } from '../rigs/temporal.js';
import { localStaker, validatorKeys } from '../helpers/validators.js';
import { startDevnetFixture, type DevnetFixture } from '../rigs/devnetFixture.js';
import { WorkerProcesses } from '../rigs/workers.js';
import { regenesisWorkflow } from '../../workflows/index.js';

describe('worker killed (SIGKILL) during export and during validator migration', () => {
  let fx: DevnetFixture;
  let env: TestWorkflowEnvironment;
  let work: string;
  let devnet: LocalGethDevnet;
  let proxy: FaultProxy;
  let height: number;
  let workers: WorkerProcesses;
  const staker = localStaker(1);

  beforeAll(async () => {
    fx = await startDevnetFixture({ prefix: 'crash', network: 'crashnet', fill: { accounts: 120, contracts: 4, slots: 200 } });
    ({ env, work, devnet, height } = fx);
    workers = new WorkerProcesses(work, { TEMPORAL_ADDRESS: env.address, REGENESIS_DEVNET_ROOT: fx.devnetRoot });
    workers.prepare();
    // Slow pages keep the export running long enough to kill the worker in the middle of it.
    proxy = new FaultProxy(fx.rpcUrl);
    await proxy.start();
    proxy.rule = ({ methods }) => (methods.includes('debug_accountRange') ? { kind: 'delay', ms: 250 } : { kind: 'pass' });
  });

  afterAll(async () => {
    await workers?.stopAll();
    await proxy?.stop();
    await fx?.teardown();
  });

  const plan = () =>
    planFor(
      {
        name: 'crash',
        chains: { C: { rpcUrl: proxy.url, partitions: 2, pageSize: 8 } },
        target: { height },
        genesis: { chainId: 3131, startTime: { afterFreezeSeconds: 7200 } },
      },
      localLaunch('crashnet', validatorKeys(staker, 10)),
    );

  async function until(handle: WorkflowHandle, done: (phase: Phase) => boolean, extra: () => boolean = () => true): Promise<void> {
    for (let i = 0; i < 3000; i++) {
      const status = await handle.query(statusQuery);
      if (done(status.phase) && extra()) return;
      if (status.phase === 'rolled-back') throw new Error('run rolled back');
      await sleep(100);
    }
    throw new Error('timed out waiting for the run');
  }

  async function run(label: string, crash: boolean): Promise<{ workflowId: string; result: Extract<RegenesisResult, { status: 'Completed' }> }> {
    const taskQueue = uniqueTaskQueue(label);
    const artifactsDir = join(work, `artifacts-${label}`);
    let worker = workers.start({ taskQueue, artifactsDir });
    const handle = await env.client.workflow.start(regenesisWorkflow, { taskQueue, workflowId: taskQueue, args: [plan()] });
    if (crash) {
      const { runKey } = await handle.query(statusQuery);
      if (!runKey) throw new Error('the run reports no runKey');
      const exportsDir = () => join(artifactsDir, runKey, 'exports', 'C');
      await until(
        handle,
        (p) => p === 'export',
        () => existsSync(exportsDir()) && readdirSync(exportsDir()).some((f) => f.endsWith('.partial')),
      );
      worker.kill('SIGKILL');
      worker = workers.start({ taskQueue, artifactsDir });
    }
    await approveAndRatify(handle, staker);
    if (crash) {
      await until(handle, (p) => p === 'migrate-validators');
      worker.kill('SIGKILL');
      worker = workers.start({ taskQueue, artifactsDir });
    }
    const result = (await handle.result()) as RegenesisResult;
    worker.kill('SIGTERM');
    if (result.status !== 'Completed') throw new Error(`${label} rolled back: ${result.reason}`);
    // Give the devnet back for the next run.
    await devnet.discardNew();
    await devnet.resumeOld();
    return { workflowId: taskQueue, result };
  }

  it('finishes on a new worker with artifacts byte-identical to an uninterrupted run', async () => {
    const { result: clean } = await run('clean', false);
    const { workflowId, result: crashed } = await run('crashed', true);
    expect(crashed.genesis.sha256).toBe(clean.genesis.sha256);
    expect(crashed.launch?.newNetwork.block0Root).toBe(clean.freeze.stateRoot);
    const a = artifactHashes(clean.artifactsDir);
    const b = artifactHashes(crashed.artifactsDir);
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    expect(b).toEqual(a);
    // The crash really interrupted work: at least one activity ran more than once.
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const retried = history.events?.some((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
    expect(retried).toBe(true);
  });
});
