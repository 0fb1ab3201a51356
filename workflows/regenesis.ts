import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { parsePlan, PlanError, validatorKeysSchema, type Plan } from '../src/plan.js';
import { compensation, keys, operator, reporter } from './activities.js';
import { haltBeforeExport } from './agents.js';
import { launch, ratified, refreshRatification, type LaunchInbox } from './launch.js';
import {
  abortSignal,
  approveUpdate,
  confirmStepUpdate,
  ratifyUpdate,
  registerValidatorUpdate,
  rollbackUpdate,
  searchAttributes,
  statusQuery,
  type Phase,
  type RegenesisResult,
  type RegenesisStatus,
} from './messages.js';
import { prepare, type RunContext } from './prepare.js';
import { innermostMessage, Saga } from './saga.js';

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
    throw ApplicationFailure.nonRetryable(`lastGoodHeight: ${String(input.lastGoodHeight)} is not a block height`, 'InvalidPlan');
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
  try {
    return parsePlan(input, Math.floor(Date.now() / 1000));
  } catch (err) {
    if (err instanceof PlanError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidPlan', err.issues);
    throw err;
  }
}

/**
 * The run's directory name. Run IDs are time-ordered UUIDs (v7), so their first hex digits are a
 * timestamp shared by runs started in the same minute: two runs of one plan would have shared an
 * artifact directory. The key takes the random tail instead; runs that began with the old key
 * keep it.
 */
function runKeyOf(name: string, runId: string): string {
  if (patched('run-key-random-tail')) return `${name}-${runId.replace(/-/g, '').slice(-12)}`;
  return `${name}-${runId.slice(0, 8)}`;
}

async function runRegenesis(plan: Plan, options: { haltFirst?: boolean } = {}): Promise<RegenesisResult> {
  const info = workflowInfo();
  const runKey = runKeyOf(plan.name, info.firstExecutionRunId);
  const status: RegenesisStatus = { phase: 'validate', runKey, chains: {}, artifacts: [], stepsDone: [], committed: false };
  const saga = new Saga();
  const scope = new CancellationScope();
  const ctx: RunContext = {
    plan,
    runKey,
    status,
    saga,
    nowSeconds: () => Math.floor(Date.now() / 1000),
    enter: (phase: Phase) => {
      status.phase = phase;
      upsertSearchAttributes([{ key: searchAttributes.phase, value: phase }]);
    },
  };
  upsertSearchAttributes([
    { key: searchAttributes.network, value: plan.network },
    { key: searchAttributes.kind, value: plan.kind },
    { key: searchAttributes.phase, value: status.phase },
  ]);
  const inbox: LaunchInbox = {
    approvers: [],
    validators: (plan.launch?.validators ?? []).map((v) => ({ nodeId: v.nodeId, blsPublicKey: v.blsPublicKey, weight: v.weight })),
    signatures: new Map(),
    confirmedSteps: new Set(),
  };
  installHandlers(ctx, inbox, scope);

  try {
    const result = await scope.run(async () => {
      if (options.haltFirst && plan.launch?.operator.kind === 'agents') {
        ctx.enter('preflight');
        await haltBeforeExport(ctx, plan.launch.operator);
      }
      if (options.haltFirst && plan.launch?.operator.kind === 'local') {
        const network = plan.launch.operator.network;
        ctx.enter('preflight');
        saga.add('resume-old-network', () => compensation.resumeOldNetwork({ network }));
        await operator.haltOldNetwork({ network });
      }
      const prepared = await prepare(ctx);
      if (!plan.launch) {
        ctx.enter('completed');
        return { status: 'Completed' as const, runKey, artifactsDir: prepared.report.artifactsDir, ...prepared };
      }
      const outcome = await launch(ctx, prepared, inbox);
      // Commit point: from here the new network is the network; nothing is undone any more.
      saga.commit();
      status.committed = true;
      ctx.enter('committed');
      const report = await reporter.publishLaunchReport({ runKey, launch: outcome });
      ctx.enter('completed');
      return { status: 'Completed' as const, runKey, artifactsDir: prepared.report.artifactsDir, ...prepared, report, launch: outcome };
    });
    await condition(allHandlersFinished);
    return result;
  } catch (err) {
    const failedPhase = status.phase;
    const reason = status.abortReason && isCancellation(err) ? status.abortReason : describe(err);
    if (saga.size === 0 && !isCancellation(err)) throw err; // nothing to undo: fail as is
    ctx.enter('rolling-back');
    const { ran, failed } = await saga.compensate();
    if (failed.length > 0) {
      // The network may be half restored: the run says so, and what is left for an operator.
      ctx.enter('rollback-incomplete');
      return { status: 'RollbackIncomplete', runKey, failedPhase, reason, compensations: ran, failedCompensations: failed };
    }
    ctx.enter('rolled-back');
    return { status: 'RolledBack', runKey, failedPhase, reason, compensations: ran };
  }
}

