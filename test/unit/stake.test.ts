import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Prepared } from '../../src/contract/run.js';
import { formatNodeId } from '../../src/keys/nodeId.js';
import { planFor } from '../helpers/plans.js';
import { resetSandbox, sandbox } from '../helpers/workflowSandbox.js';

/**
 * Stake weights are nAVAX (or wei): mainnet stakes about 2.5·10^17 nAVAX, far above 2^53, where a
 * JS number stops being exact. Plans, registrations, the ratification threshold, the status and the
 * launch outcome must all carry them exactly. The run's state and handlers run outside Temporal's
 * sandbox (test/helpers/workflowSandbox.ts), with the key checks answered as valid.
 */
vi.mock('@temporalio/workflow', async (importOriginal) => (await import('../helpers/workflowSandbox.js')).standInWorkflowApi(importOriginal));

const { parsePlan } = await import('../../src/plan/index.js');
const { RegenesisRun } = await import('../../workflows/state.js');
const { installHandlers } = await import('../../workflows/handlers.js');
const { launch } = await import('../../workflows/launch.js');

const NOW = 1_800_000_000;
const GENESIS_SHA256 = `0x${'ab'.repeat(32)}`;
const SIGNATURE = `0x${'cd'.repeat(96)}`;
/** Mainnet's order of magnitude, in nAVAX. */
const MAINNET_STAKE = 250_000_000_000_000_000n;
/** 2^53 + 1: the first integer a JS number cannot hold (it reads as 2^53). */
const ABOVE_2_53 = '9007199254740993';

/** Validator i with well-formed, distinct public material (the key checks are stood in for). */
function validator<W>(i: number, weight: W) {
  const id = new Uint8Array(20);
  id[0] = i;
  return {
    nodeId: formatNodeId(id),
    blsPublicKey: `0x${i.toString(16).padStart(96, '0')}`,
    proofOfPossession: `0x${'ab'.repeat(96)}`,
    weight,
  };
}

function planWith(weights: unknown[]): unknown {
  return planFor({
    name: 'stake',
    network: 'net1',
    genesis: { startTime: NOW + 3600 },
    launch: { operator: { kind: 'local', network: 'net1' }, validators: weights.map((w, i) => validator(i + 1, w)) },
  });
}

beforeEach(() => {
  resetSandbox({
    verifyValidatorKeys: (input) => ({ nodeId: input.nodeId }),
    verifyRatification: () => true,
    aggregateRatification: () => ({ aggregateSignature: SIGNATURE, aggregatePublicKey: `0x${'ef'.repeat(48)}` }),
  });
});

describe('plan.launch.validators[].weight', () => {
  it('takes stakes above 2^53 as decimal strings and keeps every nAVAX', () => {
    const rest = (MAINNET_STAKE - BigInt(ABOVE_2_53)).toString();
    const plan = parsePlan(planWith([ABOVE_2_53, rest, '000100']), NOW);
    const weights = plan.launch!.validators.map((v) => v.weight);
    expect(weights).toEqual([ABOVE_2_53, rest, '100']);
    expect(weights.reduce((sum, w) => sum + BigInt(w), 0n)).toBe(MAINNET_STAKE + 100n);
  });

  it('still takes a safe integer number, as plans written before weights were strings have it', () => {
    expect(parsePlan(planWith([100]), NOW).launch!.validators[0]!.weight).toBe('100');
  });

  it.each([
    [
      'a JSON number above 2^53 (already rounded)',
      // biome-ignore lint/correctness/noPrecisionLoss: the point: a plan's JSON number above 2^53 arrives already rounded
      9007199254740993,
      /plan\.launch\.validators\.1\.weight: 9007199254740992 is above 2\^53.*write the weight as a decimal string/,
    ],
    ['an exponent', '1e18', /plan\.launch\.validators\.1\.weight: must be a decimal integer string/],
    ['a fraction', '12.5', /plan\.launch\.validators\.1\.weight: must be a decimal integer string/],
    ['padding', ' 100', /plan\.launch\.validators\.1\.weight: must be a decimal integer string/],
    ['a fractional number', 12.5, /plan\.launch\.validators\.1\.weight: must be a whole number/],
    ['zero', '0', /plan\.launch\.validators\.1\.weight: must be a positive stake weight/],
    ['a negative string', '-5', /plan\.launch\.validators\.1\.weight: must be a positive stake weight/],
    ['a negative number', -5, /plan\.launch\.validators\.1\.weight: must be a positive stake weight/],
    ['more than a uint64', (2n ** 64n).toString(), /plan\.launch\.validators\.1\.weight: must be at most 2\^64-1/],
    ['no weight', null, /plan\.launch\.validators\.1\.weight: must be a stake weight: a decimal string/],
  ])('refuses %s, naming the field', (_, bad, reason) => {
    expect(() => parsePlan(planWith(['100', bad]), NOW)).toThrow(reason);
  });
});

