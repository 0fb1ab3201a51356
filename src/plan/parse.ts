import type { z } from 'zod';
import { PlanError, type PlanIssue } from './error.js';
import { planRuleIssues } from './rules/index.js';
import { planSchema, type Plan } from './schema.js';

/**
 * Validates a plan and refuses it once, naming every mistake (`plan.chains.C.rpcUrl: ...`): first
 * the schema (types, ranges, unknown fields), then, on a plan of the right shape, the cross-field
 * rules of rules/. The second stage needs the first's typed plan, so a plan with shape errors is
 * refused for those alone.
 */
export function parsePlan(input: unknown, nowSeconds: number): Plan {
  const parsed = planSchema.safeParse(input);
  if (!parsed.success) throw PlanError.of(schemaIssues(parsed.error));
  const issues = planRuleIssues(parsed.data, nowSeconds);
  if (issues.length > 0) throw PlanError.of(issues);
  return parsed.data;
}

/** The schema's issues under the plan's own field names, unknown keys named, so the operator can find each. */
function schemaIssues(error: z.ZodError): PlanIssue[] {
  return error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
    return { field: ['plan', ...issue.path.map(String)].join('.'), message: `${issue.message}${keys}` };
  });
}
