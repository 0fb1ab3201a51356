import { genesisDocument } from './document.js';
import { PrimaryGenesisError } from './errors.js';
import { checkAllocations, lockedCoversStakers, supplyIssues } from './rules/allocations.js';
import { chainGenesesIssues } from './rules/chainGeneses.js';
import { allocationStyleOf, allocationStyleOfTheDialect, luxdOnlyChainGeneses } from './rules/dialect.js';
import { stakeDurationIssues } from './rules/stakeDuration.js';
import { checkStakedFunds } from './rules/stakedFunds.js';
import { stakerWeightIssues } from './rules/stakerWeights.js';
import { parseOrRefuse, primaryGenesisInputSchema } from './schema.js';
import { checkStakers } from './stakers.js';
import type { BuildOptions, GenesisStaker, PrimaryGenesis, PrimaryGenesisInput } from './types.js';
import { addressNetworkOf } from './utxoAddress.js';

/**
 * Builds a primary-network genesis from its parts, enforcing avalanchego's own genesis rules
 * (genesis.validateConfig, v1.14.0) and the validator-set rules of a regenesis: unique NodeIDs,
 * NodeID = hash of the certificate when one is given, every staker's PoP valid under the dialect's
 * rule, no BLS key shared, every staker with non-zero weight. Pure: same input → same document.
 * Every rule (rules/) runs; any violation throws one PrimaryGenesisError listing every offending
 * field, in the order of the input; nothing is returned.
 *
 * startTime is not compared with the clock here (the builder is pure). Note that both nodes refuse
 * to load a genesis whose startTime is still in the future (validateConfig, errFutureStartTime),
 * so nodes must be started at or after it.
 */
export function buildPrimaryGenesis(input: PrimaryGenesisInput, options: BuildOptions = {}): PrimaryGenesis {
  const data = parseOrRefuse(primaryGenesisInputSchema, input);
  const network = addressNetworkOf(data);
  const allocations = checkAllocations(data.allocations, network);
  const stakedFunds = checkStakedFunds(data.initialStakedFunds, allocations.ownerIds, network);
  const stakers = checkStakers(data.validators, { network, options });
  const issues = [
    ...allocationStyleOfTheDialect(data),
    ...luxdOnlyChainGeneses(data),
    ...allocations.issues,
    ...supplyIssues(data.allocations),
    ...stakedFunds.issues,
    ...stakers.issues,
    ...stakeDurationIssues(data),
    ...lockedCoversStakers(data),
    ...stakerWeightIssues(data, allocations.ownerIds, stakedFunds.staked, stakers.stakers),
    ...chainGenesesIssues(data),
  ];
  if (issues.length > 0) throw new PrimaryGenesisError(issues);
  return genesisDocument(data, allocationStyleOf(data), stakers.stakers as GenesisStaker[]);
}
