import { patched } from '@temporalio/workflow';
import type { AgentIdentity } from '../src/agent/identity.js';
import type { ArtifactRef } from '../src/artifacts/store.js';
import { failure } from '../src/contract/failures.js';
import type { Prepared } from '../src/contract/run.js';
import { pinningMismatch, xChainMovedAfterEpoch } from '../src/epoch/pinning.js';
import { launchReadiness } from '../src/launch/readiness.js';
import type {
  FreezePoint,
  GenesisManifest,
  PreflightResult,
  RehearsalNodeCost,
  RehearsalReport,
  VerificationCheck,
  VerificationReport,
} from '../src/manifests.js';
import { checkStartTimeAgainstFreeze, startTimeSeconds } from '../src/plan/index.js';
import { sumStats } from '../src/state/stats.js';
import { compensation, genesisWriter, keys, preflight, reporter, verifier } from './activities.js';
import { preflightAgents, preflightOldValidators } from './agentCalls.js';
import { exportChains, type Exported } from './exportChains.js';
import { genesisFlowOf, type GenesisFlow } from './genesisFlow.js';
import { PATCHES } from './patches.js';
import type { RegenesisRun } from './state.js';
import { waitForFreeze } from './waitForFreeze.js';

/**
 * LP-326 steps 1–7, each a named step below: preflight, wait for the epoch to seal, export every
 * chain in parallel, write the genesis files, verify them, rehearse them, publish the report.
 * Nothing on the network changes. Whether the run writes a bare EVM genesis or a primary-network
 * genesis around it is chosen once (genesisFlowOf); the steps ask that flow, not the plan.
 */
export async function prepare(run: RegenesisRun): Promise<Prepared> {
  const { node, agents, oldValidators } = await preflightChecks(run);
  const freeze = await waitForEpoch(run);
  const exported = await exportAll(run, node, freeze);
  const flow = genesisFlowOf(run, exported);
  const genesis = await writeGenesisFiles(run, node, freeze, exported, flow);
  const verification = await verify(run, freeze, exported, genesis, flow);
  const rehearsal = await rehearse(run, freeze, genesis, verification, flow);
  if (agents && rehearsal?.node) showLaunchReadiness(run, agents, rehearsal.node);
  const report = await publish(run, node, freeze, exported, genesis, verification, rehearsal, flow);
  return {
    freeze,
    exports: exported.c,
    genesis,
    verification,
    rehearsal,
    report,
    ...exported.others,
    ...flow.written(),
    ...(agents ? { agents } : {}),
    ...(oldValidators ? { oldValidators } : {}),
  };
}

/** The node answers and can be exported from; the new validator set and its agents are there. */
async function preflightChecks(run: RegenesisRun): Promise<{ node: PreflightResult; agents?: AgentIdentity[]; oldValidators?: string[] }> {
  const { plan } = run;
  run.enter('preflight');
  const node = await preflight.preflightEvm({ plan });
  const primary = plan.genesis.primary;
  // The new validator set is checked before an hour of export, not after it, and so is every
  // validator host's agent when the agents migrate the network. Its certificates' dates are held to
  // the start time when the plan fixes it (a relative one is known after the freeze, and
  // buildPrimaryGenesis holds them to it then).
  const genesisStakers = primary ? await keys.checkGenesisStakers({ primary, startTime: plan.genesis.startTime }) : undefined;
  const op = plan.launch?.operator;
  const agents = run.haltedByAgents?.agents ?? (op?.kind === 'agents' && genesisStakers ? await preflightAgents(genesisStakers.stakers, op) : undefined);
  // A two-stage run halts the whole old set, not only the genesis stakers: each needs its agent.
  const oldValidators =
    run.twoStage && op?.kind === 'agents' && agents
      ? await preflightOldValidators(
          run,
          op,
          agents.map((a) => a.nodeId),
        )
      : undefined;
  return { node, ...(agents ? { agents } : {}), ...(oldValidators ? { oldValidators } : {}) };
}

/** The freeze point: the block that sealed the target epoch (or the emergency height). */
async function waitForEpoch(run: RegenesisRun): Promise<FreezePoint> {
  run.enter('wait-epoch');
  const freeze = await waitForFreeze(run);
  run.status.freeze = freeze;
  const timing = checkStartTimeAgainstFreeze(run.plan, freeze.timestamp, run.nowSeconds());
  if (timing) throw failure('InvalidPlan', timing);
  return freeze;
}

