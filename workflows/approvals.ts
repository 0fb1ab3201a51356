import { condition } from '@temporalio/workflow';
import { failure } from '../src/contract/failures.js';
import { EMERGENCY_HALT_SUBJECT } from '../src/contract/run.js';
import type { RegenesisRun } from './state.js';

/**
 * The approve phase: as many signed approvals of the genesis the status names as the plan requires
 * (the rules of an approval are in RegenesisRun), within the plan's timeout, or the run rolls back.
 * `of` names that genesis in the wait and in the failure.
 */
export async function awaitApprovals(run: RegenesisRun, of: string, required = run.plan.launch!.approvals.required): Promise<void> {
  const { approvals } = run.plan.launch!;
  // Set before the phase changes, so the details enter() publishes already name the approval awaited.
  run.status.approvals = { required, approvers: run.approvers, deadline: run.deadline(approvals.timeoutSeconds) };
  run.enter('approve');
  const summary = `waiting for ${required} approval(s) of ${of}`.trim();
  if (!(await condition(() => run.approvers.length >= required, approvals.timeoutSeconds * 1000, { summary }))) {
    throw failure(
      'ApprovalTimeout',
      `approval timed out after ${approvals.timeoutSeconds}s with ${run.approvers.length} of ${required} approvals of ${of}`.trim(),
    );
  }
}

/**
 * An emergency run halts the old validators before there is a genesis, and an agent given its
 * host's approvers (`--approver-keys-file`) halts only for a run they signed: the run first waits
 * for signed approvals of the halt itself (EMERGENCY_HALT_SUBJECT where a genesis hash goes), as
 * many as the plan requires and the strictest such agent asks, and hands them to every halt. They
 * are set apart, so the genesis approvals that follow start from none.
 */
export async function awaitHaltApprovals(run: RegenesisRun, required: number): Promise<void> {
  run.status.genesisSha256 = EMERGENCY_HALT_SUBJECT;
  await awaitApprovals(run, 'the emergency halt of the old validators', Math.max(required, run.plan.launch!.approvals.required));
  run.haltApprovals.push(...run.approvals.splice(0));
  run.approvers.splice(0);
  run.status.genesisSha256 = undefined;
  run.publish();
}
