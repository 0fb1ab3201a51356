import type { ExchangeChain } from '../exchange/xchain.js';
import type { PlatformChain } from '../platform/pchain.js';
import { hrpForNetwork } from '../../network/hrp.js';
import { AvaxService, parseSafeUint, type AvaxEndpoints } from './api.js';
import type { PageSource } from './blockDigest.js';
import { indexPages, openBlockIndex, type IndexStats } from './blockIndex.js';
import { walkPages, type WalkOptions } from './blockWalk.js';

export type BlockReadMode = 'index' | 'walk';

export interface DiscoverySources {
  pages: { P: PageSource; X?: PageSource };
  /** How each chain is read, and what the index path decoded (for the manifest and the bench). */
  read: { P: BlockReadMode; X?: BlockReadMode };
  stats: { P: IndexStats; X: IndexStats };
}

/**
 * How discovery reads each chain's blocks on this node: from its block index where it has one
 * (`--index-enabled`), else by the walk. `index: false` forces the walk (comparisons, benchmarks).
 */
export async function discoverySources(
  endpoints: AvaxEndpoints,
  chains: { pchain: PlatformChain; xchain?: ExchangeChain; stakingAssetID: string },
  options: { index?: boolean; walk?: WalkOptions } = {},
): Promise<DiscoverySources> {
  const stats = { P: { decoded: 0, fallbacks: 0 }, X: { decoded: 0, fallbacks: 0 } };
  let hrp: string | undefined;
  /** The index where this node has one for `chain`, else the walk. */
  const sourceOf = async (chain: 'P' | 'X', blockJson: (h: number) => Promise<unknown>): Promise<{ pages: PageSource; mode: BlockReadMode }> => {
    const walk = walkPages(blockJson, chains.stakingAssetID, options.walk);
    if (options.index === false) return { pages: walk, mode: 'walk' };
    hrp ??= await networkHrp(endpoints);
    const indexed = await openBlockIndex(endpoints, chain, hrp, chains.stakingAssetID);
    if (!indexed) return { pages: walk, mode: 'walk' };
    return { pages: indexPages(indexed, { hrp, stakingAssetID: chains.stakingAssetID, blockJson, walk, stats: stats[chain] }), mode: 'index' };
  };
  const p = await sourceOf('P', (h) => chains.pchain.blockJson(h));
  const x = chains.xchain ? await sourceOf('X', (h) => chains.xchain!.blockJson(h)) : undefined;
  return {
    pages: { P: p.pages, ...(x ? { X: x.pages } : {}) },
    read: { P: p.mode, ...(x ? { X: x.mode } : {}) },
    stats,
  };
}

async function networkHrp(endpoints: AvaxEndpoints): Promise<string> {
  const reply = await new AvaxService(endpoints.info(), { timeoutMs: 10_000 }).call<{ networkID?: unknown }>('info.getNetworkID');
  return hrpForNetwork(parseSafeUint(reply?.networkID, 'info.getNetworkID.networkID'), endpoints.dialect.name);
}
