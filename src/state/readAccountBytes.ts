import { createReadStream } from 'node:fs';
import type { AccountRecord } from './account.js';
import { AccountBytes, accountFromRecord } from './accountBytes.js';
import { parseAccountLine } from './accountLine.js';

/**
 * Streams the accounts of export files, in order, into `onAccount` as bytes (one AccountBytes,
 * reused: take what you need before returning). Lines in the form the export writes are decoded
 * straight from the read buffers (parseAccountLine); any other line goes through JSON.parse and
 * accountFromRecord, so a line in another valid form counts the same and a bad one gets that
 * path's message. Every error names the file and line. Line breaks and numbering are
 * readJsonLines's (\n, \r\n, \r; empty lines skipped and counted).
 */
export async function readAccountBytes(paths: readonly string[], onAccount: (account: AccountBytes) => void): Promise<void> {
  const account = new AccountBytes();
  for (const path of paths) {
    let lineNo = 0;
    const fail = (err: unknown): never => {
      throw new Error(`${path}:${lineNo}: ${(err as Error).message}`, { cause: err });
    };
    const parsed = (line: string) => {
      if (line.length === 0) return;
      let record: AccountRecord;
      try {
        record = JSON.parse(line) as AccountRecord;
      } catch (err) {
        throw new Error(`${path}:${lineNo}: not a JSON account record (${(err as Error).message})`);
      }
      if (record === null || typeof record !== 'object') throw new Error(`${path}:${lineNo}: not a JSON account record (not an object)`);
      try {
        accountFromRecord(record, account);
        onAccount(account);
      } catch (err) {
        fail(err);
      }
    };
    const line = (buf: Buffer, start: number, stop: number) => {
      lineNo += 1;
      if (stop > start && buf[stop - 1] === 13) stop--; // \r\n
      if (stop === start) return;
      if (!parseAccountLine(buf, start, stop, account)) {
        const text = buf.toString('utf8', start, stop);
        // A lone \r inside is a line break too.
        const parts = text.split('\r');
        for (let i = 0; i < parts.length; i++) {
          if (i > 0) lineNo += 1;
          parsed(parts[i]!);
        }
        return;
      }
      try {
        onAccount(account);
      } catch (err) {
        fail(err);
      }
    };
    // The start of a line that continues in the next chunks.
    let carry: Buffer[] = [];
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 16 })) {
      const buf = chunk as Buffer;
      let from = 0;
      let nl = buf.indexOf(10);
      if (nl === -1) {
        carry.push(buf);
        continue;
      }
      if (carry.length > 0) {
        const joined = Buffer.concat([...carry, buf.subarray(0, nl)]);
        line(joined, 0, joined.length);
        carry = [];
        from = nl + 1;
        nl = buf.indexOf(10, from);
      }
      for (; nl !== -1; from = nl + 1, nl = buf.indexOf(10, from)) line(buf, from, nl);
      if (from < buf.length) carry.push(Buffer.from(buf.subarray(from)));
    }
    if (carry.length > 0) {
      const rest = Buffer.concat(carry);
      // A final \r ends the last line rather than starting an empty one.
      line(rest, 0, rest.length);
    }
  }
}
