import { ApplicationFailure, condition } from '@temporalio/workflow';
import type { Plan } from '../src/plan.js';
import { compensation, keys, operator } from './activities.js';
import { launchWithAgents } from './agents.js';
import type { LaunchOutcome, ManualStep, RegenesisStatus } from './messages.js';
import type { Prepared, RunContext } from './prepare.js';

type Launch = NonNullable<Plan['launch']>;

/** What the message handlers of the run collect while the launch phases wait for them. */
export interface LaunchInbox {
  approvers: string[];
  validators: Array<{ nodeId: string; blsPublicKey: string; weight: number }>;
  signatures: Map<string, string>;
  confirmedSteps: Set<ManualStep>;
}

export function signedWeight(inbox: LaunchInbox): number {
  return inbox.validators.filter((v) => inbox.signatures.has(v.nodeId)).reduce((sum, v) => sum + v.weight, 0);
}

export function totalWeight(inbox: LaunchInbox): number {
  return inbox.validators.reduce((sum, v) => sum + v.weight, 0);
}

/** Two thirds of the new stake, in integers: 3·signed ≥ 2·total. */
export function ratified(inbox: LaunchInbox): boolean {
  const total = totalWeight(inbox);
  return total > 0 && signedWeight(inbox) * 3 >= total * 2;
}

function deadline(ctx: Pick<RunContext, 'nowSeconds'>, seconds: number): string {
  return new Date((ctx.nowSeconds() + seconds) * 1000).toISOString();
}

/**
 * LP-326 steps 8–10: human approval of this exact genesis, ratification by ≥ 2/3 of the new stake,
 * validator migration through the operator (halt old, boot new), post-launch checks. Every wait
 * has a timeout that ends in rollback; each step with effects registers its compensation.
 */
