import type { Client } from '@temporalio/client';
import { Client as TemporalClient } from '@temporalio/client';
import { DefaultLogger, Runtime, type NativeConnection, type Worker } from '@temporalio/worker';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { JsonRpcClient } from '../../src/chains/evm/rpc.js';
import { fillChain, type FillSummary } from '../../src/dev/fill.js';
import { startGethDev, type GethNode } from '../../src/nodes/geth.js';
import { connectClientConnection, connectNativeConnection } from '../../src/temporal/connect.js';
import { createWorker } from '../../src/worker.js';
import type { RegenesisResult } from '../../workflows/messages.js';
import { checkManifest, inOneDay } from '../helpers/run.js';
import { startCluster, type LocalCluster } from './cluster.js';

/** A filled geth dev chain and a cluster, connected as `regenesis worker` and the CLI connect. */
export interface GethRig {
  cluster: LocalCluster;
  geth: GethNode;
  fill: FillSummary;
  client: Client;
  /** A coordinator worker on `taskQueue`, with this rig's directories and the run's workflow bundle. */
  worker(taskQueue: string): Promise<Worker>;
  /**
   * The geth regenesis plan: the chain's current epoch, C exported in `partitions` of `pageSize`
   * from geth or from `rpcUrl` (a proxy in front of it).
   */
  plan(name: string, chain?: { partitions?: number; pageSize?: number; rpcUrl?: string }): Record<string, unknown>;
  /** Closes the connections, stops geth and the cluster, removes the directories. */
  close(): Promise<void>;
}

/**
 * The cluster and geth start together (each takes seconds); every cluster test of a geth regenesis
 * starts here so they all run the same chain, plan and worker settings.
 */
export async function startGethRig(name: string): Promise<GethRig> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const work = mkdtempSync(join(tmpdir(), `regenesis-cluster-${name}-`));
  const [cluster, geth] = await Promise.all([startCluster(name), startGethDev({ dataDir: join(work, 'geth'), periodSeconds: 1 })]);
  const fill = await fillChain(geth.rpcUrl, {});
  // From the TEMPORAL_* variables, as every client of a production cluster connects.
  const native: NativeConnection = await connectNativeConnection(cluster.connection());
  const client = new TemporalClient({ connection: await connectClientConnection(cluster.connection()), namespace: cluster.env.TEMPORAL_NAMESPACE! });
  const bundle = process.env.REGENESIS_TEST_WORKFLOW_BUNDLE;
  return {
    cluster,
    geth,
    fill,
    client,
    worker: (taskQueue) =>
      createWorker({
        connection: native,
        namespace: cluster.env.TEMPORAL_NAMESPACE!,
        taskQueue,
        artifactsDir: join(work, 'artifacts'),
        devnetRoot: join(work, 'devnets'),
        ...(bundle ? { workflowBundlePath: bundle } : {}),
      }),
    plan: (planName, chain = {}) => ({
      name: planName,
      chains: { C: { rpcUrl: chain.rpcUrl ?? geth.rpcUrl, partitions: chain.partitions ?? 4, pageSize: chain.pageSize ?? 256 } },
      target: { epoch: 'current' },
      epoch: { durationSeconds: 4, pollSeconds: 1 },
      genesis: { chainId: 7777, startTime: inOneDay() },
    }),
    close: async () => {
      await client.connection.close().catch(() => undefined);
      await native.close().catch(() => undefined);
      await geth.stop();
      await cluster.destroy();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/**
 * What a completed run must have produced, checked against the node rather than the run's word:
 * the state root of the source block at the freeze height, rebuilt and rehearsed, every filled
 * account in the genesis, and a manifest whose files all match their hashes.
 */
export async function expectRebuiltFromNode(rig: GethRig, result: RegenesisResult): Promise<void> {
  if (result.status !== 'Completed') throw new Error(`run rolled back in ${result.failedPhase}: ${result.reason}`);
  const block = await new JsonRpcClient(rig.geth.rpcUrl).call<{ stateRoot: string }>('eth_getBlockByNumber', [`0x${result.freeze.height.toString(16)}`, false]);
  expect(result.genesis.stateRoot).toBe(block.stateRoot);
  expect(result.rehearsal?.block0Root).toBe(block.stateRoot);
  expect(result.genesis.stats.accounts).toBeGreaterThanOrEqual(rig.fill.accounts);
  expect(result.verification.checks.every((check) => check.ok)).toBe(true);
  expect(checkManifest(result.artifactsDir).files).toBeGreaterThanOrEqual(7);
  const genesis = JSON.parse(readFileSync(join(result.artifactsDir, result.genesis.path), 'utf8')) as { alloc: object };
  expect(Object.keys(genesis.alloc)).toHaveLength(result.genesis.stats.accounts);
}
