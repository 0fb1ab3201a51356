import { failure } from '../src/contract/failures.js';
import type { FinalStageStatus, Prepared } from '../src/contract/run.js';
import type { ChainHeads } from '../src/chains/avax/heads.js';
import { haltProofIssues, type NodeLastAccepted } from '../src/launch/haltProof.js';
import type { DeltaManifest, FreezePoint, PreflightResult } from '../src/manifests.js';
import { chainRead, compensation, exporter, preflight, reporter } from './activities.js';
import { haltOldValidators, type AgentsOperator } from './agentCalls.js';
import { awaitApprovals } from './approvals.js';
import { exportOtherChains, discoverOwners, type Exported } from './exportChains.js';
import { genesisFlowOf } from './genesisFlow.js';
import { artifactRefs, verifyGenesis, writeGenesis } from './prepare.js';
import type { RegenesisRun } from './state.js';

/**
 * Stage 2 of a two-stage launch: the freeze is the halt. Right after the approval every validator
 * of the old network is halted through its agent; where the network stopped is proven (the API
 * node's last accepted blocks stand still and no validator is ahead of them); only what changed
 * since stage 1 is exported and merged; the final genesis (start time: now, no wait) is written and
 * verified against the halted chain, and published with its own report and manifest. What it
 * returns replaces stage 1 for the rest of the launch, so ratification, start and post-verify are
 * of the state the old network really ended in.
 */
export async function finalStage(run: RegenesisRun, stage1: Prepared, op: AgentsOperator): Promise<Prepared> {
  const halted = await halt(run, stage1, op);
  const heads = await provenHeads(run, op, halted);
  // The freeze of the final stage: the halted chain's last accepted C block.
  const freeze: FreezePoint = { ...heads.c };
  const node = await preflight.preflightEvm({ plan: run.plan });
  const exported = await exportDelta(run, stage1, node, freeze, heads.p);
  const final = await writeFinalGenesis(run, node, exported);
  const verification = await verifyFinal(run, freeze, exported, final.cGenesis, final.flow);
  await judgeDelta(run, stage1, exported);
  const report = await publishFinal(run, node, freeze, exported, final, verification);
  // Stage 1's rehearsal was of the stage-1 genesis: it says nothing of this one.
  const { rehearsal: _stage1Rehearsal, ...kept } = stage1;
  return {
    ...kept,
    artifactsKey: finalKeyOf(run.runKey),
    freeze,
    exports: exported.c,
    genesis: final.cGenesis,
    verification,
    report,
    ...exported.others,
    ...final.flow.written(),
  };
}

/** The artifact key of stage 2: its own directory, so the approved stage-1 files stay as approved. */
export function finalKeyOf(runKey: string): string {
  return `${runKey}.final`;
}

/**
 * Every old validator stops (its restart registered first): the set found at preflight and the
 * genesis stakers. Each agent says what its node had accepted last as it stopped.
 */
async function halt(run: RegenesisRun, stage1: Prepared, op: AgentsOperator): Promise<Halted> {
  run.enter('halt');
  const stakers = (stage1.primaryGenesis?.stakers ?? []).map((s) => s.nodeID);
  const nodeIds = [...new Set([...(stage1.oldValidators ?? []), ...stakers])].sort();
  run.status.finalStage = { haltedAt: new Date(Date.now()).toISOString() };
  return { nodeIds, lastAccepted: await haltOldValidators(run, nodeIds, op.agentTimeoutSeconds) };
}

interface Halted {
  nodeIds: string[];
  lastAccepted: NodeLastAccepted[];
}

/**
 * The API node's last accepted blocks, read twice `headsSettleSeconds` apart, judged with every
 * validator's own last read, and the validator set at the halted P-Chain height against the nodes
 * halted: any movement, a validator ahead of the API node or one left running stops the launch
 * (the rollback resumes the old network), naming the node and the chain.
 */
async function provenHeads(run: RegenesisRun, op: AgentsOperator, halted: Halted): Promise<ChainHeads> {
  run.enter('final-heads');
  const rpcUrl = run.plan.chains.C.rpcUrl;
  const { first, second } = await chainRead.finalHeads({
    rpcUrl,
    dialect: run.dialect,
    withX: run.plan.chains.X !== undefined,
    settleSeconds: op.headsSettleSeconds,
  });
  const { nodeIds: atHalt } = await chainRead.oldValidators({ rpcUrl, dialect: run.dialect, pChainHeight: second.p });
  const running = atHalt
    .filter((id) => !halted.nodeIds.includes(id))
    .map((id) => `validator ${id} of the old network at P-Chain height ${second.p} was not halted`);
  const issues = [...haltProofIssues(first, second, halted.lastAccepted), ...running];
  if (issues.length > 0) throw failure('HaltUnproven', `the old network is not proven stopped: ${issues.join('; ')}`);
  showStage(run, { heads: second });
  return second;
}

