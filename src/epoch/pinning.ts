/**
 * LP-326: every chain's export must describe the network at one instant, the sealed epoch, whose
 * identity across chains is its P-Chain height. Each export states the P-Chain height it is pinned
 * to; the run refuses to go on when any differs from the epoch's. Pure, for workflow code.
 */
export interface PinnedExport {
  chain: string;
  /** The P-Chain height the export reflects; null when the chain could not say. */
  pChainHeight: number | null;
}

/** A message naming every export pinned elsewhere, or undefined when all agree with `epochHeight`. */
export function pinningMismatch(epochHeight: number | null, exports: readonly PinnedExport[]): string | undefined {
  if (epochHeight === null) return 'the sealed epoch has no P-Chain height to pin the exports to';
  const off = exports.filter((e) => e.pChainHeight !== epochHeight);
  if (off.length === 0) return undefined;
  return `exports are not pinned to the epoch's P-Chain height ${epochHeight}: ${off.map((e) => `${e.chain} at ${e.pChainHeight ?? 'unknown'}`).join(', ')}`;
}

/**
 * The X-Chain has no P-Chain pin: its UTXOs are the epoch's only if it made no block after the
 * epoch sealed (the freeze block's time) and none while they were read. A message, or undefined.
 */
export function xChainMovedAfterEpoch(
  freezeTimestamp: number,
  head: { before: { number: number; timestamp: number }; after: { number: number; timestamp: number } },
): string | undefined {
  if (head.after.number !== head.before.number) {
    return `the X-Chain moved from block ${head.before.number} to ${head.after.number} while its UTXOs were read`;
  }
  if (head.after.timestamp > freezeTimestamp) {
    return `the X-Chain's head block ${head.after.number} (time ${head.after.timestamp}) is after the epoch sealed (freeze block time ${freezeTimestamp}): its UTXOs are not the epoch's`;
  }
  return undefined;
}
