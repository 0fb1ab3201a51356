import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaultProxy, type Fault } from '../rigs/faultProxy.js';
import { startSyntheticGeth, type SyntheticGeth } from '../rigs/syntheticGeth.js';
import type { PlanInput } from '../../src/plan/index.js';
import { planFor } from '../helpers/plans.js';
import { nodeStateAt, type NodeState } from '../helpers/nodeState.js';
import { checkManifest, runPlan } from '../helpers/run.js';
import { createTestWorker, startTemporal, uniqueTaskQueue } from '../rigs/temporal.js';

/**
 * The source node misbehaves while it serves the export, through a fault proxy on loopback. Each
 * fault hits chosen pages of debug_accountRange; the export must still hold every account exactly
 * once (counts, balance total and state root checked against what the node itself serves for
 * block 0), or, when the node never comes back, the run must roll back with a reason that names it,
 * within the plan's outage limit.
 */
const FAULTY_PAGES = new Set([3, 4, 9, 17]);

const FAULTS: Array<[string, Fault]> = [
  ['connection dropped', { kind: 'drop' }],
  ['HTTP 502', { kind: 'http-error', status: 502 }],
  ['HTTP 503', { kind: 'http-error', status: 503 }],
  ['JSON-RPC error', { kind: 'rpc-error', code: -32603, message: 'internal error' }],
  ['truncated body', { kind: 'truncate' }],
  ['slow reply (3 s)', { kind: 'delay', ms: 3_000 }],
];

describe('source node faults during the export', () => {
  let env: TestWorkflowEnvironment;
  let work: string;
  let geth: SyntheticGeth;
  let proxy: FaultProxy;
  let expected: NodeState;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'regenesis-node-faults-'));
    [env, geth] = await Promise.all([startTemporal(), startSyntheticGeth({ dir: join(work, 'source'), accounts: 3_000 })]);
    proxy = new FaultProxy(geth.node.rpcUrl);
    await proxy.start();
    expected = await nodeStateAt(geth.node.rpcUrl, 0);
  });

  afterAll(async () => {
    await proxy?.stop();
    await geth?.stop();
    await env?.teardown();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const plan = (maxOutageSeconds?: number) =>
    planFor({
      name: 'faults',
      chains: { C: { rpcUrl: proxy.url, partitions: 2, pageSize: 32, maxOutageSeconds } },
      target: { height: 0 },
      genesis: { chainId: 3134, startTime: { afterFreezeSeconds: 7200 } },
    });

  /** A worker runs one workflow until it ends (runUntil), so each case has its own. */
  async function run(p: PlanInput) {
    const taskQueue = uniqueTaskQueue('faults');
    const worker = await createTestWorker(env, { taskQueue, artifactsDir: join(work, 'artifacts') });
    return runPlan(env, worker, p, { taskQueue });
  }

  /** Fails the listed debug_accountRange pages (counted over both partitions) with `fault`. */
  function inject(fault: Fault, pages: ReadonlySet<number>): { injected: () => number } {
    let page = 0;
    let injected = 0;
    proxy.rule = ({ methods }) => {
      if (!methods.includes('debug_accountRange')) return { kind: 'pass' };
      page += 1;
      if (!pages.has(page)) return { kind: 'pass' };
      injected += 1;
      return fault;
    };
    return { injected: () => injected };
  }

  it.each(FAULTS)('%s: every account exported exactly once', async (_name, fault) => {
    const faults = inject(fault, FAULTY_PAGES);
    const result = await run(plan());
    if (result.status !== 'Completed') throw new Error(`rolled back in ${result.failedPhase}: ${result.reason}`);
    expect(faults.injected()).toBe(FAULTY_PAGES.size);
    expect(result.genesis.stats.accounts).toBe(expected.accounts);
    expect(result.genesis.stats.storageSlots).toBe(expected.storageSlots);
    expect(result.genesis.stats.totalBalance).toBe(expected.totalBalance);
    expect(result.genesis.stateRoot).toBe(expected.stateRoot);
    checkManifest(result.artifactsDir);
  });

  it('a node that stays down rolls the run back, naming the node, within the outage limit', async () => {
    const down = new Set(Array.from({ length: 100_000 }, (_, i) => i + 6)); // from page 6 on, forever
    inject({ kind: 'drop' }, down);
    const result = await run(plan(3));
    expect(result.status).toBe('RolledBack');
    if (result.status !== 'RolledBack') return;
    expect(result.failedPhase).toBe('export');
    // Given up by the plan's outage limit, not after the activity's retry budget (minutes).
    expect(result.reason).toMatch(/source node http:\/\/127\.0\.0\.1:\d+\/? unreachable or failing for \d+ s \(\d+ failed reads, limit 3 s\)/);
    expect(result.compensations).toContain('discard-artifacts');
    expect(existsSync(join(work, 'artifacts', result.runKey))).toBe(false);
  });
});
