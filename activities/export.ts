import { CancelledFailure, Context } from '@temporalio/activity';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { AtomicFile, sha256File } from '../src/artifacts/atomicFile.js';
import type { ArtifactStore } from '../src/artifacts/store.js';
import { exportAnvilState } from '../src/chains/evm/anvilExport.js';
import { accountRangePages, partitionBounds } from '../src/chains/evm/gethExport.js';
import { JsonRpcClient, RpcTransportError } from '../src/chains/evm/rpc.js';
import type { PartitionManifest } from '../src/manifests.js';
import type { Hex } from '../src/state/hex.js';
import { accountLine, readAccounts } from '../src/state/jsonl.js';
import { StatsAccumulator, type StateStats } from '../src/state/stats.js';
import { asFailure } from './failures.js';
import { DEFAULT_MAX_OUTAGE_SECONDS, OutageClock } from './outage.js';

/** Heartbeat details: enough to resume a partition exactly where the last durable page ended. */
interface ExportCursor {
  next: Hex;
  bytes: number;
  stats: StateStats;
}

export function partitionPath(index: number): string {
  return `exports/C/part-${String(index).padStart(3, '0')}.jsonl`;
}

async function manifestOfFinishedFile(path: string, rel: string, index: number): Promise<PartitionManifest> {
  const stats = new StatsAccumulator();
  for await (const record of readAccounts([path])) stats.add(record);
  return { index, path: rel, sha256: await sha256File(path), bytes: (await stat(path)).size, stats: stats.snapshot() };
}

export function exportActivities(store: ArtifactStore) {
  return {
    /**
     * Exports one key range of the state at `blockNumber` to JSONL. After every page the bytes are
     * handed to the OS and the cursor heartbeated, so a retry (worker crash, node outage) truncates
     * the partial file to the last cursor and continues from its key: nothing missed, nothing twice.
     */
    async exportPartition(input: {
      runKey: string;
      rpcUrl: string;
      blockNumber: number;
      index: number;
      count: number;
      pageSize: number;
      /** Absent in runs started before the plan had it. */
      maxOutageSeconds?: number;
    }): Promise<PartitionManifest> {
      const ctx = Context.current();
      const rel = partitionPath(input.index);
      const path = store.path(input.runKey, rel);
      if (existsSync(path)) return manifestOfFinishedFile(path, rel, input.index); // finished before a crash

      const bounds = partitionBounds(input.count)[input.index];
      if (!bounds) throw new Error(`partition ${input.index} of ${input.count} does not exist`);
      const cursor = await usableCursor(ctx.info.heartbeatDetails as ExportCursor | undefined, path);
      const file = await AtomicFile.create(path, { resumeAt: cursor?.bytes }).catch((err: unknown) => {
        throw asFailure(err, `export partition ${input.index}`);
      });
      const stats = new StatsAccumulator(cursor?.stats);
      const rpc = new JsonRpcClient(input.rpcUrl);
      const outage = new OutageClock(input.rpcUrl, (input.maxOutageSeconds ?? DEFAULT_MAX_OUTAGE_SECONDS) * 1000);
      let next: Hex | null = cursor?.next ?? bounds.start;
      let durable: ExportCursor | undefined = cursor;
      try {
        while (next !== null) {
          // A failed page read restarts the page stream at the last page written whole, in this
          // attempt, until the node has been failing for longer than the plan allows.
          try {
            const pages = accountRangePages(rpc, { blockNumber: input.blockNumber, start: next, end: bounds.end, pageSize: input.pageSize });
            for await (const page of pages) {
              // Cancellation (abort, rollback) arrives with a heartbeat; stop between pages so the
              // workflow's compensations never race a writer.
              ctx.cancellationSignal.throwIfAborted();
              for (const record of page.records) {
                await file.write(accountLine(record));
                stats.add(record);
              }
              next = page.next;
              outage.recovered();
              if (next === null) break;
              durable = { next, bytes: await file.checkpoint(), stats: stats.snapshot() };
              ctx.heartbeat(durable);
            }
            next = null;
          } catch (err) {
            if (!(err instanceof RpcTransportError && err.retryable) || ctx.cancellationSignal.aborted) throw err;
            await outage.waitOrGiveUp(err, () => ctx.heartbeat(durable), ctx.cancellationSignal);
          }
        }
        const written = await file.commit();
        const manifest: PartitionManifest = {
          index: input.index,
          path: rel,
          sha256: written.sha256,
          bytes: written.bytes,
          stats: stats.snapshot(),
        };
        if (cursor) manifest.resumedFrom = { key: cursor.next, accounts: cursor.stats.accounts, attempt: ctx.info.attempt };
        return manifest;
      } catch (err) {
        // Keep the .partial file: the next attempt resumes from the heartbeated cursor into it.
        await file.release();
        if (ctx.cancellationSignal.aborted) throw new CancelledFailure(`export partition ${input.index} cancelled`);
        throw asFailure(err, `export partition ${input.index}`);
      }
    },

    /** anvil has no range API: one dump of its head state, refused unless the head is the freeze block. */
    async exportAnvil(input: { runKey: string; rpcUrl: string; blockNumber: number }): Promise<PartitionManifest> {
      const rel = partitionPath(0);
      const path = store.path(input.runKey, rel);
      if (existsSync(path)) return manifestOfFinishedFile(path, rel, 0);
      const rpc = new JsonRpcClient(input.rpcUrl);
      const file = await AtomicFile.create(path);
      const stats = new StatsAccumulator();
      try {
        for (const record of await exportAnvilState(rpc, { blockNumber: input.blockNumber })) {
          await file.write(accountLine(record));
          stats.add(record);
        }
        const written = await file.commit();
        return { index: 0, path: rel, sha256: written.sha256, bytes: written.bytes, stats: stats.snapshot() };
      } catch (err) {
        await file.abort();
        throw asFailure(err, 'anvil export');
      }
    },
  };
}

/** A cursor is only usable if the partial file still holds every byte it counts. */
async function usableCursor(cursor: ExportCursor | undefined, path: string): Promise<ExportCursor | undefined> {
  if (!cursor) return undefined;
  try {
    const size = (await stat(AtomicFile.partialPath(path))).size;
    return size >= cursor.bytes ? cursor : undefined;
  } catch {
    return undefined;
  }
}
