import { networkMode } from '../../network/chainIds.js';
import { hrpForNetwork } from '../../network/hrp.js';
import type { PlanIssue } from '../error.js';
import type { Plan } from '../schema.js';
import { issuesThrownBy } from './thrown.js';

/** The primary genesis a plan asks for. */
export type PrimaryPlan = NonNullable<Plan['genesis']['primary']>;

/** mainnet, fuji, local: avalanchego v1.14.0 refuses `--genesis-file` on these IDs. */
const AVALANCHEGO_STANDARD_NETWORKS = new Set([1, 5, 12345]);

/**
 * A primary genesis carries the balances of both UTXO chains: without either export it would
 * silently drop them, and without the P-Chain it would not know what the validators stake.
 */
export function primaryNeedsBothUtxoChains(_primary: PrimaryPlan, plan: Plan): PlanIssue[] {
  const issues: PlanIssue[] = [];
  const field = 'plan.genesis.primary';
  if (!plan.chains.P) issues.push({ field, message: "needs plan.chains.P: the validators' stake at the epoch is what the new initial stakers stake" });
  if (!plan.chains.X) issues.push({ field, message: 'needs plan.chains.X: X-Chain balances are part of the supply a primary genesis carries' });
  return issues;
}

/** An export that reads no owner's UTXOs gives a genesis with no balance at all. */
export function primaryReadsSomeOwner(_primary: PrimaryPlan, plan: Plan): PlanIssue[] {
  const p = plan.chains.P;
  if (!p || p.addresses.length > 0 || p.discoverAddresses) return [];
  return [{ field: 'plan.chains.P', message: 'lists no address and does not discover them (discoverAddresses): the genesis would carry no balance' }];
}

/** avalanchego loads a custom genesis file only under a network ID of its own. */
export function primaryOnACustomNetworkId(primary: PrimaryPlan): PlanIssue[] {
  if (primary.dialect !== 'avalanchego' || !AVALANCHEGO_STANDARD_NETWORKS.has(primary.networkId)) return [];
  const message = `${primary.networkId} is a standard avalanchego network, on which avalanchego refuses a custom genesis file; choose another ID`;
  return [{ field: 'plan.genesis.primary.networkId', message }];
}

/** Rewards paid to an address of another network's HRP could never be spent on the new one. */
export function rewardAddressesOfTheNetwork(primary: PrimaryPlan): PlanIssue[] {
  const hrp = hrpForNetwork(primary.networkId, primary.dialect);
  return primary.validators.flatMap((v, i) => {
    const written = v.rewardAddress.slice(2, v.rewardAddress.lastIndexOf('1'));
    if (written === hrp) return [];
    const message = `has HRP "${written}"; network ${primary.networkId} on ${primary.dialect} uses "${hrp}"`;
    return [{ field: `plan.genesis.primary.validators.${i}.rewardAddress`, message }];
  });
}

/** The network ID and the number of stakers must make one of the LP-018 network modes. */
export function primaryHasANetworkMode(primary: PrimaryPlan): PlanIssue[] {
  return issuesThrownBy('plan.genesis.primary', () => networkMode({ networkId: primary.networkId, validators: primary.validators.length }));
}
