import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultProxy } from '../rigs/faultProxy.js';
import { freePort } from '../../src/nodes/ports.js';
import { startSyntheticGeth, type SyntheticGeth } from '../rigs/syntheticGeth.js';
import { startTemporalDevServer, type TemporalDevServer } from '../../src/dev/temporal.js';
import type { PlanInput } from '../../src/plan/index.js';
import type { RegenesisResult } from '../../workflows/messages.js';
import { checkManifest } from '../helpers/run.js';
import { WorkerProcesses } from '../helpers/workers.js';
import { regenesisWorkflow } from '../../workflows/index.js';

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

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'regenesis-server-restart-'));
    ports = { port: await freePort(), uiPort: await freePort() };
    [geth, server] = await Promise.all([
      startSyntheticGeth({ dir: join(work, 'source'), accounts: 5_000 }),
      startTemporalDevServer({ stateDir: join(work, 'temporal'), ...ports }),
    ]);
    proxy = new FaultProxy(geth.node.rpcUrl);
    await proxy.start();
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
    const plan: PlanInput = {
      name: 'server-restart',
      chains: { C: { rpcUrl: proxy.url, partitions: 2, pageSize: 32 } },
      target: { height: 0 },
      genesis: { chainId: 3133, startTime: { afterFreezeSeconds: 7200 } },
      rehearsal: { enabled: false },
    };
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
    const pagesWhileDown = pages;
    await sleep(3_000);
    server = await startTemporalDevServer({ stateDir: join(work, 'temporal'), ...ports });

    const result = (await handle.result()) as RegenesisResult;
    await connection.close();
    if (result.status !== 'Completed') throw new Error(`run ended ${result.status}: ${result.reason}`);
    expect(result.genesis.stateRoot).toBe(geth.stateRoot);
    expect(result.genesis.stats.accounts).toBe(geth.stats.accounts);
    checkManifest(result.artifactsDir);
    // The export went on after the restart: the run was not finished before the server went away.
    expect(pages).toBeGreaterThan(pagesWhileDown);
    const again = await Connection.connect({ address: server.address });
    const description = await new Client({ connection: again }).workflow.getHandle('server-restart-1').describe();
    await again.close();
    expect(description.runId).toBe(handle.firstExecutionRunId);
    expect(description.status.name).toBe('COMPLETED');
  });
});
