import type { AccountRecord } from './account.js';
import { AccountBytes, accountFromRecord } from './accountBytes.js';
import { parseAccountLine } from './accountLine.js';
import { forEachLine } from './lines.js';

/**
 * Streams the accounts of export files, in order, into `onAccount` as bytes (one AccountBytes,
 * reused: take what you need before returning). Lines in the form the export writes are decoded
 * straight from the read buffers (parseAccountLine); any other line goes through JSON.parse and
 * accountFromRecord, so a line in another valid form counts the same and a bad one gets that
 * path's message. Every error names the file and line; lines are split by lines.ts.
 */
export async function readAccountBytes(paths: readonly string[], onAccount: (account: AccountBytes) => void): Promise<void> {
  const account = new AccountBytes();
  for (const path of paths) {
    await forEachLine(path, (buf, start, end, lineNo) => {
      try {
        decodeAccount(buf, start, end, account);
        onAccount(account);
      } catch (err) {
        throw atLine(path, lineNo, err);
      }
    });
  }
}

/** An error prefixed with where it happened, as every reader of export files reports it. */
export function atLine(path: string, lineNo: number, err: unknown): Error {
  return new Error(`${path}:${lineNo}: ${(err as Error).message}`, { cause: err });
}

/**
 * Decodes buf[start, end) into `account`: from its bytes when it is in the export's form, else
 * through JSON.parse (any valid form; a bad line gets JSON's or accountFromRecord's message).
 */
export function decodeAccount(buf: Buffer, start: number, end: number, account: AccountBytes): void {
  if (parseAccountLine(buf, start, end, account)) return;
  decodeRecordLine(buf, start, end, account);
}

/** Decodes buf[start, end) through JSON.parse and accountFromRecord (account.record is the parsed record). */
export function decodeRecordLine(buf: Buffer, start: number, end: number, account: AccountBytes): void {
  let record: AccountRecord;
  try {
    record = JSON.parse(buf.toString('utf8', start, end)) as AccountRecord;
  } catch (err) {
    throw new Error(`not a JSON account record (${(err as Error).message})`);
  }
  if (record === null || typeof record !== 'object') throw new Error('not a JSON account record (not an object)');
  accountFromRecord(record, account);
}
