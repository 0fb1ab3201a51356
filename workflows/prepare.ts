import { ApplicationFailure, sleep } from '@temporalio/workflow';
import type {
  DiscoveredAddresses,
  EvmNodeKind,
  FreezePoint,
  GenesisManifest,
  PartitionManifest,
  PChainExport,
  PrimaryGenesisManifest,
  PublishedReport,
  QChainExportManifest,
  RehearsalReport,
  VerificationReport,
  XChainExport,
} from '../src/manifests.js';
import { crossChainChecks } from '../src/verify/crossChainSupply.js';
import { checkStartTimeAgainstFreeze, startTimeSeconds, type Plan } from '../src/plan.js';
import { pinningMismatch, xChainMovedAfterEpoch } from '../src/epoch/pinning.js';
import { sumStats } from '../src/state/stats.js';
import { chainExporter, chainRead, compensation, exporter, genesisWriter, keys, preflight, rehearsal, reporter, verifier } from './activities.js';
import { preflightAgents } from './agents.js';
import type { Phase, RegenesisStatus } from './messages.js';
import type { AgentIdentity } from '../src/agent/identity.js';
import type { Saga } from './saga.js';

export interface Prepared {
  freeze: FreezePoint;
  exports: PartitionManifest[];
  genesis: GenesisManifest;
  verification: VerificationReport;
  rehearsal?: RehearsalReport;
  report: PublishedReport;
  /** With plan.chains.P: the P-Chain export, pinned to the epoch's P-Chain height. */
  pChain?: PChainExport;
  /** With plan.chains.X: the X-Chain export, pinned likewise. */
  xChain?: XChainExport;
  /** With plan.chains.P.discoverAddresses: the owners found on the chains. */
  discoveredAddresses?: DiscoveredAddresses;
  /** With plan.chains.Q (luxd): the Q-Chain export, pinned likewise. */
  qChain?: QChainExportManifest;
  /** With plan.genesis.primary: the new network's primary genesis around the C-Chain genesis. */
  primaryGenesis?: PrimaryGenesisManifest;
  /** With the agents operator: each genesis staker's agent as it identified itself at preflight. */
  agents?: AgentIdentity[];
}

export interface RunContext {
  plan: Plan;
  /**
   * An emergency run whose agents halted the validators before the export: the agents as they
   * identified themselves, and the P-Chain height the halted network stopped at (the P/X pin).
   */
  haltedByAgents?: { agents: AgentIdentity[]; pChainHeight: number };
  runKey: string;
  status: RegenesisStatus;
  saga: Saga;
  enter(phase: Phase): void;
  nowSeconds(): number;
}

/**
 * LP-326 steps 1–7: preflight, wait for the epoch to seal, export every partition in parallel,
 * write the genesis, verify it, rehearse it, publish the report. Nothing on the network changes.
 */
