import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { AtomicFile } from '../../artifacts/atomicFile.js';
import { LineSplitter, READ_CHUNK } from '../../state/lines.js';
import type { OwnerAddress } from './blockDigest.js';
import { OwnerSet } from './ownerSet.js';

/**
 * The checkpoint of owner discovery. Owners are appended to a log (`<path>.partial`, one JSON
 * string a line, never published) as each page of blocks is read, and the cursor says how far the
 * log and the chains had got after the last page handed to the OS. A retry given the cursor keeps
 * the log up to it and reads on from the next block, so a crash costs at most the page in flight.
 */
export interface DiscoveryCursor {
  /** The next block to read on each chain (P from 1; X 1 until its walk starts). */
  next: { P: number; X: number };
  /** The X-Chain head read when its walk started: where every later attempt stops too. */
  xHead?: number;
  /** Staking asset burned in the blocks before `next`, decimal strings. */
  burned: { P: string; X: string };
  /** Bytes of the log holding the owners found so far, and how many they are. */
  bytes: number;
  owners: number;
}

export class OwnerLog {
  private constructor(
    private readonly file: AtomicFile | undefined,
    readonly found: OwnerSet,
  ) {}

  /**
   * Opens the log at `path` (undefined: kept in memory only). With a cursor whose bytes the
   * partial file still holds, the owners in them are read back and the log continues after them;
   * otherwise the cursor is of no use and the caller starts over (`resumed` false).
   */
  static async open(path: string | undefined, cursor: DiscoveryCursor | undefined): Promise<{ log: OwnerLog; resumed: boolean }> {
    if (path === undefined) return { log: new OwnerLog(undefined, new OwnerSet()), resumed: false };
    const fresh = async (): Promise<{ log: OwnerLog; resumed: boolean }> => ({
      log: new OwnerLog(await AtomicFile.create(path), new OwnerSet()),
      resumed: false,
    });
    if (cursor === undefined) return fresh();
    const partial = AtomicFile.partialPath(path);
    const size = await stat(partial).then(
      (s) => s.size,
      () => -1,
    );
    if (size < cursor.bytes) return fresh();
    // A log that cannot be read back, or holds another count, is a cache lost: discovery starts over.
    const found = await readOwners(partial, cursor.bytes).catch(() => undefined);
    if (found?.size !== cursor.owners) return fresh();
    return { log: new OwnerLog(await AtomicFile.create(path, { resumeAt: cursor.bytes }), found), resumed: true };
  }

  /** Adds an owner; true if it is new (and then appended to the log). */
  async add(owner: OwnerAddress): Promise<boolean> {
    if (!this.found.add(owner)) return false;
    await this.file?.write(`${JSON.stringify(owner)}\n`);
    return true;
  }

  /** Hands the owners added so far to the OS; the offset a cursor may name. */
  async checkpoint(): Promise<number> {
    return this.file ? this.file.checkpoint() : 0;
  }

  /** Keeps the partial log for a later attempt (a failed or cancelled discovery). */
  async release(): Promise<void> {
    await this.file?.release();
  }

  /** Drops the log once the sorted owners file is written. */
  async discard(): Promise<void> {
    await this.file?.abort();
  }
}

/**
 * The owners in the first `bytes` bytes of the log at `partial`, streamed: a log of millions of
 * owners is larger than a string may be. Throws on a line that is no owner (the caller starts over).
 */
async function readOwners(partial: string, bytes: number): Promise<OwnerSet> {
  const found = new OwnerSet();
  if (bytes === 0) return found;
  const splitter = new LineSplitter((buf, start, end) => found.add(JSON.parse(buf.toString('utf8', start, end)) as OwnerAddress));
  for await (const chunk of createReadStream(partial, { end: bytes - 1, highWaterMark: READ_CHUNK })) splitter.push(chunk as Buffer);
  splitter.finish();
  return found;
}

/** Removes the log at `path` (its `.partial`) once nothing can need it. */
export async function discardOwnerLog(path: string): Promise<void> {
  await rm(AtomicFile.partialPath(path), { force: true });
}
