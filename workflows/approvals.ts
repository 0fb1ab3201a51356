import { condition } from '@temporalio/workflow';
import { failure } from '../src/contract/failures.js';
import type { RegenesisRun } from './state.js';

/**
 * The approve phase: as many signed approvals of the genesis the status names as the plan requires
 * (the rules of an approval are in RegenesisRun), within the plan's timeout, or the run rolls back.
 * `of` names that genesis in the wait and in the failure.
 */
export async function awaitApprovals(run: RegenesisRun, of: string): Promise<void> {
  const { approvals } = run.plan.launch!;
  // Set before the phase changes, so the details enter() publishes already name the approval awaited.
  run.status.approvals = { required: approvals.required, approvers: run.approvers, deadline: run.deadline(approvals.timeoutSeconds) };
  run.enter('approve');
  const summary = `waiting for ${approvals.required} approval(s) of ${of}`.trim();
  if (!(await condition(() => run.approvers.length >= approvals.required, approvals.timeoutSeconds * 1000, { summary }))) {
    throw failure(
      'ApprovalTimeout',
      `approval timed out after ${approvals.timeoutSeconds}s with ${run.approvers.length} of ${approvals.required} approvals of ${of}`.trim(),
    );
  }
}