/** Every chain exported at the freeze, then one check that P, X and Q were read at its height. */
async function exportAll(run: RegenesisRun, node: PreflightResult, freeze: FreezePoint): Promise<Exported> {
  run.enter('export');
  run.saga.add('discard-artifacts', () => compensation.discardArtifacts({ runKey: run.runKey }), { onlyOnceRestored: true });
  const exported = await exportChains(run, node, freeze);
  const { pChain, xChain, qChain } = exported.others;
  const pinned = [
    ...(pChain ? [{ chain: 'P', ...pChain }] : []),
    ...(xChain ? [{ chain: 'X', ...xChain }] : []),
    ...(qChain ? [{ chain: 'Q', ...qChain }] : []),
  ];
  const mismatch =
    (pinned.length > 0 ? pinningMismatch(freeze.epoch?.pChainHeight ?? run.haltedByAgents?.pChainHeight ?? null, pinned) : undefined) ??
    // A halted network's X-Chain cannot move: its state at the halt is the one to carry. A two-stage
    // run reads X again where the network stopped, so a live X-Chain moving past the epoch is expected.
    (xChain?.xHead && !run.haltedByAgents && !run.twoStage ? xChainMovedAfterEpoch(freeze.timestamp, xChain.xHead) : undefined);
  if (mismatch) {
    const moved = pinned.map((e) => `${e.chain}: P-Chain head ${e.headBefore} → ${e.headAfter}`).join(', ');
    throw failure('HeightMismatch', `${mismatch} (${moved} while UTXOs were read: halt the network or run an emergency regenesis)`);
  }
  return exported;
}

/** The C-Chain genesis from the partitions, then (primary flow) the primary genesis around it. */
async function writeGenesisFiles(
  run: RegenesisRun,
  node: PreflightResult,
  freeze: FreezePoint,
  exported: Exported,
  flow: GenesisFlow,
): Promise<GenesisManifest> {
  run.enter('genesis');
  const written = await writeGenesis(run, { key: run.runKey, node, exported, flow, startTime: startTimeSeconds(run.plan, freeze.timestamp) });
  // What approvers approve: the file validators install (a primary genesis embeds the C one).
  run.status.genesisSha256 = written.installed.sha256;
  return written.cGenesis;
}

/** Where one stage's genesis is written from, and the start time it carries. */
export interface GenesisInput {
  /** The stage's artifact key (the run key, or the final stage's). */
  key: string;
  node: PreflightResult;
  exported: Exported;
  flow: GenesisFlow;
  startTime: number;
}

/** Writes the C-Chain genesis, then the flow's file around it; returns both (the second is what validators install). */
export async function writeGenesis(run: RegenesisRun, input: GenesisInput): Promise<{ cGenesis: GenesisManifest; installed: { sha256: string } }> {
  const { key, node, exported, flow, startTime } = input;
  const cGenesis = await genesisWriter.buildGenesis({
    runKey: key,
    partitionPaths: exported.c.map((p) => p.path),
    partitions: artifactRefs(exported.c),
    chainId: run.plan.genesis.chainId,
    timestamp: startTime,
    gasLimit: run.plan.genesis.gasLimit,
    ...(node.node === 'coreth' ? { accountEncoding: 'coreth' as const } : {}),
  });
  run.status.artifacts.push(cGenesis.path);
  return { cGenesis, installed: await flow.write({ runKey: key, startTime, cGenesis }) };
}

/** The genesis against the export and the node; the cross-chain supply when there is a primary genesis. */
async function verify(run: RegenesisRun, freeze: FreezePoint, exported: Exported, genesis: GenesisManifest, flow: GenesisFlow): Promise<VerificationReport> {
  run.enter('verify');
  // A two-stage run's stage 1 reads a live network: its supply is judged for good at the halt.
  return verifyGenesis(run, run.runKey, freeze, exported, genesis, flow, run.twoStage ? 'provisional' : 'final');
}

/**
 * Every check of one stage's genesis against its export and the node; any failure stops the run,
 * listing them. A `provisional` judgement (stage 1 of a two-stage run, the network still live)
 * reports a supply gap without failing on it: owners and transfers land while P, X and the supply
 * are read one after another, and the final stage judges the supply of the halted network strictly.
 */
