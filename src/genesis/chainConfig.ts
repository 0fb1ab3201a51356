/**
 * The chain config of a geth-format genesis for the new network: every fork active from block 0 and
 * the merge already passed, which geth ≥ 1.14 requires to start a node on the genesis. Forks do not
 * enter block 0's state root (only `alloc` does), so this never changes what is verified.
 */
/** The forks both chain configs activate at block 0, in geth's order. */
const CLASSIC_FORKS = {
  homesteadBlock: 0,
  eip150Block: 0,
  eip155Block: 0,
  eip158Block: 0,
  byzantiumBlock: 0,
  constantinopleBlock: 0,
  petersburgBlock: 0,
  istanbulBlock: 0,
  muirGlacierBlock: 0,
} as const;

export function postMergeChainConfig(chainId: number): Record<string, unknown> {
  return {
    chainId,
    ...CLASSIC_FORKS,
    berlinBlock: 0,
    londonBlock: 0,
    arrowGlacierBlock: 0,
    grayGlacierBlock: 0,
    mergeNetsplitBlock: 0,
    shanghaiTime: 0,
    cancunTime: 0,
    pragueTime: 0,
    terminalTotalDifficulty: 0,
    blobSchedule: {
      cancun: { target: 3, max: 6, baseFeeUpdateFraction: 3338477 },
      prague: { target: 6, max: 9, baseFeeUpdateFraction: 5007716 },
    },
  };
}

/**
 * The chain config of an Avalanche C-Chain (coreth) genesis: the pre-merge forks from block 0, as
 * avalanchego's own genesis files have them. coreth takes its Avalanche upgrades (Apricot …
 * Granite) from the node's network upgrade config, not from here; geth's post-merge fields do not
 * belong in it.
 */
export function corethChainConfig(chainId: number): Record<string, unknown> {
  return { chainId, ...CLASSIC_FORKS, daoForkBlock: 0, daoForkSupport: true };
}