export async function launch(ctx: RunContext, prepared: Prepared, inbox: LaunchInbox): Promise<LaunchOutcome> {
  const plan = ctx.plan;
  const cfg = plan.launch as Launch;
  const status = ctx.status;

  ctx.enter('approve');
  status.approvals = { required: cfg.approvals.required, approvers: inbox.approvers, deadline: deadline(ctx, cfg.approvals.timeoutSeconds) };
  if (!(await condition(() => inbox.approvers.length >= cfg.approvals.required, cfg.approvals.timeoutSeconds * 1000))) {
    throw ApplicationFailure.nonRetryable(
      `approval timed out after ${cfg.approvals.timeoutSeconds}s with ${inbox.approvers.length} of ${cfg.approvals.required} approvals`,
      'ApprovalTimeout',
    );
  }

  if (cfg.operator.kind === 'agents') {
    return { approvers: [...inbox.approvers], ...(await launchWithAgents(ctx, prepared, cfg.operator)) };
  }

  ctx.enter('ratify');
  if (inbox.validators.length === 0) {
    throw ApplicationFailure.nonRetryable('plan.launch.validators: the new network has no validators', 'InvalidPlan');
  }
  refreshRatification(ctx, inbox, cfg.ratificationTimeoutSeconds);
  if (!(await condition(() => ratified(inbox), cfg.ratificationTimeoutSeconds * 1000))) {

    throw ApplicationFailure.nonRetryable(
      `ratification below 2/3 of stake: ${signedWeight(inbox)} of ${totalWeight(inbox)} signed within ${cfg.ratificationTimeoutSeconds}s`,
      'RatificationIncomplete',
    );
  }
  const signers = inbox.validators
    .filter((v) => inbox.signatures.has(v.nodeId))
    .map((v) => ({ blsPublicKey: v.blsPublicKey, signature: inbox.signatures.get(v.nodeId) as string }));
  // What validators install and ratify: the primary genesis when there is one (it embeds the C one).
  const installed = prepared.primaryGenesis ?? prepared.genesis;
  const aggregate = await keys.aggregateRatification({ genesisSha256: installed.sha256, signers });

  ctx.enter('migrate-validators');
  const net = cfg.operator;
  if (net.kind === 'local') {
    ctx.saga.add('resume-old-network', () => compensation.resumeOldNetwork({ network: net.network }));
    await operator.haltOldNetwork({ network: net.network });
  } else {
    ctx.saga.add('resume-old-network', () =>
      manualStep(ctx, inbox, 'resume-old-network', 'Restart every validator of the old network on its untouched data.', net.stepTimeoutSeconds, false),
    );
    await manualStep(ctx, inbox, 'halt-old-network', 'Stop every validator of the old network. Keep its data directories untouched.', net.stepTimeoutSeconds);
    await manualStep(
      ctx,
      inbox,
      'install-genesis',
      `Install ${prepared.report.artifactsDir}/${installed.path} (sha256 ${installed.sha256}) on every new validator.`,
      net.stepTimeoutSeconds,
    );
  }

  ctx.enter('launch');
  let newRpcUrl: string | undefined;
  if (net.kind === 'local') {
    ctx.saga.add('discard-new-network', () => compensation.discardNewNetwork({ network: net.network }));
    newRpcUrl = (await operator.launchNewNetwork({ network: net.network, runKey: ctx.runKey, genesisPath: prepared.genesis.path })).rpcUrl;
  } else {
    ctx.saga.add('stop-new-network', () =>
      manualStep(ctx, inbox, 'stop-new-network', 'Stop every validator of the new network.', net.stepTimeoutSeconds, false),
    );
    await manualStep(ctx, inbox, 'boot-new-network', 'Start every new validator with the installed genesis.', net.stepTimeoutSeconds);
  }

  ctx.enter('post-verify');
  let postVerify: LaunchOutcome['postVerify'] = { ok: true, mismatches: [] };
  let block0Root: string | undefined;
  if (newRpcUrl) {
    const checked = await operator.postVerifyNetwork({
      runKey: ctx.runKey,
      rpcUrl: newRpcUrl,
      expectedRoot: prepared.freeze.stateRoot,
      samplesPath: prepared.verification.samplesPath,
    });
    postVerify = { ok: checked.ok, mismatches: checked.mismatches };
    block0Root = checked.block0Root;
    if (!checked.ok) {
      throw ApplicationFailure.nonRetryable(`the new network disagrees with the export: ${checked.mismatches.slice(0, 5).join('; ')}`, 'PostVerifyFailed');
    }
  }

  return {
    approvers: [...inbox.approvers],
    ratification: {
      signers: [...inbox.signatures.keys()],
      signedWeight: signedWeight(inbox),
      totalWeight: totalWeight(inbox),
      aggregateSignature: aggregate.aggregateSignature,
    },
    newNetwork: { rpcUrl: newRpcUrl, block0Root },
    postVerify,
  };
}

/** Publishes ratification progress in the status query (called on entry and on every signature). */
export function refreshRatification(ctx: Pick<RunContext, 'status' | 'nowSeconds'>, inbox: LaunchInbox, timeoutSeconds?: number): void {
  ctx.status.ratification = {
    totalWeight: totalWeight(inbox),
    signedWeight: signedWeight(inbox),
    signers: [...inbox.signatures.keys()],
    threshold: '2/3 of stake',
    deadline: timeoutSeconds === undefined ? ctx.status.ratification?.deadline : new Date((ctx.nowSeconds() + timeoutSeconds) * 1000).toISOString(),
  };
}

/**
 * A step the `manual` operator performs by hand: the instruction is shown in the status query and
 * the run waits for a `confirmStep` update. A compensation step that times out is recorded, not
 * fatal, so the rest of the rollback still runs.
 */
async function manualStep(
  ctx: RunContext,
  inbox: LaunchInbox,
  step: ManualStep,
  instruction: string,
  timeoutSeconds: number,
  mustConfirm = true,
): Promise<void> {
  const status: RegenesisStatus = ctx.status;
  status.pendingStep = { step, instruction };
  const confirmed = await condition(() => inbox.confirmedSteps.has(step), timeoutSeconds * 1000);
  status.pendingStep = undefined;
  if (confirmed) status.stepsDone.push(step);
  else if (mustConfirm) throw ApplicationFailure.nonRetryable(`operator did not confirm ${step} within ${timeoutSeconds}s`, 'StepTimeout');
  else status.stepsDone.push(`${step} (not confirmed)`);
}
