import { normalize } from 'node:path';
import { AtomicFile, type WrittenFile } from '../artifacts/atomicFile.js';
import type { ArtifactStore } from '../artifacts/store.js';
import { ACCOUNT_RANGE_MAX, headerStateRoot } from '../chains/evm/gethExport.js';
import { JsonRpcClient } from '../chains/evm/rpc.js';
import type { DeltaManifest } from '../manifests.js';
import { readJsonLines } from '../state/jsonl.js';
import { findDeletions, type KeyScan } from './deletedAccounts.js';
import { accountsAt, deltaLine, isDeletion, modifiedAccounts, withOutageRetries, type DeltaEntry, type NodeReadOptions } from './delta.js';
import { mergeDelta, type MergeResult } from './mergeDelta.js';
import { DEFAULT_MAX_OUTAGE_SECONDS, OutageClock } from './outage.js';
import { deltaPath, partitionPath } from '../artifacts/layout.js';
import type { AccountEncoding } from '../state/stateRoot.js';

/**
 * Stage 2 of a run on the C-Chain: the state at the halt height, from the stage-1 export at the
 * freeze height and only what changed in between. The delta is read from the node and written as
 * JSONL, merged into the stage-1 partitions, and the merged export's state root is held against
 * the halt block's. A mismatch means the node's difference missed deletions (it cannot report
 * them): every key at the halt is then read to find them, and the merge is done again with them.
 */

/** What a run asks for: the heights, the node, and the stage-1 partitions (relative to their run). */
export interface CDeltaRequest {
  /** The run the delta and the merged partitions are written under. */
  runKey: string;
  /** The run whose artifact directory holds `partitionPaths` (stage 1); default `runKey`. */
  sourceRunKey?: string;
  rpcUrl: string;
  /** coreth (the Avalanche/Lux C-Chain) encodes accounts with isMultiCoin: the merged root must be its. */
  accountEncoding?: AccountEncoding;
  /** The height the stage-1 export was made at. */
  fromHeight: number;
  /** The halt height: the state the merged export must be. */
  toHeight: number;
  /** Stage-1 partition files, partition i at index i, relative to the source run's artifact directory. */
  partitionPaths: string[];
  /** Accounts per page when every key at the halt must be read (1..256, default 256). */
  pageSize?: number;
  /** How long the source node may fail before the export gives up on it. */
  maxOutageSeconds?: number;
}

export interface CDeltaOptions extends CDeltaRequest {
  store: ArtifactStore;
  /** Accounts of the delta read at once (default 8). */
  concurrency?: number;
  /** Called while a node outage is waited out. */
  alive?: () => void;
  signal?: AbortSignal;
}

/** The request cannot be done as asked (heights out of order, no partitions). */
export class DeltaRequestError extends Error {
  override readonly name = 'DeltaRequestError';
}

/** The merged export is not the state at the halt height, even with every deletion found. */
export class DeltaRootMismatchError extends Error {
  override readonly name = 'DeltaRootMismatchError';
}

/** Writes the delta entries to `path` as JSONL, atomically, counting the deletions. */
async function writeDelta(path: string, entries: AsyncIterable<DeltaEntry>): Promise<{ file: WrittenFile; deleted: number }> {
  const file = await AtomicFile.create(path);
  let deleted = 0;
  try {
    for await (const entry of entries) {
      if (isDeletion(entry)) deleted += 1;
      await file.write(deltaLine(entry));
    }
    return { file: await file.commit(), deleted };
  } catch (err) {
    await file.abort();
    throw err;
  }
}

function readDelta(path: string): AsyncGenerator<DeltaEntry> {
  return readJsonLines<DeltaEntry>([path], 'delta entry');
}

/** The delta entries with `deletions` (keys it does not have, in key order) put in their places. */
async function* withDeletions(entries: AsyncIterable<DeltaEntry>, deletions: readonly DeltaEntry[]): AsyncGenerator<DeltaEntry> {
  let next = 0;
  for await (const entry of entries) {
    while (next < deletions.length && deletions[next]!.key < entry.key) yield deletions[next++]!;
    yield entry;
  }
  yield* deletions.slice(next);
}

