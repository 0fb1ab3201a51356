import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { policies } from '../activities/policies.js';
import type { FreezePoint, PartitionManifest, RehearsalReport } from '../src/manifests.js';
import { checkStartTimeAgainstFreeze, parsePlan, PlanError, type Plan } from '../src/plan.js';
import { sumStats } from '../src/state/stats.js';
import {
  abortSignal,
  statusQuery,
  type Phase,
  type RegenesisResult,
  type RegenesisStatus,
} from './messages.js';

const preflight = proxyActivities<Activities>(policies.preflight);
const chainRead = proxyActivities<Activities>(policies.chainRead);
const exporter = proxyActivities<Activities>(policies.exportPartition);
const genesisWriter = proxyActivities<Activities>(policies.genesis);
const verifier = proxyActivities<Activities>(policies.verify);
const rehearsal = proxyActivities<Activities>(policies.rehearse);
const reporter = proxyActivities<Activities>(policies.report);
const compensation = proxyActivities<Activities>(policies.compensation);

interface Compensation {
  name: string;
  run(): Promise<void>;
}

/**
 * One regenesis of an EVM chain (LP-326): validate the plan, wait for the target epoch to seal,
 * export the state at the sealing block in parallel key-range partitions, write the new genesis,
 * verify it (state root, totals, node samples), rehearse it on a fresh geth, publish the report.
 * Each step with effects registers its compensation; any failure before the end runs them in
 * reverse and the run ends `RolledBack`, saying why.
 */
export async function regenesisWorkflow(input: unknown): Promise<RegenesisResult> {
  const plan = validate(input);
  const info = workflowInfo();
  const runKey = `${plan.name}-${info.firstExecutionRunId.slice(0, 8)}`;
  const status: RegenesisStatus = { phase: 'validate', runKey, chains: {}, artifacts: [] };
  setHandler(statusQuery, () => status);

  const compensations: Compensation[] = [];
  const scope = new CancellationScope();
  setHandler(abortSignal, (reason: string) => {
    status.abortReason = reason || 'no reason given';
    scope.cancel();
  });
  const enter = (phase: Phase): void => {
    status.phase = phase;
  };

  try {
    return await scope.run(async () => {
      enter('preflight');
      const node = await preflight.preflightEvm({ plan });

      enter('wait-epoch');
      const freeze = await waitForFreeze(plan, status);
      status.freeze = freeze;
      const timing = checkStartTimeAgainstFreeze(plan, freeze.timestamp);
      if (timing) throw ApplicationFailure.nonRetryable(timing, 'InvalidPlan');

      enter('export');
      compensations.push({ name: 'discard-artifacts', run: () => compensation.discardArtifacts({ runKey }) });
      const partitions = await exportChainC(plan, runKey, node.node, freeze, status);

      enter('genesis');
      const genesis = await genesisWriter.buildGenesis({
        runKey,
        partitionPaths: partitions.map((p) => p.path),
        chainId: plan.genesis.chainId,
        startTime: plan.genesis.startTime,
        gasLimit: plan.genesis.gasLimit,
      });
      status.artifacts.push(genesis.path);

      enter('verify');
      const verification = await verifier.verifyEvm({
        runKey,
        rpcUrl: plan.chains.C.rpcUrl,
        freeze,
        partitionPaths: partitions.map((p) => p.path),
        exported: sumStats(partitions.map((p) => p.stats)),
        genesis,
      });
      if (!verification.ok) {
        const failed = verification.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
        throw ApplicationFailure.nonRetryable(`verification failed: ${failed.join('; ')}`, 'VerificationFailed');
      }

      let rehearsed: RehearsalReport | undefined;
      if (plan.rehearsal.enabled) {
        enter('rehearse');
        compensations.push({ name: 'stop-rehearsal', run: () => compensation.stopRehearsal({ runKey }) });
        rehearsed = await rehearsal.rehearseEvm({
          runKey,
          genesisPath: genesis.path,
          expectedRoot: freeze.stateRoot,
          samplesPath: verification.samplesPath,
        });
        if (!rehearsed.ok) {
          throw ApplicationFailure.nonRetryable(
            `rehearsal node disagrees with the export: ${rehearsed.mismatches.slice(0, 5).join('; ')}`,
            'RehearsalFailed',
          );
        }
      }

      enter('report');
      const report = await reporter.publishReport({ runKey, plan, freeze, partitions, genesis, verification, rehearsal: rehearsed });
      enter('completed');
      return {
        status: 'Completed',
        runKey,
        artifactsDir: report.artifactsDir,
        freeze,
        exports: partitions,
        genesis,
        verification,
        rehearsal: rehearsed,
        report,
      };
    });
  } catch (err) {
    const failedPhase = status.phase;
    const reason = status.abortReason && isCancellation(err) ? `aborted: ${status.abortReason}` : describe(err);
    if (compensations.length === 0 && !isCancellation(err)) throw err; // nothing to undo: fail as is
    enter('rolling-back');
    const ran: string[] = [];
    await CancellationScope.nonCancellable(async () => {
      for (const c of [...compensations].reverse()) {
        await c.run();
        ran.push(c.name);
      }
    });
    enter('rolled-back');
    return { status: 'RolledBack', runKey, failedPhase, reason, compensations: ran };
  }
}

