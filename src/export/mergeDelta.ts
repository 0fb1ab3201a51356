import { AtomicFile } from '../artifacts/atomicFile.js';
import { partitionBounds } from '../chains/evm/gethExport.js';
import type { PartitionManifest } from '../manifests.js';
import type { AccountRecord } from '../state/account.js';
import { AccountBytes } from '../state/accountBytes.js';
import { parseAccountLine } from '../state/accountLine.js';
import { bytesToHex, type Hex } from '../state/hex.js';
import { accountLine } from '../state/jsonl.js';
import { LineSplitter, readChunks } from '../state/lines.js';
import { atLine, decodeRecordLine } from '../state/readAccountBytes.js';
import { keccakReady } from '../state/keccak.js';
import { StateRootBuilder, type AccountEncoding } from '../state/stateRoot.js';
import { StatsAccumulator } from '../state/stats.js';
import { isDeletion, type DeltaEntry } from './delta.js';

/**
 * Merges a delta into an earlier partitioned export: both streams are in trie-key order, so one
 * pass writes the later state's partitions, with the same bounds, record for record what a full
 * export of the later state writes (each line is accountLine's), and computes the state root of
 * what it wrote on the way. Memory holds one read chunk's lines and one delta record, whatever the
 * state size.
 */

export interface MergeFiles {
  /** The earlier export's partition files (absolute paths), partition i at index i. */
  partitions: readonly string[];
  /** Where merged partition i goes: the file, and the path its manifest names (relative to the run). */
  output: (index: number) => { path: string; rel: string };
  /** Stops the merge between records; the partition being written is left unpublished. */
  signal?: AbortSignal;
  /** How the chain encodes accounts in its trie (coreth: with isMultiCoin), for the merged root. */
  accountEncoding?: AccountEncoding;
}

export interface MergeResult {
  partitions: PartitionManifest[];
  /** State root of the merged export. */
  stateRoot: Hex;
  accounts: number;
  /** Delta records whose key the earlier export did not have. */
  inserted: number;
  /** Earlier records replaced by their delta record. */
  replaced: number;
  /** Earlier records a deletion removed. */
  removed: number;
}

/** The delta stream with one entry of look-ahead, refusing keys that do not strictly increase. */
class DeltaCursor {
  private current: DeltaEntry | undefined;
  private done = false;
  private last: Hex | undefined;

  constructor(private readonly entries: AsyncIterator<DeltaEntry>) {}

  async peek(): Promise<DeltaEntry | undefined> {
    if (this.current !== undefined || this.done) return this.current;
    const next = await this.entries.next();
    if (next.done) {
      this.done = true;
      return undefined;
    }
    const { key } = next.value;
    if (this.last !== undefined && key <= this.last) {
      throw new Error(`delta entries must be in strictly increasing key order: ${key} comes after ${this.last}`);
    }
    this.last = key;
    this.current = next.value;
    return this.current;
  }

  /** The entry peek() returned is consumed. */
  take(): void {
    this.current = undefined;
  }
}

/** What the merge has written so far, across partitions. */
class MergedState {
  constructor(readonly root: StateRootBuilder) {}
  inserted = 0;
  replaced = 0;
  removed = 0;
}

/** One merged partition being written: its file and stats, and the root shared by all. */
class PartitionWriter {
  readonly stats = new StatsAccumulator();

  constructor(
    readonly file: AtomicFile,
    private readonly state: MergedState,
  ) {}

  /** A delta record, written as a full export writes it. */
  async write(record: AccountRecord): Promise<void> {
    this.state.root.add(record); // checks key, code hash and storage root before the line is written
    await this.file.write(accountLine(record));
    this.stats.add(record);
  }

  /** An earlier export's account, decoded from its line: the line itself when it is accountLine's, else accountLine of it. */
  async keep(account: AccountBytes, line: EarlierLine): Promise<void> {
    this.state.root.addBytes(account); // the same checks
    this.stats.addBytes(account);
    if (account.record) await this.file.write(accountLine(account.record));
    else if (line.buf[line.end] === LF) await this.file.write(line.buf.subarray(line.start, line.end + 1));
    else {
      await this.file.write(line.buf.subarray(line.start, line.end));
      await this.file.write('\n');
    }
  }
}

const LF = 0x0a;

/** One line of an earlier partition: buf[start, end), its break not included. */
interface EarlierLine {
  buf: Buffer;
  start: number;
  end: number;
  lineNo: number;
}

