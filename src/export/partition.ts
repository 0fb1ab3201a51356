import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { AtomicFile, sha256File } from '../artifacts/atomicFile.js';
import { partitionPath } from '../artifacts/layout.js';
import type { ArtifactStore } from '../artifacts/store.js';
import { exportAnvilState } from '../chains/evm/anvilExport.js';
import { accountRangePages, partitionBounds } from '../chains/evm/gethExport.js';
import { JsonRpcClient, RpcTransportError } from '../chains/evm/rpc.js';
import type { ExportCursor } from '../contract/exportProgress.js';
import type { PartitionManifest } from '../manifests.js';
import type { Hex } from '../state/hex.js';
import { accountLine, readAccounts } from '../state/jsonl.js';
import { StatsAccumulator } from '../state/stats.js';
import { DEFAULT_MAX_OUTAGE_SECONDS, OutageClock } from './outage.js';

/** Which partition of which state, from which node: what a run asks to be exported. */
export interface PartitionRequest {
  runKey: string;
  rpcUrl: string;
  blockNumber: number;
  index: number;
  count: number;
  pageSize: number;
  /** How long the source node may fail before the export gives up on it (absent in runs started before plans had it). */
  maxOutageSeconds?: number;
}

export interface PartitionExportOptions extends PartitionRequest {
  store: ArtifactStore;
  /** The last checkpoint of an earlier attempt; used only if the partial file still holds it. */
  resume?: ExportCursor;
  /** Which attempt this is: recorded in the manifest when it resumed from a checkpoint. */
  attempt?: number;
  /**
   * Called with the cursor to resume from after every page that is on disk, and with the last one
   * again while an outage is waited out, so whoever supervises the export knows it is alive.
   */
  checkpoint?: (cursor: ExportCursor | undefined) => void;
  /** Stops the export between pages (the partial file and the last checkpoint stay usable). */
  signal?: AbortSignal;
}

/** The manifest of a partition finished by an earlier attempt, read back from its file. */
async function manifestOfFinishedFile(path: string, rel: string, index: number): Promise<PartitionManifest> {
  const stats = new StatsAccumulator();
  for await (const record of readAccounts([path])) stats.add(record);
  return { index, path: rel, sha256: await sha256File(path), bytes: (await stat(path)).size, stats: stats.snapshot() };
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

/**
 * Exports one key range of the state at `blockNumber` to JSONL. After every page the bytes are
 * handed to the OS and the cursor checkpointed, so a later attempt (worker crash, node outage)
 * truncates the partial file to the last cursor and continues from its key: nothing missed,
 * nothing twice. A partition already finished is read back instead of exported again.
 */
export async function exportPartition(options: PartitionExportOptions): Promise<PartitionManifest> {
  const { index, signal } = options;
  const rel = partitionPath(index);
  const path = options.store.path(options.runKey, rel);
  if (existsSync(path)) return manifestOfFinishedFile(path, rel, index);

  const bounds = partitionBounds(options.count)[index];
  if (!bounds) throw new Error(`partition ${index} of ${options.count} does not exist`);
  const cursor = await usableCursor(options.resume, path);
  const file = await AtomicFile.create(path, { resumeAt: cursor?.bytes });
  const stats = new StatsAccumulator(cursor?.stats);
  const rpc = new JsonRpcClient(options.rpcUrl);
  const outage = new OutageClock(options.rpcUrl, (options.maxOutageSeconds ?? DEFAULT_MAX_OUTAGE_SECONDS) * 1000);
  const checkpoint = options.checkpoint ?? (() => undefined);
  let next: Hex | null = cursor?.next ?? bounds.start;
  let durable: ExportCursor | undefined = cursor;
  try {
    while (next !== null) {
      // A failed page read restarts the page stream at the last page written whole, in this
      // attempt, until the node has been failing for longer than the plan allows.
      try {
        const pages = accountRangePages(rpc, { blockNumber: options.blockNumber, start: next, end: bounds.end, pageSize: options.pageSize });
        for await (const page of pages) {
          // Stop between pages, so a rollback's compensations never race a writer.
          signal?.throwIfAborted();
          for (const record of page.records) {
            await file.write(accountLine(record));
            stats.add(record);
          }
          next = page.next;
          outage.recovered();
          if (next === null) break;
          durable = { next, bytes: await file.checkpoint(), stats: stats.snapshot() };
          checkpoint(durable);
        }
        next = null;
      } catch (err) {
        if (!(err instanceof RpcTransportError && err.retryable) || signal?.aborted) throw err;
        await outage.waitOrGiveUp(err, () => checkpoint(durable), signal);
      }
    }
    const written = await file.commit();
    const manifest: PartitionManifest = { index, path: rel, sha256: written.sha256, bytes: written.bytes, stats: stats.snapshot() };
    if (cursor) manifest.resumedFrom = { key: cursor.next, accounts: cursor.stats.accounts, attempt: options.attempt ?? 1 };
    return manifest;
  } catch (err) {
    // Keep the .partial file: the next attempt resumes from the last checkpoint into it.
    await file.release();
    throw err;
  }
}

/** anvil has no range API: one dump of its head state, refused unless the head is the freeze block. */
export async function exportAnvilPartition(options: { store: ArtifactStore; runKey: string; rpcUrl: string; blockNumber: number }): Promise<PartitionManifest> {
  const rel = partitionPath(0);
  const path = options.store.path(options.runKey, rel);
  if (existsSync(path)) return manifestOfFinishedFile(path, rel, 0);
  const rpc = new JsonRpcClient(options.rpcUrl);
  const file = await AtomicFile.create(path);
  const stats = new StatsAccumulator();
  try {
    for (const record of await exportAnvilState(rpc, { blockNumber: options.blockNumber })) {
      await file.write(accountLine(record));
      stats.add(record);
    }
    const written = await file.commit();
    return { index: 0, path: rel, sha256: written.sha256, bytes: written.bytes, stats: stats.snapshot() };
  } catch (err) {
    await file.abort();
    throw err;
  }
}