export async function verifyGenesis(
  run: RegenesisRun,
  key: string,
  freeze: FreezePoint,
  exported: Exported,
  genesis: GenesisManifest,
  flow: GenesisFlow,
  supply: 'final' | 'provisional' = 'final',
): Promise<VerificationReport> {
  const cExported = sumStats(exported.c.map((p) => p.stats));
  const evm = await verifier.verifyEvm({
    runKey: key,
    rpcUrl: run.plan.chains.C.rpcUrl,
    freeze,
    partitionPaths: exported.c.map((p) => p.path),
    partitions: artifactRefs(exported.c),
    exported: cExported,
    genesis,
  });
  const across = flow.crossChainChecks(cExported, genesis);
  // Runs started before the supply gap was judged replay without it (and its owner search).
  const supplyGap = patched(PATCHES.supplyGap.id) ? await flow.supplyGap(key, cExported) : undefined;
  if (supplyGap) across.push(supply === 'final' ? supplyGap.check : provisional(supplyGap.check));
  const verification = {
    ...evm,
    ok: evm.ok && across.every((c) => c.ok),
    checks: [...evm.checks, ...across],
    ...(supplyGap ? { supplyGap: supplyGap.gap } : {}),
  };
  if (!verification.ok) {
    const failed = verification.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    throw failure('VerificationFailed', `verification failed: ${failed.join('; ')}`);
  }
  return verification;
}

/** A throwaway node boots from the genesis and must serve the exported state (when enabled). */
async function rehearse(
  run: RegenesisRun,
  freeze: FreezePoint,
  genesis: GenesisManifest,
  verification: VerificationReport,
  flow: GenesisFlow,
): Promise<RehearsalReport | undefined> {
  if (!run.plan.rehearsal.enabled) return undefined;
  run.enter('rehearse');
  run.saga.add('stop-rehearsal', () => compensation.stopRehearsal({ runKey: run.runKey }));
  const rehearsed = await flow.rehearse({ runKey: run.runKey, genesis, cChainRoot: freeze.stateRoot, samplesPath: verification.samplesPath });
  if (!rehearsed.ok) {
    throw failure('RehearsalFailed', `rehearsal node disagrees with the export: ${rehearsed.mismatches.slice(0, 5).join('; ')}`);
  }
  return rehearsed;
}

/**
 * Before the approval: whether each new validator's host can start this genesis as the rehearsal
 * node did (src/launch/readiness.ts), in the status the approvers read. Warnings, never a stop.
 */
function showLaunchReadiness(run: RegenesisRun, agents: readonly AgentIdentity[], node: RehearsalNodeCost): void {
  const op = run.plan.launch?.operator;
  if (op?.kind !== 'agents') return;
  run.status.launchReadiness = launchReadiness({ rehearsal: node, agents, healthTimeoutSeconds: op.healthTimeoutSeconds });
}

/** The report approvers read, and the manifest of every artifact. */
async function publish(
  run: RegenesisRun,
  node: PreflightResult,
  freeze: FreezePoint,
  exported: Exported,
  genesis: GenesisManifest,
  verification: VerificationReport,
  rehearsal: RehearsalReport | undefined,
  flow: GenesisFlow,
): Promise<Prepared['report']> {
  run.enter('report');
  const published = await reporter.publishReport({
    runKey: run.runKey,
    plan: run.plan,
    freeze,
    partitions: exported.c,
    genesis,
    verification,
    rehearsal,
    ...exported.others,
    ...flow.written(),
    sourceChainId: node.sourceChainId,
  });
  if (published.reviewPath) run.status.reviewPage = `${published.artifactsDir}/${published.reviewPath}`;
  return published;
}

/** A check of a live network's supply, kept in the report without failing the stage: the final stage judges it. */
function provisional(check: VerificationCheck): VerificationCheck {
  if (check.ok) return check;
  return { ...check, ok: true, detail: `provisional, the network is live (judged again at the halt): ${check.detail}` };
}

/**
 * The files as their writers reported them, for an activity to read: on a worker that does not
 * have one on its disk, it is fetched from the object store by this sha256 (src/artifacts/store.ts).
 */
export function artifactRefs(files: ReadonlyArray<{ path: string; sha256: string; bytes: number }>): ArtifactRef[] {
  return files.map(({ path, sha256, bytes }) => ({ path, sha256, bytes }));
}