/**
 * Decodes an earlier export's line into `account`. A line in exactly the form accountLine writes is
 * decoded from its bytes and left as it is (account.record unset); any other (storage out of order,
 * an empty storage object, another valid JSON form) is parsed, and account.record is what a full
 * export would write for it. Errors name the file and line.
 */
function decodeEarlier(path: string, line: EarlierLine, account: AccountBytes): void {
  const { buf, start, end, lineNo } = line;
  try {
    if (parseAccountLine(buf, start, end, account) && account.storageSorted && (account.slotCount > 0 || account.spans.storageEnd === 0)) return;
    decodeRecordLine(buf, start, end, account);
  } catch (err) {
    throw atLine(path, lineNo, err);
  }
}

/** Writes the delta entries with keys below `below` (null: all that are left) that the earlier export did not have. */
async function insertBefore(below: Hex | null, delta: DeltaCursor, out: PartitionWriter, state: MergedState): Promise<void> {
  for (let entry = await delta.peek(); entry && (below === null || entry.key < below); entry = await delta.peek()) {
    delta.take();
    // A deletion of a key the earlier export does not hold has nothing to remove.
    if (isDeletion(entry)) continue;
    await out.write(entry);
    state.inserted += 1;
  }
}

/**
 * Merges the delta entries within `bounds` into one earlier partition file. Its lines are read as
 * bytes, a chunk at a time: an account the delta does not touch is decoded once, for the root and
 * the stats, and its line copied, so the merge neither parses JSON nor writes a line again for the
 * accounts that did not change (nearly all of them).
 */
async function mergePartition(
  path: string,
  bounds: { start: Hex; end: Hex | null },
  delta: DeltaCursor,
  out: PartitionWriter,
  state: MergedState,
  signal: AbortSignal | undefined,
): Promise<void> {
  const account = new AccountBytes();
  const lines: EarlierLine[] = [];
  const splitter = new LineSplitter((buf, start, end, lineNo) => lines.push({ buf, start, end, lineNo }));
  let previous: Hex | undefined;
  const mergeLines = async (): Promise<void> => {
    for (const line of lines) {
      decodeEarlier(path, line, account);
      const key = bytesToHex(account.key);
      if (key < bounds.start || (bounds.end !== null && key >= bounds.end) || (previous !== undefined && key <= previous)) {
        throw new Error(
          `${path}:${line.lineNo}: record (key ${key}) is out of order or outside the partition's range [${bounds.start}, ${bounds.end ?? 'end'}); ` +
            'the earlier export must be the partitions of one export, in order',
        );
      }
      previous = key;
      await insertBefore(key, delta, out, state);
      const entry = await delta.peek();
      if (entry?.key !== key) {
        await out.keep(account, line);
        continue;
      }
      delta.take();
      if (isDeletion(entry)) state.removed += 1;
      else {
        await out.write(entry);
        state.replaced += 1;
      }
    }
    lines.length = 0;
  };
  // The lines of a chunk are views of it: each batch is merged before the next chunk is read.
  for await (const chunk of readChunks(path)) {
    signal?.throwIfAborted();
    splitter.push(chunk);
    await mergeLines();
  }
  splitter.finish();
  await mergeLines();
  await insertBefore(bounds.end, delta, out, state);
}

/**
 * Writes the merged partitions (each atomically: a crash leaves no partial file published) and
 * returns their manifests, the counts, and the state root of the whole merged export.
 */
export async function mergeDelta(files: MergeFiles, delta: AsyncIterable<DeltaEntry>): Promise<MergeResult> {
  await keccakReady();
  const bounds = partitionBounds(files.partitions.length);
  const cursor = new DeltaCursor(delta[Symbol.asyncIterator]());
  const state = new MergedState(new StateRootBuilder(files.accountEncoding));
  const partitions: PartitionManifest[] = [];
  for (const [index, path] of files.partitions.entries()) {
    const target = files.output(index);
    const out = new PartitionWriter(await AtomicFile.create(target.path), state);
    try {
      await mergePartition(path, bounds[index]!, cursor, out, state, files.signal);
      const written = await out.file.commit();
      partitions.push({ index, path: target.rel, sha256: written.sha256, bytes: written.bytes, stats: out.stats.snapshot() });
    } catch (err) {
      await out.file.abort();
      throw err;
    }
  }
  const accounts = state.root.accounts;
  return { partitions, stateRoot: state.root.root(), accounts, inserted: state.inserted, replaced: state.replaced, removed: state.removed };
}
