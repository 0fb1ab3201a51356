import type { LaunchOutcome, Prepared } from '../src/contract/run.js';
import type { AgentsOperator } from './agentCalls.js';
import { awaitApprovals } from './approvals.js';
import { finalStage } from './finalStage.js';
import type { OperatorFlow } from './operators/operatorFlow.js';
import { operatorFlowOf } from './operators/operatorFlowOf.js';
import type { RegenesisRun } from './state.js';

/**
 * LP-326 steps 8–10, each a named phase below: human approval of this exact genesis, ratification
 * by ≥ 2/3 of the new stake, migration of the validators (old network halted, genesis installed),
 * the start of the new network, the post-launch checks and the commit. How each phase is carried
 * out (by the validators' agents, on a local devnet, or by an operator's hands) is chosen once (operatorFlowOf);
 * the phases ask that flow, not the plan. In a two-stage run (the freeze is the halt) the old
 * network is halted right after the approval and the final stage (workflows/finalStage.ts) writes
 * the genesis of where it stopped; ratification, start and post-verify are then of that genesis.
 * Every wait ends in rollback on its timeout, and every phase with effects registers its
 * compensation first.
 */
export async function launch(run: RegenesisRun, stage1: Prepared): Promise<{ outcome: LaunchOutcome; launched: Prepared }> {
  const flow = operatorFlowOf(run);
  await approve(run);
  // The freeze is the halt: from here on, what launches is the state where the old network stopped.
  const prepared = run.twoStage ? await finalStage(run, stage1, run.plan.launch!.operator as AgentsOperator) : stage1;
  const ratification = await ratify(run, flow, prepared);
  if (!run.twoStage) await migrateValidators(run, flow, prepared);
  await startNewNetwork(run, flow, prepared);
  const checked = await postVerify(run, flow, prepared);
  const retired = await commit(run, flow);
  const stage2 = run.status.finalStage ? { finalStage: run.status.finalStage } : {};
  return { outcome: { approvers: [...run.approvers], ratification, ...checked, ...stage2, ...retired }, launched: prepared };
}

/** Humans approve the genesis the report describes: as many signed approvals as the plan requires. */
function approve(run: RegenesisRun): Promise<void> {
  return awaitApprovals(run, `genesis ${run.status.genesisSha256 ?? ''}`);
}

/** ≥ 2/3 of the new stake signs the genesis its validators install. */
async function ratify(run: RegenesisRun, flow: OperatorFlow, prepared: Prepared): Promise<LaunchOutcome['ratification']> {
  run.enter('ratify');
  return flow.ratify(prepared);
}

/** The old network stops (its resumption registered first) and every new validator has the genesis. */
async function migrateValidators(run: RegenesisRun, flow: OperatorFlow, prepared: Prepared): Promise<void> {
  run.enter('migrate-validators');
  await flow.migrate(prepared);
}

/** The new network starts from the genesis (its stop registered first). */
async function startNewNetwork(run: RegenesisRun, flow: OperatorFlow, prepared: Prepared): Promise<void> {
  run.enter('launch');
  await flow.start(prepared);
}

/** The new network serves what was exported (a disagreement rolls the run back, see assertServesExport). */
async function postVerify(run: RegenesisRun, flow: OperatorFlow, prepared: Prepared): Promise<Pick<LaunchOutcome, 'newNetwork' | 'postVerify'>> {
  run.enter('post-verify');
  return flow.postVerify(prepared);
}

/**
 * The commit point: from here the new network is the network and nothing is undone. One chain
 * accepts transactions: where the flow can, the old validators are retired, never to be resumed.
 */
async function commit(run: RegenesisRun, flow: OperatorFlow): Promise<Pick<LaunchOutcome, 'oldNetworkRetired'>> {
  run.commit();
  const retired = await flow.retireOld?.();
  return retired ? { oldNetworkRetired: retired } : {};
}
