import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JsonRpcClient } from '../src/chains/evm/rpc.js';
import type { FinalStageStatus, RegenesisCompleted } from '../src/contract/run.js';
import type { Hex } from '../src/state/hex.js';
import type { LaunchReadiness } from '../src/launch/readiness.js';
import { readinessLines } from '../src/view/details.js';
import type { LiveLoad } from '../test/helpers/liveLoad.js';
import type { MigrationRig } from '../test/rigs/migrationRig.js';
import type { StageActivities } from './activityTimes.js';
import type { FillResult } from './fillAccounts.js';
import { log } from './progress.js';

/**
 * The downtime figure of one size, from what the run reported and what the nodes and artifacts
 * say themselves: accounts are counted from the published reports (never assumed from the fill),
 * and the new network's first block is read from a new node, so the reported downtime is checked.
 */

/** A phase change as the bench saw it (polled every ~2 s by the rig), seconds after the run started. */
export interface PhaseMark {
  phase: string;
  atSeconds: number;
}

/** What one run under load left: the result, the phases seen, and the live load's counts. */
export interface LoadedRun {
  result: RegenesisCompleted;
  timeline: PhaseMark[];
  seconds: number;
  load: LiveLoad;
  loadAverage: [number, number];
  activities: StageActivities;
  /** The launch readiness the approver saw (the rehearsal node's start and peak memory, the hosts' memory, warnings). */
  readiness?: LaunchReadiness;
}

export interface DowntimeResult {
  /** Accounts the fill made (set-up). */
  accounts: number;
  /** GOMEMLIMIT every node of the rig ran with (`--node-memory-limit`), when one was set. */
  nodeMemoryLimit?: string;
  fill: FillResult;
  /** C-Chain accounts in the published genesis of each stage (reports/regenesis.json). */
  cAccounts: { stage1: number; final: number };
  /** What changed between the stage-1 freeze and the halt (the run's delta). */
  delta: { fromHeight: number; toHeight: number; accountsChanged: number };
  liveLoad: { cTransactionsSent: number; xSendsAccepted: number };
  haltedAt: string;
  /** The figure: the first halt to the new network's first block, by that block's timestamp (run's own). */
  downtimeSeconds: number;
  parts: Array<{ phase: string; seconds: number }>;
  partsSumSeconds: number;
  /** Block 1 of the new C-Chain, read from a new node: its timestamp minus the halt, whole seconds. */
  firstBlock: { timestamp: number; minusHaltSeconds: number; matchesReported: boolean };
  /** Old network's last block to the new network's first, by their timestamps. */
  oldLastBlockToNewFirstBlockSeconds: number;
  /**
   * Each activity type's count and wall seconds from the run's history, per stage (stage 2 from the
   * first halt): stage 1's full C export (`exportPartition`) beside stage 2's delta (`exportCDelta`).
   */
  activities: StageActivities;
  /** Seconds in each phase as the bench's ~2 s polling saw it (stage 1 included, coarse). */
  observedPhaseSeconds: Record<string, number>;
  runSeconds: number;
  timeline: PhaseMark[];
  /** 1-minute load average when the run started and when it ended. */
  loadAverage: [number, number];
  /** What the approver saw before approving: the rehearsal node's start on the stage-1 genesis and warnings. */
  readiness?: LaunchReadiness;
}

