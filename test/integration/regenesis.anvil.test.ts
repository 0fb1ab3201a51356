import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JsonRpcClient } from '../../src/chains/evm/rpc.js';
import { startAnvil, type AnvilNode } from '../rigs/anvil.js';
import { fillChain, type FillSummary } from '../../src/dev/fill.js';
import { statusQuery, type RegenesisResult } from '../../workflows/messages.js';
import { createTestWorker, startTemporal, uniqueTaskQueue } from '../rigs/temporal.js';
import { checkManifest, failureMessages, inOneDay } from '../helpers/run.js';
import { regenesisWorkflow } from '../../workflows/index.js';
import { untilStatus } from '../helpers/phases.js';
import { planFor } from '../helpers/plans.js';

describe('regenesis of a real anvil chain on a real Temporal dev server', () => {
  let env: TestWorkflowEnvironment;
  let anvil: AnvilNode;
  let fill: FillSummary;
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'regenesis-anvil-it-'));
    [env, anvil] = await Promise.all([startTemporal(), startAnvil({ logPath: join(work, 'anvil.log') })]);
    // anvil 1.7.1 keeps a zeroed slot as a zero leaf in its storage trie, so its roots stop being
    // Ethereum's after one; everything else of the geth fill (accounts, contracts, storage, an
    // emptied account, a same-transaction self-destruct) is exercised.
    fill = await fillChain(anvil.rpcUrl, { zeroSlot: false });
  });

  afterAll(async () => {
    await anvil?.stop();
    await env?.teardown();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('gives up waiting for an epoch that never seals (the chain stopped producing blocks)', async () => {
    const taskQueue = uniqueTaskQueue();
    const worker = await createTestWorker(env, { taskQueue, artifactsDir: join(work, 'artifacts-stalled') });
    const failure = await worker
      .runUntil(
        env.client.workflow.execute(regenesisWorkflow, {
          taskQueue,
          workflowId: `stalled-${Date.now()}`,
          args: [
            planFor({
              name: 'stalled',
              chains: { C: { rpcUrl: anvil.rpcUrl } },
              target: { epoch: 'current' },
              epoch: { durationSeconds: 1, pollSeconds: 1, maxWaitSeconds: 3 },
              genesis: { chainId: 8888, startTime: inOneDay() },
            }),
          ],
        }),
      )
      .catch((e: unknown) => e);
    expect(failureMessages(failure)).toMatch(/did not seal within plan\.epoch\.maxWaitSeconds=3: the chain's head is block \d+/);
  });

  it('waits for the epoch to seal, exports anvil state at the sealing block and rebuilds its root', async () => {
    const taskQueue = uniqueTaskQueue();
    const worker = await createTestWorker(env, { taskQueue, artifactsDir: join(work, 'artifacts') });
    const rpc = new JsonRpcClient(anvil.rpcUrl);
    const duration = 3;
    const result = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(regenesisWorkflow, {
        taskQueue,
        workflowId: `anvil-${Date.now()}`,
        args: [
          planFor({
            name: 'anvil-it',
            chains: { C: { rpcUrl: anvil.rpcUrl } },
            target: { epoch: 'current' },
            epoch: { durationSeconds: duration, pollSeconds: 1 },
            genesis: { chainId: 8888, startTime: inOneDay() },
          }),
        ],
      });
      // anvil mines only on demand: once the run is waiting, let D pass and mine the sealing block.
      await untilStatus(handle, 'the epoch wait', (status) => status.phase === 'wait-epoch' && status.epoch?.target !== undefined);
      expect((await handle.query(statusQuery)).phase).toBe('wait-epoch');
      await sleep((duration + 1) * 1000);
      await rpc.call('evm_mine', []);
      return (await handle.result()) as RegenesisResult;
    });
    if (result.status !== 'Completed') throw new Error(`rolled back: ${result.reason}`);

    const head = await rpc.call<{ number: string; stateRoot: string }>('eth_getBlockByNumber', ['latest', false]);
    expect(result.freeze.height).toBe(Number(head.number));
    expect(result.genesis.stateRoot).toBe(head.stateRoot);
    expect(result.rehearsal?.block0Root).toBe(head.stateRoot);
    expect(result.genesis.stats.accounts).toBeGreaterThanOrEqual(fill.accounts);
    expect(result.genesis.stats.contracts).toBeGreaterThanOrEqual(20);
    expect(result.genesis.stats.storageSlots).toBeGreaterThanOrEqual(2000);
    expect(result.verification.ok).toBe(true);
    checkManifest(result.artifactsDir);
  });
});
