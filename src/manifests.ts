import type { Hex } from './state/hex.js';
import type { StateStats } from './state/stats.js';
import type { AssetTotal } from './chains/avax/utxoTotals.js';

/**
 * What activities return to the workflow: small manifests that point at artifacts, never the state
 * itself (Temporal payloads stay far below their 2 MB limit whatever the state size).
 */

export type EvmNodeKind = 'geth' | 'coreth' | 'anvil';

export interface PreflightResult {
  node: EvmNodeKind;
  /** For an avalanchego/luxd C-Chain: the node family, as the node itself reported it. */
  dialect?: 'avalanchego' | 'luxd';
  /** Its `info.getNodeVersion`, e.g. "avalanchego/1.14.0". */
  nodeVersion?: string;
  clientVersion: string;
  sourceChainId: number;
  headHeight: number;
  headTimestamp: number;
}

/** The P-Chain part of a run's exports (plan.chains.P). */
export interface PChainExport {
  /** The P-Chain height the export reflects: the pinned one only if the head stayed there. */
  pChainHeight: number;
  headBefore: number;
  headAfter: number;
  /** The asset validators stake (AVAX, LUX): what a primary genesis allocates. */
  stakingAssetID: string;
  /** platform.getCurrentSupply at the pin and the potential rewards it includes (decimal strings). */
  currentSupply?: string;
  potentialRewards?: string;
  /**
   * The C-Chain genesis allocation (wei, decimal), read from the node's C-Chain creation
   * transaction: balances the P-Chain's supply never counted. Absent when the node did not serve it.
   */
  cChainGenesisAlloc?: string;
  validators: { path: string; sha256: string; count: number; totalWeight: string };
  utxos: { path: string; sha256: string; count: number; assets: AssetTotal[] };
}

/** The owners found on the chains (plan.chains.P.discoverAddresses), exported beside the plan's. */
export interface DiscoveredAddresses {
  /** JSONL, one bech32 owner (`local1…`) per line, sorted. */
  path: string;
  sha256: string;
  count: number;
  pBlocks: number;
  xBlocks: number;
  /**
   * The staking asset the blocks read burned as fees, per chain (decimal strings): in the node's
   * supply, owned by nobody. Absent in runs before it was counted.
   */
  burned?: { P: string; X: string };
  /** How each chain's blocks were read (`index`: the node's block index; `walk`: block by block). */
  read?: { P: 'index' | 'walk'; X?: 'index' | 'walk' };
  /** Block requests of the attempt that finished, and the heights it resumed from after a failed one. */
  requests?: number;
  resumedFrom?: { P: number; X: number };
}

/** The X-Chain part of a run's exports (plan.chains.X). */
export interface XChainExport {
  /** The P-Chain height the export reflects: the pinned one only if the P-Chain head stayed there. */
  pChainHeight: number;
  headBefore: number;
  headAfter: number;
  utxos: { path: string; sha256: string; count: number; assets: AssetTotal[] };
  assets: { path: string; sha256: string; count: number };
  /** The X-Chain head (height, block time) before and after its UTXOs were read. */
  xHead?: { before: { number: number; timestamp: number }; after: { number: number; timestamp: number } };
}

/** The Q-Chain part of a run's exports (plan.chains.Q, luxd). */
export interface QChainExportManifest {
  pChainHeight: number;
  headBefore: number;
  headAfter: number;
  /** exports/Q/config.json: route, service name, configuration and health as the node served them. */
  path: string;
  sha256: string;
  route: string;
  service: 'quantumvm' | 'qvm';
  /** The new network's qChainGenesis, built from the exported configuration. */
  qChainGenesis: string;
}

/** The new network's primary genesis (plan.genesis.primary), built from the P/X/C exports. */
export interface PrimaryGenesisManifest {
  path: string;
  sha256: string;
  bytes: number;
  networkID: number;
  dialect: 'avalanchego' | 'luxd';
  hrp: string;
  /** LP-018 network mode, from networkID and the number of validators. */
  mode: 'L2' | 'anchored' | 'independent';
  startTime: number;
  /** The source's staking asset, the one the allocations carry. */
  assetID: string;
  allocations: number;
  initialStakedFunds: number;
  /** Summed from the written document: X-Chain (initialAmount), P-Chain and staked unlocks. */
  allocated: { xChain: string; pChain: string; staked: string };
  /**
   * Read from the exports while building: P/X UTXOs and stake outputs carried, and what moved from
   * the P- to the X-Chain (stakeOwnerBalances: move-to-x; absent in older reports).
   */
  carried: { pChainUtxos: string; xChainUtxos: string; staked: string; movedToX?: string };
  /** The new initial stakers in genesis order, with the weight the node will give each. */
  stakers: Array<{ nodeID: string; publicKey: string | null; weight: string }>;
  /** The old validators' stake at the pinned height (own + delegated), from their transactions. */
  previousStake: Array<{ nodeID: string; weight: string }>;
  /** The C-Chain genesis embedded as cChainGenesis. */
  cChainGenesis: { path: string; sha256: string };
}

export interface FreezePoint {
  height: number;
  hash: Hex;
  stateRoot: Hex;
  timestamp: number;
  /** The sealed epoch the freeze belongs to; absent for an explicit-height freeze. */
  epoch?: { number: number; startTime: number; durationSeconds: number; pChainHeight: number | null };
}

