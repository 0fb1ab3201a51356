import { defaultPayloadConverter } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import { EXPORT_PARTITION_ACTIVITY, exportCursorOf } from '../contract/exportProgress.js';
import type { RegenesisStatus } from '../contract/run.js';
import { statusQuery } from '../../workflows/messages.js';
import { partitionProgress, type PartitionProgress, type RunSnapshot } from './progress.js';

/**
 * One reading of a run: its execution status, its status query (absent once a closed run's worker
 * is gone) and the cursors its export partitions last heartbeated (Temporal keeps the last
 * heartbeat of every pending activity, so the progress inside a partition is visible without
 * asking the worker).
 */
export async function readSnapshot(handle: WorkflowHandle, workflowId: string): Promise<RunSnapshot> {
  const description = await handle.describe();
  const execution = description.status.name;
  const status = await handle.query(statusQuery).catch(() => undefined);
  return { workflowId, execution, status, partitions: partitionsOf(description.raw.pendingActivities ?? [], status), at: Date.now() };
}

interface PendingActivity {
  activityType?: { name?: string | null } | null;
  heartbeatDetails?: { payloads?: unknown[] | null } | null;
}

/** The progress of every export partition that has heartbeated a cursor; other activities are not drawn. */
function partitionsOf(pending: readonly PendingActivity[], status: RegenesisStatus | undefined): PartitionProgress[] {
  const count = status?.chains.C?.partitionsTotal ?? 0;
  const out: PartitionProgress[] = [];
  for (const activity of pending) {
    if (activity.activityType?.name !== EXPORT_PARTITION_ACTIVITY) continue;
    const payload = activity.heartbeatDetails?.payloads?.[0];
    if (!payload) continue;
    try {
      const cursor = exportCursorOf(defaultPayloadConverter.fromPayload(payload as Parameters<typeof defaultPayloadConverter.fromPayload>[0]));
      const progress = cursor && partitionProgress(cursor, count);
      if (progress) out.push(progress);
    } catch {
      // A heartbeat this version cannot read: the partition still counts in the chain's totals.
    }
  }
  return out;
}
