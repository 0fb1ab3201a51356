import type { DialectName } from '../network/dialectName.js';
import type { Plan } from './schema.js';

/**
 * The node family whose rules a run's keys are checked under: proofs of possession, ratification
 * signatures and their aggregate use that family's BLS DSTs. The primary genesis names the family
 * the new network runs; without one, the C-Chain source's declared family is the network's.
 *
 * A plan that names neither is avalanchego's: that is the primary genesis' own default and what
 * every run was before luxd was supported. It is read from the plan alone, never from what
 * preflight learns of the node, because validators may register before preflight has run and the
 * rule their keys are held to must not change during the run.
 */
export function runDialect(plan: Pick<Plan, 'genesis' | 'chains'>): DialectName {
  return plan.genesis.primary?.dialect ?? plan.chains.C.dialect ?? 'avalanchego';
}

/**
 * The network a manual or local run's ratifications are for (the `networkId` of the ratification
 * message, src/keys/ratificationMessage.ts). With `genesis.primary` it is the primary genesis's
 * networkId: the ID the new nodes run with and the genesis file carries as `networkID`, the one an
 * agent checks. Without it the new network is an EVM chain alone, known by nothing but its chain
 * ID, so `genesis.chainId` names it: a signature for chain 43112 is then worthless for chain
 * 43113 even over the same genesis bytes. The message carries a uint32, so a chainId above 2^32-1
 * cannot be ratified (verifyRatification refuses it as InvalidPlan, naming networkId).
 */
export function ratificationNetworkId(plan: Plan): number {
  return plan.genesis.primary?.networkId ?? plan.genesis.chainId;
}
