import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChainHeads } from '../../src/chains/avax/heads.js';
import type { Prepared } from '../../src/contract/run.js';
import type { Plan } from '../../src/plan/index.js';
import { planFor } from '../helpers/plans.js';
import { resetSandbox, sandbox } from '../helpers/workflowSandbox.js';

/**
 * The final stage's decisions on what the halted network says, with the activities answered by the
 * test (test/helpers/workflowSandbox.ts): which nodes it halts, and when the halt is not proven.
 * The real nodes, agents and Temporal are in test/integration/freezeIsHalt.test.ts.
 */
vi.mock('@temporalio/workflow', async (importOriginal) => (await import('../helpers/workflowSandbox.js')).standInWorkflowApi(importOriginal));

const { RegenesisRun } = await import('../../workflows/state.js');
const { finalStage, judgeDelta } = await import('../../workflows/finalStage.js');
const { haltOldValidators } = await import('../../workflows/agentCalls.js');
const { agentsFlow } = await import('../../workflows/operators/agentsFlow.js');

const plan = planFor({
  name: 'two-stage',
  network: 'net1',
  kind: 'scheduled',
  rehearsal: { enabled: false },
  chains: { C: { rpcUrl: 'http://127.0.0.1:9650/ext/bc/C/rpc' }, X: { addresses: [] } },
  genesis: { chainId: 43112, primary: { networkId: 88_888, dialect: 'avalanchego', validators: [] } },
  launch: {
    approvals: { required: 1, timeoutSeconds: 60 },
    ratificationTimeoutSeconds: 60,
    operator: {
      kind: 'agents',
      agentTimeoutSeconds: 60,
      healthTimeoutSeconds: 60,
      transferCheck: true,
      stages: 2,
      headsSettleSeconds: 5,
      deltaLimits: { accountsChanged: 10, validatorSetMayChange: false },
    },
    validators: [],
  },
}) as unknown as Plan;
const op = plan.launch!.operator as Extract<NonNullable<Plan['launch']>['operator'], { kind: 'agents' }>;

const stage1 = {
  freeze: { height: 10 },
  primaryGenesis: { stakers: [{ nodeID: 'NodeID-A' }, { nodeID: 'NodeID-B' }] },
  // The old set at preflight: one validator that is not a genesis staker.
  oldValidators: ['NodeID-A', 'NodeID-B', 'NodeID-C'],
} as unknown as Prepared;

const heads = (c: number, p = 50, x = 7): ChainHeads => ({
  c: { height: c, hash: `0x${c.toString(16).padStart(64, '0')}`, stateRoot: `0x${'aa'.repeat(32)}`, timestamp: 1_800_000_000 + c },
  p,
  x,
});
const halted = (c: number) => ({
  dataDigest: 'ab'.repeat(32),
  files: 1,
  lastAccepted: { C: { ...heads(c).c, readAt: '' }, P: { height: 50, readAt: '' }, X: { height: 7, readAt: '' } },
});

/** The API node's two reads, the validator set at the halted P height, and every agent's last C height. */
function answer(read: { first: ChainHeads; second: ChainHeads }, atHalt: string[], lastC = 12): void {
  resetSandbox({
    agentHaltOldNode: () => halted(lastC),
    finalHeads: () => read,
    oldValidators: () => ({ nodeIds: atHalt }),
  });
}

const run = () => new RegenesisRun(plan, 'run-key', true, true, true);

