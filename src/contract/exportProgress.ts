import type { Hex } from '../state/hex.js';
import type { StateStats } from '../state/stats.js';

/**
 * What a C-Chain export partition heartbeats: the activity resumes from it after a crash, and
 * `regenesis watch` reads it from Temporal's pending activities to draw the partition's progress.
 * Both sides read it through `exportCursorOf`, so neither trusts a shape the other never wrote.
 */

/** The activity whose heartbeats carry an `ExportCursor`; its name is registered with the worker. */
export const EXPORT_PARTITION_ACTIVITY = 'exportPartition';

/** Enough to resume a partition exactly where the last durable page ended. */
export interface ExportCursor {
  /** The first state-trie key not yet on disk. */
  next: Hex;
  /** Bytes of the partial file that hold whole pages. */
  bytes: number;
  /** The statistics of every account before `next`. */
  stats: StateStats;
}

const STATE_KEY = /^0x[0-9a-fA-F]{64}$/;
const STAT_COUNTS = ['accounts', 'contracts', 'storageSlots', 'codeBytes'] as const;

/**
 * The cursor in heartbeat details, or undefined for anything else (no heartbeat yet, a version that
 * beat another shape): a resume from a malformed cursor would corrupt the partition, and a watch
 * should draw nothing rather than a wrong bar.
 */
export function exportCursorOf(details: unknown): ExportCursor | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const { next, bytes, stats } = details as Partial<Record<keyof ExportCursor, unknown>>;
  if (typeof next !== 'string' || !STATE_KEY.test(next) || typeof bytes !== 'number' || !isStateStats(stats)) return undefined;
  return { next: next as Hex, bytes, stats };
}

/** Whether `value` carries every statistic a resumed partition adds to. */
function isStateStats(value: unknown): value is StateStats {
  if (typeof value !== 'object' || value === null) return false;
  const stats = value as Record<string, unknown>;
  return STAT_COUNTS.every((field) => typeof stats[field] === 'number') && typeof stats.totalBalance === 'string';
}
