import type { Client } from '@temporalio/client';
import { Client as TemporalClient } from '@temporalio/client';
import { DefaultLogger, Runtime, type NativeConnection } from '@temporalio/worker';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonRpcClient } from '../../src/chains/evm/rpc.js';
import { fillChain, type FillSummary } from '../../src/dev/fill.js';
import { startGethDev, type GethNode } from '../../src/nodes/geth.js';
import { connectClientConnection, connectNativeConnection } from '../../src/temporal/connect.js';
import { createWorker } from '../../src/worker.js';
import { regenesisWorkflow } from '../../workflows/index.js';
import type { RegenesisResult } from '../../workflows/messages.js';
import { checkManifest, inOneDay } from '../helpers/run.js';
import { startCluster, type LocalCluster } from './cluster.js';

describe('a whole regenesis of a geth chain through the cluster (Temporal on PostgreSQL, mTLS)', () => {
  let cluster: LocalCluster;
  let geth: GethNode;
  let fill: FillSummary;
  let work: string;
  let native: NativeConnection;
  let client: Client;

  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    work = mkdtempSync(join(tmpdir(), 'regenesis-cluster-geth-'));
    [cluster, geth] = await Promise.all([startCluster('geth'), startGethDev({ dataDir: join(work, 'geth'), periodSeconds: 1 })]);
    fill = await fillChain(geth.rpcUrl, {});
    // Connected exactly as `regenesis worker` and the CLI connect: from the TEMPORAL_* variables.
    native = await connectNativeConnection(cluster.connection());
    client = new TemporalClient({ connection: await connectClientConnection(cluster.connection()), namespace: cluster.env.TEMPORAL_NAMESPACE! });
  });

  afterAll(async () => {
    await client?.connection.close();
    await native?.close();
    await geth?.stop();
    await cluster?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('freezes at the epoch, rebuilds the same state root, rehearses it and publishes the manifest', async () => {
    const taskQueue = `cluster-geth-${process.pid}`;
    const workflowId = `cluster-geth-${Date.now()}`;
    const bundle = process.env.REGENESIS_TEST_WORKFLOW_BUNDLE;
    const worker = await createWorker({
      connection: native,
      namespace: cluster.env.TEMPORAL_NAMESPACE!,
      taskQueue,
      artifactsDir: join(work, 'artifacts'),
      devnetRoot: join(work, 'devnets'),
      ...(bundle ? { workflowBundlePath: bundle } : {}),
    });
    const plan = {
      name: 'cluster-geth',
      chains: { C: { rpcUrl: geth.rpcUrl, partitions: 4, pageSize: 256 } },
      target: { epoch: 'current' },
      epoch: { durationSeconds: 4, pollSeconds: 1 },
      genesis: { chainId: 7777, startTime: inOneDay() },
    };
    const result = (await worker.runUntil(
      client.workflow.execute(regenesisWorkflow, { taskQueue, workflowId, args: [plan] }),
    )) as RegenesisResult;
    if (result.status !== 'Completed') throw new Error(`run rolled back in ${result.failedPhase}: ${result.reason}`);

    const block = await new JsonRpcClient(geth.rpcUrl).call<{ stateRoot: string }>('eth_getBlockByNumber', [`0x${result.freeze.height.toString(16)}`, false]);
    expect(result.genesis.stateRoot).toBe(block.stateRoot);
    expect(result.rehearsal?.block0Root).toBe(block.stateRoot);
    expect(result.genesis.stats.accounts).toBeGreaterThanOrEqual(fill.accounts);
    expect(result.verification.checks.every((check) => check.ok)).toBe(true);
    expect(checkManifest(result.artifactsDir).files).toBeGreaterThanOrEqual(7);
    const genesis = JSON.parse(readFileSync(join(result.artifactsDir, result.genesis.path), 'utf8')) as { alloc: object };
    expect(Object.keys(genesis.alloc)).toHaveLength(result.genesis.stats.accounts);

    // The run is recorded in PostgreSQL and listed by SQL visibility (written a moment after it closes).
    expect(await listedStatus(client, workflowId)).toBe('COMPLETED');
  });
});

/** The run's status as the visibility store lists it, waiting up to 20 s for its close to be indexed. */
async function listedStatus(client: Client, workflowId: string): Promise<string | undefined> {
  let status: string | undefined;
  for (let i = 0; i < 40 && status !== 'COMPLETED'; i++) {
    for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) status = run.status.name;
    if (status !== 'COMPLETED') await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return status;
}
