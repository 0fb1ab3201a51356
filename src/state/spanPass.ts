import { getHeapStatistics } from 'node:v8';
import { AllocOutput } from '../genesis/allocOutput.js';
import { AccountBytes } from './accountBytes.js';
import { bytesToHex } from './hex.js';
import { keccakReady } from './keccak.js';
import type { KeySpan } from './keySpans.js';
import { peekKey } from './keySpans.js';
import { LineSplitter, readChunks } from './lines.js';
import { atLine, decodeAccount } from './readAccountBytes.js';
import { outOfOrder, StateRootBuilder, type AccountEncoding } from './accountTrie.js';
import { StatsAccumulator, type StateStats } from './stats.js';
import type { SubtrieRefs } from './subtrieAssembly.js';

/**
 * One key span's share of a root or genesis pass (keySpans.ts), on whichever thread runs it: read
 * the span's files, check that every key read follows the one before, and feed the accounts of the
 * span's own groups into one subtrie per group (and into its alloc output); skip the others' by
 * their key alone. What it returns is plain data, so it crosses threads as it is.
 */

export interface SpanTask extends KeySpan {
  encoding: AccountEncoding;
  /** Genesis pass: write this span's alloc entries; `leading` as AllocOutput's. */
  alloc?: { leading: boolean };
}

/** What a span's readers saw of one file, for the checks across files. */
export interface FileKeys {
  index: number;
  /** Its first account (key hex, line, address for messages); absent for a file without one. */
  first?: { key: string; line: number; name: string };
  last?: string;
}

export interface SpanResult {
  groups: SubtrieRefs[];
  accounts: number;
  stats: StateStats;
  files: FileKeys[];
  /** Alloc entries written (genesis pass). */
  allocEntries: number;
  /** The largest V8 heap (with external memory) of the thread seen during the pass, MiB. */
  heapPeakMb: number;
}

/** A failure at a place in the input: the pass reports the earliest over all spans, as one thread would meet it. */
export class SpanFailure extends Error {
  constructor(
    message: string,
    readonly file: number,
    readonly line: number,
  ) {
    super(message);
  }
}

/** Carries a hook's own error past the reader's, which would take it for a bad file. */
class HookError {
  constructor(readonly cause: unknown) {}
}

export interface SpanHooks {
  /** Alloc bytes, in order; awaited (back-pressure). */
  write?(chunks: Buffer[]): Promise<void>;
  /** Owned accounts so far, after every chunk read; awaited. */
  progress?(accounts: number): Promise<void> | void;
}

/** Runs the span; a bad input throws a SpanFailure naming the file and line. */
export async function runSpan(task: SpanTask, hooks: SpanHooks = {}): Promise<SpanResult> {
  await keccakReady();
  const pass = new SpanPass(task);
  for (const file of task.files) {
    pass.startFile(file.index);
    const splitter = new LineSplitter((buf, start, end, lineNo) => pass.line(file.path, buf, start, end, lineNo));
    try {
      for await (const chunk of readChunks(file.path)) {
        splitter.push(chunk);
        await pass.flush(hooks);
      }
      splitter.finish();
    } catch (err) {
      if (err instanceof HookError) throw err.cause;
      throw err instanceof SpanFailure ? err : new SpanFailure(`${file.path}: ${(err as Error).message}`, file.index, 0);
    }
    pass.endFile();
  }
  return pass.finish(hooks);
}

const HEAP_SAMPLE_EVERY = 64;

/** The state of one span's pass: its tries, totals, output, and the last key read (order is checked across files). */
class SpanPass {
  private readonly builder: StateRootBuilder;
  private readonly stats = new StatsAccumulator();
  private readonly output: AllocOutput | undefined;
  private readonly account = new AccountBytes();
  private readonly key = new Uint8Array(32);
  private readonly prev = new Uint8Array(32);
  private hasPrev = false;
  private readonly groups: SubtrieRefs[] = [];
  private group = -1;
  private owned = 0;
  private readonly files: FileKeys[] = [];
  private current: FileKeys = { index: -1 };
  private chunks = 0;
  private heapPeak = 0;

