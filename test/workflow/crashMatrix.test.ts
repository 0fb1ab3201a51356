import type { ChildProcess } from 'node:child_process';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rehearsalWorkDir } from '../../activities/rehearse.js';
import { RUN_FILES } from '../../src/artifacts/layout.js';
import { CRASH_POINTS_ENV, type CrashPointName } from '../../src/crashPoint.js';
import { FaultProxy } from '../rigs/faultProxy.js';
import { alive } from '../../src/nodes/pidFile.js';
import { nodeStateAt } from '../helpers/nodeState.js';
import { startSyntheticGeth, type SyntheticGeth } from '../rigs/syntheticGeth.js';
import { planFor } from '../helpers/plans.js';
import type { Phase, RegenesisResult } from '../../workflows/messages.js';
import { untilStatus } from '../helpers/phases.js';
import { artifactHashes, checkManifest } from '../helpers/run.js';
import { startTemporal, uniqueTaskQueue } from '../rigs/temporal.js';
import { WorkerProcesses } from '../rigs/workers.js';
import { regenesisWorkflow } from '../../workflows/index.js';

/**
 * A worker can die anywhere. Ten kill points across export, genesis, verify and rehearsal,
 * spread over five runs that go on side by side with an uninterrupted one (each kill in the middle
 * of an activity costs the 30 s heartbeat timeout before the activity is retried). Every run must complete on the workers
 * started after each kill, with every artifact byte-identical to an uninterrupted run.
 */

/**
 * Where a worker is killed. Export kills happen while the proxy holds a chosen page (the worker is
 * waiting on that read); every other kill happens at a crash point (src/crashPoint.ts): the test
 * arms it, the first attempt to reach it stops there and says so, and only then is it killed, so
 * each kill lands at its point on every run, whatever the machine's load.
 */
type KillPoint = { name: string; page: number } | { name: string; crashPoint: CrashPointName };

const atPage = (page: number): KillPoint => ({ name: `export: while page ${page} is being served`, page });

const GENESIS_POINTS: KillPoint[] = [
  { name: 'genesis: activity started', crashPoint: 'genesis-started' },
  { name: 'genesis: genesis file partly written', crashPoint: 'genesis-partly-written' },
];

const VERIFY_POINTS: KillPoint[] = [
  { name: 'verify: activity started', crashPoint: 'verify-started' },
  { name: 'verify: samples written, source node not yet read', crashPoint: 'verify-samples-written' },
];

const REHEARSE_POINTS: KillPoint[] = [
  { name: 'rehearse: datadir initialised by geth init, node not started', crashPoint: 'rehearse-datadir-initialised' },
  { name: 'rehearse: rehearsal node up and answering', crashPoint: 'rehearse-node-started' },
];