/** Human control: approvals, validator registration, ratification, manual steps, abort and rollback. */
function installHandlers(ctx: RunContext, inbox: LaunchInbox, scope: CancellationScope): void {
  const { status, plan } = ctx;
  setHandler(statusQuery, () => status);

  const stopRun = (reason: string): void => {
    status.abortReason = reason;
    scope.cancel();
  };
  setHandler(abortSignal, (reason: string) => {
    if (!status.committed) stopRun(`aborted: ${reason || 'no reason given'}`);
  });
  setHandler(
    rollbackUpdate,
    (reason: string) => {
      stopRun(`rollback requested: ${reason}`);
      return { accepted: true as const };
    },
    {
      validator: (reason: string) => {
        if (status.committed) throw new Error('rollback refused: the run has passed its commit point and the new network is live');
        if (typeof reason !== 'string' || reason.trim() === '') throw new Error('rollback needs a reason');
      },
    },
  );

  setHandler(
    approveUpdate,
    (approval) => {
      inbox.approvers.push(approval.approver);
      return { approvals: inbox.approvers.length, required: plan.launch?.approvals.required ?? 0 };
    },
    {
      validator: (approval) => {
        if (!plan.launch) throw new Error('this run is a proposal without a launch section: there is nothing to approve');
        if (!status.genesisSha256) throw new Error('no genesis to approve yet: wait for the genesis phase');
        if (status.committed) throw new Error('the run has passed its commit point');
        if (!approval || typeof approval.approver !== 'string' || approval.approver.trim() === '') throw new Error('approver: required');
        if (approval.genesisSha256 !== status.genesisSha256) {
          throw new Error(`genesisSha256: stale or wrong hash ${String(approval.genesisSha256)}; the genesis of this run is ${status.genesisSha256}`);
        }
        const allowed = plan.launch.approvals.approvers;
        if (allowed && !allowed.includes(approval.approver)) throw new Error(`approver: ${approval.approver} is not allowed to approve this run`);
        if (inbox.approvers.includes(approval.approver)) throw new Error(`approver: ${approval.approver} has already approved`);
      },
    },
  );

  setHandler(
    registerValidatorUpdate,
    async (registration) => {
      await keys.verifyValidatorKeys(registration);
      inbox.validators.push({ nodeId: registration.nodeId, blsPublicKey: registration.blsPublicKey, weight: registration.weight });
      status.validators = inbox.validators.map((v) => ({ nodeId: v.nodeId, weight: v.weight }));
      return { validators: inbox.validators.length };
    },
    {
      validator: (registration) => {
        if (!plan.launch) throw new Error('this run has no launch section: validators cannot register');
        if (plan.launch.operator.kind === 'agents') {
          throw new Error('the validator set of this run is the genesis stakers, ratified by their agents: registerValidator cannot add to it');
        }
        if (['ratify', 'migrate-validators', 'launch', 'post-verify', 'committed'].includes(status.phase)) {
          throw new Error('the validator set is frozen: ratification has started');
        }
        const parsed = validatorKeysSchema.safeParse({
          nodeId: registration?.nodeId,
          blsPublicKey: registration?.blsPublicKey,
          proofOfPossession: registration?.proofOfPossession,
          weight: registration?.weight,
        });
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new Error(`${issue?.path.join('.')}: ${issue?.message}`);
        }
        if (inbox.validators.some((v) => v.nodeId === registration.nodeId)) throw new Error(`nodeId: ${registration.nodeId} is already registered`);
        if (inbox.validators.some((v) => v.blsPublicKey.toLowerCase() === registration.blsPublicKey.toLowerCase())) {
          throw new Error('blsPublicKey: already used by another validator');
        }
      },
    },
  );

  setHandler(
    ratifyUpdate,
    async (ratification) => {
      const validator = inbox.validators.find((v) => v.nodeId === ratification.nodeId)!;
      const ok = await keys.verifyRatification({
        genesisSha256: status.genesisSha256!,
        blsPublicKey: validator.blsPublicKey,
        signature: ratification.signature,
      });
      if (!ok) throw ApplicationFailure.nonRetryable(`signature: does not verify for ${ratification.nodeId} over the genesis sha256`, 'InvalidSignature');
      inbox.signatures.set(ratification.nodeId, ratification.signature);
      refreshRatification(ctx, inbox);
      return { signedWeight: status.ratification?.signedWeight ?? 0, totalWeight: status.ratification?.totalWeight ?? 0 };
    },
    {
      validator: (ratification) => {
        if (status.phase !== 'ratify' || ratified(inbox)) throw new Error(`not ratifying now (phase ${status.phase})`);
        if (!inbox.validators.some((v) => v.nodeId === ratification?.nodeId)) throw new Error(`nodeId: ${String(ratification?.nodeId)} is not in the new validator set`);
        if (inbox.signatures.has(ratification.nodeId)) throw new Error(`nodeId: ${ratification.nodeId} has already ratified`);
        if (typeof ratification.signature !== 'string' || !/^0x[0-9a-fA-F]{192}$/.test(ratification.signature)) {
          throw new Error('signature: must be a 96-byte 0x-hex BLS signature');
        }
      },
    },
  );

  setHandler(
    confirmStepUpdate,
    (confirmation) => {
      inbox.confirmedSteps.add(confirmation.step);
      return { confirmed: confirmation.step };
    },
    {
      validator: (confirmation) => {
        if (status.pendingStep?.step !== confirmation?.step) {
          throw new Error(`step: ${String(confirmation?.step)} is not the pending step (${status.pendingStep?.step ?? 'none'})`);
        }
        if (typeof confirmation.operator !== 'string' || confirmation.operator.trim() === '') throw new Error('operator: required');
      },
    },
  );
}

function describe(err: unknown): string {
  return innermostMessage(err);
}