describe('registerValidator weight', () => {
  it('registers a stake above 2^53 given as a decimal string, exactly, and shows it so', async () => {
    const run = new RegenesisRun(parsePlan(planWith([ABOVE_2_53]), NOW), 'run-key');
    installHandlers(run);
    const newcomer = validator(2, ABOVE_2_53);
    run.checkRegistration(newcomer);
    await sandbox.handlers.get('registerValidator')!(newcomer);
    expect(run.status.validators).toEqual([
      { nodeId: validator(1, 0).nodeId, weight: ABOVE_2_53 },
      { nodeId: newcomer.nodeId, weight: ABOVE_2_53 },
    ]);
    expect(run.totalWeight()).toBe(2n * BigInt(ABOVE_2_53));
  });

  it('takes a safe integer number from an older client', async () => {
    const run = new RegenesisRun(parsePlan(planWith(['1']), NOW), 'run-key');
    installHandlers(run);
    const older = validator(2, 100);
    run.checkRegistration(older);
    await sandbox.handlers.get('registerValidator')!(older);
    expect(run.status.validators?.at(-1)).toEqual({ nodeId: older.nodeId, weight: '100' });
  });

  it.each([
    // biome-ignore lint/correctness/noPrecisionLoss: the point: a number above 2^53 arrives already rounded
    ['a number above 2^53', 9007199254740993, /^weight: 9007199254740992 is above 2\^53/],
    ['a fraction', '1.5', /^weight: must be a decimal integer string/],
    ['zero', '0', /^weight: must be a positive stake weight/],
  ])('refuses %s, naming weight', (_, bad, reason) => {
    const run = new RegenesisRun(parsePlan(planWith(['1']), NOW), 'run-key');
    expect(() => run.checkRegistration(validator(2, bad))).toThrow(reason);
  });
});

describe('ratification by 2/3 of a mainnet-sized stake', () => {
  // 30 validators of about 8.3·10^15 nAVAX each (safe integers, so even the plans of old clients can
  // state them); the first 20 hold one nAVAX less than two thirds of 2.5·10^17.
  const twoThirds = (2n * MAINNET_STAKE + 2n) / 3n; // rounded up: the least stake that ratifies
  const each = 8_333_333_333_333_150n;
  const signersStake = twoThirds - 1n;
  const weights = [...Array<bigint>(19).fill(each), signersStake - 19n * each, ...Array<bigint>(9).fill(each), MAINNET_STAKE - signersStake - 9n * each];
  const plan = () => parsePlan(planWith(weights.map(Number)), NOW);

  async function ratifying(run: InstanceType<typeof RegenesisRun>, signers: number): Promise<unknown> {
    installHandlers(run);
    run.status.genesisSha256 = GENESIS_SHA256;
    run.enter('ratify');
    let answer: unknown;
    for (const v of run.validators.slice(0, signers)) answer = await sandbox.handlers.get('ratify')!({ nodeId: v.nodeId, signature: SIGNATURE });
    return answer;
  }

  it('is a case that sums of JS numbers get wrong', () => {
    expect(weights.every((w) => w <= BigInt(Number.MAX_SAFE_INTEGER))).toBe(true);
    const asNumbers = (ws: bigint[]) => ws.reduce((sum, w) => sum + Number(w), 0);
    expect(asNumbers(weights.slice(0, 20)) * 3 >= asNumbers(weights) * 2).toBe(true);
    expect(weights.slice(0, 20).reduce((a, b) => a + b, 0n) * 3n >= MAINNET_STAKE * 2n).toBe(false);
  });

  it('is not reached one nAVAX short of 2/3, and is reached with one more signer; status and answers are exact', async () => {
    const run = new RegenesisRun(plan(), 'run-key');
    const answer = await ratifying(run, 20);
    expect(run.ratified()).toBe(false);
    expect(answer).toEqual({ signedWeight: signersStake.toString(), totalWeight: MAINNET_STAKE.toString() });
    expect(run.status.ratification).toMatchObject({ signedWeight: '166666666666666666', totalWeight: '250000000000000000', threshold: '2/3 of stake' });

    await sandbox.handlers.get('ratify')!({ nodeId: run.validators[20]!.nodeId, signature: SIGNATURE });
    expect(run.ratified()).toBe(true);
    expect(run.status.ratification?.signedWeight).toBe((signersStake + weights[20]!).toString());
  });

  it('a run started before stakes were exact keeps deciding with JS numbers, as its history did', async () => {
    const run = new RegenesisRun(plan(), 'run-key', false, false);
    await ratifying(run, 20);
    expect(run.ratified()).toBe(true);
  });

  it('ends in a launch outcome with the exact weights', async () => {
    Object.assign(sandbox.answers, {
      haltOldNetwork: () => ({ rpcUrl: 'http://127.0.0.1:1' }),
      launchNewNetwork: () => ({ rpcUrl: 'http://127.0.0.1:2' }),
      postVerifyNetwork: () => ({ ok: true, mismatches: [], block0Root: `0x${'00'.repeat(32)}` }),
    });
    const run = new RegenesisRun(plan(), 'run-key');
    await ratifying(run, 21);
    const prepared = {
      genesis: { path: 'genesis.json', sha256: GENESIS_SHA256 },
      freeze: { stateRoot: `0x${'00'.repeat(32)}` },
      verification: { samplesPath: 'samples.jsonl' },
      report: { artifactsDir: '/artifacts/run-key' },
    } as unknown as Prepared;
    const { outcome } = await launch(run, prepared);
    expect(outcome.ratification).toMatchObject({ signedWeight: (signersStake + weights[20]!).toString(), totalWeight: '250000000000000000' });
  });
});