/** Reads, checks and assembles the figure; throws when the run did not report a downtime. */
export async function downtimeFigures(rig: MigrationRig, oldC: JsonRpcClient, fill: FillResult, run: LoadedRun): Promise<DowntimeResult> {
  const { result } = run;
  const stage = finalStageOf(result);
  const block1 = await firstNewBlock(result);
  const halt = Math.floor(Date.parse(stage.haltedAt) / 1000);
  const last = await oldC.call<{ timestamp: Hex }>('eth_getBlockByNumber', ['latest', false]);
  const parts = stage.downtimeParts!.map((p) => ({ phase: p.phase, seconds: p.seconds }));
  const figure: DowntimeResult = {
    accounts: fill.accounts,
    fill,
    cAccounts: { stage1: reportedAccounts(join(rig.artifactsDir, result.runKey)), final: reportedAccounts(result.artifactsDir) },
    delta: { fromHeight: stage.delta!.fromHeight, toHeight: stage.delta!.toHeight, accountsChanged: stage.delta!.accountsChanged },
    liveLoad: { cTransactionsSent: run.load.cTxs.length, xSendsAccepted: run.load.xSends.filter((s) => s.acceptedAt !== undefined).length },
    haltedAt: stage.haltedAt,
    downtimeSeconds: stage.downtimeSeconds!,
    parts,
    partsSumSeconds: hundredths(parts.reduce((sum, p) => sum + p.seconds, 0)),
    firstBlock: { timestamp: block1, minusHaltSeconds: block1 - halt, matchesReported: block1 - halt === stage.downtimeSeconds },
    oldLastBlockToNewFirstBlockSeconds: block1 - Number(BigInt(last.timestamp)),
    activities: run.activities,
    observedPhaseSeconds: observedPhaseSeconds(run.timeline, run.seconds),
    runSeconds: hundredths(run.seconds),
    timeline: run.timeline.map((m) => ({ phase: m.phase, atSeconds: hundredths(m.atSeconds) })),
    loadAverage: [hundredths(run.loadAverage[0]), hundredths(run.loadAverage[1])],
    ...(run.readiness ? { readiness: run.readiness } : {}),
  };
  log(
    `  downtime ${figure.downtimeSeconds} s (block 1 − halt on a new node: ${figure.firstBlock.minusHaltSeconds} s); ${figure.cAccounts.final} C accounts, ${figure.delta.accountsChanged} changed`,
  );
  if (run.readiness) log(`  launch readiness at approval: ${readinessLines(run.readiness).slice(1).join('; ')}`);
  return figure;
}

/** Stage 2 as the launch reported it, with every field the figure needs, or a clear refusal. */
function finalStageOf(result: RegenesisCompleted): FinalStageStatus {
  const stage = result.launch?.finalStage;
  if (stage?.downtimeSeconds === undefined || !stage.downtimeParts || !stage.delta) {
    throw new Error(`the run reported no stage-2 downtime (launch: ${JSON.stringify(result.launch?.finalStage ?? null)})`);
  }
  return stage;
}

/** The timestamp of block 1 of the new C-Chain, asked of a new validator (not of the run's report). */
async function firstNewBlock(result: RegenesisCompleted): Promise<number> {
  const node = result.launch?.newNetwork.nodes?.[0];
  if (!node) throw new Error('the run reported no new node to read its first block from');
  const rpc = new JsonRpcClient(`${node.uri}/ext/bc/C/rpc`, { timeoutMs: 30_000 });
  const block = await rpc.call<{ timestamp: Hex } | null>('eth_getBlockByNumber', ['0x1', false]);
  if (!block) throw new Error(`new node ${node.nodeId} has no block 1`);
  return Number(BigInt(block.timestamp));
}

/** C accounts in a published genesis, as its run's report states them (reports/regenesis.json). */
function reportedAccounts(runDir: string): number {
  const report = JSON.parse(readFileSync(join(runDir, 'reports', 'regenesis.json'), 'utf8')) as { genesis: { stats: { accounts: number } } };
  return report.genesis.stats.accounts;
}

/** Time between consecutive phase changes the bench saw: coarse (±2 s), but it covers stage 1 too. */
function observedPhaseSeconds(timeline: readonly PhaseMark[], endSeconds: number): Record<string, number> {
  const out: Record<string, number> = {};
  timeline.forEach((m, i) => {
    const next = timeline[i + 1]?.atSeconds ?? endSeconds;
    out[m.phase] = hundredths((out[m.phase] ?? 0) + next - m.atSeconds);
  });
  return out;
}

/** Two decimals, as the rest of bench-results.json (figures.ts's helper: importing it here would close a cycle through report.ts). */
function hundredths(n: number): number {
  return Number(n.toFixed(2));
}
