import type { WorkflowHandle } from '@temporalio/client';

/**
 * Seconds of each activity type of a finished run, from its Temporal history (server timestamps):
 * the bench's phase polling is too coarse (~2 s) to put stage 2's delta export beside stage 1's full
 * export of the same chain, and the history has both to the millisecond. A two-stage run schedules
 * several types in both stages (preflight, genesis, verify, report), so the history is split where
 * stage 2 begins: the first activity of the type given (the halt).
 */

export interface ActivityTime {
  /** How many were scheduled (partitions, retries). */
  count: number;
  /**
   * First scheduled to last closed: the wall time they took together (parallel partitions overlap).
   * For a type called at different points of a run (the final heads: at the halt and again at the
   * commit point) it spans whatever ran in between; `longestSeconds` is one call's own time.
   */
  wallSeconds: number;
  /** The longest single activity of the type, scheduled to closed. */
  longestSeconds: number;
}

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

export interface StageActivities {
  stage1: Record<string, ActivityTime>;
  stage2: Record<string, ActivityTime>;
}

/** Activity type → count and wall seconds, before and from the first `stage2From` activity scheduled. */
export async function activityTimes(handle: WorkflowHandle, stage2From: string): Promise<StageActivities> {
  const events = (await handle.fetchHistory()).events ?? [];
  const split = events.findIndex((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === stage2From);
  if (split < 0) return { stage1: spansOf(events), stage2: {} };
  return { stage1: spansOf(events.slice(0, split)), stage2: spansOf(events.slice(split)) };
}

/** Count and wall seconds of each activity type scheduled and closed within `events`. */
function spansOf(events: readonly HistoryEvent[]): Record<string, ActivityTime> {
  const scheduled = new Map<string, { name: string; at: number }>();
  const spans = new Map<string, { count: number; from: number; to: number; longest: number }>();
  for (const e of events) {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name) scheduled.set(String(e.eventId), { name, at: secondsOf(e) });
    const from = scheduled.get(String(closedScheduledId(e)));
    if (!from) continue;
    const span = spans.get(from.name) ?? { count: 0, from: from.at, to: from.at, longest: 0 };
    const closedAt = secondsOf(e);
    spans.set(from.name, {
      count: span.count + 1,
      from: Math.min(span.from, from.at),
      to: Math.max(span.to, closedAt),
      longest: Math.max(span.longest, closedAt - from.at),
    });
  }
  const round = (seconds: number): number => Number(seconds.toFixed(2));
  return Object.fromEntries([...spans].map(([name, s]) => [name, { count: s.count, wallSeconds: round(s.to - s.from), longestSeconds: round(s.longest) }]));
}

/** The scheduled event an activity's closing event refers to (completed, failed, timed out or cancelled). */
function closedScheduledId(e: HistoryEvent): unknown {
  return (
    e.activityTaskCompletedEventAttributes?.scheduledEventId ??
    e.activityTaskFailedEventAttributes?.scheduledEventId ??
    e.activityTaskTimedOutEventAttributes?.scheduledEventId ??
    e.activityTaskCanceledEventAttributes?.scheduledEventId
  );
}

/** An event's server time in seconds (protobuf Timestamp: seconds as a Long, nanos). */
function secondsOf(e: HistoryEvent): number {
  return Number(e.eventTime?.seconds ?? 0) + (e.eventTime?.nanos ?? 0) / 1e9;
}
