import { CancelledFailure, Context } from '@temporalio/activity';
import type { ArtifactStore } from '../src/artifacts/store.js';
import { failure } from '../src/contract/failures.js';
import { NodeUnreachableError } from '../src/export/outage.js';
import { exportAnvilPartition, exportPartition, type ExportCursor, type PartitionRequest } from '../src/export/partition.js';
import type { PartitionManifest } from '../src/manifests.js';
import { asFailure } from './failures.js';

/** The export's own verdict on a source node that stays down, or whatever else `asFailure` makes of it. */
export function exportFailure(err: unknown, context: string): Error {
  if (err instanceof NodeUnreachableError) return failure('NodeUnreachable', err.message);
  return asFailure(err, context);
}

export function exportActivities(store: ArtifactStore) {
  return {
    /**
     * Exports one key range of the state at `blockNumber` to JSONL (src/export/partition.ts). The
     * cursor of every page on disk is heartbeated, so a retry resumes from the last one.
     */
    async exportPartition(input: PartitionRequest): Promise<PartitionManifest> {
      const ctx = Context.current();
      try {
        return await exportPartition({
          store,
          ...input,
          resume: ctx.info.heartbeatDetails as ExportCursor | undefined,
          attempt: ctx.info.attempt,
          checkpoint: (cursor) => ctx.heartbeat(cursor),
          // Cancellation (abort, rollback) arrives with a heartbeat; the export stops between pages.
          signal: ctx.cancellationSignal,
        });
      } catch (err) {
        if (ctx.cancellationSignal.aborted) throw new CancelledFailure(`export partition ${input.index} cancelled`);
        throw exportFailure(err, `export partition ${input.index}`);
      }
    },

    /** anvil has no range API: one dump of its head state, refused unless the head is the freeze block. */
    async exportAnvil(input: { runKey: string; rpcUrl: string; blockNumber: number }): Promise<PartitionManifest> {
      try {
        return await exportAnvilPartition({ store, ...input });
      } catch (err) {
        throw exportFailure(err, 'anvil export');
      }
    },
  };
}
