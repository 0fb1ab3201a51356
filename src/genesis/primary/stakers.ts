import { PrimaryGenesisError } from './errors.js';
import type { GenesisIssue } from './issues.js';
import { checkStaker, type StakerContext, type StakersSeen } from './rules/staker.js';
import { parseOrRefuse, primaryGenesisInputSchema, type NormalizedGenesisInput } from './schema.js';
import type { BuildOptions, GenesisStaker, PrimaryGenesisInput } from './types.js';
import { addressNetworkOf } from './utxoAddress.js';

/** The stakers checked, in input order (undefined where a rule refused one), and the issues. */
export interface CheckedStakers {
  stakers: Array<GenesisStaker | undefined>;
  issues: GenesisIssue[];
}

/**
 * Every staker's rules, in order: a primary network needs initial stakers, and each is checked
 * against those before it (NodeIDs and BLS keys are unique across the set).
 */
export function checkStakers(validators: NormalizedGenesisInput['validators'], context: StakerContext): CheckedStakers {
  const issues: GenesisIssue[] = [];
  if (validators.length === 0) issues.push({ field: 'input.validators', message: 'must not be empty (a primary network needs initial stakers)' });
  const seen: StakersSeen = { nodeIds: new Map(), blsKeys: new Map() };
  const stakers = validators.map((validator, i) => {
    const checked = checkStaker(validator, i, seen, context);
    issues.push(...checked.issues);
    return checked.staker;
  });
  return { stakers, issues };
}

/**
 * The validator-set rules alone, before any export exists (a run checks its stakers first):
 * NodeIDs unique and equal to their certificates' hashes, PoPs valid under the dialect's rule, no
 * BLS key shared, reward addresses of the network. Throws a PrimaryGenesisError naming each one.
 */
export function checkGenesisStakers(
  input: Pick<PrimaryGenesisInput, 'dialect' | 'networkID' | 'hrp' | 'validators'>,
  options: BuildOptions = {},
): GenesisStaker[] {
  const data = parseOrRefuse(primaryGenesisInputSchema.pick({ dialect: true, networkID: true, hrp: true, validators: true }), input);
  const { stakers, issues } = checkStakers(data.validators, { network: addressNetworkOf(data), options });
  if (issues.length > 0) throw new PrimaryGenesisError(issues);
  return stakers as GenesisStaker[];
}
