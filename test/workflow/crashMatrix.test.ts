import type { ChildProcess } from 'node:child_process';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { rehearsalWorkDir } from '../../activities/rehearse.js';
import { GENESIS_PATH } from '../../activities/genesis.js';
import { SAMPLES_PATH } from '../../activities/verify.js';
import { FaultProxy } from '../rigs/faultProxy.js';
import { alive } from '../../src/nodes/pidFile.js';
import { startSyntheticGeth, type SyntheticGeth } from '../rigs/syntheticGeth.js';
import type { PlanInput } from '../../src/plan/index.js';
import { statusQuery, type Phase, type RegenesisResult } from '../../workflows/messages.js';
import { artifactHashes, checkManifest } from '../helpers/run.js';
import { startTemporal, uniqueTaskQueue } from '../helpers/temporal.js';
import { WorkerProcesses } from '../helpers/workers.js';
import { regenesisWorkflow } from '../../workflows/index.js';

/**
 * Issue: a worker can die anywhere. Ten kill points across export, genesis, verify and rehearsal,
 * spread over two runs that go on side by side (each kill in the middle of an activity costs the
 * 30 s heartbeat timeout before the activity is retried). Every run must complete on the workers
 * started after each kill, with every artifact byte-identical to an uninterrupted run.
 */

interface Observed {
  phase: Phase;
  runDir: string;
  rehearsalDir: string;
  /** debug_accountRange pages the node has served to this run so far (every attempt counted). */
  pages: number;
}

interface KillPoint {
  name: string;
  reached(o: Observed): boolean;
}


const atPage = (n: number): KillPoint => ({ name: `export: after page ${n} was served`, reached: (o) => o.phase === 'export' && o.pages >= n });

const GENESIS_POINTS: KillPoint[] = [
  { name: 'genesis: activity just scheduled', reached: (o) => o.phase === 'genesis' },
  {
    name: 'genesis: genesis file half written',
    reached: (o) => {
      const partial = join(o.runDir, `${GENESIS_PATH}.partial`);
      return o.phase === 'genesis' && existsSync(partial) && statSync(partial).size > 0;
    },
  },
];

const VERIFY_POINTS: KillPoint[] = [
  { name: 'verify: activity just scheduled', reached: (o) => o.phase === 'verify' },
  { name: 'verify: samples written, source node being read', reached: (o) => o.phase === 'verify' && existsSync(join(o.runDir, SAMPLES_PATH)) },
];

const REHEARSE_POINTS: KillPoint[] = [
  {
    name: 'rehearse: geth init of the new genesis running',
    reached: (o) => o.phase === 'rehearse' && existsSync(join(o.rehearsalDir, 'datadir')) && !existsSync(join(o.rehearsalDir, 'geth.pid')),
  },
  { name: 'rehearse: rehearsal node started', reached: (o) => o.phase === 'rehearse' && existsSync(join(o.rehearsalDir, 'geth.pid')) },
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

  /** Each run reads the node through its own proxy: pages are slowed and counted per run. */
  async function proxy(): Promise<FaultProxy> {
    const p = new FaultProxy(geth.node.rpcUrl);
    await p.start();
    proxies.push(p);
    p.rule = ({ methods }) =>
      methods.includes('debug_accountRange') ? { kind: 'delay', ms: 60 } : methods.includes('eth_getCode') ? { kind: 'delay', ms: 60 } : { kind: 'pass' };
    return p;
  }

  const plan = (name: string, rpcUrl: string): PlanInput => ({
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
    const source = await proxy();
    const taskQueue = uniqueTaskQueue(label);
    const artifactsDir = join(work, `artifacts-${label}`);
    let worker: ChildProcess = workers.start({ taskQueue, artifactsDir });
    const handle: WorkflowHandle = await env.client.workflow.start(regenesisWorkflow, {
      taskQueue,
      workflowId: taskQueue,
      args: [plan('crash-matrix', source.url)],
    });
    let pages = 0;
    const counting = source.rule;
    source.rule = (info) => {
      if (info.methods.includes('debug_accountRange')) pages += 1;
      return counting(info);
    };
    const kills: Outcome['kills'] = [];
    const orphanPids: number[] = [];
    for (const point of points) {
      for (let polls = 0; ; polls++) {
        // Right after a kill the query waits for the new worker and may time out: ask again.
        const status = await handle.query(statusQuery).catch(() => undefined);
        if (!status) continue;
        if (status.phase === 'completed' || status.phase === 'rolled-back') {
          throw new Error(`${label}: the run ended (${status.phase}) before "${point.name}"`);
        }
        const observed: Observed = {
          phase: status.phase,
          runDir: join(artifactsDir, status.runKey ?? ''),
          rehearsalDir: rehearsalWorkDir(status.runKey ?? ''),
          pages,
        };
        if (point.reached(observed)) {
          const pidFile = join(observed.rehearsalDir, 'geth.pid');
          if (existsSync(pidFile)) orphanPids.push(Number(readFileSync(pidFile, 'utf8')));
          worker.kill('SIGKILL');
          kills.push({ point: point.name, phase: status.phase });
          console.log(`${label}: killed the worker at "${point.name}"`);
          worker = workers.start({ taskQueue, artifactsDir });
          break;
        }
        if (polls > 12_000) throw new Error(`${label}: "${point.name}" not reached (phase ${status.phase})`);
        await sleep(25);
      }
    }
    const result = (await handle.result()) as RegenesisResult;
    if (result.status !== 'Completed') throw new Error(`${label} ended ${result.status}: ${result.reason}`);
    return { result, kills, orphanPids, workflowId: taskQueue };
  }

  it('completes every run with artifacts byte-identical to an uninterrupted run', async () => {
    const clean = await run('clean', []);
    expect(clean.result.genesis.stateRoot).toBe(geth.stateRoot);
    const [a, b] = await Promise.all([
      run('killed-a', [atPage(10), atPage(120), atPage(230), ...GENESIS_POINTS]),
      run('killed-b', [atPage(60), ...VERIFY_POINTS, ...REHEARSE_POINTS]),
    ]);
    const kills = [...a.kills, ...b.kills];
    console.log(`kill points:\n${kills.map((k) => `  ${k.point} (phase ${k.phase})`).join('\n')}`);
    expect(new Set(kills.map((k) => k.point)).size).toBeGreaterThanOrEqual(10);
    for (const stage of ['export', 'genesis', 'verify', 'rehearse']) {
      expect(kills.filter((k) => k.phase === stage).length, stage).toBeGreaterThanOrEqual(2);
    }

    const reference = artifactHashes(clean.result.artifactsDir);
    for (const killed of [a, b]) {
      expect(killed.result.genesis.sha256).toBe(clean.result.genesis.sha256);
      expect(killed.result.genesis.stateRoot).toBe(geth.stateRoot);
      expect(artifactHashes(killed.result.artifactsDir)).toEqual(reference);
      checkManifest(killed.result.artifactsDir);
      // Nothing half-written is left beside the artifacts.
      const leftovers = readdirSync(killed.result.artifactsDir, { recursive: true }).map(String).filter((f) => f.endsWith('.partial'));
      expect(leftovers).toEqual([]);
    }
    // The rehearsal node orphaned by the kill was stopped by the retried rehearsal.
    expect(b.orphanPids.length).toBeGreaterThan(0);
    for (const pid of b.orphanPids) expect(alive(pid), `rehearsal node ${pid}`).toBe(false);

    // Kills landed inside activities: export, verify and rehearse each ran more than one attempt.
    const retried = new Set<string>();
    for (const killed of [a, b]) {
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
