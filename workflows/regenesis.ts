import { allHandlersFinished, condition, isCancellation, patched, workflowInfo } from '@temporalio/workflow';
import { failure } from '../src/contract/failures.js';
import type { RegenesisResult } from '../src/contract/run.js';
import { approverKeysIssue, parsePlan, PlanError, type Plan } from '../src/plan/index.js';
import { compensation, operator, reporter } from './activities.js';
import { haltBeforeExport } from './agentCalls.js';
import { installHandlers } from './handlers.js';
import { launch } from './launch.js';
import { PATCHES } from './patches.js';
import { prepare } from './prepare.js';
import { innermostMessage } from './saga.js';
import { RegenesisRun } from './state.js';

/**
 * One regenesis (LP-326), reading like its checklist:
 *   validate → preflight → wait-epoch → export → genesis → verify → rehearse → report
 *   → approve → ratify → migrate-validators → launch → post-verify → commit.
 * Without a `launch` section the run is a proposal and ends after the report. Any failure, abort or
 * rollback before the commit point runs the registered compensations in reverse and the run ends
 * `RolledBack`, saying why; after the commit point, rollback is refused.
 */
export async function regenesisWorkflow(input: unknown): Promise<RegenesisResult> {
  return runRegenesis(validate(input));
}

/**
 * Emergency regenesis: no epoch wait. The network is halted first, the state is exported at the
 * last good height (refused if above the head or no longer available), rehearsal is mandatory and
 * approval waits are capped at four hours.
 */
export async function emergencyRegenesisWorkflow(input: { plan: unknown; lastGoodHeight: number }): Promise<RegenesisResult> {
  const plan = validate(input.plan);
  if (!Number.isSafeInteger(input.lastGoodHeight) || input.lastGoodHeight < 0) {
    throw failure('InvalidPlan', `lastGoodHeight: ${String(input.lastGoodHeight)} is not a block height`);
  }
  const launchCfg = plan.launch
    ? { ...plan.launch, approvals: { ...plan.launch.approvals, timeoutSeconds: Math.min(plan.launch.approvals.timeoutSeconds, 4 * 3600) } }
    : undefined;
  return runRegenesis(
    { ...plan, kind: 'emergency', target: { height: input.lastGoodHeight }, rehearsal: { enabled: true }, launch: launchCfg },
    { haltFirst: true },
  );
}

function validate(input: unknown): Plan {
  let plan: Plan;
  try {
    plan = parsePlan(input, Math.floor(Date.now() / 1000));
  } catch (err) {
    if (err instanceof PlanError) throw failure('InvalidPlan', err.message, err.issues);
    throw err;
  }
  // Runs started before approvals were signed replay without this rule.
  const unsigned = patched(PATCHES.signedApprovals.id) ? approverKeysIssue(plan) : undefined;
  if (unsigned) throw failure('InvalidPlan', unsigned);
  return plan;
}

/**
 * The run's directory name. Run IDs are time-ordered UUIDs (v7), so their first hex digits are a
 * timestamp shared by runs started in the same minute: two runs of one plan would have shared an
 * artifact directory. The key takes the random tail instead; runs that began with the old key
 * keep it.
 */
function runKeyOf(name: string, runId: string): string {
  if (patched(PATCHES.runKeyRandomTail.id)) return `${name}-${runId.replace(/-/g, '').slice(-12)}`;
  return `${name}-${runId.slice(0, 8)}`;
}

async function runRegenesis(plan: Plan, options: { haltFirst?: boolean } = {}): Promise<RegenesisResult> {
  const run = new RegenesisRun(
    plan,
    runKeyOf(plan.name, workflowInfo().firstExecutionRunId),
    patched(PATCHES.signedApprovals.id),
    patched(PATCHES.exactStake.id),
    patched(PATCHES.freezeIsHalt.id),
  );
  const { runKey } = run;
  installHandlers(run);

  try {
    const result = await run.scope.run(async () => {
      if (options.haltFirst) await haltOldNetworkFirst(run);
      const prepared = await prepare(run);
      if (!plan.launch) {
        run.enter('completed');
        return { status: 'Completed' as const, runKey, artifactsDir: prepared.report.artifactsDir, ...prepared };
      }
      // What launched: stage 1, or in a two-stage run the state where the old network stopped.
      const { outcome, launched } = await launch(run, prepared);
      const report = await reporter.publishLaunchReport({ runKey: launched.artifactsKey ?? runKey, launch: outcome });
      run.enter('completed');
      return { status: 'Completed' as const, runKey, artifactsDir: launched.report.artifactsDir, ...launched, report, launch: outcome };
    });
    await condition(allHandlersFinished);
    return result;
  } catch (err) {
    return rollBack(run, err);
  }
}

/**
 * The rollback branch: the registered compensations, in reverse. A run that had nothing to undo and
 * was not cancelled fails as it is, with its own failure.
 */
async function rollBack(run: RegenesisRun, err: unknown): Promise<RegenesisResult> {
  const { runKey, status, saga } = run;
  const failedPhase = status.phase;
  const reason = status.abortReason && isCancellation(err) ? status.abortReason : innermostMessage(err);
  if (saga.size === 0 && !isCancellation(err)) throw err;
  run.enter('rolling-back');
  const { ran, failed, kept } = await saga.compensate();
  if (failed.length > 0) {
    // The network may be half restored: the run says so, and what is left for an operator.
    run.enter('rollback-incomplete');
    return { status: 'RollbackIncomplete', runKey, failedPhase, reason, compensations: ran, failedCompensations: failed, ...(kept.length > 0 ? { kept } : {}) };
  }
  run.enter('rolled-back');
  return { status: 'RolledBack', runKey, failedPhase, reason, compensations: ran };
}

/** Emergency runs stop the old network before the export: its state cannot move while it is read. */
async function haltOldNetworkFirst(run: RegenesisRun): Promise<void> {
  const op = run.plan.launch?.operator;
  if (op?.kind === 'agents') {
    run.enter('preflight');
    await haltBeforeExport(run, op);
  }
  if (op?.kind === 'local') {
    const network = op.network;
    run.enter('preflight');
    run.saga.add('resume-old-network', () => compensation.resumeOldNetwork({ network }));
    await operator.haltOldNetwork({ network });
  }
}
