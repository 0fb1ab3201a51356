/**
 * The regenesis plan: its schema (schema.ts), the cross-field rules checked when it is parsed
 * (rules/, collected by parse.ts into one PlanError of error.ts), the timing rules checked once
 * the freeze is known (timing.ts), the rules between the plan and the node it exports from
 * (versusNode.ts), the node family whose key rules the run applies (dialect.ts) and stake
 * weights, exact (stake.ts). All of it is pure and deterministic: workflow code imports it.
 */
export * from './schema.js';
export { PlanError, type PlanIssue } from './error.js';
export { parsePlan } from './parse.js';
export type { PrimaryPlan } from './rules/primary.js';
export { checkStartTimeAgainstFreeze, fixedStartTimeSeconds, startTimeSeconds } from './timing.js';
export { planVersusNode, type NodeFacts } from './versusNode.js';
export { approverKeys, approverKeysIssue, type ApproverKey } from './approvers.js';
export { ratificationNetworkId, runDialect } from './dialect.js';
export { reachesTwoThirds, stakeOf, stakeWeightSchema } from './stake.js';