describe('worker SIGKILLed at ten points across export, genesis, verify and rehearsal', () => {
  let env: TestWorkflowEnvironment;
  let work: string;
  let geth: SyntheticGeth;
  let workers: WorkerProcesses;
  const proxies: FaultProxy[] = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'regenesis-crash-matrix-'));
    [env, geth] = await Promise.all([startTemporal(), startSyntheticGeth({ dir: join(work, 'source'), accounts: 20_000 })]);
    workers = new WorkerProcesses(work, { TEMPORAL_ADDRESS: env.address, REGENESIS_DEVNET_ROOT: join(work, 'devnets') });
    workers.prepare();
  });

  afterAll(async () => {
    await workers?.stopAll();
    for (const p of proxies) await p.stop();
    await geth?.stop();
    await env?.teardown();
    if (work && !process.env.KEEP_TEST_DIRS) rmSync(work, { recursive: true, force: true });
  });

  /** Each run reads the node through its own proxy, which counts its pages and can hold one. */
  async function proxy(): Promise<FaultProxy> {
    const p = new FaultProxy(geth.node.rpcUrl);
    await p.start();
    proxies.push(p);
    return p;
  }

  const plan = (name: string, rpcUrl: string) =>
    planFor({
      name,
      chains: { C: { rpcUrl, partitions: 2, pageSize: 64 } },
      target: { height: 0 },
      genesis: { chainId: 3132, startTime: { afterFreezeSeconds: 7200 } },
      rehearsal: { enabled: true },
    });

  interface Outcome {
    result: Extract<RegenesisResult, { status: 'Completed' }>;
    kills: Array<{ point: string; phase: Phase }>;
    orphanPids: number[];
    workflowId: string;
  }

  async function run(label: string, points: readonly KillPoint[]): Promise<Outcome> {
    const began = Date.now();
    const source = await proxy();
    const taskQueue = uniqueTaskQueue(label);
    const artifactsDir = join(work, `artifacts-${label}`);
    const crashPoints = join(work, `crash-points-${label}`);
    mkdirSync(crashPoints);
    const startWorker = () => workers.start({ taskQueue, artifactsDir, env: { [CRASH_POINTS_ENV]: crashPoints } });
    let worker: ChildProcess = startWorker();
    const handle: WorkflowHandle = await env.client.workflow.start(regenesisWorkflow, {
      taskQueue,
      workflowId: taskQueue,
      args: [plan('crash-matrix', source.url)],
    });
    // Pages served to this run, every attempt counted; the page a kill waits for is held 20 s.
    let pages = 0;
    let holdPage = 0;
    let heldPage = false;
    source.rule = ({ methods }) => {
      if (!methods.includes('debug_accountRange')) return { kind: 'pass' };
      pages += 1;
      if (pages !== holdPage) return { kind: 'pass' };
      heldPage = true;
      return { kind: 'delay', ms: 20_000 };
    };
    const kills: Outcome['kills'] = [];
    const orphanPids: number[] = [];
    for (const point of points) {
      let reached: () => boolean;
      if ('page' in point) {
        holdPage = point.page;
        heldPage = false;
        reached = () => heldPage;
      } else {
        writeFileSync(join(crashPoints, `${point.crashPoint}.armed`), '');
        reached = () => existsSync(join(crashPoints, `${point.crashPoint}.reached`));
      }
      const status = await untilStatus(handle, point.name, reached, 300_000);
      const rehearsalDir = rehearsalWorkDir(status.runKey ?? '');
      if ('crashPoint' in point && point.crashPoint === 'genesis-partly-written') {
        // The point means what it says: bytes of the genesis are on disk, the file is not published.
        const genesis = join(artifactsDir, status.runKey ?? '', RUN_FILES.cGenesis);
        expect(statSync(`${genesis}.partial`).size).toBeGreaterThan(0);
        expect(existsSync(genesis)).toBe(false);
      }
      const pidFile = join(rehearsalDir, 'geth.pid');
      if (existsSync(pidFile)) orphanPids.push(Number(readFileSync(pidFile, 'utf8')));
      worker.kill('SIGKILL');
      kills.push({ point: point.name, phase: status.phase });
      console.log(`${label}: killed the worker at "${point.name}" (phase ${status.phase}) after ${Math.round((Date.now() - began) / 1000)} s`);
      worker = startWorker();
    }
    const result = (await handle.result()) as RegenesisResult;
    if (result.status !== 'Completed') throw new Error(`${label} ended ${result.status}: ${result.reason}`);
    console.log(`${label}: completed after ${Math.round((Date.now() - began) / 1000)} s`);
    return { result, kills, orphanPids, workflowId: taskQueue };
  }

  it('completes every run with artifacts byte-identical to an uninterrupted run', async () => {
    // The root every run must reach, as the source node itself serves it at the pinned block.
    const block0 = await nodeStateAt(geth.node.rpcUrl, 0);
    // The uninterrupted run and five killed ones go on side by side: a kill costs the dead
    // attempt's heartbeat timeout (30 s), so each run takes only two of them.
    const [clean, ...killedRuns] = await Promise.all([
      run('clean', []),
      run('killed-a', [atPage(10), atPage(120)]),
      run('killed-b', [atPage(60), atPage(230)]),
      run('killed-c', GENESIS_POINTS),
      run('killed-d', VERIFY_POINTS),
      run('killed-e', REHEARSE_POINTS),
    ]);
    expect(clean.result.genesis.stateRoot).toBe(block0.stateRoot);
    expect(clean.result.genesis.stats.accounts).toBe(block0.accounts);
    const kills = killedRuns.flatMap((killed) => killed.kills);
    console.log(`kill points:\n${kills.map((k) => `  ${k.point} (phase ${k.phase})`).join('\n')}`);
    expect(new Set(kills.map((k) => k.point)).size).toBeGreaterThanOrEqual(10);
    for (const stage of ['export', 'genesis', 'verify', 'rehearse']) {
      expect(kills.filter((k) => k.phase === stage).length, stage).toBeGreaterThanOrEqual(2);
    }

    const reference = artifactHashes(clean.result.artifactsDir);
    for (const killed of killedRuns) {
      expect(killed.result.genesis.sha256).toBe(clean.result.genesis.sha256);
      expect(killed.result.genesis.stateRoot).toBe(block0.stateRoot);
      expect(artifactHashes(killed.result.artifactsDir)).toEqual(reference);
      checkManifest(killed.result.artifactsDir);
      // Nothing half-written is left beside the artifacts.
      const leftovers = readdirSync(killed.result.artifactsDir, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.partial'));
      expect(leftovers).toEqual([]);
    }
    // The rehearsal node orphaned by the kill was stopped by the retried rehearsal.
    const orphans = killedRuns.flatMap((killed) => killed.orphanPids);
    expect(orphans.length).toBeGreaterThan(0);
    for (const pid of orphans) expect(alive(pid), `rehearsal node ${pid}`).toBe(false);

    // Kills landed inside activities: export, verify and rehearse each ran more than one attempt.
    const retried = new Set<string>();
    for (const killed of killedRuns) {
      const history = await env.client.workflow.getHandle(killed.workflowId).fetchHistory();
      const scheduled = new Map<string, string>();
      for (const e of history.events ?? []) {
        const s = e.activityTaskScheduledEventAttributes;
        if (s) scheduled.set(String(e.eventId), s.activityType?.name ?? '');
        const started = e.activityTaskStartedEventAttributes;
        if (started && (started.attempt ?? 1) > 1) retried.add(scheduled.get(String(started.scheduledEventId)) ?? '?');
      }
    }
    console.log(`activities retried after a kill: ${[...retried].sort().join(', ')}`);
    expect(retried).toContain('exportPartition');
    expect([...retried].some((name) => /verif/i.test(name))).toBe(true);
    expect([...retried].some((name) => /rehears/i.test(name))).toBe(true);
  });
});
