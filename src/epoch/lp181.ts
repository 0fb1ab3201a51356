/**
 * LP-181 / ACP-181 epoch rules as pure functions.
 *
 * Times are unix seconds and heights plain numbers: both fit well inside 2^53, and plain numbers keep
 * epochs JSON-friendly for workflow payloads and manifests.
 */

export interface Epoch {
  /** Sequential epoch number. */
  number: number;
  /** Unix seconds: the timestamp of the block that sealed the previous epoch (or of the anchor). */
  startTime: number;
  /** P-Chain height fixed for the whole epoch; null on chains that have no P-Chain (plain EVM). */
  pChainHeight: number | null;
}

/** What the rule needs to know about a parent block to decide its child's epoch. */
export interface EpochParent {
  timestamp: number;
  pChainHeight: number | null;
  epoch: Epoch;
}

/** Throws unless `durationSeconds` is a positive finite number; the message names the field. */
export function assertEpochDuration(durationSeconds: unknown): asserts durationSeconds is number {
  if (typeof durationSeconds !== 'number' || !Number.isFinite(durationSeconds) || durationSeconds <= 0) {
    throw new RangeError(`durationSeconds must be a positive finite number of seconds, got ${String(durationSeconds)}`);
  }
}

function assertTime(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${field} must be a non-negative finite unix time in seconds, got ${String(value)}`);
  }
}

/** The first timestamp at which a block seals `epoch`. */
export function epochEndTime(epoch: Pick<Epoch, 'startTime'>, durationSeconds: number): number {
  assertEpochDuration(durationSeconds);
  assertTime(epoch.startTime, 'epoch.startTime');
  return epoch.startTime + durationSeconds;
}

/**
 * True when a block of `epoch` with this timestamp seals it.
 *
 * The comparison is `>=`: LP-181 says "the first block with timestamp >= start + D", and avalanchego's
 * acp181.NewEpoch advances unless the parent is strictly *before* the end. The LP's Go sketch uses a
 * strict After(), which would leave a block exactly at the boundary in the old epoch; its own test
 * case (start 1000, D 120, block at 1120 seals) contradicts that sketch, so the sketch is not followed.
 */
export function blockSealsEpoch(blockTimestamp: number, epoch: Pick<Epoch, 'startTime'>, durationSeconds: number): boolean {
  assertTime(blockTimestamp, 'blockTimestamp');
  return blockTimestamp >= epochEndTime(epoch, durationSeconds);
}

/**
 * The epoch of the child of `parent` (the GetDChainEpoch / acp181.NewEpoch analogue): if the parent
 * sealed its epoch, the child starts the next one at the parent's timestamp and P-Chain height;
 * otherwise the child stays in the parent's epoch.
 */
export function nextEpoch(parent: EpochParent, durationSeconds: number): Epoch {
  if (blockSealsEpoch(parent.timestamp, parent.epoch, durationSeconds)) {
    return {
      number: parent.epoch.number + 1,
      startTime: parent.timestamp,
      pChainHeight: parent.pChainHeight,
    };
  }
  return { number: parent.epoch.number, startTime: parent.epoch.startTime, pChainHeight: parent.epoch.pChainHeight };
}

/**
 * The epoch started by an anchor block (the block after which epoching begins). The anchor cannot
 * seal the epoch it starts, because its timestamp equals the start and durations are positive.
 */
export function initialEpoch(anchor: { timestamp: number; pChainHeight: number | null }, number = 0): Epoch {
  assertTime(anchor.timestamp, 'anchor.timestamp');
  if (!Number.isSafeInteger(number) || number < 0) {
    throw new RangeError(`epoch number must be a non-negative integer, got ${String(number)}`);
  }
  return { number, startTime: anchor.timestamp, pChainHeight: anchor.pChainHeight };
}
