import type { PlanIssue } from '../error.js';
import type { Plan } from '../schema.js';
import type { PrimaryPlan } from './primary.js';

/** The local operator starts geth devnets; it has no way to migrate a primary network's validators. */
export function primaryNotLaunchedLocally(_primary: PrimaryPlan, plan: Plan): PlanIssue[] {
  if (plan.launch?.operator.kind !== 'local') return [];
  const message = "the local operator launches geth devnets; a primary network's validators are migrated with the manual operator";
  return [{ field: 'plan.launch.operator', message }];
}

/** Agents ratify with the genesis stakers' own keys and weights: a second list could only disagree. */
export function agentsListNoLaunchValidators(_primary: PrimaryPlan, plan: Plan): PlanIssue[] {
  if (plan.launch?.operator.kind !== 'agents' || plan.launch.validators.length === 0) return [];
  const message = "the agents operator ratifies with the genesis stakers' own keys and weights; list no launch validators";
  return [{ field: 'plan.launch.validators', message }];
}

/** Who ratifies the genesis must be who it makes validators, each known by its BLS key. */
export function ratifiersAreStakers(primary: PrimaryPlan, plan: Plan): PlanIssue[] {
  const stakerKeys = new Set(primary.validators.map((v) => v.blsPublicKey.toLowerCase()));
  return (plan.launch?.validators ?? []).flatMap((v, i) => {
    if (stakerKeys.has(v.blsPublicKey.toLowerCase())) return [];
    const message = `${v.nodeId} is not an initial staker of plan.genesis.primary (its BLS key is not among the stakers')`;
    return [{ field: `plan.launch.validators.${i}`, message }];
  });
}

/** Agents migrate the validators of a primary network; a plan without one has none for them. */
export function agentsNeedAPrimaryGenesis(plan: Plan): PlanIssue[] {
  if (plan.launch?.operator.kind !== 'agents' || plan.genesis.primary) return [];
  return [{ field: 'plan.launch.operator', message: 'migrates the validators of a primary network: it needs plan.genesis.primary' }];
}
