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
