import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freezeBlock } from '../../activities/chain.js';
import type { Activities } from '../../activities/index.js';
import { JsonRpcClient } from '../../src/chains/evm/rpc.js';
import { FaultProxy } from '../rigs/faultProxy.js';
import { fillChain } from '../../src/dev/fill.js';
import { startGethDev, type GethNode } from '../../src/nodes/geth.js';
import type { PChainExport } from '../../src/manifests.js';
import type { Plan } from '../../src/plan/index.js';
import { planFor } from '../helpers/plans.js';
import type { Hex } from '../../src/state/hex.js';
import { runPlan } from '../helpers/run.js';
import { createTestWorker, startTemporal, uniqueTaskQueue } from '../rigs/temporal.js';

/**
 * The workflow's pinning rule with the P-Chain export forced off the epoch's P-Chain height. The
 * node-family probe, the epoch source and the P-Chain export are stand-ins (a geth dev chain has neither a proposervm nor a
 * P-Chain; the real ones run against avalanchego in test/integration/avalanchego/); the C
 * export, genesis and every other step are real. The run must refuse, naming both heights, and
 * roll back what it wrote.
 */
describe('exports pinned to different P-Chain heights', () => {
  let env: TestWorkflowEnvironment;
  let work: string;
  let geth: GethNode;
  let proxy: FaultProxy;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'regenesis-pinning-'));
    [env, geth] = await Promise.all([startTemporal(), startGethDev({ dataDir: join(work, 'geth'), periodSeconds: 1 })]);
    await fillChain(geth.rpcUrl, { accounts: 20, contracts: 2, slots: 20 });
    // An avalanchego-shaped URL (…/ext/bc/C/rpc) in front of geth: the proxy forwards any path.
    proxy = new FaultProxy(geth.rpcUrl);
    await proxy.start();
  });

  afterAll(async () => {
    await proxy?.stop();
    await geth?.stop();
    await env?.teardown();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('refuses a P-Chain export whose head moved past the epoch height, and rolls back', async () => {
    const rpcUrl = `${proxy.url}/ext/bc/C/rpc`;
    const head = Number(BigInt(await new JsonRpcClient(rpcUrl).call<Hex>('eth_blockNumber')));
    const artifactsDir = join(work, 'artifacts');
    const block = await freezeBlock({ rpcUrl, height: head });
    const EPOCH_P_HEIGHT = 100;
    const activities = (real: Activities) => ({
      ...real,
      // geth has no info API to say which node family it is: the family probe is stood in too.
      preflightEvm: async (input: { plan: Plan }) => ({
        ...(await real.preflightEvm({ plan: { ...input.plan, chains: { ...input.plan.chains, C: { ...input.plan.chains.C, rpcUrl: geth.rpcUrl } } } })),
        dialect: 'avalanchego' as const,
      }),
      // Epoch 7 sealed at the head block, pinned to P-Chain height 100.
      epochStatus: async () => ({
        target: 7,
        current: { number: 8, startTime: block.timestamp, pChainHeight: EPOCH_P_HEIGHT },
        headHeight: head,
        headTimestamp: block.timestamp,
        durationSeconds: 30,
        sealed: {
          number: 7,
          startTime: block.timestamp - 30,
          pChainHeight: 99,
          sealingHeight: head,
          sealingTimestamp: block.timestamp,
          sealingPChainHeight: EPOCH_P_HEIGHT,
        },
      }),
      // The P-Chain made a block while its UTXOs were read: the export reflects height 101.
      exportPChain: async (): Promise<PChainExport> => ({
        pChainHeight: 101,
        headBefore: 100,
        headAfter: 101,
        stakingAssetID: '2fombhL7aGPwj3KH4bfrmJwW6PVnMobf9Y2fn9GwxiAAJyFDbe',
        validators: { path: 'exports/P/validators.jsonl', sha256: '00', count: 1, totalWeight: '1' },
        utxos: { path: 'exports/P/utxos.jsonl', sha256: '00', count: 0, assets: [] },
      }),
    });
    const taskQueue = uniqueTaskQueue('pinning');
    const worker = await createTestWorker(env, { taskQueue, artifactsDir, devnetRoot: join(work, 'devnets'), activities });
    const plan = planFor({
      name: 'pinning',
      chains: { C: { rpcUrl, node: 'geth', partitions: 2 }, P: { addresses: [] } },
      target: { epoch: 7 },
      epoch: { source: 'proposervm', durationSeconds: 30, pollSeconds: 1 },
      genesis: { chainId: 3137, startTime: { afterFreezeSeconds: 7200 } },
      rehearsal: { enabled: false },
    });
    const result = await runPlan(env, worker, plan, { taskQueue });
    expect(result.status).toBe('RolledBack');
    if (result.status !== 'RolledBack') return;
    expect(result.failedPhase).toBe('export');
    expect(result.reason).toMatch(/exports are not pinned to the epoch's P-Chain height 100: P at 101 \(P: P-Chain head 100 → 101 while UTXOs were read/);
    expect(result.compensations).toContain('discard-artifacts');
    expect(existsSync(join(artifactsDir, result.runKey))).toBe(false);
  });
});
