import { assertChainIdAllowed } from '../../network/chainIds.js';
import type { PlanIssue } from '../error.js';
import type { Plan } from '../schema.js';
import { startTimeSeconds } from '../timing.js';
import { issuesThrownBy } from './thrown.js';

/**
 * With a brand and an environment, the chain ID must be theirs in the LP-018 map: one owned by
 * another network would let that network's signed transactions replay on the new chain.
 */
export function chainIdOfTheBrand(plan: Plan): PlanIssue[] {
  const { brand, env } = plan;
  if (brand === undefined || env === undefined) return [];
  const field = 'plan.genesis.chainId';
  return issuesThrownBy(field, () => assertChainIdAllowed({ brand, env, chainId: plan.genesis.chainId }, field));
}

/**
 * A fixed start time must still be ahead: nodes refuse to start a genesis before its start time,
 * and one already past would be refused at launch, after all the work. A start time relative to
 * the freeze is checked once the freeze is known (timing.ts).
 */
export function startTimeAhead(plan: Plan, nowSeconds: number): PlanIssue[] {
  if (typeof plan.genesis.startTime === 'object') return [];
  const start = startTimeSeconds(plan, 0);
  if (start > nowSeconds) return [];
  return [{ field: 'plan.genesis.startTime', message: `${new Date(start * 1000).toISOString()} is in the past` }];
}
