import { heartbeating } from './heartbeat.js';
import { writeFileAtomic } from '../src/artifacts/atomicFile.js';
import { RUN_FILES } from '../src/artifacts/layout.js';
import type { ArtifactStore } from '../src/artifacts/store.js';
import type { ObjectStoreConfig } from '../src/artifacts/objectStoreConfig.js';
import { runCopier } from '../src/artifacts/runCopier.js';
import type {
  FreezePoint,
  GenesisManifest,
  PartitionManifest,
  PChainExport,
  XChainExport,
  PrimaryGenesisManifest,
  PublishedReport,
  QChainExportManifest,
  DiscoveredAddresses,
  RehearsalReport,
  VerificationReport,
} from '../src/manifests.js';
import type { Plan } from '../src/plan/index.js';
import type { LaunchOutcome } from '../src/contract/run.js';
import { renderReviewPage, type LaunchTerms } from '../src/report/reviewPage.js';

export function reportActivities(store: ArtifactStore, objectStore?: ObjectStoreConfig) {
  const copyToObjectStore = objectStore && runCopier(store, objectStore);
  /**
   * Writes one report, then re-hashes every artifact of the run into the manifest, then (with an
   * object store) copies the run there, so a validator's agent on another host can fetch what it
   * is asked to stage by its sha256.
   */
  async function publish(runKey: string, reportPath: string, report: unknown, reviewPage?: string): Promise<PublishedReport> {
    const write = async (rel: string, text: string): Promise<void> => {
      const { sha256, bytes } = await writeFileAtomic(store.path(runKey, rel), text);
      // A later publish (the launch report) may run on another worker: it must find this file.
      await store.share(runKey, { path: rel, sha256, bytes });
    };
    await write(reportPath, `${JSON.stringify(report, null, 2)}\n`);
    // The page approvers read is an artifact like any other: hashed into the manifest below.
    if (reviewPage !== undefined) await write(RUN_FILES.reviewPage, reviewPage);
    // Hashing every artifact reads gigabytes at millions of accounts, and with an object store every
    // file of the run another worker wrote is fetched first: heartbeat meanwhile.
    const manifest = await heartbeating(() => store.writeManifest(runKey));
    if (copyToObjectStore) await heartbeating(() => copyToObjectStore(runKey, manifest));
    return {
      artifactsDir: store.runDir(runKey),
      reportPath,
      manifestPath: RUN_FILES.manifest,
      manifestSha256: manifest.sha256,
      files: manifest.manifest.files.length,
      ...(reviewPage !== undefined ? { reviewPath: RUN_FILES.reviewPage } : {}),
    };
  }

  return {
    /**
     * Writes the run's report, then the manifest hashing every artifact (the report included). The
     * report holds no wall-clock times or process details, so an interrupted and an uninterrupted
     * run of the same plan at the same freeze publish byte-identical artifacts.
     */
    async publishReport(input: {
      runKey: string;
      plan: Plan;
      freeze: FreezePoint;
      partitions: PartitionManifest[];
      genesis: GenesisManifest;
      verification: VerificationReport;
      rehearsal?: RehearsalReport;
      pChain?: PChainExport;
      xChain?: XChainExport;
      primaryGenesis?: PrimaryGenesisManifest;
      qChain?: QChainExportManifest;
      discoveredAddresses?: DiscoveredAddresses;
      /** The old network's EVM chain ID (preflight), shown beside the new one. */
      sourceChainId?: number;
    }): Promise<PublishedReport> {
      const launch = launchTermsOf(input.plan);
      const report = {
        plan: { name: input.plan.name, chainId: input.plan.genesis.chainId, startTime: input.plan.genesis.startTime, ...(launch ? { launch } : {}) },
        ...(input.sourceChainId === undefined ? {} : { sourceChainId: input.sourceChainId }),
        freeze: input.freeze,
        exports: input.partitions.map(({ resumedFrom: _resumed, ...p }) => p),
        genesis: input.genesis,
        verification: input.verification,
        // Without the rehearsal node's start time and memory: they differ from run to run.
        rehearsal: input.rehearsal ? withoutNodeCost(input.rehearsal) : null,
        // Only with a P-Chain export, so reports of C-only runs keep their bytes.
        ...(input.pChain ? { pChain: input.pChain } : {}),
        ...(input.xChain ? { xChain: input.xChain } : {}),
        ...(input.qChain ? { qChain: input.qChain } : {}),
        ...(input.discoveredAddresses ? { discoveredAddresses: input.discoveredAddresses } : {}),
        // The new network: its primary genesis, LP-018 mode, stakers and what it allocates.
        ...(input.primaryGenesis ? { primaryGenesis: input.primaryGenesis } : {}),
      };
      return publish(input.runKey, RUN_FILES.report, report, renderReviewPage(report));
    },

    /**
     * After the commit point: records who approved, who ratified (with the aggregate signature) and
     * what the new network served, then re-hashes the manifest. Endpoints are left out: they are
     * per-run details, and the artifacts of two runs of one plan must stay byte-identical.
     */
    async publishLaunchReport(input: { runKey: string; launch: LaunchOutcome }): Promise<PublishedReport> {
      const { newNetwork, ...rest } = input.launch;
      const record = { ...rest, newNetwork: { block0Root: newNetwork.block0Root ?? null } };
      return publish(input.runKey, RUN_FILES.launchReport, record);
    },
  };
}

function withoutNodeCost({ node: _node, ...report }: RehearsalReport): RehearsalReport {
  return report;
}

/** What an approver of the plan's launch agrees to besides the genesis (shown on the review page). */
function launchTermsOf(plan: Plan): LaunchTerms | undefined {
  if (!plan.launch) return undefined;
  const op = plan.launch.operator;
  return {
    operator: op.kind,
    approvalsRequired: plan.launch.approvals.required,
    // An emergency run halted before its export: its one stage is the halt.
    ...(op.kind === 'agents'
      ? { stages: plan.kind === 'emergency' ? 1 : op.stages, headsSettleSeconds: op.headsSettleSeconds, deltaLimits: op.deltaLimits }
      : {}),
  };
}
