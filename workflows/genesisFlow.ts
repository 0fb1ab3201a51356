import type { GenesisManifest, PrimaryGenesisManifest, RehearsalReport, SupplyGap, VerificationCheck } from '../src/manifests.js';
import type { Hex } from '../src/state/hex.js';
import type { StateStats } from '../src/state/stats.js';
import { crossChainChecks } from '../src/verify/crossChainSupply.js';
import { judgeSupplyGap, type MissingOwners } from '../src/verify/supplyGap.js';
import { genesisWriter, rehearsal, verifier } from './activities.js';
import type { Exported } from './exportChains.js';
import type { RegenesisRun } from './state.js';

/**
 * The two kinds of regenesis differ in what they write, check across chains and rehearse: a bare
 * EVM genesis (rehearsed on geth), or a primary-network genesis that embeds the C-Chain genesis
 * (P/X/C supply checked across chains, rehearsed on avalanchego). The run picks one once.
 */
export interface GenesisFlow {
  /** Writes what validators install, after the C-Chain genesis; returns what approvers approve. */
  write(input: { runKey: string; startTime: number; cGenesis: GenesisManifest }): Promise<{ sha256: string }>;
  crossChainChecks(cExported: StateStats, cGenesis: GenesisManifest): VerificationCheck[];
  /**
   * The export against the node's own supply (primary flow); over the plan's limit, the largest
   * unexported owners are searched for (one activity) and named.
   */
  supplyGap(runKey: string, cExported: StateStats): Promise<{ check: VerificationCheck; gap: SupplyGap } | undefined>;
  rehearse(input: { runKey: string; genesis: GenesisManifest; cChainRoot: Hex; samplesPath: string }): Promise<RehearsalReport>;
  /** The files this flow wrote beyond the C-Chain genesis, for the result and the report. */
  written(): { primaryGenesis?: PrimaryGenesisManifest };
}

export function genesisFlowOf(run: RegenesisRun, exported: Exported): GenesisFlow {
  const primary = run.plan.genesis.primary;
  const { pChain, xChain, qChain } = exported.others;
  // The plan schema refuses a primary genesis without a P-Chain export, so both are here or neither.
  if (!primary || !pChain) return evmFlow;
  let primaryGenesis: PrimaryGenesisManifest | undefined;
  const written = (): PrimaryGenesisManifest => {
    if (!primaryGenesis) throw new Error('the primary genesis is not written yet');
    return primaryGenesis;
  };
  return {
    async write({ runKey, startTime, cGenesis }) {
      primaryGenesis = await genesisWriter.buildPrimaryGenesis({
        runKey,
        primary,
        startTime,
        pChain,
        ...(xChain ? { xChain } : {}),
        cGenesis: { path: cGenesis.path, sha256: cGenesis.sha256 },
        ...(qChain ? { qChainGenesis: qChain.qChainGenesis } : {}),
      });
      run.status.artifacts.push(primaryGenesis.path);
      return primaryGenesis;
    },
    crossChainChecks: (cExported, cGenesis) =>
      crossChainChecks({ pChain, ...(xChain ? { xChain } : {}), cExported, cGenesis: cGenesis.stats, primary: written() }),
    async supplyGap(runKey, cExported) {
      const { discoveredAddresses } = exported.others;
      const judge = (missing?: MissingOwners) =>
        judgeSupplyGap({
          assetID: pChain.stakingAssetID,
          pChain,
          ...(xChain ? { xChain } : {}),
          cExportedWei: BigInt(cExported.totalBalance),
          ...(discoveredAddresses ? { discovered: discoveredAddresses } : {}),
          maxGap: run.plan.chains.P?.maxSupplyGap ?? '0',
          ...(missing ? { missing } : {}),
        });
      const first = judge();
      // Only a gap over the limit has owners to look for; a negative one has none missing.
      if (first.check.ok || !first.gap.judged || first.gap.gap!.startsWith('-')) return first;
      const missing = await verifier.missingOwners({
        runKey,
        rpcUrl: run.plan.chains.C.rpcUrl,
        pChainHeight: pChain.pChainHeight,
        stakingAssetID: pChain.stakingAssetID,
        validatorsPath: pChain.validators.path,
        addresses: [...(run.plan.chains.P?.addresses ?? []), ...(run.plan.chains.X?.addresses ?? [])],
        ...(discoveredAddresses ? { discoveredPath: discoveredAddresses.path } : {}),
        withX: xChain !== undefined,
      });
      return judge(missing);
    },
    rehearse: ({ runKey, cChainRoot, samplesPath }) =>
      rehearsal.rehearsePrimary({
        runKey,
        genesis: written(),
        pChain,
        ...(xChain ? { xChain } : {}),
        cChainRoot,
        samplesPath,
        ...(primary.stakeOwnerBalances === 'move-to-x' ? { stakeOwnerBalances: 'move-to-x' as const } : {}),
      }),
    written: () => (primaryGenesis ? { primaryGenesis } : {}),
  };
}

const evmFlow: GenesisFlow = {
  write: async ({ cGenesis }) => cGenesis,
  crossChainChecks: () => [],
  supplyGap: async () => undefined,
  rehearse: ({ runKey, genesis, cChainRoot, samplesPath }) =>
    rehearsal.rehearseEvm({ runKey, genesisPath: genesis.path, genesisSha256: genesis.sha256, expectedRoot: cChainRoot, samplesPath }),
  written: () => ({}),
};
