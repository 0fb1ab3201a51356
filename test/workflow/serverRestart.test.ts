import { Client, Connection } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultProxy } from '../rigs/faultProxy.js';
import { freePort } from '../../src/nodes/ports.js';
import { startSyntheticGeth, type SyntheticGeth } from '../rigs/syntheticGeth.js';
import { startTemporalDevServer, type TemporalDevServer } from '../../src/dev/temporal.js';
import { planFor } from '../helpers/plans.js';
import type { RegenesisResult } from '../../workflows/messages.js';
import { nodeStateAt, type NodeState } from '../helpers/nodeState.js';
import { checkManifest } from '../helpers/run.js';
import { WorkerProcesses } from '../rigs/workers.js';
import { regenesisWorkflow } from '../../workflows/index.js';

const PAGE_SIZE = 32;

/**
 * The Temporal server is killed in the middle of an export and started again on the same SQLite
 * file: the worker and the client reconnect, and the same run goes on to completion.
 */
describe('Temporal server killed and restarted mid-run (persistent database)', () => {
  let work: string;
  let geth: SyntheticGeth;
  let proxy: FaultProxy;
  let server: TemporalDevServer;
  let workers: WorkerProcesses;
  let ports: { port: number; uiPort: number };
  let expected: NodeState;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'regenesis-server-restart-'));
    ports = { port: await freePort(), uiPort: await freePort() };
    [geth, server] = await Promise.all([
      startSyntheticGeth({ dir: join(work, 'source'), accounts: 5_000 }),
      startTemporalDevServer({ stateDir: join(work, 'temporal'), ...ports }),
    ]);
    proxy = new FaultProxy(geth.node.rpcUrl);
    await proxy.start();
    expected = await nodeStateAt(geth.node.rpcUrl, 0);
    workers = new WorkerProcesses(work, { TEMPORAL_ADDRESS: server.address, REGENESIS_DEVNET_ROOT: join(work, 'devnets') });
    workers.prepare();
  });

  afterAll(async () => {
    await workers?.stopAll();
    await proxy?.stop();
    await server?.stop();
    await geth?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('completes the same run after the server comes back', async () => {
    let pages = 0;
    proxy.rule = ({ methods }) => {
      if (!methods.includes('debug_accountRange')) return { kind: 'pass' };
      pages += 1;
      return { kind: 'delay', ms: 80 };
    };
    const plan = planFor({
      name: 'server-restart',
      chains: { C: { rpcUrl: proxy.url, partitions: 2, pageSize: PAGE_SIZE } },
      target: { height: 0 },
      genesis: { chainId: 3133, startTime: { afterFreezeSeconds: 7200 } },
      rehearsal: { enabled: false },
    });
    const taskQueue = `server-restart-${process.pid}`;
    workers.start({ taskQueue, artifactsDir: join(work, 'artifacts') });
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });
    const handle = await client.workflow.start(regenesisWorkflow, { taskQueue, workflowId: 'server-restart-1', args: [plan] });

    for (let i = 0; pages < 30; i++) {
      if (i > 2400) throw new Error(`the export did not start (pages ${pages})`);
      await sleep(25);
    }
    server.process.child.kill('SIGKILL');
    await server.process.exited;
    const pagesAtKill = pages;
    await sleep(3_000);
    const downUntil = Date.now();
    server = await startTemporalDevServer({ stateDir: join(work, 'temporal'), ...ports });

    const result = (await handle.result()) as RegenesisResult;
    await connection.close();
    if (result.status !== 'Completed') throw new Error(`run ended ${result.status}: ${result.reason}`);
    expect(result.genesis.stateRoot).toBe(expected.stateRoot);
    expect(result.genesis.stats.accounts).toBe(expected.accounts);
    checkManifest(result.artifactsDir);
    // The export was far from done at the kill: fewer pages had been read than the state holds.
    expect(pagesAtKill).toBeLessThan(Math.ceil(expected.accounts / PAGE_SIZE));
    const again = await Connection.connect({ address: server.address });
    const restarted = new Client({ connection: again }).workflow.getHandle('server-restart-1');
    const description = await restarted.describe();
    const events = (await restarted.fetchHistory()).events ?? [];
    await again.close();
    expect(description.runId).toBe(handle.firstExecutionRunId);
    expect(description.status.name).toBe('COMPLETED');
    // ... and it was finished by the restarted server: both export partitions (and every later
    // activity) completed after the server came back.
    const typeOf = new Map(events.map((e) => [String(e.eventId), e.activityTaskScheduledEventAttributes?.activityType?.name]));
    const completed = events.flatMap((e) => {
      const done = e.activityTaskCompletedEventAttributes;
      return done ? [{ type: typeOf.get(String(done.scheduledEventId)), at: tsToMs(e.eventTime) }] : [];
    });
    const exports = completed.filter((c) => c.type === 'exportPartition');
    expect(exports).toHaveLength(2);
    for (const c of exports) expect(c.at, `${c.type} completed before the restart`).toBeGreaterThan(downUntil);
    expect(completed.filter((c) => c.at > downUntil).map((c) => c.type)).toContain('buildGenesis');
  });
});
