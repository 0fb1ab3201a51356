import type { PlanIssue } from '../error.js';
import type { Plan } from '../schema.js';
import { chainIdOfTheBrand, startTimeAhead } from './genesis.js';
import { pinnedChainsNeedProposervmEpochs, proposervmNeedsAvalancheEndpoint, qChainOnLuxdOnly } from './exports.js';
import { agentsListNoLaunchValidators, agentsNeedAPrimaryGenesis, primaryNotLaunchedLocally, ratifiersAreStakers } from './launch.js';
import {
  primaryHasANetworkMode,
  primaryNeedsBothUtxoChains,
  primaryOnACustomNetworkId,
  primaryReadsSomeOwner,
  rewardAddressesOfTheNetwork,
  type PrimaryPlan,
} from './primary.js';

/** A cross-field rule of a plan the schema accepted: every mistake it finds, none when it holds. */
export type PlanRule = (plan: Plan, nowSeconds: number) => PlanIssue[];

/** A rule of the primary genesis, which holds trivially for a plan that asks for none. */
function onPrimary(rule: (primary: PrimaryPlan, plan: Plan) => PlanIssue[]): PlanRule {
  return (plan) => (plan.genesis.primary ? rule(plan.genesis.primary, plan) : []);
}

/** Every cross-field rule, in the order their issues are reported. */
export const PLAN_RULES: readonly PlanRule[] = [
  chainIdOfTheBrand,
  pinnedChainsNeedProposervmEpochs,
  qChainOnLuxdOnly,
  onPrimary(primaryNeedsBothUtxoChains),
  onPrimary(primaryReadsSomeOwner),
  onPrimary(primaryOnACustomNetworkId),
  onPrimary(primaryNotLaunchedLocally),
  onPrimary(agentsListNoLaunchValidators),
  onPrimary(ratifiersAreStakers),
  onPrimary(rewardAddressesOfTheNetwork),
  onPrimary(primaryHasANetworkMode),
  agentsNeedAPrimaryGenesis,
  proposervmNeedsAvalancheEndpoint,
  startTimeAhead,
];

/** Runs every rule, so that a plan with several mistakes is refused once, naming them all. */
export function planRuleIssues(plan: Plan, nowSeconds: number): PlanIssue[] {
  return PLAN_RULES.flatMap((rule) => rule(plan, nowSeconds));
}
