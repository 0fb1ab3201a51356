import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JsonRpcClient } from '../../src/chains/evm/rpc.js';
import type { LocalGethDevnet } from '../../src/operator/localDevnet.js';
import { localLaunch, planFor } from '../helpers/plans.js';
import { approveUpdate, ratifyUpdate, searchAttributes, statusQuery, type RegenesisResult } from '../../workflows/messages.js';
import { startDevnetFixture, type DevnetFixture } from '../rigs/devnetFixture.js';
import { recordHistory } from '../helpers/histories.js';
import { createTestWorker, uniqueTaskQueue } from '../rigs/temporal.js';
import { localStaker, validatorKeys } from '../helpers/validators.js';
import { emergencyRegenesisWorkflow } from '../../workflows/index.js';
import { approval } from '../helpers/approvers.js';
import { ratificationOf, untilPhase } from '../helpers/phases.js';

describe('emergency regenesis on a real local chain', () => {
  let fx: DevnetFixture;
  let env: TestWorkflowEnvironment;
  let work: string;
  let devnet: LocalGethDevnet;
  let rpcUrl: string;
  const staker = localStaker(2);

  beforeAll(async () => {
    fx = await startDevnetFixture({ prefix: 'emergency', network: 'enet', fill: { accounts: 60, contracts: 3, slots: 120 } });
    ({ env, work, devnet, rpcUrl } = fx);
  });

  afterEach(async () => {
    await devnet?.discardNew();
    await devnet?.resumeOld();
  });

  afterAll(async () => {
    await fx?.teardown();
  });

  const plan = () =>
    planFor(
      {
        name: 'emergency',
        chains: { C: { rpcUrl } },
        target: { epoch: 'current' }, // replaced by the last good height
        genesis: { chainId: 6161, startTime: { afterFreezeSeconds: 1800 } },
        rehearsal: { enabled: false }, // forced on by the emergency workflow
      },
      localLaunch('enet', validatorKeys(staker, 1), 'oncall'),
    );

  async function start(lastGoodHeight: number): Promise<{ handle: WorkflowHandle; run: <T>(f: () => Promise<T>) => Promise<T> }> {
    const taskQueue = uniqueTaskQueue('emergency');
    const worker = await createTestWorker(env, { taskQueue, artifactsDir: join(work, `artifacts-${taskQueue}`), devnetRoot: join(work, 'devnets') });
    const handle = await env.client.workflow.start(emergencyRegenesisWorkflow, {
      taskQueue,
      workflowId: taskQueue,
      args: [{ plan: plan(), lastGoodHeight }],
    });
    return {
      handle,
      run: (f) =>
        worker.runUntil(async () => {
          const out = await f();
          await recordHistory(env, handle);
          return out;
        }),
    };
  }

  it('halts the network, exports at the last good height below head, rehearses, and launches', async () => {
    const rpc = new JsonRpcClient(rpcUrl);
    // Past the fill's blocks, so the last good state is a real post-fill state and not genesis.
    while (Number(await rpc.call<string>('eth_blockNumber')) < 12) await sleep(500);
    const headBefore = Number(await rpc.call<string>('eth_blockNumber'));
    const lastGood = headBefore - 3;
    const { handle, run } = await start(lastGood);
    const result = await run(async () => {
      const { genesisSha256 } = await untilPhase(handle, 'approve');
      // Expedited approvals: the plan's week-long default is capped for an emergency.
      const deadline = Date.parse((await handle.query(statusQuery)).approvals!.deadline!);
      expect(deadline - Date.now()).toBeLessThanOrEqual(4 * 3600 * 1000);
      await handle.executeUpdate(approveUpdate, { args: [await approval(handle, 'oncall', genesisSha256)] });
      const ratifying = await untilPhase(handle, 'ratify');
      await handle.executeUpdate(ratifyUpdate, { args: [{ nodeId: staker.nodeId, signature: staker.sign(ratificationOf(ratifying)) }] });
      return (await handle.result()) as RegenesisResult;
    });
    if (result.status !== 'Completed') throw new Error(`rolled back: ${result.reason}`);
    expect(result.freeze.height).toBe(lastGood);
    const block = await new JsonRpcClient(rpcUrl).call<{ stateRoot: string }>('eth_getBlockByNumber', [`0x${lastGood.toString(16)}`, false]);
    expect(result.genesis.stateRoot).toBe(block.stateRoot);
    expect(result.rehearsal?.rootMatches).toBe(true);
    expect(result.launch?.newNetwork.block0Root).toBe(block.stateRoot);
    expect((await handle.describe()).typedSearchAttributes.get(searchAttributes.kind)).toBe('emergency');
  });

  it('refuses a last good height above the head and resumes the halted network', async () => {
    const head = Number(await new JsonRpcClient(rpcUrl).call<string>('eth_blockNumber'));
    const { handle, run } = await start(head + 1000);
    const result = await run(async () => (await handle.result()) as RegenesisResult);
    expect(result.status).toBe('RolledBack');
    if (result.status !== 'RolledBack') return;
    expect(result.reason).toMatch(/plan\.target\.height: .* is above the chain head/);
    expect(result.compensations).toEqual(['resume-old-network']);
    const before = Number(await new JsonRpcClient(rpcUrl).call<string>('eth_blockNumber'));
    await sleep(2500);
    expect(Number(await new JsonRpcClient(rpcUrl).call<string>('eth_blockNumber'))).toBeGreaterThan(before);
  });
});
