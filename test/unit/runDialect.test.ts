import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Plan } from '../../src/plan/index.js';
import type { Prepared } from '../../src/contract/run.js';
import type { DialectName } from '../../src/network/dialectName.js';
import { planFor } from '../helpers/plans.js';
import { localStaker, validatorKeys } from '../helpers/validators.js';
import { resetSandbox, sandbox } from '../helpers/workflowSandbox.js';

/**
 * The workflow code reaches the key activities through Temporal's sandbox; here it runs outside it
 * (test/helpers/workflowSandbox.ts): every activity call is recorded with its input. That is enough
 * to see what each step asks of the key activities, which is what a run's dialect changes.
 */
vi.mock('@temporalio/workflow', async (importOriginal) => (await import('../helpers/workflowSandbox.js')).standInWorkflowApi(importOriginal));

const { runDialect } = await import('../../src/plan/index.js');
const { RegenesisRun } = await import('../../workflows/state.js');
const { installHandlers } = await import('../../workflows/handlers.js');
const { launch } = await import('../../workflows/launch.js');
const { agentsFlow } = await import('../../workflows/operators/agentsFlow.js');

const GENESIS_SHA256 = `0x${'ab'.repeat(32)}`;
const SIGNATURE = `0x${'cd'.repeat(96)}`;

function planOf(parts: { primary?: DialectName; cChain?: DialectName; operator?: 'local' | 'agents' }): Plan {
  const stakers = [localStaker(1), localStaker(2), localStaker(3)];
  return planFor({
    name: 'dialect',
    network: 'net1',
    kind: 'scheduled',
    rehearsal: { enabled: false },
    chains: { C: { rpcUrl: 'http://127.0.0.1:9650/ext/bc/C/rpc', dialect: parts.cChain } },
    genesis: { chainId: 96369, primary: parts.primary ? { networkId: 96369, dialect: parts.primary, validators: [] } : undefined },
    launch: {
      approvals: { required: 1, timeoutSeconds: 60 },
      ratificationTimeoutSeconds: 60,
      operator: parts.operator === 'agents' ? { kind: 'agents', agentTimeoutSeconds: 60, healthTimeoutSeconds: 60 } : { kind: 'local', network: 'net1' },
      validators: stakers.map((s) => validatorKeys(s)),
    },
  }) as unknown as Plan;
}

const keyCalls = () =>
  sandbox.calls.filter((c) => ['verifyValidatorKeys', 'verifyRatification', 'aggregateRatification', 'agentSignGenesis'].includes(c.activity));

beforeEach(() => {
  resetSandbox({
    verifyValidatorKeys: (input) => ({ nodeId: input.nodeId }),
    verifyRatification: () => true,
    aggregateRatification: () => ({ aggregateSignature: SIGNATURE, aggregatePublicKey: `0x${'ef'.repeat(48)}` }),
    agentSignGenesis: () => ({ signature: SIGNATURE }),
    agentStageGenesis: () => ({ sha256: GENESIS_SHA256 }),
  });
});

describe("a run's dialect", () => {
  it('is the primary genesis dialect, else the C-Chain source family, else avalanchego', () => {
    expect(runDialect(planOf({ primary: 'luxd' }))).toBe('luxd');
    expect(runDialect(planOf({ primary: 'avalanchego', cChain: 'luxd' }))).toBe('avalanchego');
    expect(runDialect(planOf({ cChain: 'luxd' }))).toBe('luxd');
    expect(runDialect(planOf({}))).toBe('avalanchego');
  });

  it.each([
    ['a luxd primary genesis', 'luxd', { primary: 'luxd' }],
    ['a luxd C-Chain source without a primary genesis', 'luxd', { cChain: 'luxd' }],
    ['a plan that names no dialect', 'avalanchego', {}],
  ] as const)("with %s, holds registrations, ratifications and their aggregate to %s's rules", async (_, dialect, parts) => {
    const run = new RegenesisRun(planOf(parts), 'run-key');
    installHandlers(run);
    // A caller cannot pick the rule its own keys are checked under.
    const newcomer = localStaker(4, dialect);
    await sandbox.handlers.get('registerValidator')!({
      nodeId: newcomer.nodeId,
      blsPublicKey: newcomer.blsPublicKey,
      proofOfPossession: newcomer.proofOfPossession,
      weight: 100,
      dialect: 'other',
    });
    run.status.genesisSha256 = GENESIS_SHA256;
    run.enter('ratify');
    await sandbox.handlers.get('ratify')!({ nodeId: run.validators[0]!.nodeId, signature: SIGNATURE });
    // Approval and ratification are already met: the launch goes on to aggregate, then stops at the migration.
    await expect(launch(run, { genesis: { path: 'genesis.json', sha256: GENESIS_SHA256 } } as Prepared)).rejects.toThrow(/step ended at haltOldNetwork/);

    expect(keyCalls().map((c) => [c.activity, c.input.dialect])).toEqual([
      ['verifyValidatorKeys', dialect],
      ['verifyRatification', dialect],
      ['aggregateRatification', dialect],
    ]);
    expect(run.status.ratification?.dialect).toBe(dialect);
  });

  it('has the agents sign under it, and checks and aggregates their signatures under it', async () => {
    const plan = planOf({ primary: 'luxd', operator: 'agents' });
    const run = new RegenesisRun(plan, 'run-key');
    const stakers = [localStaker(1, 'luxd'), localStaker(2, 'luxd')].map((s) => ({ nodeID: s.nodeId, publicKey: s.blsPublicKey, weight: '2000' }));
    const prepared = {
      genesis: { path: 'c-genesis.json', sha256: GENESIS_SHA256 },
      primaryGenesis: { path: 'genesis/genesis.json', sha256: GENESIS_SHA256, dialect: 'luxd', networkID: 96369, stakers },
      freeze: { height: 7 },
      pChain: {},
    } as unknown as Prepared;
    const flow = agentsFlow(run, plan.launch!.operator as Parameters<typeof agentsFlow>[1]);
    await flow.ratify(prepared);

    expect(keyCalls().map((c) => [c.activity, c.input.dialect])).toEqual([
      ['agentSignGenesis', 'luxd'],
      ['agentSignGenesis', 'luxd'],
      ['verifyRatification', 'luxd'],
      ['verifyRatification', 'luxd'],
      ['aggregateRatification', 'luxd'],
    ]);
    expect(run.status.ratification?.dialect).toBe('luxd');
  });
});
