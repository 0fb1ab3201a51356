import { condition } from '@temporalio/workflow';
import { failure } from '../../src/contract/failures.js';
import type { LaunchOutcome, Prepared } from '../../src/contract/run.js';
import { ratificationNetworkId } from '../../src/plan/index.js';
import { keys } from '../activities.js';
import type { RegenesisRun } from '../state.js';

/**
 * Ratification by declared validators (manual and local operators): each signs with
 * `regenesis sign` and sends the `ratify` update (its rules are in RegenesisRun); the run waits for
 * ≥ 2/3 of the declared stake, then aggregates the signatures over the genesis validators install.
 */
export async function ratifyByDeclaredValidators(run: RegenesisRun, prepared: Prepared): Promise<LaunchOutcome['ratification']> {
  const timeoutSeconds = run.plan.launch!.ratificationTimeoutSeconds;
  if (run.validators.length === 0) {
    throw failure('InvalidPlan', 'plan.launch.validators: the new network has no validators');
  }
  run.refreshRatification(timeoutSeconds);
  if (!(await condition(() => run.ratified(), timeoutSeconds * 1000, { summary: 'waiting for ratification by ≥ 2/3 of the stake' }))) {
    throw failure('RatificationIncomplete', `ratification below 2/3 of stake: ${run.signedWeight()} of ${run.totalWeight()} signed within ${timeoutSeconds}s`);
  }
  const signers = run.validators
    .filter((v) => run.signatures.has(v.nodeId))
    .map((v) => ({ blsPublicKey: v.blsPublicKey, signature: run.signatures.get(v.nodeId) as string }));
  // What validators install and ratify: the primary genesis when there is one (it embeds the C one).
  const installed = prepared.primaryGenesis ?? prepared.genesis;
  const aggregate = await keys.aggregateRatification({
    genesisSha256: installed.sha256,
    networkId: ratificationNetworkId(run.plan),
    signers,
    dialect: run.dialect,
  });
  return {
    signers: [...run.signatures.keys()],
    signedWeight: run.signedWeight().toString(),
    totalWeight: run.totalWeight().toString(),
    aggregateSignature: aggregate.aggregateSignature,
  };
}
