/**
 * Where the workflow learns which epoch is current and whether (and by which block) a target epoch
 * was sealed. One implementation derives epochs from block timestamps; a node-backed one
 * (avalanchego `proposervm.getCurrentEpoch`) can sit beside it behind the same interface.
 */

export interface CurrentEpoch {
  number: number;
  /** Unix seconds. */
  startTime: number;
  /** Null where the chain has no P-Chain to pin to (plain EVM). */
  pChainHeight: number | null;
}

export interface SealedEpoch {
  number: number;
  /** Unix seconds. */
  startTime: number;
  /** The epoch's own P-Chain height (the one its blocks were pinned to); null without a P-Chain. */
  pChainHeight: number | null;
  /**
   * The last block of the epoch: the first one with timestamp >= startTime + D. On a chain without a
   * P-Chain this is the freeze height.
   */
  sealingHeight: number;
  sealingTimestamp: number;
  /**
   * The P-Chain height of the sealing block, which the next epoch is pinned to and which the exports
   * of one regenesis agree on; null without a P-Chain.
   */
  sealingPChainHeight: number | null;
}

export interface EpochStatus {
  /**
   * The epoch a child of the head block would belong to, as avalanchego's getCurrentEpoch reports
   * it: when the head itself sealed epoch N, the current epoch is already N + 1.
   */
  current: CurrentEpoch;
  headHeight: number;
  headTimestamp: number;
  durationSeconds: number;
  /** Present exactly when the requested epoch is sealed. */
  sealed?: SealedEpoch;
}

export interface EpochSource {
  /** Short tag for logs and manifests, e.g. "block-timestamp". */
  readonly kind: string;
  /** Reads the chain once and answers for `targetEpoch` (a non-negative integer). */
  status(targetEpoch: number): Promise<EpochStatus>;
}

/** Throws unless `targetEpoch` is a non-negative safe integer; the message names the field. */
export function assertTargetEpoch(targetEpoch: unknown): asserts targetEpoch is number {
  if (typeof targetEpoch !== 'number' || !Number.isSafeInteger(targetEpoch) || targetEpoch < 0) {
    throw new RangeError(`targetEpoch must be a non-negative integer, got ${String(targetEpoch)}`);
  }
}
