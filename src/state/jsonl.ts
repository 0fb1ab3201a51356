import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { AccountRecord } from './account.js';

/**
 * One account as one JSONL line, fields in a fixed order so the same account always gives the same
 * bytes (artifacts are compared by sha256 across runs and crashes).
 */
export function accountLine(record: AccountRecord): string {
  const ordered: AccountRecord = {
    key: record.key,
    address: record.address,
    balance: record.balance,
    nonce: record.nonce,
    codeHash: record.codeHash,
  };
  if (record.code !== undefined) ordered.code = record.code;
  if (record.storage !== undefined && Object.keys(record.storage).length > 0) ordered.storage = sortedStorage(record.storage);
  if (record.storageRoot !== undefined) ordered.storageRoot = record.storageRoot;
  return `${JSON.stringify(ordered)}\n`;
}

export function sortedStorage(storage: Record<string, string>): Record<`0x${string}`, `0x${string}`> {
  const out: Record<`0x${string}`, `0x${string}`> = {};
  for (const slot of Object.keys(storage).sort()) out[slot as `0x${string}`] = storage[slot] as `0x${string}`;
  return out;
}

/** Streams the accounts of export files in order: the files are partitions in key order. */
export async function* readAccounts(paths: readonly string[]): AsyncGenerator<AccountRecord> {
  for (const path of paths) {
    const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
    let lineNo = 0;
    for await (const line of lines) {
      lineNo += 1;
      if (line.length === 0) continue;
      try {
        yield JSON.parse(line) as AccountRecord;
      } catch (err) {
        throw new Error(`${path}:${lineNo}: not a JSON account record (${(err as Error).message})`);
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