describe('the final stage of a two-stage launch', () => {
  beforeEach(() => resetSandbox());

  it('halts the old set found at preflight and the genesis stakers, resumable, and goes on once the halt is proven', async () => {
    answer({ first: heads(12), second: heads(12) }, ['NodeID-A', 'NodeID-B', 'NodeID-C']);
    const r = run();
    expect(r.twoStage).toBe(true);
    // Proven: the stage asks the node for its kind next (no answer here ends the test there).
    await expect(finalStage(r, stage1, op)).rejects.toThrow(/step ended at preflightEvm/);
    expect(sandbox.calls.filter((c) => c.activity === 'agentHaltOldNode')).toHaveLength(3);
    expect(r.saga.size).toBe(1);
    expect(r.status.finalStage?.heads?.c.height).toBe(12);
    expect(r.status.entered).toEqual(['validate', 'halt', 'final-heads']);
  });

  it("refuses a head that moves after the halt, with the old network's resumption registered", async () => {
    answer({ first: heads(12), second: heads(13) }, ['NodeID-A', 'NodeID-B', 'NodeID-C']);
    const r = run();
    await expect(finalStage(r, stage1, op)).rejects.toThrow(/not proven stopped: the C-Chain moved after the halt: .* from 12 .* to 13/);
    expect(r.saga.size).toBe(1);
    expect(r.status.finalStage?.heads).toBeUndefined();
  });

  it('refuses when a validator of the set at the halted P height was never halted, naming it', async () => {
    answer({ first: heads(12), second: heads(12) }, ['NodeID-A', 'NodeID-B', 'NodeID-C', 'NodeID-D']);
    await expect(finalStage(run(), stage1, op)).rejects.toThrow(/validator NodeID-D of the old network at P-Chain height 50 was not halted/);
  });

  it('refuses when a validator had accepted a block the API node never served', async () => {
    answer({ first: heads(12), second: heads(12) }, ['NodeID-A', 'NodeID-B', 'NodeID-C'], 14);
    await expect(finalStage(run(), stage1, op)).rejects.toThrow(/accepted C-Chain block 14, beyond the API node's last accepted 12/);
  });

  describe('the delta since stage 1, against the limits the approvers signed', () => {
    const validatorSet = (sha256: string) => ({ validators: { sha256 } });
    const stage1Signed = { ...stage1, pChain: validatorSet('aa') } as unknown as Prepared;
    const exportedWith = (changedAccounts: number, validatorsSha256 = 'aa') =>
      ({ c: [], others: { pChain: validatorSet(validatorsSha256) }, delta: { fromHeight: 10, toHeight: 12, changedAccounts } }) as unknown as Parameters<
        typeof judgeDelta
      >[2];
    /** A run whose stage 1 was approved, now in its final stage with the final genesis written. */
    const approvedRun = () => {
      const r = run();
      r.approvers.push('operator-1');
      r.status.finalStage = { haltedAt: '2026-12-07T00:00:00.000Z' };
      r.status.genesisSha256 = 'f1'.repeat(32);
      sandbox.evaluateConditions = true;
      return r;
    };

    it('within them, the final genesis goes on with no human in the halt window', async () => {
      const r = approvedRun();
      await judgeDelta(r, stage1Signed, exportedWith(10));
      expect(r.status.finalStage?.delta).toEqual({ fromHeight: 10, toHeight: 12, accountsChanged: 10, validatorSetChanged: false, withinLimits: true });
      expect(r.status.entered).not.toContain('approve');
    });

    it("beyond the accounts limit, the final genesis waits for approvals of its own hash: stage 1's do not count", async () => {
      const r = approvedRun();
      await expect(judgeDelta(r, stage1Signed, exportedWith(11))).rejects.toThrow(
        new RegExp(`approval timed out after 60s with 0 of 1 approvals of the final genesis ${'f1'.repeat(32)}`),
      );
      expect(r.status.finalStage?.delta).toMatchObject({ accountsChanged: 11, withinLimits: false });
      expect(r.status.entered?.at(-1)).toBe('approve');
      expect(r.status.waitingFor).toMatch(/approval of the final genesis: the state changed beyond the plan's delta limits/);
    });

    it('a validator set that changed since stage 1 is beyond the limits unless the plan allows it', async () => {
      const r = approvedRun();
      await expect(judgeDelta(r, stage1Signed, exportedWith(0, 'bb'))).rejects.toThrow(/approval timed out/);
      expect(r.status.finalStage?.delta).toMatchObject({ validatorSetChanged: true, withinLimits: false });
    });
  });

  it('a rollback resumes every halted node, and ends incomplete naming one whose data directory changed while it was down', async () => {
    let resumes = 0;
    resetSandbox({
      agentHaltOldNode: () => halted(12),
      // NodeID-B's agent finds its directory's digest changed since the halt, and leaves the node down.
      agentResumeOldNode: () =>
        ++resumes === 2 ? { resumed: false, dataUnchanged: false, dataDigest: 'cd'.repeat(32) } : { resumed: true, dataUnchanged: true },
    });
    const r = run();
    await haltOldValidators(r, ['NodeID-A', 'NodeID-B', 'NodeID-C'], 60);
    const outcome = await r.saga.compensate();
    expect(sandbox.calls.filter((c) => c.activity === 'agentResumeOldNode')).toHaveLength(3);
    expect(outcome.failed).toEqual([
      {
        name: 'resume-old-network',
        error: expect.stringMatching(/data directory changed while the node was halted on NodeID-B \(not restarted; digest at resume cdcd/),
      },
    ]);
    expect(outcome.failed[0]!.error).not.toMatch(/NodeID-[AC]/);
  });

  describe('right before the commit point', () => {
    const launched = {
      ...stage1,
      primaryGenesis: { stakers: [{ nodeID: 'NodeID-A', weight: '1' }], networkID: 88_888, hrp: 'custom' },
      pChain: {},
      freeze: { height: 12, stateRoot: `0x${'aa'.repeat(32)}` },
      verification: { samplesPath: 'verify/samples.jsonl' },
    } as unknown as Prepared;
    /** A new network that is healthy and serves the export; the API node of the old one reads `api`. */
    function launchedNetwork(api: ChainHeads) {
      resetSandbox({
        agentNewNodeHealth: () => ({ uri: 'http://127.0.0.1:1', bootstrapped: true, notBootstrapped: [], peers: [], validators: [] }),
        postVerifyPrimaryNetwork: () => ({ ok: true, mismatches: [], block0Root: `0x${'aa'.repeat(32)}` }),
        canaryTransfers: () => ({ cChain: { txHash: '0x1', block: 1 }, xChain: { txID: 'x' } }),
        freezeBlock: () => ({ timestamp: 1_800_000_100 }),
        finalHeads: () => ({ first: api, second: api }),
      });
      const r = run();
      r.status.finalStage = { haltedAt: new Date(1_800_000_000_000).toISOString(), heads: heads(12) };
      return agentsFlow(r, op).postVerify(launched);
    }

    it('goes on when the old network still stands where its halt was proven', async () => {
      await expect(launchedNetwork(heads(12))).resolves.toMatchObject({ postVerify: { ok: true } });
      expect(sandbox.calls.filter((c) => c.activity === 'finalHeads')).toHaveLength(1);
    });

    it('rolls back, as HaltNotHeld, when a head moved since: nodes came back and took blocks the new network lacks', async () => {
      await expect(launchedNetwork(heads(14, 51))).rejects.toMatchObject({
        type: 'HaltNotHeld',
        message: expect.stringMatching(
          /moved after its halt was proven, before the commit point: the C-Chain moved .* from 12 .* to 14 .*; the P-Chain moved .* from 50 to 51/,
        ),
      });
    });
  });
});
