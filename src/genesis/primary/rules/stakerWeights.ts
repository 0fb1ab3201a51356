import type { GenesisIssue } from '../issues.js';
import type { NormalizedGenesisInput } from '../schema.js';
import type { GenesisStaker } from '../types.js';
import { splitStakeWeights } from '../weights.js';
import { validatorLabel } from './staker.js';

/**
 * A genesis lists no weights: the node splits the staked allocations evenly over the stakers, in
 * order (weights.ts). Every staker must get some stake, and a weight the caller expects must be
 * the one the node will give.
 */
export function stakerWeightIssues(
  data: Pick<NormalizedGenesisInput, 'allocations' | 'validators'>,
  ownerIds: ReadonlyArray<string | undefined>,
  staked: ReadonlySet<string>,
  stakers: ReadonlyArray<GenesisStaker | undefined>,
): GenesisIssue[] {
  const stakedAllocations = data.allocations.filter((_, i) => ownerIds[i] !== undefined && staked.has(ownerIds[i]!));
  const weights = splitStakeWeights(
    stakedAllocations.map((a) => ({ unlockAmounts: a.unlockSchedule.map((u) => u.amount) })),
    data.validators.length,
  );
  return data.validators.flatMap((validator, i) => {
    const field = `${validatorLabel(validator.nodeID ?? stakers[i]?.nodeID, i)}.weight`;
    const weight = weights[i] ?? 0n;
    if (validator.weight === 0n) return [{ field, message: 'must be non-zero' }];
    if (weight === 0n) return [{ field, message: 'is zero: the initially staked allocations leave this staker no stake' }];
    if (validator.weight !== undefined && validator.weight !== weight) {
      return [{ field, message: `expected ${validator.weight}, the staked allocations give it ${weight}` }];
    }
    return [];
  });
}
