import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonRpcClient } from '../../src/chains/evm/rpc.js';
import { FaultProxy } from '../rigs/faultProxy.js';
import { fillChain, type FillSummary } from '../../src/dev/fill.js';
import { startGethDev, type GethNode } from '../../src/nodes/geth.js';
import { freePort } from '../../src/nodes/ports.js';
import { planFor, type PlanOverrides } from '../helpers/plans.js';
import { abortSignal, type RegenesisCompleted, type RegenesisResult } from '../../workflows/messages.js';
import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../../activities/index.js';
import { rehearsalWorkDir } from '../../activities/rehearse.js';
import { createTestWorker, startTemporal, uniqueTaskQueue } from '../rigs/temporal.js';
import { checkManifest, failureMessages, inOneDay, runPlan } from '../helpers/run.js';
import { regenesisWorkflow } from '../../workflows/index.js';
import { untilStatus } from '../helpers/phases.js';

function completed(result: RegenesisResult): RegenesisCompleted {
  if (result.status !== 'Completed') throw new Error(`run rolled back in ${result.failedPhase}: ${result.reason}`);
  return result;
}

describe('regenesis of a real geth chain on a real Temporal dev server', () => {
  let env: TestWorkflowEnvironment;
  let geth: GethNode;
  let fill: FillSummary;
  let work: string;
  let firstRun: Promise<RegenesisCompleted> | undefined;

  /**
   * The run over the current epoch that later tests export again at its height: started by whichever
   * test needs it first, once, so each test also runs alone (`-t`).
   */
  const first = (): Promise<RegenesisCompleted> =>
    (firstRun ??= (async () => {
      const taskQueue = uniqueTaskQueue();
      const worker = await createTestWorker(env, { taskQueue, artifactsDir: join(work, 'artifacts-1') });
      return completed(await runPlan(env, worker, plan(), { taskQueue }));
    })());

  const plan = (...layers: PlanOverrides[]) =>
    planFor(
      {
        name: 'geth-it',
        chains: { C: { rpcUrl: geth.rpcUrl, partitions: 4, pageSize: 256 } },
        epoch: { durationSeconds: 4, pollSeconds: 1 },
        genesis: { chainId: 7777, startTime: inOneDay() },
      },
      ...layers,
    );

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'regenesis-geth-it-'));
    [env, geth] = await Promise.all([startTemporal(), startGethDev({ dataDir: join(work, 'geth'), periodSeconds: 1 })]);
    fill = await fillChain(geth.rpcUrl, {});
  });

  afterAll(async () => {
    await geth?.stop();
    await env?.teardown();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('freezes at the sealing block of the current epoch and rebuilds the same state root (TS trie and geth init)', async () => {
    const run = await first();
    const rpc = new JsonRpcClient(geth.rpcUrl);
    const block = await rpc.call<{ stateRoot: string; timestamp: string }>('eth_getBlockByNumber', [`0x${run.freeze.height.toString(16)}`, false]);
    const parent = await rpc.call<{ timestamp: string }>('eth_getBlockByNumber', [`0x${(run.freeze.height - 1).toString(16)}`, false]);
    // LP-181: the freeze block is the first block at or past startTime + D; its parent is before it.
    const epoch = run.freeze.epoch!;
    expect(Number(block.timestamp)).toBeGreaterThanOrEqual(epoch.startTime + epoch.durationSeconds);
    expect(Number(parent.timestamp)).toBeLessThan(epoch.startTime + epoch.durationSeconds);

    expect(run.genesis.stateRoot).toBe(block.stateRoot);
    expect(run.rehearsal?.block0Root).toBe(block.stateRoot);
    expect(run.rehearsal?.mismatches).toEqual([]);
    const stats = run.genesis.stats;
    expect(stats.accounts).toBeGreaterThanOrEqual(fill.accounts);
    expect(stats.accounts).toBeGreaterThanOrEqual(500);
    expect(stats.contracts).toBeGreaterThanOrEqual(20);
    expect(stats.storageSlots).toBeGreaterThanOrEqual(2000);
    expect(run.verification.checks.map((c) => [c.name, c.ok])).toEqual([
      ['state-root', true],
      ['supply', true],
      ['counts', true],
      ['source-node-samples', true],
    ]);
    expect(run.exports).toHaveLength(4);
    expect(checkManifest(run.artifactsDir).files).toBeGreaterThanOrEqual(7);
    const genesis = JSON.parse(readFileSync(join(run.artifactsDir, run.genesis.path), 'utf8'));
    expect(genesis.config.chainId).toBe(7777);
    expect(Object.keys(genesis.alloc)).toHaveLength(stats.accounts);
  });

  it('writes a byte-identical genesis when the same height is exported again with other partitioning', async () => {
    const base = await first();
    const taskQueue = uniqueTaskQueue();
    const worker = await createTestWorker(env, { taskQueue, artifactsDir: join(work, 'artifacts-2') });
    const again = completed(
      await runPlan(env, worker, plan({ chains: { C: { partitions: 7 } }, genesis: { startTime: readStart(base) }, target: { height: base.freeze.height } }), {
        taskQueue,
      }),
    );
    expect(again.genesis.sha256).toBe(base.genesis.sha256);
    expect(again.exports).toHaveLength(7);
  });

  it('rides out a node outage mid-export from the last page written: same accounts, same bytes', async () => {
    const base = await first();
    const proxy = new FaultProxy(geth.rpcUrl);
    await proxy.start();
    let pages = 0;
    let outage: Promise<void> | undefined;
    proxy.rule = ({ methods }) => {
      if (methods.includes('debug_accountRange') && ++pages === 6 && !outage) outage = proxy.outage(4_000);
      return { kind: 'pass' };
    };
    const taskQueue = uniqueTaskQueue();
    const worker = await createTestWorker(env, { taskQueue, artifactsDir: join(work, 'artifacts-3') });
    try {
      const result = completed(
        await runPlan(
          env,
          worker,
          plan({
            chains: { C: { rpcUrl: proxy.url, partitions: 1, pageSize: 32 } },
            genesis: { startTime: readStart(base) },
            target: { height: base.freeze.height },
          }),
          { taskQueue },
        ),
      );
      expect(outage).toBeDefined();
      // Shorter than maxOutageSeconds: waited out inside the attempt (crash tests cover resuming
      // from the heartbeated cursor in a new attempt).
      expect(proxy.requests).toBeGreaterThan(6);
      // Nothing missed, nothing doubled: the same accounts, the same bytes, the same root.
      expect(result.genesis.stats).toEqual(base.genesis.stats);
      expect(result.genesis.sha256).toBe(base.genesis.sha256);
    } finally {
      await outage;
      await proxy.stop();
    }
  });

  it('rolls back on abort during export: artifacts discarded, run ends RolledBack with the reason', async () => {
    const base = await first();
    const proxy = new FaultProxy(geth.rpcUrl);
    await proxy.start();
    // Slow pages keep the export running long enough to abort it mid-way.
    proxy.rule = ({ methods }) => (methods.includes('debug_accountRange') ? { kind: 'delay', ms: 300 } : { kind: 'pass' });
    const taskQueue = uniqueTaskQueue();
    const artifacts = join(work, 'artifacts-abort');
    const worker = await createTestWorker(env, { taskQueue, artifactsDir: artifacts });
    try {
      const result = await worker.runUntil(async () => {
        const handle = await env.client.workflow.start(regenesisWorkflow, {
          taskQueue,
          workflowId: `abort-${Date.now()}`,
          args: [plan({ chains: { C: { rpcUrl: proxy.url, partitions: 2, pageSize: 16 } }, target: { height: base.freeze.height } })],
        });
        await untilStatus(handle, 'the first export files', (status) => status.phase === 'export' && existsSync(join(artifacts, status.runKey!, 'exports')));
        await handle.signal(abortSignal, 'operator saw a problem');
        return (await handle.result()) as RegenesisResult;
      });
      expect(result.status).toBe('RolledBack');
      if (result.status !== 'RolledBack') return;
      expect(result.failedPhase).toBe('export');
      expect(result.reason).toBe('aborted: operator saw a problem');
      expect(result.compensations).toEqual(['discard-artifacts']);
      expect(existsSync(join(artifacts, result.runKey))).toBe(false);
    } finally {
      await proxy.stop();
    }
  });

  it('runs the compensations registered so far, in reverse, when a late step fails', async () => {
    const base = await first();
    const taskQueue = uniqueTaskQueue();
    const artifacts = join(work, 'artifacts-late-failure');
    // Orchestration test: the last step is made to fail; every step before it is real.
    const activities = (real: Activities) => ({
      ...real,
      publishReport: async () => {
        throw ApplicationFailure.nonRetryable('report store refused the write', 'ReportFailed');
      },
    });
    const worker = await createTestWorker(env, { taskQueue, artifactsDir: artifacts, activities });
    const result = await runPlan(env, worker, plan({ target: { height: base.freeze.height } }), { taskQueue });
    expect(result.status).toBe('RolledBack');
    if (result.status !== 'RolledBack') return;
    expect(result.failedPhase).toBe('report');
    expect(result.reason).toBe('report store refused the write');
    expect(result.compensations).toEqual(['stop-rehearsal', 'discard-artifacts']);
    expect(existsSync(join(artifacts, result.runKey))).toBe(false);
    expect(existsSync(rehearsalWorkDir(result.runKey))).toBe(false);
  });

  it('fails a plan whose node is unreachable before any work, naming the field', async () => {
    const taskQueue = uniqueTaskQueue();
    const artifacts = join(work, 'artifacts-4');
    const worker = await createTestWorker(env, { taskQueue, artifactsDir: artifacts });
    const deadUrl = `http://127.0.0.1:${await freePort()}`;
    const failure = await runPlan(env, worker, plan({ chains: { C: { rpcUrl: deadUrl } } }), { taskQueue }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(failureMessages(failure)).toMatch(/plan\.chains\.C\.rpcUrl: node unreachable/);
    expect(existsSync(artifacts)).toBe(false);
  });

  it('fails a plan with unknown fields as a failed run whose message names them', async () => {
    const taskQueue = uniqueTaskQueue();
    const worker = await createTestWorker(env, { taskQueue, artifactsDir: join(work, 'artifacts-5') });
    const failure = await runPlan(env, worker, plan({ surprise: true }), { taskQueue }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause?.message).toMatch(/plan: .*surprise/);
  });

  it('refuses a genesis start more than 30 days after the freeze block before exporting', async () => {
    const base = await first();
    const taskQueue = uniqueTaskQueue();
    const artifacts = join(work, 'artifacts-6');
    const worker = await createTestWorker(env, { taskQueue, artifactsDir: artifacts });
    const late = plan({ target: { height: base.freeze.height }, genesis: { startTime: base.freeze.timestamp + 31 * 86400 } });
    const failure = await runPlan(env, worker, late, { taskQueue }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause?.message).toMatch(/plan\.genesis\.startTime: .*more than 30 days/);
    expect(existsSync(artifacts)).toBe(false);
  });
});

function readStart(run: RegenesisCompleted): number {
  const genesis = JSON.parse(readFileSync(join(run.artifactsDir, run.genesis.path), 'utf8')) as { timestamp: string };
  return Number(genesis.timestamp);
}
