/**
 * Initial staker weights as the node derives them. A primary genesis lists no weights: avalanchego
 * (genesis/genesis.go splitAllocations, v1.14.0; luxd inherits it) takes the allocations whose
 * address is in initialStakedFunds, in file order, and cuts their unlockSchedule amounts into
 * len(initialStakers) consecutive slices of total / n, the last slice taking the remainder. Staker i
 * stakes slice i, so the order of initialStakers is significant and is never re-sorted.
 */

export interface StakedAllocation {
  unlockAmounts: readonly bigint[];
}

export function splitStakeWeights(staked: readonly StakedAllocation[], stakers: number): bigint[] {
  if (stakers <= 0) return [];
  let total = 0n;
  for (const allocation of staked) for (const amount of allocation.unlockAmounts) total += amount;
  const nodeWeight = total / BigInt(stakers);

  const weights: bigint[] = [];
  let current = 0n;
  for (const allocation of staked) {
    for (const original of allocation.unlockAmounts) {
      let amount = original;
      // Same loop as upstream: close slices while this unlock overflows the current one.
      while (current + amount > nodeWeight && weights.length < stakers - 1) {
        const toAdd = nodeWeight - current;
        amount -= toAdd;
        weights.push(current + toAdd);
        current = 0n;
      }
      current += amount;
    }
  }
  weights.push(current);
  // Upstream indexes past the end when fewer slices exist (it panics); here those stakers weigh 0.
  while (weights.length < stakers) weights.push(0n);
  return weights;
}