/** Refuses what cannot be done as asked, naming the field. */
function checkRequest(request: CDeltaRequest): void {
  const { fromHeight: from, toHeight: to, partitionPaths, pageSize } = request;
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to < from) {
    throw new DeltaRequestError(`C-Chain delta: fromHeight ${from} and toHeight ${to} must be integers with 0 <= fromHeight <= toHeight`);
  }
  if (partitionPaths.length === 0) {
    throw new DeltaRequestError('C-Chain delta: partitionPaths is empty; the stage-1 export has at least one partition');
  }
  // The merge rewrites its output while it may still have to read its input again (deletions).
  const outputs = new Set(partitionPaths.map((_, i) => partitionPath(i, 'C-final')));
  const sameRun = (request.sourceRunKey ?? request.runKey) === request.runKey;
  const clash = sameRun ? partitionPaths.findIndex((p) => outputs.has(normalize(p))) : -1;
  if (clash >= 0) {
    throw new DeltaRequestError(
      `C-Chain delta: partitionPaths[${clash}] ${partitionPaths[clash]} is where the merged export is written; pass the stage-1 partitions`,
    );
  }
  if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > ACCOUNT_RANGE_MAX)) {
    throw new DeltaRequestError(`C-Chain delta: pageSize must be 1..${ACCOUNT_RANGE_MAX}, got ${pageSize}`);
  }
}

/**
 * Exports what changed on the C-Chain between `fromHeight` and `toHeight` and merges it into the
 * stage-1 partitions: the delta goes to exports/C-delta/<from>-<to>.jsonl, the merged partitions to
 * exports/C-final/. Every file is rewritten whole on each call, and the same heights give the same
 * bytes, so a retry after any failure is safe.
 */
export async function exportCDelta(options: CDeltaOptions): Promise<DeltaManifest> {
  checkRequest(options);
  const { store, runKey, fromHeight: from, toHeight: to } = options;
  const rpc = new JsonRpcClient(options.rpcUrl);
  const outage = new OutageClock(options.rpcUrl, (options.maxOutageSeconds ?? DEFAULT_MAX_OUTAGE_SECONDS) * 1000);
  const read: NodeReadOptions = { outage, concurrency: options.concurrency, alive: options.alive, signal: options.signal };
  // Equal heights: nothing can have changed, and the node's difference refuses them.
  const addresses = from === to ? [] : await withOutageRetries(() => modifiedAccounts(rpc, from, to), read);
  const at = { blockNumber: to, stateRoot: await withOutageRetries(() => headerStateRoot(rpc, to), read) };
  const expectedRoot = `0x${at.stateRoot}`;

  const deltaRel = deltaPath(from, to);
  const deltaFile = store.path(runKey, deltaRel);
  let delta = await writeDelta(deltaFile, accountsAt(rpc, at, addresses, read));
  const merge = (): Promise<MergeResult> =>
    mergeDelta(
      {
        partitions: options.partitionPaths.map((p) => store.path(options.sourceRunKey ?? runKey, p)),
        output: (index) => ({ path: store.path(runKey, partitionPath(index, 'C-final')), rel: partitionPath(index, 'C-final') }),
        signal: options.signal,
        ...(options.accountEncoding ? { accountEncoding: options.accountEncoding } : {}),
      },
      readDelta(deltaFile),
    );
  let merged = await merge();
  let scan: KeyScan | undefined;
  if (merged.stateRoot !== expectedRoot) {
    scan = await findDeletions(
      rpc,
      at,
      merged.partitions.map((p) => store.path(runKey, p.path)),
      { ...read, pageSize: options.pageSize },
    );
    if (scan.deleted.length > 0) {
      delta = await writeDelta(deltaFile, withDeletions(readDelta(deltaFile), scan.deleted));
      merged = await merge();
    }
  }
  if (merged.stateRoot !== expectedRoot) {
    throw new DeltaRootMismatchError(
      `C-Chain delta ${from} → ${to}: the merged export's state root ${merged.stateRoot} is not block ${to}'s ${expectedRoot}, ` +
        `after ${scan?.deleted.length ?? 0} deletions found by reading every key at ${to}; export the full state at ${to} instead`,
    );
  }
  const manifest: DeltaManifest = {
    fromHeight: from,
    toHeight: to,
    stateRoot: expectedRoot,
    delta: { path: deltaRel, sha256: delta.file.sha256, bytes: delta.file.bytes },
    changedAccounts: addresses.length,
    deletedAccounts: delta.deleted,
    createdAccounts: merged.inserted,
    totalAccounts: merged.accounts,
    partitions: merged.partitions,
  };
  if (scan) manifest.keyScan = { keys: scan.keys, pages: scan.pages, deletionsFound: scan.deleted.length };
  return manifest;
}
