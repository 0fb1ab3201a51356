import { loadavg } from 'node:os';
import { JsonRpcClient } from '../src/chains/evm/rpc.js';
import type { RegenesisCompleted, RegenesisResult } from '../src/contract/run.js';
import type { Hex } from '../src/state/hex.js';
import { LiveLoad } from '../test/helpers/liveLoad.js';
import { MigrationRig } from '../test/rigs/migrationRig.js';
import { activityTimes } from './activityTimes.js';
import { downtimeFigures, type DowntimeResult, type LoadedRun, type PhaseMark } from './downtimeFigures.js';
import { fillAccounts, type FillResult } from './fillAccounts.js';
import type { DowntimeFill } from './options.js';
import { limitNodeMemory, onCleanup } from './procs.js';
import { log } from './progress.js';

/**
 * `--only downtime`: stage 2 of a two-stage regenesis (the freeze is the halt) of a real
 * five-validator avalanchego network whose C-Chain holds N accounts, measured from the halt to the
 * new network's first block, part by part, while a small live load keeps the old network busy so
 * the delta since stage 1 is not empty. The fill is set-up; the figure is the run's stage 2.
 */

/**
 * One size: its own rig (started and stopped here, also on interruption), filled by transfers or
 * started with the accounts in its genesis (`method`), then regenerated.
 */
export async function benchDowntime(accounts: number, method: DowntimeFill, nodeMemoryLimit?: string): Promise<DowntimeResult> {
  log(`downtime: five-validator avalanchego network, ${accounts} C-Chain accounts (${method})`);
  const restoreLimit = limitNodeMemory(nodeMemoryLimit);
  const started = Date.now();
  // The rig stops itself when its start fails; once started, onCleanup stops it on interruption too.
  const rig = await MigrationRig.start(`bench-downtime-${accounts}`, method === 'genesis' ? { prefilledAccounts: accounts } : {});
  const forget = onCleanup(() => rig.stop());
  try {
    const rpc = new JsonRpcClient(rig.net.api.cChainRpcUrl, { timeoutMs: 60_000 });
    const chainId = BigInt(await rpc.call<Hex>('eth_chainId'));
    const fill: FillResult =
      method === 'genesis'
        ? { method, accounts, rigStartSeconds: Math.round((Date.now() - started) / 100) / 10 }
        : await fillAccounts(rpc, rig.sender, chainId, accounts);
    if (fill.method === 'genesis') log(`  ${accounts} accounts in the old genesis; rig up in ${fill.rigStartSeconds} s`);
    const run = await runUnderLoad(rig, rpc, chainId, `bench-downtime-${accounts}`, accounts);
    return { ...(await downtimeFigures(rig, rpc, fill, run)), ...(nodeMemoryLimit ? { nodeMemoryLimit } : {}) };
  } finally {
    forget();
    await rig.stop();
    restoreLimit();
  }
}

/**
 * The two-stage run (the plan's default), with the live load of the freeze-is-halt test running
 * from before the epoch until the final genesis is ratified (the old network is down for good by then).
 */
async function runUnderLoad(rig: MigrationRig, rpc: JsonRpcClient, chainId: bigint, name: string, accounts: number): Promise<LoadedRun> {
  const load = new LiveLoad(rpc, rig.net.api.uri, chainId);
  await rig.sender.send([{ to: load.wallet.address, value: 10n ** 21n, gasLimit: 21_000n }]);
  await load.start();
  const timeline: PhaseMark[] = [];
  const started = Date.now();
  const before = loadavg()[0]!;
  let stopping: Promise<void> | undefined;
  log('  regenesis: two stages, live load on');
  try {
    const timeouts = timeoutsFor(accounts);
    const { result, handle, atApproval } = await rig.run(rig.plan(name, timeouts.agentSeconds, 2, timeouts.healthSeconds), {
      timeoutMinutes: timeouts.runMinutes,
      onPhase: (phase) => {
        timeline.push({ phase, atSeconds: (Date.now() - started) / 1000 });
        log(`  phase ${phase}`);
        // Not awaited: a pending X send may take its 20 s, and the drive loop must keep polling.
        if (phase === 'ratify') stopping ??= load.stop();
      },
    });
    const seconds = (Date.now() - started) / 1000;
    const loadAverage: [number, number] = [before, loadavg()[0]!];
    return {
      result: completed(result),
      timeline,
      seconds,
      load,
      loadAverage,
      activities: await activityTimes(handle, 'agentHaltOldNode'),
      ...(atApproval?.launchReadiness ? { readiness: atApproval.launchReadiness } : {}),
    };
  } finally {
    await (stopping ?? load.stop());
  }
}

/**
 * The run's timeouts by size: the rig's (agents 60 s, new nodes 180 s, the run 15 minutes) up to
 * 100k accounts; 600 s, 30 minutes and 2 hours beyond. Each agent re-reads the final genesis to
 * recompute its C root, and each new node builds the genesis state before it reports healthy: both
 * grow with the state, and here the five of each share this machine's two cores, where each
 * validator would have a host of its own.
 */
function timeoutsFor(accounts: number): { agentSeconds: number; healthSeconds: number; runMinutes: number } {
  return accounts > 100_000 ? { agentSeconds: 600, healthSeconds: 1800, runMinutes: 120 } : { agentSeconds: 60, healthSeconds: 180, runMinutes: 15 };
}

/** A rolled-back run has no downtime to report: the bench says where and why it stopped. */
function completed(result: RegenesisResult): RegenesisCompleted {
  if (result.status !== 'Completed') throw new Error(`the regenesis ended ${result.status} in ${result.failedPhase}: ${result.reason}`);
  return result;
}