export interface PartitionManifest {
  index: number;
  /** Path relative to the run's artifact directory. */
  path: string;
  sha256: string;
  bytes: number;
  stats: StateStats;
  /** Set when an earlier attempt's cursor was used: where this attempt picked up. */
  resumedFrom?: { key: Hex; accounts: number; attempt: number };
}

export interface GenesisManifest {
  path: string;
  sha256: string;
  bytes: number;
  stateRoot: Hex;
  stats: StateStats;
}

export interface VerificationCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/**
 * The export against the node's own supply of the staking asset (src/verify/supplyGap.ts), in its
 * smallest unit (nAVAX; a C-Chain remainder below 1 nAVAX shows as decimals). Absent when the run
 * judged no gap (not a primary genesis, or runs before the check).
 */
export interface SupplyGap {
  assetID: string;
  /** False when the P-Chain export had no supply figure: then only detail and otherAssets are set. */
  judged: boolean;
  /** platform.getCurrentSupply at the pinned height. */
  nodeSupply?: string;
  /** Listed separately: in nodeSupply, minted only when the current stakers leave rewarded. */
  potentialRewards?: string;
  /** The C-Chain genesis allocation, outside the P-Chain's supply; null when the node did not serve it. */
  cChainGenesis?: string | null;
  /** Fees burned on P and X, counted in the blocks discovery read; null without discovery. */
  burnedFees?: { P: string; X: string } | null;
  /** P and X UTXOs, stake at the pinned height and C-Chain balances. */
  exported?: string;
  /** nodeSupply − potentialRewards + cChainGenesis − burnedFees − exported. */
  gap?: string;
  /** plan.chains.P.maxSupplyGap. */
  maxGap?: string;
  ok?: boolean;
  /** With a gap over the limit: the largest owners found holding the asset but not exported. */
  missingOwners?: Array<{ address: string; pChain: string; xChain: string }>;
  detail: string;
  /** Other assets exported: the node serves no supply for them, so no gap is stated. */
  otherAssets: Array<{ chain: 'P' | 'X'; assetID: string; exported: string; why: string }>;
}

export interface VerificationReport {
  ok: boolean;
  checks: VerificationCheck[];
  /** The export against the node's own supply (primary genesis runs). */
  supplyGap?: SupplyGap;
  /** Accounts sampled for node cross-checks and rehearsal, relative path. */
  samplesPath: string;
  samples: number;
}

export interface RehearsalReport {
  ok: boolean;
  block0Root: Hex;
  rootMatches: boolean;
  sampled: number;
  mismatches: string[];
  /**
   * A primary genesis rehearsal on avalanchego: the node loaded the file with only networkID (when
   * standard) and startTime replaced, and served this many validators and exported owners.
   */
  primary?: { networkID: number; startTime: number; validators: number; owners: number };
  /**
   * A primary rehearsal: what its node needed to build this genesis and serve it. A figure of the
   * worker's host that varies from run to run, so it is returned to the run (src/launch/readiness.ts)
   * and never written into the rehearsal or run report, which stay byte-identical across retries.
   */
  node?: RehearsalNodeCost;
}

/** What one node needed to start on a genesis: seconds from spawn until it served P, X and C, and its peak resident memory. */
export interface RehearsalNodeCost {
  startSeconds: number;
  /** The kernel's VmHWM of the node just before it was stopped; absent where /proc is not. */
  peakResidentBytes?: number;
}

export interface PublishedReport {
  artifactsDir: string;
  reportPath: string;
  manifestPath: string;
  manifestSha256: string;
  files: number;
  /** The page approvers read (reports/review.html), relative to artifactsDir; absent in older runs. */
  reviewPath?: string;
}

/** A primary network read back against the exports: validators, owners' balances, C-Chain root and samples. */
export interface NetworkReadBack {
  validators: number;
  owners: number;
  block0Root: Hex;
  rootMatches: boolean;
  sampled: number;
  mismatches: string[];
}

/** What a migrated primary network served before the commit point (reports/post-launch.json). */
export interface PostLaunchReport extends NetworkReadBack {
  ok: boolean;
  /** The node of the new network that was read. */
  uri: string;
}

/**
 * The C-Chain at the halt, made from the stage-1 export and what changed since (src/export/cDelta.ts):
 * the merged partitions are what a full export at `toHeight` writes, byte for byte.
 */
export interface DeltaManifest {
  fromHeight: number;
  toHeight: number;
  /** Block toHeight's state root; the merged export's root was computed and found equal to it. */
  stateRoot: Hex;
  /** The delta as JSONL (exports/C-delta/<from>-<to>.jsonl): changed accounts as at toHeight, and deletions. */
  delta: { path: string; sha256: string; bytes: number };
  /** Accounts the node reported changed between the heights (debug_getModifiedAccountsByNumber). */
  changedAccounts: number;
  /** Accounts of the stage-1 export that no longer exist at toHeight. */
  deletedAccounts: number;
  /** Changed accounts the stage-1 export did not have. */
  createdAccounts: number;
  /** Accounts in the merged export. */
  totalAccounts: number;
  /** The merged export, with stage 1's partition bounds (exports/C-final/part-NNN.jsonl). */
  partitions: PartitionManifest[];
  /**
   * Present when the node's difference (which never reports deletions) left the merged root wrong
   * and every key at toHeight was read to find the deleted accounts.
   */
  keyScan?: { keys: number; pages: number; deletionsFound: number };
}
