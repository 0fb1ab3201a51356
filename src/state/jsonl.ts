import { AtomicFile, type WrittenFile } from '../artifacts/atomicFile.js';
import type { AccountRecord } from './account.js';
import { LineSplitter, readChunks } from './lines.js';

/**
 * One account as one JSONL line, fields in a fixed order so the same account always gives the same
 * bytes (artifacts are compared by sha256 across runs and crashes).
 *
 * The line is put together field by field rather than through an intermediate object, which this
 * runs once per account of an export; the bytes are exactly JSON.stringify's of
 * { key, address, balance, nonce, codeHash, code?, storage? (sorted by slot), storageRoot? }.
 */
export function accountLine(record: AccountRecord): string {
  let line = '{';
  line += member('key', record.key, true);
  line += member('address', record.address, line.length === 1);
  line += member('balance', record.balance, line.length === 1);
  line += member('nonce', record.nonce, line.length === 1);
  line += member('codeHash', record.codeHash, line.length === 1);
  line += member('code', record.code, line.length === 1);
  const storage = record.storage !== undefined ? storageJson(record.storage) : undefined;
  if (storage !== undefined) line += `${line.length === 1 ? '' : ','}"storage":${storage}`;
  line += member('storageRoot', record.storageRoot, line.length === 1);
  return `${line}}\n`;
}

/** `"name":<json>` with a leading comma unless first; nothing for undefined (as JSON.stringify skips it). */
function member(name: string, value: unknown, first: boolean): string {
  if (value === undefined) return '';
  return `${first ? '' : ','}"${name}":${JSON.stringify(value)}`;
}

function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return false;
  return true;
}

/**
 * JSON of a storage map with its slots in sorted order, exactly JSON.stringify(sortedStorage(s));
 * undefined when it is empty.
 */
export function storageJson(storage: Record<string, string>): string | undefined {
  const keys = Object.keys(storage);
  if (keys.length === 0) return undefined;
  // Slots are 0x-hex; any other key could be an integer-like name, which objects order first.
  if (!keys.every((k) => k.startsWith('0x'))) return JSON.stringify(sortedStorage(storage));
  if (!isSorted(keys)) keys.sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = storage[k];
    if (v === undefined) continue;
    out += `${out.length === 1 ? '' : ','}${JSON.stringify(k)}:${JSON.stringify(v)}`;
  }
  return `${out}}`;
}

export function sortedStorage(storage: Record<string, string>): Record<`0x${string}`, `0x${string}`> {
  const out: Record<`0x${string}`, `0x${string}`> = {};
  for (const slot of Object.keys(storage).sort()) out[slot as `0x${string}`] = storage[slot] as `0x${string}`;
  return out;
}

/**
 * Streams the accounts of export files in order: the files are partitions in key order. Lines are
 * split by lines.ts (readline's line breaks; empty lines skipped and still counted in the line
 * numbers of error messages).
 */
export function readAccounts(paths: readonly string[]): AsyncGenerator<AccountRecord> {
  return readJsonLines<AccountRecord>(paths, 'account record');
}

/**
 * Streams the records of JSONL files in order (any export: accounts, UTXOs, validators). Each
 * chunk read is split into lines and parsed before its records are yielded, so only one chunk's
 * records are ever held.
 */
export async function* readJsonLines<T>(paths: readonly string[], what = 'record'): AsyncGenerator<T> {
  for (const path of paths) {
    let batch: T[] = [];
    const splitter = new LineSplitter((buf, start, end, lineNo) => {
      let record: T;
      try {
        record = JSON.parse(buf.toString('utf8', start, end)) as T;
      } catch (err) {
        throw new Error(`${path}:${lineNo}: not a JSON ${what} (${(err as Error).message})`);
      }
      // A line of null, false or 0 holds no record (as before the readers shared a splitter).
      if (record) batch.push(record);
    });
    const drain = (): T[] => {
      const out = batch;
      batch = [];
      return out;
    };
    for await (const chunk of readChunks(path)) {
      splitter.push(chunk);
      yield* drain();
    }
    splitter.finish();
    yield* drain();
  }
}

/** Reads a small JSONL file (samples, never an export) into memory. */
export async function readAccountFile(path: string): Promise<AccountRecord[]> {
  const out: AccountRecord[] = [];
  for await (const record of readAccounts([path])) out.push(record);
  return out;
}

/** A JSONL file as written: its bytes and hash, and how many records it holds (for the manifest that names it). */
export interface JsonlSummary extends WrittenFile {
  records: number;
}

/**
 * Streams records into a JSONL file that appears only whole (written to `.partial`, fsynced,
 * renamed). Each record is serialised as given, so callers fix the field order for stable bytes.
 */
export async function writeJsonl(path: string, records: AsyncIterable<unknown> | Iterable<unknown>): Promise<JsonlSummary> {
  const file = await AtomicFile.create(path);
  let count = 0;
  try {
    for await (const record of records) {
      await file.write(`${JSON.stringify(record)}\n`);
      count += 1;
    }
    const written = await file.commit();
    return { ...written, records: count };
  } catch (err) {
    await file.abort();
    throw err;
  }
}
