import { readFile, stat } from 'node:fs/promises';
import { approverKeysIssue, parsePlan, PlanError, type Plan } from '../plan/index.js';

const MAX_PLAN_BYTES = 1 << 20;

/** Reads and validates a plan file; errors name the file, then the field. */
export async function readPlanFile(path: string): Promise<{ input: unknown; plan: Plan }> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    throw new PlanError(`--plan ${path}: file not found`, [{ field: '--plan', message: 'file not found' }]);
  }
  if (size > MAX_PLAN_BYTES) {
    throw new PlanError(`--plan ${path}: ${size} bytes is over the ${MAX_PLAN_BYTES}-byte limit for a plan`, [{ field: '--plan', message: 'too large' }]);
  }
  let input: unknown;
  try {
    input = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new PlanError(`--plan ${path}: not valid JSON (${(err as Error).message})`, [{ field: '--plan', message: 'not valid JSON' }]);
  }
  const plan = parsePlan(input, Math.floor(Date.now() / 1000));
  // The workflow refuses it too; saying so here means nothing is started.
  const unsigned = approverKeysIssue(plan);
  if (unsigned) throw new PlanError(unsigned, [{ field: 'plan.launch.approvals.approvers', message: unsigned }]);
  return { input, plan };
}
