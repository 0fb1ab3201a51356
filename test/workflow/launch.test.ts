import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Activities } from '../../activities/index.js';
import { JsonRpcClient } from '../../src/chains/evm/rpc.js';
import type { LocalGethDevnet } from '../../src/operator/localDevnet.js';
import type { PlanInput } from '../../src/plan/index.js';
import {
  approveUpdate,
  confirmStepUpdate,
  ratifyUpdate,
  registerValidatorUpdate,
  rollbackUpdate,
  statusQuery,
  type RegenesisResult,
} from '../../workflows/messages.js';
import { approval, approvalSignedFor, approvers } from '../helpers/approvers.js';
import { approveAndRatify, ratificationOf, untilPhase, untilStatus } from '../helpers/phases.js';
import { createTestWorker, uniqueTaskQueue } from '../rigs/temporal.js';
import { startDevnetFixture, type DevnetFixture } from '../rigs/devnetFixture.js';
import { recordHistory } from '../helpers/histories.js';
import { expectRejection } from '../helpers/run.js';
import { localStaker, validatorKeys, type TestValidator } from '../helpers/validators.js';
import { planFor } from '../helpers/plans.js';
import { regenesisWorkflow } from '../../workflows/index.js';

async function head(rpcUrl: string): Promise<number> {
  return Number(await new JsonRpcClient(rpcUrl).call<string>('eth_blockNumber'));
}