  constructor(private readonly task: SpanTask) {
    if (task.depth !== 1 && task.depth !== 2) throw new Error(`span depth ${task.depth}: 1 or 2 nibbles`);
    if (!(task.from >= 0 && task.from < task.to && task.to <= 16 ** task.depth))
      throw new Error(`span groups [${task.from}, ${task.to}) are not within ${16 ** task.depth}`);
    this.builder = new StateRootBuilder(task.encoding);
    this.output = task.alloc ? new AllocOutput(task.alloc.leading) : undefined;
  }

  /** A file begins: its first and last keys are recorded for the checks across files. */
  startFile(index: number): void {
    this.current = { index };
  }

  /** The file is read whole: the last key read is its last. */
  endFile(): void {
    if (this.current.first) this.current.last = bytesToHex(this.prev);
    this.files.push(this.current);
  }

  /** One line: its key checked against the previous one, then the account taken if the span owns it. */
  line(path: string, buf: Buffer, start: number, end: number, lineNo: number): void {
    try {
      this.take(buf, start, end, lineNo);
    } catch (err) {
      throw new SpanFailure(atLine(path, lineNo, err).message, this.current.index, lineNo);
    }
  }

  /** Decodes only what it must: a line another span owns is skipped by its key alone. */
  private take(buf: Buffer, start: number, end: number, lineNo: number): void {
    const account = this.account;
    // A file's first account is always decoded, for the address the checks across files name.
    const decoded = this.current.first === undefined || !peekKey(buf, start, end, this.key);
    if (decoded) {
      decodeAccount(buf, start, end, account);
      this.key.set(account.key);
    }
    if (this.hasPrev && compareKeys(this.key, this.prev) <= 0) {
      if (!decoded) decodeAccount(buf, start, end, account);
      // As one pass over the accounts would: the account's own checks come before its order.
      this.builder.checkedValue(account);
      throw outOfOrder(account, bytesToHex(this.prev));
    }
    this.prev.set(this.key);
    this.hasPrev = true;
    if (this.current.first === undefined) this.current.first = { key: bytesToHex(this.key), line: lineNo, name: account.name() };
    const group = this.task.depth === 1 ? this.key[0]! >> 4 : this.key[0]!;
    if (group < this.task.from || group >= this.task.to) return;
    if (!decoded) {
      decodeAccount(buf, start, end, account);
      // Only a JSON line naming "key" twice could decode to another key than its first one.
      if (compareKeys(account.key, this.key) !== 0) throw new Error(`account ${account.name()}: the line gives more than one key`);
    }
    if (group !== this.group) this.closeGroup(group);
    this.builder.addBytes(account);
    this.stats.addBytes(account);
    this.output?.add(account);
    this.owned++;
  }

  /** The subtrie of the group before is complete: its keys are all below `next`'s. */
  private closeGroup(next: number): void {
    if (this.group >= 0) this.groups.push({ prefix: this.group, refs: this.builder.subtrieRefs(this.task.depth) });
    this.group = next;
  }

  /**
   * Hands over the alloc bytes and progress of the chunk just read. What the hooks throw (a full
   * disk, a cancelled heartbeat) is not the input's fault and reaches the caller as it is.
   */
  async flush(hooks: SpanHooks): Promise<void> {
    if (++this.chunks % HEAP_SAMPLE_EVERY === 1) this.sampleHeap();
    try {
      if (this.output && hooks.write) {
        const chunks = this.output.take();
        if (chunks.length > 0) await hooks.write(chunks);
      }
      if (hooks.progress) await hooks.progress(this.owned);
    } catch (err) {
      throw new HookError(err);
    }
  }

  /** Closes the last group and hands over the rest of the output: the span's result. */
  async finish(hooks: SpanHooks): Promise<SpanResult> {
    this.closeGroup(-1);
    if (this.output && hooks.write) await hooks.write(this.output.end());
    this.sampleHeap();
    return {
      groups: this.groups,
      accounts: this.owned,
      stats: this.stats.snapshot(),
      files: this.files,
      allocEntries: this.output?.entries ?? 0,
      heapPeakMb: Math.round(this.heapPeak / 2 ** 20),
    };
  }

  /** RSS is the process's, shared by every thread; the heap is this thread's own, so it is what a thread costs. */
  private sampleHeap(): void {
    const h = getHeapStatistics();
    this.heapPeak = Math.max(this.heapPeak, h.total_heap_size + h.external_memory);
  }
}

/** Byte order of two 32-byte keys. */
function compareKeys(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return 0;
}
