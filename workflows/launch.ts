import { condition } from '@temporalio/workflow';
import { failure } from '../src/contract/failures.js';
import type { Plan } from '../src/plan/index.js';
import { compensation, keys, operator } from './activities.js';
import { launchWithAgents } from './agents.js';
import type { LaunchOutcome, ManualStep, Prepared } from '../src/contract/run.js';
import type { RegenesisRun } from './state.js';

type Launch = NonNullable<Plan['launch']>;

/**
 * LP-326 steps 8–10: human approval of this exact genesis, ratification by ≥ 2/3 of the new stake,
 * validator migration through the operator (halt old, boot new), post-launch checks. Every wait
 * has a timeout that ends in rollback; each step with effects registers its compensation.
 */
export async function launch(run: RegenesisRun, prepared: Prepared): Promise<LaunchOutcome> {
  const plan = run.plan;
  const cfg = plan.launch as Launch;
  const status = run.status;

  // Set before the phase changes, so the details enter() publishes already name the approval awaited.
  status.approvals = { required: cfg.approvals.required, approvers: run.approvers, deadline: run.deadline(cfg.approvals.timeoutSeconds) };
  run.enter('approve');
  const approvalWait = { summary: `waiting for ${cfg.approvals.required} approval(s) of genesis ${status.genesisSha256 ?? ''}`.trim() };
  if (!(await condition(() => run.approvers.length >= cfg.approvals.required, cfg.approvals.timeoutSeconds * 1000, approvalWait))) {
    throw failure('ApprovalTimeout', `approval timed out after ${cfg.approvals.timeoutSeconds}s with ${run.approvers.length} of ${cfg.approvals.required} approvals`);
  }

  if (cfg.operator.kind === 'agents') {
    return { approvers: [...run.approvers], ...(await launchWithAgents(run, prepared, cfg.operator)) };
  }

  run.enter('ratify');
  if (run.validators.length === 0) {
    throw failure('InvalidPlan', 'plan.launch.validators: the new network has no validators');
  }
  run.refreshRatification(cfg.ratificationTimeoutSeconds);
  if (!(await condition(() => run.ratified(), cfg.ratificationTimeoutSeconds * 1000, { summary: 'waiting for ratification by ≥ 2/3 of the stake' }))) {
    throw failure('RatificationIncomplete', `ratification below 2/3 of stake: ${run.signedWeight()} of ${run.totalWeight()} signed within ${cfg.ratificationTimeoutSeconds}s`);
  }
  const signers = run.validators
    .filter((v) => run.signatures.has(v.nodeId))
    .map((v) => ({ blsPublicKey: v.blsPublicKey, signature: run.signatures.get(v.nodeId) as string }));
  // What validators install and ratify: the primary genesis when there is one (it embeds the C one).
  const installed = prepared.primaryGenesis ?? prepared.genesis;
  const aggregate = await keys.aggregateRatification({ genesisSha256: installed.sha256, signers, dialect: run.dialect });

  run.enter('migrate-validators');
  const net = cfg.operator;
  if (net.kind === 'local') {
    run.saga.add('resume-old-network', () => compensation.resumeOldNetwork({ network: net.network }));
    await operator.haltOldNetwork({ network: net.network });
  } else {
    run.saga.add('resume-old-network', () =>
      manualStep(run, 'resume-old-network', 'Restart every validator of the old network on its untouched data.', net.stepTimeoutSeconds, false),
    );
    await manualStep(run, 'halt-old-network', 'Stop every validator of the old network. Keep its data directories untouched.', net.stepTimeoutSeconds);
    await manualStep(
      run,
      'install-genesis',
      `Install ${prepared.report.artifactsDir}/${installed.path} (sha256 ${installed.sha256}) on every new validator.`,
      net.stepTimeoutSeconds,
    );
  }

  run.enter('launch');
  let newRpcUrl: string | undefined;
  if (net.kind === 'local') {
    run.saga.add('discard-new-network', () => compensation.discardNewNetwork({ network: net.network }));
    newRpcUrl = (await operator.launchNewNetwork({ network: net.network, runKey: run.runKey, genesisPath: prepared.genesis.path })).rpcUrl;
  } else {
    run.saga.add('stop-new-network', () =>
      manualStep(run, 'stop-new-network', 'Stop every validator of the new network.', net.stepTimeoutSeconds, false),
    );
    await manualStep(run, 'boot-new-network', 'Start every new validator with the installed genesis.', net.stepTimeoutSeconds);
  }

  run.enter('post-verify');
  let postVerify: LaunchOutcome['postVerify'] = { ok: true, mismatches: [] };
  let block0Root: string | undefined;
  if (newRpcUrl) {
    const checked = await operator.postVerifyNetwork({
      runKey: run.runKey,
      rpcUrl: newRpcUrl,
      expectedRoot: prepared.freeze.stateRoot,
      samplesPath: prepared.verification.samplesPath,
    });
    postVerify = { ok: checked.ok, mismatches: checked.mismatches };
    block0Root = checked.block0Root;
    if (!checked.ok) {
      throw failure('PostVerifyFailed', `the new network disagrees with the export: ${checked.mismatches.slice(0, 5).join('; ')}`);
    }
  }

  return {
    approvers: [...run.approvers],
    ratification: {
      signers: [...run.signatures.keys()],
      signedWeight: run.signedWeight().toString(),
      totalWeight: run.totalWeight().toString(),
      aggregateSignature: aggregate.aggregateSignature,
    },
    newNetwork: { rpcUrl: newRpcUrl, block0Root },
    postVerify,
  };
}

/**
 * A step the `manual` operator performs by hand: the instruction is shown in the status query and
 * the run waits for a `confirmStep` update. A compensation step that times out is recorded, not
 * fatal, so the rest of the rollback still runs.
 */
async function manualStep(
  run: RegenesisRun,
  step: ManualStep,
  instruction: string,
  timeoutSeconds: number,
  mustConfirm = true,
): Promise<void> {
  const status = run.status;
  status.pendingStep = { step, instruction };
  run.publish();
  const confirmed = await condition(() => run.confirmedSteps.has(step), timeoutSeconds * 1000, { summary: `waiting for an operator to confirm ${step}` });
  status.pendingStep = undefined;
  if (confirmed) status.stepsDone.push(step);
  else if (mustConfirm) throw failure('StepTimeout', `operator did not confirm ${step} within ${timeoutSeconds}s`);
  else status.stepsDone.push(`${step} (not confirmed)`);
}