describe('launch phases: approvals, ratification, validator migration, rollback (real Temporal, real geth devnet)', () => {
  let fx: DevnetFixture;
  let env: TestWorkflowEnvironment;
  let work: string;
  let devnet: LocalGethDevnet;
  let oldRpc: string;
  let stakers: TestValidator[];

  beforeAll(async () => {
    stakers = [localStaker(1), localStaker(2), localStaker(3), localStaker(4), localStaker(5)];
    fx = await startDevnetFixture({ prefix: 'launch', network: 'net1', fill: { accounts: 60, contracts: 4, slots: 200 } });
    ({ env, work, devnet, rpcUrl: oldRpc } = fx);
  });

  // Whatever a test did to the devnet (halted, new network up), the next one starts from a producing old network.
  afterEach(async () => {
    await devnet?.discardNew();
    await devnet?.resumeOld();
  });

  afterAll(async () => {
    await fx?.teardown();
  });

  const plan = (launch: Record<string, unknown>) =>
    planFor({
      name: 'launch-it',
      network: 'net1',
      chains: { C: { rpcUrl: oldRpc, partitions: 2 } },
      target: { epoch: 'current' },
      epoch: { durationSeconds: 2, pollSeconds: 1 },
      genesis: { chainId: 9999, startTime: { afterFreezeSeconds: 3600 } },
      launch: { operator: { kind: 'local', network: 'net1' }, approvals: { required: 1, approvers: approvers('alice') }, ...launch },
    });

  /** Runs `planInput` on a worker of its own, over `injected.artifacts` when given, with `injected.activities` stood in. */
  async function withRun<T>(
    planInput: PlanInput,
    body: (handle: WorkflowHandle) => Promise<T>,
    injected: { artifacts?: string; activities?: (real: Activities) => object } = {},
  ): Promise<T> {
    const taskQueue = uniqueTaskQueue('launch');
    const artifactsDir = injected.artifacts ?? join(work, `artifacts-${taskQueue}`);
    const worker = await createTestWorker(env, {
      taskQueue,
      artifactsDir,
      devnetRoot: join(work, 'devnets'),
      ...(injected.activities ? { activities: injected.activities } : {}),
    });
    return worker.runUntil(async () => {
      const handle = await env.client.workflow.start(regenesisWorkflow, { taskQueue, workflowId: taskQueue, args: [planInput] });
      const out = await body(handle);
      await recordHistory(env, handle);
      return out;
    });
  }

  // Stakes are nAVAX: each of these is 2^53 + 1, which no JS number holds, so only exact arithmetic gets the sums right.
  const STAKE = 9_007_199_254_740_993n;

  it('launches after two approvals and 2/3 ratification, and refuses rollback after the commit point', async () => {
    let releaseReport!: () => void;
    const reportHeld = new Promise<void>((resolve) => (releaseReport = resolve));
    // Holds the post-commit report until the test has tried a rollback past the commit point.
    const activities = (real: Activities) => ({
      ...real,
      publishLaunchReport: async (input: Parameters<typeof real.publishLaunchReport>[0]) => {
        await reportHeld;
        return real.publishLaunchReport(input);
      },
    });
    const result = await withRun(
      plan({
        approvals: { required: 2, approvers: approvers('alice', 'bob') },
        validators: stakers.slice(0, 3).map((s) => validatorKeys(s, STAKE.toString())),
      }),
      async (handle) => {
        await untilPhase(handle, 'approve');
        const { genesisSha256 } = await handle.query(statusQuery);
        const stale = `0x${'00'.repeat(32)}`;
        await expectRejection(handle.executeUpdate(approveUpdate, { args: [await approval(handle, 'alice', stale)] }), /stale or wrong hash/);
        await expectRejection(handle.executeUpdate(approveUpdate, { args: [await approval(handle, 'mallory')] }), /not allowed/);
        // Approvals are signatures: a name alone, another's key, or alice's approval of another run are refused.
        await expectRejection(
          handle.executeUpdate(approveUpdate, { args: [{ approver: 'alice', genesisSha256: genesisSha256! }] }),
          /signature: an approval is signed/,
        );
        await expectRejection(
          handle.executeUpdate(approveUpdate, { args: [await approval(handle, 'alice', undefined, 'mallory')] }),
          /does not verify for approver alice/,
        );
        const { runKey } = await handle.query(statusQuery);
        const replayed = approvalSignedFor('alice', { workflowId: 'an-earlier-run', runKey: runKey!, genesisSha256: genesisSha256! });
        await expectRejection(handle.executeUpdate(approveUpdate, { args: [replayed] }), /does not verify for approver alice/);
        // A fourth validator registers with its certificate; a forged PoP is refused.
        await expectRejection(
          handle.executeUpdate(registerValidatorUpdate, { args: [{ ...validatorKeys(stakers[3]!), proofOfPossession: stakers[4]!.proofOfPossession }] }),
          /proofOfPossession does not verify/,
        );
        await handle.executeUpdate(registerValidatorUpdate, {
          args: [{ ...validatorKeys(stakers[3]!, STAKE.toString()), certificatePem: stakers[3]!.certificatePem }],
        });
        expect((await handle.query(statusQuery)).validators?.map((v) => v.weight)).toEqual(Array(4).fill(STAKE.toString()));
        await handle.executeUpdate(approveUpdate, { args: [await approval(handle, 'alice')] });
        await expectRejection(handle.executeUpdate(approveUpdate, { args: [await approval(handle, 'alice')] }), /already approved/);
        await handle.executeUpdate(approveUpdate, { args: [await approval(handle, 'bob')] });

        const message = ratificationOf(await untilPhase(handle, 'ratify'));
        // A signature by the wrong key is refused; three of four (3/4 of the stake ≥ 2/3) launch the network.
        await expectRejection(
          handle.executeUpdate(ratifyUpdate, { args: [{ nodeId: stakers[0]!.nodeId, signature: stakers[1]!.sign(message) }] }),
          /does not verify/,
        );
        const answers = [];
        for (const s of stakers.slice(0, 3)) {
          answers.push(await handle.executeUpdate(ratifyUpdate, { args: [{ nodeId: s.nodeId, signature: s.sign(message) }] }));
        }
        expect(answers.at(-1)).toEqual({ signedWeight: (3n * STAKE).toString(), totalWeight: (4n * STAKE).toString() });
        await untilPhase(handle, 'committed');
        await expectRejection(handle.executeUpdate(rollbackUpdate, { args: ['too late'] }), /rollback refused: the run has passed its commit point/);
        releaseReport();
        return (await handle.result()) as RegenesisResult;
      },
      { artifacts: join(work, 'artifacts-happy'), activities },
    );
    if (result.status !== 'Completed') throw new Error(`rolled back: ${result.reason}`);
    expect(result.launch?.approvers).toEqual(['alice', 'bob']);
    expect(result.launch?.ratification.signedWeight).toBe((3n * STAKE).toString());
    expect(result.launch?.ratification.totalWeight).toBe((4n * STAKE).toString());
    expect(result.launch?.ratification.aggregateSignature).toMatch(/^0x[0-9a-f]{192}$/);
    expect(result.launch?.newNetwork.block0Root).toBe(result.freeze.stateRoot);
    expect(result.launch?.postVerify).toEqual({ ok: true, mismatches: [] });
    // The old network is halted: its node serves the old chain but seals nothing new.
    const before = await head(oldRpc);
    await sleep(2500);
    expect(await head(oldRpc)).toBe(before);
  });

  it('blocks the launch when less than 2/3 of the stake ratifies, and rolls back without touching the network', async () => {
    const result = await withRun(
      plan({ validators: [validatorKeys(stakers[0]!), validatorKeys(stakers[1]!), validatorKeys(stakers[2]!)], ratificationTimeoutSeconds: 4 }),
      async (handle) => {
        await approveAndRatify(handle, stakers[0]!);
        return (await handle.result()) as RegenesisResult;
      },
    );
    expect(result.status).toBe('RolledBack');
    if (result.status !== 'RolledBack') return;
    expect(result.failedPhase).toBe('ratify');
    expect(result.reason).toMatch(/ratification below 2\/3 of stake: 100 of 300/);
    expect(result.compensations).toEqual(['stop-rehearsal', 'discard-artifacts']);
    const before = await head(oldRpc);
    await sleep(2500);
    expect(await head(oldRpc)).toBeGreaterThan(before);
  });

  it('rolls back when approval times out', async () => {
    const result = await withRun(
      plan({ approvals: { required: 1, approvers: approvers('alice'), timeoutSeconds: 2 }, validators: [validatorKeys(stakers[0]!)] }),
      async (handle) => (await handle.result()) as RegenesisResult,
    );
    expect(result.status).toBe('RolledBack');
    if (result.status !== 'RolledBack') return;
    expect(result.failedPhase).toBe('approve');
    expect(result.reason).toMatch(/approval timed out after 2s with 0 of 1 approvals/);
  });

  /** Orchestration: only the post-launch check fails (plus `overrides`); migration and launch are real. */
  async function runFailingPostVerify(artifacts: string, overrides: Record<string, unknown> = {}): Promise<RegenesisResult> {
    const activities = (real: Activities) => ({
      ...real,
      postVerifyNetwork: async () => {
        throw ApplicationFailure.nonRetryable('new network serves the wrong state', 'PostVerifyFailed');
      },
      ...overrides,
    });
    return withRun(
      plan({ validators: [validatorKeys(stakers[0]!)] }),
      async (handle) => {
        await approveAndRatify(handle, stakers[0]!);
        return (await handle.result()) as RegenesisResult;
      },
      { artifacts: join(work, artifacts), activities },
    );
  }

  it('a failure after launch runs every compensation in reverse and the old network produces blocks again', async () => {
    const result = await runFailingPostVerify('artifacts-fail');
    expect(result.status).toBe('RolledBack');
    if (result.status !== 'RolledBack') return;
    expect(result.failedPhase).toBe('post-verify');
    expect(result.compensations).toEqual(['discard-new-network', 'resume-old-network', 'stop-rehearsal', 'discard-artifacts']);
    const before = await head(oldRpc);
    await sleep(2500);
    expect(await head(oldRpc)).toBeGreaterThan(before);
  });

  it('a compensation that fails does not stop the others: the old network is resumed and the run ends RollbackIncomplete, naming what is left', async () => {
    const result = await runFailingPostVerify('artifacts-incomplete', {
      discardNewNetwork: async () => {
        throw ApplicationFailure.nonRetryable('the new node does not stop (injected)', 'Injected');
      },
    });
    expect(result.status).toBe('RollbackIncomplete');
    if (result.status !== 'RollbackIncomplete') return;
    expect(result.failedPhase).toBe('post-verify');
    expect(result.compensations).toEqual(['resume-old-network', 'stop-rehearsal']);
    expect(result.failedCompensations).toEqual([{ name: 'discard-new-network', error: 'the new node does not stop (injected)' }]);
    // The rollback is incomplete, so the export and genesis stay: they are what an operator finishes it with.
    expect(result.kept).toEqual(['discard-artifacts']);
    expect(readdirSync(join(work, 'artifacts-incomplete', result.runKey, 'genesis')).length).toBeGreaterThan(0);
    const before = await head(oldRpc);
    await sleep(2500);
    expect(await head(oldRpc)).toBeGreaterThan(before);
  });

  const injected: Array<[string, string, string[]]> = [
    ['exportPartition', 'export', ['discard-artifacts']],
    ['rehearseEvm', 'rehearse', ['stop-rehearsal', 'discard-artifacts']],
    ['haltOldNetwork', 'migrate-validators', ['resume-old-network', 'stop-rehearsal', 'discard-artifacts']],
    ['launchNewNetwork', 'launch', ['discard-new-network', 'resume-old-network', 'stop-rehearsal', 'discard-artifacts']],
  ];

  it.each(injected)('a failure in %s (after its effect) runs exactly the compensations registered so far, in reverse', async (activity, phase, expected) => {
    const artifacts = join(work, `artifacts-inject-${activity}`);
    // Orchestration test: the step really runs (its effect happens), then fails for good.
    const activities = (real: Activities) => ({
      ...real,
      [activity]: async (input: unknown) => {
        await (real as unknown as Record<string, (input: unknown) => Promise<unknown>>)[activity]!(input);
        throw ApplicationFailure.nonRetryable(`injected failure after ${activity}`, 'Injected');
      },
    });
    const result = await withRun(
      plan({ validators: [validatorKeys(stakers[0]!)] }),
      async (handle) => {
        const deadline = Date.now() + 180_000;
        for (;;) {
          const status = await handle.query(statusQuery);
          if (Date.now() > deadline) throw new Error(`still in ${status.phase} after 180s`);
          if (status.phase === 'approve') {
            await handle.executeUpdate(approveUpdate, { args: [await approval(handle, 'alice')] });
          } else if (status.phase === 'ratify' && !status.ratification?.signers.length) {
            const signature = stakers[0]!.sign(ratificationOf(status));
            await handle.executeUpdate(ratifyUpdate, { args: [{ nodeId: stakers[0]!.nodeId, signature }] }).catch(() => undefined);
          } else if (status.phase === 'rolled-back' || status.phase === 'completed') {
            break;
          }
          await sleep(200);
        }
        return (await handle.result()) as RegenesisResult;
      },
      { artifacts, activities },
    );
    expect(result.status).toBe('RolledBack');
    if (result.status !== 'RolledBack') return;
    expect(result.failedPhase).toBe(phase);
    expect(result.reason).toBe(`injected failure after ${activity}`);
    expect(result.compensations).toEqual(expected);
    expect(existsSync(join(artifacts, result.runKey))).toBe(false);
    // The old network serves and produces blocks again.
    const before = await head(oldRpc);
    await sleep(2500);
    expect(await head(oldRpc)).toBeGreaterThan(before);
  });

  it('with the manual operator, shows each step and waits for its confirmation', async () => {
    const result = await withRun(plan({ validators: [validatorKeys(stakers[0]!)], operator: { kind: 'manual' } }), async (handle) => {
      await approveAndRatify(handle, stakers[0]!);
      for (const step of ['halt-old-network', 'install-genesis', 'boot-new-network'] as const) {
        const status = await untilStatus(handle, `the manual step ${step}`, (s) => s.pendingStep?.step === step);
        expect(status.pendingStep!.instruction.length).toBeGreaterThan(10);
        await expectRejection(handle.executeUpdate(confirmStepUpdate, { args: [{ step: 'resume-old-network', operator: 'op' }] }), /not the pending step/);
        await handle.executeUpdate(confirmStepUpdate, { args: [{ step, operator: 'op' }] });
      }
      return (await handle.result()) as RegenesisResult;
    });
    if (result.status !== 'Completed') throw new Error(`rolled back: ${result.reason}`);
    expect(result.launch?.ratification.signers).toEqual([stakers[0]!.nodeId]);
  });
});
