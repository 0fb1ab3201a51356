import { beforeEach, describe, expect, it, vi } from 'vitest';
import { EMERGENCY_HALT_SUBJECT } from '../../src/contract/run.js';
import type { Plan } from '../../src/plan/index.js';
import { planFor } from '../helpers/plans.js';
import { resetSandbox, sandbox } from '../helpers/workflowSandbox.js';

/**
 * What the run decides from the agents' answers before it halts anything, with the activities
 * answered by the test (test/helpers/workflowSandbox.ts). The agents' own checks on real nodes are
 * in test/integration (validatorMigration, emergencyMigration, agentGenesisCheck).
 */
vi.mock('@temporalio/workflow', async (importOriginal) => (await import('../helpers/workflowSandbox.js')).standInWorkflowApi(importOriginal));

const { RegenesisRun } = await import('../../workflows/state.js');
const { haltBeforeExport, preflightAgents } = await import('../../workflows/agentCalls.js');

const plan = planFor({
  name: 'emergency',
  network: 'net1',
  kind: 'emergency',
  rehearsal: { enabled: false },
  chains: { C: { rpcUrl: 'http://127.0.0.1:9650/ext/bc/C/rpc' } },
  genesis: { chainId: 43112, primary: { networkId: 88_888, dialect: 'avalanchego', validators: [] } },
  launch: {
    approvals: { required: 1, timeoutSeconds: 60 },
    ratificationTimeoutSeconds: 60,
    operator: { kind: 'agents', agentTimeoutSeconds: 60, healthTimeoutSeconds: 60, transferCheck: true, stages: 1 },
    validators: [],
  },
}) as unknown as Plan;
const op = plan.launch!.operator as Extract<NonNullable<Plan['launch']>['operator'], { kind: 'agents' }>;

const staker = { nodeId: 'NodeID-A', blsPublicKey: `0x${'aa'.repeat(48)}` };
const identity = (extra: Record<string, unknown> = {}) => ({
  nodeId: staker.nodeId,
  blsPublicKey: staker.blsPublicKey,
  nodeVersion: 'avalanchego/1.14.0',
  node: { running: true, uri: 'http://10.0.0.11:9650', nodeId: staker.nodeId, restartProblems: [] },
  ...extra,
});

beforeEach(() => resetSandbox());

describe('preflight, before anything is exported or halted', () => {
  it('refuses an agent that could not bring its node back after a halt, naming the host and what is wrong', async () => {
    const problem = '--work-dir /srv/agent cannot be written: the halt could not record the node\u2019s command line';
    resetSandbox({
      agentIdentify: () => identity({ node: { running: true, uri: 'http://10.0.0.11:9650', nodeId: staker.nodeId, restartProblems: [problem] } }),
    });
    await expect(preflightAgents([staker], op)).rejects.toMatchObject({
      type: 'NodeNotRestartable',
      message: expect.stringContaining(`agent NodeID-A: its node at http://10.0.0.11:9650 could not be brought back after a halt: ${problem}`),
    });
  });

  it('takes an agent whose node it could restart', async () => {
    resetSandbox({ agentIdentify: () => identity() });
    await expect(preflightAgents([staker], op)).resolves.toHaveLength(1);
  });
});

describe('an emergency run whose agents halt only for approved runs', () => {
  const gated = () =>
    resetSandbox({
      checkGenesisStakers: () => ({ stakers: [staker] }),
      agentIdentify: () => identity({ haltApprovers: { required: 2, names: ['alice', 'bob'] } }),
      agentHaltOldNode: () => ({ dataDigest: 'ab'.repeat(32), files: 1, lastAccepted: {} }),
    });

  it('waits for approvals of the halt itself, as many as the strictest agent asks, and halts nothing without them', async () => {
    gated();
    sandbox.evaluateConditions = true; // nobody approves: the wait times out at once
    const run = new RegenesisRun(plan, 'emergency-key');
    await expect(haltBeforeExport(run, op)).rejects.toMatchObject({
      type: 'ApprovalTimeout',
      message: expect.stringMatching(/0 of 2 approvals of the emergency halt/),
    });
    expect(run.status.genesisSha256).toBe(EMERGENCY_HALT_SUBJECT);
    expect(sandbox.calls.map((c) => c.activity)).not.toContain('agentHaltOldNode');
  });

  it('hands the halt approvals to every halt, and leaves none behind for the genesis approval', async () => {
    gated();
    const run = new RegenesisRun(plan, 'emergency-key');
    // The approvals arrive while the run waits (the sandbox's wait is already satisfied).
    const halt = { approver: 'alice', genesisSha256: EMERGENCY_HALT_SUBJECT, signature: `0x${'11'.repeat(64)}` };
    run.approvers.push(halt.approver);
    run.approvals.push(halt);
    await haltBeforeExport(run, op).catch(() => undefined); // ends at the P-Chain height read, which the test does not answer
    const halts = sandbox.calls.filter((c) => c.activity === 'agentHaltOldNode');
    expect(halts).toHaveLength(1);
    expect(halts[0]!.input.approvals).toEqual([halt]);
    expect(run.approvers).toEqual([]);
    expect(run.status.genesisSha256).toBeUndefined();
  });
});