function validate(input: unknown): Plan {
  try {
    return parsePlan(input, Math.floor(Date.now() / 1000));
  } catch (err) {
    if (err instanceof PlanError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidPlan', err.issues);
    throw err;
  }
}

/** LP-181 wait: durable timers between reads, never a busy loop; the freeze is the sealing block. */
async function waitForFreeze(plan: Plan, status: RegenesisStatus): Promise<FreezePoint> {
  const rpcUrl = plan.chains.C.rpcUrl;
  if ('height' in plan.target) return chainRead.freezeBlock({ rpcUrl, height: plan.target.height });
  let target: number | 'current' = plan.target.epoch;
  for (;;) {
    const epoch = await chainRead.epochStatus({ rpcUrl, epoch: plan.epoch, target });
    target = epoch.target;
    status.epoch = { target, current: epoch.current.number, headHeight: epoch.headHeight };
    if (epoch.sealed) {
      const block = await chainRead.freezeBlock({ rpcUrl, height: epoch.sealed.sealingHeight });
      return {
        ...block,
        epoch: {
          number: epoch.sealed.number,
          startTime: epoch.sealed.startTime,
          durationSeconds: plan.epoch.durationSeconds,
          pChainHeight: epoch.sealed.sealingPChainHeight,
        },
      };
    }
    await sleep(plan.epoch.pollSeconds * 1000);
  }
}

async function exportChainC(
  plan: Plan,
  runKey: string,
  node: 'geth' | 'anvil',
  freeze: FreezePoint,
  status: RegenesisStatus,
): Promise<PartitionManifest[]> {
  const chain = plan.chains.C;
  // anvil serves only its head state in one dump; geth-family nodes export key ranges in parallel.
  const count = node === 'anvil' ? 1 : chain.partitions;
  const progress = { partitionsTotal: count, partitionsDone: 0, accountsExported: 0 };
  status.chains.C = progress;
  const run = async (index: number): Promise<PartitionManifest> => {
    const manifest =
      node === 'anvil'
        ? await exporter.exportAnvil({ runKey, rpcUrl: chain.rpcUrl, blockNumber: freeze.height })
        : await exporter.exportPartition({
            runKey,
            rpcUrl: chain.rpcUrl,
            blockNumber: freeze.height,
            index,
            count,
            pageSize: chain.pageSize,
          });
    progress.partitionsDone += 1;
    progress.accountsExported += manifest.stats.accounts;
    status.artifacts.push(manifest.path);
    return manifest;
  };
  return Promise.all(Array.from({ length: count }, (_, i) => run(i)));
}

function describe(err: unknown): string {
  let e: unknown = err;
  // Activity failures wrap the activity's own error: report the innermost message, which says what.
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(err);
}
