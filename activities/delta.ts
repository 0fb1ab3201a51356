import { CancelledFailure, Context } from '@temporalio/activity';
import type { ArtifactStore } from '../src/artifacts/store.js';
import { failure } from '../src/contract/failures.js';
import { DeltaRequestError, DeltaRootMismatchError, exportCDelta, type CDeltaRequest } from '../src/export/cDelta.js';
import { DeltaSourceError } from '../src/export/delta.js';
import type { DeltaManifest } from '../src/manifests.js';
import { exportFailure } from './export.js';
import { heartbeating } from './heartbeat.js';

/** The delta's own verdicts (node, request, merged root), or whatever the full export's mapping makes of an error. */
function deltaFailure(err: unknown, context: string): Error {
  if (err instanceof DeltaSourceError) return failure(err.reason === 'unsupported' ? 'UnsupportedNode' : 'StateUnavailable', err.message);
  if (err instanceof DeltaRequestError) return failure('InvalidPlan', err.message);
  if (err instanceof DeltaRootMismatchError) return failure('VerificationFailed', err.message);
  return exportFailure(err, context);
}

export function deltaActivities(store: ArtifactStore) {
  return {
    /**
     * The C-Chain state at the halt (`toHeight`) from the stage-1 partitions at `fromHeight` and
     * only the accounts changed in between (src/export/cDelta.ts): exports/C-delta/<from>-<to>.jsonl
     * and exports/C-final/part-NNN.jsonl, whose state root equals the halt block's. Heartbeats while
     * it runs; a retry rewrites the same bytes.
     */
    async exportCDelta(input: CDeltaRequest): Promise<DeltaManifest> {
      const ctx = Context.current();
      try {
        return await heartbeating(() => exportCDelta({ store, ...input, alive: () => ctx.heartbeat(), signal: ctx.cancellationSignal }));
      } catch (err) {
        if (ctx.cancellationSignal.aborted) throw new CancelledFailure(`C-Chain delta ${input.fromHeight} → ${input.toHeight} cancelled`);
        throw deltaFailure(err, `C-Chain delta ${input.fromHeight} → ${input.toHeight}`);
      }
    },
  };
}