export async function prepare(ctx: RunContext): Promise<Prepared> {
  const { plan, runKey, status, saga } = ctx;
  ctx.enter('preflight');
  const node = await preflight.preflightEvm({ plan });
  const primary = plan.genesis.primary;
  // The new validator set is checked before an hour of export, not after it, and so is every
  // validator host's agent when the agents migrate the network.
  const genesisStakers = primary ? await keys.checkGenesisStakers({ primary }) : undefined;
  const op = plan.launch?.operator;
  const agents =
    ctx.haltedByAgents?.agents ?? (op?.kind === 'agents' && genesisStakers ? await preflightAgents(genesisStakers.stakers, op) : undefined);

  ctx.enter('wait-epoch');
  const freeze = await waitForFreeze(plan, status);
  status.freeze = freeze;
  const timing = checkStartTimeAgainstFreeze(plan, freeze.timestamp, ctx.nowSeconds());
  if (timing) throw ApplicationFailure.nonRetryable(timing, 'InvalidPlan');

  ctx.enter('export');
  saga.add('discard-artifacts', () => compensation.discardArtifacts({ runKey }));
  // The C partitions and the P and X exports of the same node, side by side, then one pinning check.
  const pinned = {
    runKey,
    rpcUrl: plan.chains.C.rpcUrl,
    pChainHeight: freeze.epoch?.pChainHeight ?? ctx.haltedByAgents?.pChainHeight ?? 0,
    ...(node.dialect ? { dialect: node.dialect } : {}),
  };
  // With discovery, every owner the chains name joins the plan's addresses on P and X alike.
  const discovered = plan.chains.P?.discoverAddresses ? await chainExporter.discoverAddresses({ ...pinned, withX: plan.chains.X !== undefined }) : undefined;
  if (discovered) status.artifacts.push(discovered.path);
  const found = discovered ? { discoveredPath: discovered.path } : {};
  const [exports, pChain, xChain, qChain] = await Promise.all([
    exportChainC(plan, runKey, node.node, freeze, status),
    plan.chains.P
      ? chainExporter.exportPChain({ ...pinned, addresses: plan.chains.P.addresses, ...found, ...(primary ? { stakeOwners: true } : {}) })
      : undefined,
    plan.chains.X ? chainExporter.exportXChain({ ...pinned, addresses: plan.chains.X.addresses, ...found }) : undefined,
    plan.chains.Q ? chainExporter.exportQChain(pinned) : undefined,
  ]);
  const others = [
    ...(pChain ? [{ chain: 'P', ...pChain, paths: [pChain.validators.path, pChain.utxos.path] }] : []),
    ...(xChain ? [{ chain: 'X', ...xChain, paths: [xChain.utxos.path, xChain.assets.path] }] : []),
    ...(qChain ? [{ chain: 'Q', ...qChain, paths: [qChain.path] }] : []),
  ];
  for (const e of others) status.artifacts.push(...e.paths);
  const mismatch =
    (others.length > 0 ? pinningMismatch(freeze.epoch?.pChainHeight ?? ctx.haltedByAgents?.pChainHeight ?? null, others) : undefined) ??
    // A halted network's X-Chain cannot move: its state at the halt is the one to carry.
    (xChain?.xHead && !ctx.haltedByAgents ? xChainMovedAfterEpoch(freeze.timestamp, xChain.xHead) : undefined);
  if (mismatch) {
    const moved = others.map((e) => `${e.chain}: P-Chain head ${e.headBefore} → ${e.headAfter}`).join(', ');
    throw ApplicationFailure.nonRetryable(
      `${mismatch} (${moved} while UTXOs were read: halt the network or run an emergency regenesis)`,
      'HeightMismatch',
    );
  }

  ctx.enter('genesis');
  const genesis = await genesisWriter.buildGenesis({
    runKey,
    partitionPaths: exports.map((p) => p.path),
    chainId: plan.genesis.chainId,
    timestamp: startTimeSeconds(plan, freeze.timestamp),
    gasLimit: plan.genesis.gasLimit,
    ...(node.node === 'coreth' ? { accountEncoding: 'coreth' as const } : {}),
  });
  status.artifacts.push(genesis.path);
  // What approvers approve: with a primary genesis, that file (it embeds this one), once it exists.
  if (!primary) status.genesisSha256 = genesis.sha256;
  let primaryGenesis: PrimaryGenesisManifest | undefined;
  if (primary && pChain) {
    primaryGenesis = await genesisWriter.buildPrimaryGenesis({
      runKey,
      primary,
      startTime: startTimeSeconds(plan, freeze.timestamp),
      pChain,
      ...(xChain ? { xChain } : {}),
      cGenesis: { path: genesis.path, sha256: genesis.sha256 },
      ...(qChain ? { qChainGenesis: qChain.qChainGenesis } : {}),
    });
    status.artifacts.push(primaryGenesis.path);
    status.genesisSha256 = primaryGenesis.sha256;
  }

  ctx.enter('verify');
  const exported = sumStats(exports.map((p) => p.stats));
  let verification = await verifier.verifyEvm({
    runKey,
    rpcUrl: plan.chains.C.rpcUrl,
    freeze,
    partitionPaths: exports.map((p) => p.path),
    exported,
    genesis,
  });
  if (primaryGenesis && pChain) {
    const across = crossChainChecks({ pChain, ...(xChain ? { xChain } : {}), cExported: exported, cGenesis: genesis.stats, primary: primaryGenesis });
    verification = { ...verification, ok: verification.ok && across.every((c) => c.ok), checks: [...verification.checks, ...across] };
  }
  if (!verification.ok) {
    const failed = verification.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    throw ApplicationFailure.nonRetryable(`verification failed: ${failed.join('; ')}`, 'VerificationFailed');
  }

  let rehearsed: RehearsalReport | undefined;
  if (plan.rehearsal.enabled) {
    ctx.enter('rehearse');
    saga.add('stop-rehearsal', () => compensation.stopRehearsal({ runKey }));
    rehearsed =
      primaryGenesis && pChain
        ? await rehearsal.rehearsePrimary({
            runKey,
            genesis: primaryGenesis,
            pChain,
            ...(xChain ? { xChain } : {}),
            cChainRoot: freeze.stateRoot,
            samplesPath: verification.samplesPath,
            ...(primary?.stakeOwnerBalances === 'move-to-x' ? { stakeOwnerBalances: 'move-to-x' as const } : {}),
          })
        : await rehearsal.rehearseEvm({
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

  ctx.enter('report');
  const report = await reporter.publishReport({
    runKey,
    plan,
    freeze,
    partitions: exports,
    genesis,
    verification,
    rehearsal: rehearsed,
    ...(pChain ? { pChain } : {}),
    ...(xChain ? { xChain } : {}),
    ...(primaryGenesis ? { primaryGenesis } : {}),
    ...(qChain ? { qChain } : {}),
    ...(discovered ? { discoveredAddresses: discovered } : {}),
  });
  return {
    freeze,
    exports,
    genesis,
    verification,
    rehearsal: rehearsed,
    report,
    ...(pChain ? { pChain } : {}),
    ...(xChain ? { xChain } : {}),
    ...(primaryGenesis ? { primaryGenesis } : {}),
    ...(qChain ? { qChain } : {}),
    ...(discovered ? { discoveredAddresses: discovered } : {}),
    ...(agents ? { agents } : {}),
  };
}

/** LP-181 wait: durable timers between reads, never a busy loop; the freeze is the sealing block. */
async function waitForFreeze(plan: Plan, status: RegenesisStatus): Promise<FreezePoint> {
  const rpcUrl = plan.chains.C.rpcUrl;
  if ('height' in plan.target) return chainRead.freezeBlock({ rpcUrl, height: plan.target.height });
  let target: number | 'current' = plan.target.epoch;
  const giveUpAt = Date.now() + plan.epoch.maxWaitSeconds * 1000;
  for (;;) {
    const epoch = await chainRead.epochStatus({ rpcUrl, epoch: plan.epoch, target });
    target = epoch.target;
    status.epoch = { target, current: epoch.current.number, headHeight: epoch.headHeight };
    if (epoch.sealed) {
      if (plan.epoch.source === 'proposervm' && epoch.sealed.sealingPChainHeight == null) {
        // Exports of the other chains are pinned to this height: without it there is nothing to pin to.
        throw ApplicationFailure.nonRetryable(
          `epoch ${epoch.sealed.number} sealed, but the node no longer reports its P-Chain height (it moved past epoch ${epoch.sealed.number + 1} between reads): set plan.epoch.pollSeconds below the epoch duration`,
          'EpochUnpinned',
        );
      }
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
    if (Date.now() >= giveUpAt) {
      throw ApplicationFailure.nonRetryable(
        `epoch ${target} did not seal within plan.epoch.maxWaitSeconds=${plan.epoch.maxWaitSeconds}: the chain's head is block ${epoch.headHeight} at ${epoch.headTimestamp}`,
        'EpochWaitTimeout',
      );
    }
    await sleep(plan.epoch.pollSeconds * 1000);
  }
}

async function exportChainC(
  plan: Plan,
  runKey: string,
  node: EvmNodeKind,
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
            maxOutageSeconds: chain.maxOutageSeconds,
          });
    progress.partitionsDone += 1;
    progress.accountsExported += manifest.stats.accounts;
    status.artifacts.push(manifest.path);
    return manifest;
  };
  return Promise.all(Array.from({ length: count }, (_, i) => run(i)));
}
