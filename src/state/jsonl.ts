import { createReadStream } from 'node:fs';
import { AtomicFile, type WrittenFile } from '../artifacts/atomicFile.js';
import type { AccountRecord } from './account.js';

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

const LINE_BREAKS = /\r?\n|\r(?!\n)/;

/**
 * Streams the accounts of export files in order: the files are partitions in key order.
 *
 * Files are read in 64 KiB chunks, each decoded once up to its last newline and split there, which
 * costs a fraction of a readline interface per line. (Larger chunks decode into strings that V8
 * keeps in large-object space until a full GC: 1 MiB chunks cost ~60 MB more peak RSS, no time.) Line breaks are readline's (\n, \r\n, \r);
 * empty lines are skipped and still counted in the line numbers of error messages.
 */
export function readAccounts(paths: readonly string[]): AsyncGenerator<AccountRecord> {
  return readJsonLines<AccountRecord>(paths, 'account record');
}

/** Streams the records of JSONL files in order (any export: accounts, UTXOs, validators). */
export async function* readJsonLines<T>(paths: readonly string[], what = 'record'): AsyncGenerator<T> {
  for (const path of paths) {
    let lineNo = 0;
    // Bytes after the last newline so far: the start of a line that continues in later chunks.
    let carry: Buffer[] = [];
    const parse = (line: string): T | undefined => {
      lineNo += 1;
      if (line.length === 0) return undefined;
      try {
        return JSON.parse(line) as T;
      } catch (err) {
        throw new Error(`${path}:${lineNo}: not a JSON ${what} (${(err as Error).message})`);
      }
    };
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 16 })) {
      const buf = chunk as Buffer;
      const last = buf.lastIndexOf(10);
      if (last === -1) {
        carry.push(buf);
        continue;
      }
      // Everything up to and including the chunk's last newline is whole lines.
      const text =
        carry.length > 0 ? Buffer.concat([...carry, buf.subarray(0, last + 1)]).toString('utf8') : buf.toString('utf8', 0, last + 1);
      carry = last + 1 < buf.length ? [Buffer.from(buf.subarray(last + 1))] : [];
      if (text.includes('\r')) {
        const lines = text.split(LINE_BREAKS);
        lines.pop(); // the empty rest after the final newline
        for (const line of lines) {
          const record = parse(line);
          if (record) yield record;
        }
        continue;
      }
      for (let from = 0, nl = text.indexOf('\n'); nl !== -1; from = nl + 1, nl = text.indexOf('\n', from)) {
        const record = parse(text.slice(from, nl));
        if (record) yield record;
      }
    }
    if (carry.length > 0) {
      const text = Buffer.concat(carry).toString('utf8');
      const lines = text.includes('\r') ? text.split(LINE_BREAKS) : [text];
      if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop(); // a final "\r" ends the last line
      for (const line of lines) {
        const record = parse(line);
        if (record) yield record;
      }
    }
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
