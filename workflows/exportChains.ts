import type { Prepared } from '../src/contract/run.js';
import type { DiscoveredAddresses, EvmNodeKind, FreezePoint, PartitionManifest, PreflightResult } from '../src/manifests.js';
import { chainExporter, exporter } from './activities.js';
import type { RegenesisRun } from './state.js';

/** What the export step produced: the C partitions and, with the plan's P/X/Q sections, those chains. */
export interface Exported {
  c: PartitionManifest[];
  others: Pick<Prepared, 'pChain' | 'xChain' | 'qChain' | 'discoveredAddresses'>;
}

/** Where one stage's P, X and Q exports go and the P-Chain height they are pinned to. */
export interface OtherChainsPin {
  /** The artifact key of the stage (the run key, or the final stage's). */
  key: string;
  pChainHeight: number;
}

/**
 * The C partitions and the P, X and Q exports of the same node, side by side, all pinned to the
 * epoch's P-Chain height. With discovery, every owner the chains name joins the plan's addresses
 * on P and X alike.
 */
export async function exportChains(run: RegenesisRun, node: PreflightResult, freeze: FreezePoint): Promise<Exported> {
  const pin = { key: run.runKey, pChainHeight: freeze.epoch?.pChainHeight ?? run.haltedByAgents?.pChainHeight ?? 0 };
  const discovered = await discoverOwners(run, node, pin);
  const [c, others] = await Promise.all([exportChainC(run, node.node, freeze), exportOtherChains(run, node, pin, discovered)]);
  return { c, others };
}

/** With plan.chains.P.discoverAddresses: every owner the P and X blocks name up to the pin. */
export async function discoverOwners(run: RegenesisRun, node: PreflightResult, pin: OtherChainsPin): Promise<DiscoveredAddresses | undefined> {
  const { plan, status } = run;
  if (!plan.chains.P?.discoverAddresses) return undefined;
  const discovered = await chainExporter.discoverAddresses({ ...pinnedRequest(run, node, pin), withX: plan.chains.X !== undefined });
  status.artifacts.push(discovered.path);
  return discovered;
}

function pinnedRequest(run: RegenesisRun, node: PreflightResult, pin: OtherChainsPin) {
  return { runKey: pin.key, rpcUrl: run.plan.chains.C.rpcUrl, pChainHeight: pin.pChainHeight, ...(node.dialect ? { dialect: node.dialect } : {}) };
}

/**
 * The P, X and Q exports at one P-Chain height, started together (the C-Chain's, when it runs
 * beside them, is started first by the caller).
 */
export async function exportOtherChains(
  run: RegenesisRun,
  node: PreflightResult,
  pin: OtherChainsPin,
  discovered: DiscoveredAddresses | undefined,
): Promise<Exported['others']> {
  const { plan, status } = run;
  const pinned = pinnedRequest(run, node, pin);
  const pinnedTo = (chain: string) => ({ summary: `export ${chain}-Chain at P-Chain height ${pinned.pChainHeight}` });
  const found = discovered ? { discoveredPath: discovered.path } : {};
  const [pChain, xChain, qChain] = await Promise.all([
    plan.chains.P
      ? chainExporter.exportPChain.executeWithOptions(pinnedTo('P'), [
          { ...pinned, addresses: plan.chains.P.addresses, ...found, ...(plan.genesis.primary ? { stakeOwners: true } : {}) },
        ])
      : undefined,
    plan.chains.X ? chainExporter.exportXChain.executeWithOptions(pinnedTo('X'), [{ ...pinned, addresses: plan.chains.X.addresses, ...found }]) : undefined,
    plan.chains.Q ? chainExporter.exportQChain.executeWithOptions(pinnedTo('Q'), [pinned]) : undefined,
  ]);
  if (pChain) status.artifacts.push(pChain.validators.path, pChain.utxos.path);
  if (xChain) status.artifacts.push(xChain.utxos.path, xChain.assets.path);
  if (qChain) status.artifacts.push(qChain.path);
  return {
    ...(pChain ? { pChain } : {}),
    ...(xChain ? { xChain } : {}),
    ...(qChain ? { qChain } : {}),
    ...(discovered ? { discoveredAddresses: discovered } : {}),
  };
}

/** anvil serves only its head state in one dump; geth-family nodes export key ranges in parallel. */
async function exportChainC(run: RegenesisRun, node: EvmNodeKind, freeze: FreezePoint): Promise<PartitionManifest[]> {
  const { runKey, status } = run;
  const chain = run.plan.chains.C;
  const count = node === 'anvil' ? 1 : chain.partitions;
  const progress = { partitionsTotal: count, partitionsDone: 0, accountsExported: 0 };
  status.chains.C = progress;
  const one = async (index: number): Promise<PartitionManifest> => {
    const manifest =
      node === 'anvil'
        ? await exporter.exportAnvil.executeWithOptions({ summary: `export C (anvil dump) at block ${freeze.height}` }, [
            { runKey, rpcUrl: chain.rpcUrl, blockNumber: freeze.height },
          ])
        : await exporter.exportPartition.executeWithOptions({ summary: `export C, partition ${index + 1} of ${count}, at block ${freeze.height}` }, [
            { runKey, rpcUrl: chain.rpcUrl, blockNumber: freeze.height, index, count, pageSize: chain.pageSize, maxOutageSeconds: chain.maxOutageSeconds },
          ]);
    progress.partitionsDone += 1;
    progress.accountsExported += manifest.stats.accounts;
    status.artifacts.push(manifest.path);
    run.publish();
    return manifest;
  };
  return Promise.all(Array.from({ length: count }, (_, i) => one(i)));
}
