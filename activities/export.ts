import { CancelledFailure, Context } from '@temporalio/activity';
import type { ArtifactRef, ArtifactStore } from '../src/artifacts/store.js';
import { EXPORT_PARTITION_ACTIVITY, exportCursorOf } from '../src/contract/exportProgress.js';
import { failure } from '../src/contract/failures.js';
import { DeltaRequestError, DeltaRootMismatchError, exportCDelta, type CDeltaRequest } from '../src/export/cDelta.js';
import { DeltaSourceError } from '../src/export/delta.js';
import { NodeUnreachableError } from '../src/export/outage.js';
import { exportAnvilPartition, exportPartition, type PartitionRequest } from '../src/export/partition.js';
import type { DeltaManifest, PartitionManifest } from '../src/manifests.js';
import { asFailure } from './failures.js';
import { heartbeating } from './heartbeat.js';

/** The export's own verdict on a source node that stays down, or whatever else `asFailure` makes of it. */
function exportFailure(err: unknown, context: string): Error {
  if (err instanceof NodeUnreachableError) return failure('NodeUnreachable', err.message);
  return asFailure(err, context);
}

/** The delta's own verdicts (node, request, merged root), or whatever the full export's mapping makes of an error. */
function deltaFailure(err: unknown, context: string): Error {
  if (err instanceof DeltaSourceError) return failure(err.reason === 'unsupported' ? 'UnsupportedNode' : 'StateUnavailable', err.message);
  if (err instanceof DeltaRequestError) return failure('InvalidPlan', err.message);
  if (err instanceof DeltaRootMismatchError) return failure('VerificationFailed', err.message);
  return exportFailure(err, context);
}

/**
 * Runs an export that stops between pages when the run cancels it (abort, rollback: the request
 * arrives with a heartbeat), so that cancellation is reported as such and not as the I/O error the
 * stop caused; any other error goes through `mapFailure`.
 */
async function cancellable<T>(context: string, mapFailure: (err: unknown, context: string) => Error, work: (ctx: Context) => Promise<T>): Promise<T> {
  const ctx = Context.current();
  try {
    return await work(ctx);
  } catch (err) {
    if (ctx.cancellationSignal.aborted) throw new CancelledFailure(`${context} cancelled`);
    throw mapFailure(err, context);
  }
}

/** The C-Chain state exports (the `exporter` stub): full partitions, anvil's dump, the delta at the halt. */
export function exportActivities(store: ArtifactStore) {
  return {
    /**
     * Exports one key range of the state at `blockNumber` to JSONL (src/export/partition.ts). The
     * cursor of every page on disk is heartbeated, so a retry resumes from the last one.
     */
    async [EXPORT_PARTITION_ACTIVITY](input: PartitionRequest): Promise<PartitionManifest> {
      return cancellable(`export partition ${input.index}`, exportFailure, async (ctx) => {
        // A cursor of an attempt on another host finds no partial file here, and is not used.
        const manifest = await exportPartition({
          store,
          ...input,
          resume: exportCursorOf(ctx.info.heartbeatDetails),
          attempt: ctx.info.attempt,
          checkpoint: (cursor) => ctx.heartbeat(cursor),
          signal: ctx.cancellationSignal,
        });
        // The genesis and verify steps may run on another worker. The file is whole by now, so the
        // heartbeats of the upload need not carry the cursor.
        await heartbeating(() => store.share(input.runKey, manifest));
        return manifest;
      });
    },

    /** anvil has no range API: one dump of its head state, refused unless the head is the freeze block. */
    async exportAnvil(input: { runKey: string; rpcUrl: string; blockNumber: number }): Promise<PartitionManifest> {
      try {
        const manifest = await exportAnvilPartition({ store, ...input });
        await heartbeating(() => store.share(input.runKey, manifest));
        return manifest;
      } catch (err) {
        throw exportFailure(err, 'anvil export');
      }
    },

    /**
     * The C-Chain state at the halt (`toHeight`) from the stage-1 partitions at `fromHeight` and
     * only the accounts changed in between (src/export/cDelta.ts): the delta and the merged
     * partitions, whose state root equals the halt block's. Heartbeats while it runs; a retry
     * rewrites the same bytes.
     */
    async exportCDelta(input: CDeltaRequest & { partitions?: ArtifactRef[] }): Promise<DeltaManifest> {
      const { partitions, ...request } = input;
      return cancellable(`C-Chain delta ${input.fromHeight} → ${input.toHeight}`, deltaFailure, (ctx) =>
        heartbeating(async () => {
          // The stage-1 partitions, by the sha256s their export reported (runs before them: by path).
          const source = input.sourceRunKey ?? input.runKey;
          for (const partition of partitions ?? input.partitionPaths) await store.local(source, partition);
          const manifest = await exportCDelta({ store, ...request, alive: () => ctx.heartbeat(), signal: ctx.cancellationSignal });
          for (const file of [manifest.delta, ...manifest.partitions]) await store.share(input.runKey, file);
          return manifest;
        }),
      );
    },
  };
}