/** C: the stage-1 partitions plus the accounts changed up to the halt; P, X, Q: read again at the halted P height. */
async function exportDelta(
  run: RegenesisRun,
  stage1: Prepared,
  node: PreflightResult,
  freeze: FreezePoint,
  pChainHeight: number,
): Promise<Exported & { delta: DeltaManifest }> {
  run.enter('delta-export');
  const key = finalKeyOf(run.runKey);
  run.saga.add('discard-final-artifacts', () => compensation.discardArtifacts({ runKey: key }), { onlyOnceRestored: true });
  const pin = { key, pChainHeight };
  const discovered = await discoverOwners(run, node, pin);
  const [delta, others] = await Promise.all([
    exporter.exportCDelta({
      runKey: key,
      sourceRunKey: run.runKey,
      rpcUrl: run.plan.chains.C.rpcUrl,
      fromHeight: stage1.freeze.height,
      toHeight: freeze.height,
      partitionPaths: stage1.exports.map((p) => p.path),
      partitions: artifactRefs(stage1.exports),
      pageSize: run.plan.chains.C.pageSize,
      ...(node.node === 'coreth' ? { accountEncoding: 'coreth' as const } : {}),
    }),
    exportOtherChains(run, node, pin, discovered),
  ]);
  run.status.artifacts.push(delta.delta.path, ...delta.partitions.map((p) => p.path));
  return { c: delta.partitions, others, delta };
}

/** The genesis of the state at the halt, starting now: the validators are already down, nothing to wait for. */
async function writeFinalGenesis(run: RegenesisRun, node: PreflightResult, exported: Exported) {
  run.enter('final-genesis');
  const flow = genesisFlowOf(run, exported);
  const written = await writeGenesis(run, { key: finalKeyOf(run.runKey), node, exported, flow, startTime: run.nowSeconds() });
  // From here the genesis the status names is the one validators install and ratify.
  run.status.genesisSha256 = written.installed.sha256;
  showStage(run, { genesisSha256: written.installed.sha256 });
  return { ...written, flow };
}

/** Every stage-1 check again, against the halted chain: the C root must be the last accepted block's. */
async function verifyFinal(run: RegenesisRun, freeze: FreezePoint, exported: Exported, cGenesis: Prepared['genesis'], flow: ReturnType<typeof genesisFlowOf>) {
  run.enter('final-verify');
  return verifyGenesis(run, finalKeyOf(run.runKey), freeze, exported, cGenesis, flow);
}

/**
 * The approvers signed stage 1 and the plan's delta limits: within them the final genesis needs no
 * human in the halt window; beyond them the run waits for approvals of the final genesis itself.
 */
export async function judgeDelta(run: RegenesisRun, stage1: Prepared, exported: Exported & { delta: DeltaManifest }): Promise<void> {
  const limits = (run.plan.launch!.operator as AgentsOperator).deltaLimits;
  const validatorSetChanged = stage1.pChain?.validators.sha256 !== exported.others.pChain?.validators.sha256;
  const withinLimits = exported.delta.changedAccounts <= limits.accountsChanged && (!validatorSetChanged || limits.validatorSetMayChange);
  const { delta } = exported;
  showStage(run, {
    delta: { fromHeight: delta.fromHeight, toHeight: delta.toHeight, accountsChanged: delta.changedAccounts, validatorSetChanged, withinLimits },
  });
  if (withinLimits) return;
  await approveFinalGenesis(run);
}

/** Beyond the delta limits: the final genesis is approved like stage 1 was, by as many approvers. */
async function approveFinalGenesis(run: RegenesisRun): Promise<void> {
  run.approvers.length = 0;
  run.status.waitingFor = "approval of the final genesis: the state changed beyond the plan's delta limits since stage 1 (see finalStage.delta)";
  // The approve phase again, so the status, `watch` and the Web UI show the command that approves it.
  await awaitApprovals(run, `the final genesis ${run.status.genesisSha256 ?? ''}`);
  run.status.waitingFor = undefined;
}

/** The final stage's report and the manifest of its files, beside stage 1's. */
function publishFinal(
  run: RegenesisRun,
  node: PreflightResult,
  freeze: FreezePoint,
  exported: Exported,
  final: Awaited<ReturnType<typeof writeFinalGenesis>>,
  verification: Prepared['verification'],
): Promise<Prepared['report']> {
  return reporter.publishReport({
    runKey: finalKeyOf(run.runKey),
    plan: run.plan,
    freeze,
    partitions: exported.c,
    genesis: final.cGenesis,
    verification,
    ...exported.others,
    ...final.flow.written(),
    sourceChainId: node.sourceChainId,
  });
}

function showStage(run: RegenesisRun, part: Partial<FinalStageStatus>): void {
  run.status.finalStage = { ...run.status.finalStage!, ...part };
  run.publish();
}
