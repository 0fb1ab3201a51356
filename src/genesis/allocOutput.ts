import type { AccountRecord } from '../state/account.js';
import type { AccountBytes } from '../state/accountBytes.js';
import { allocEntry } from './gethGenesisWriter.js';

/**
 * Alloc entries of a geth genesis written from the accounts the root pass reads (AccountBytes),
 * into 1 MiB buffers handed out whole: the bytes GethGenesisWriter writes for the same records.
 *
 * A line in the export's form already holds every field's JSON text as the genesis writes it, so
 * the entry is copied from the line verbatim; only the field names are added. A line whose storage
 * slots are not in sorted order, and an account read through JSON.parse, are written from their
 * record instead (allocEntry sorts the slots). Either way the account is never turned into strings.
 */

const BUFFER_SIZE = 1 << 20;
const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');
const NEWLINE = ascii('\n');
const SEPARATOR = ascii(',\n');
const BALANCE = ascii(':{"balance":');
const NONCE = ascii(',"nonce":');
const CODE = ascii(',"code":');
const STORAGE = ascii(',"storage":');
const CLOSE = ascii('}');

/** One span's alloc entries, in the order they are added. */
export class AllocOutput {
  private buf = Buffer.allocUnsafe(BUFFER_SIZE);
  private used = 0;
  private ready: Buffer[] = [];
  private count = 0;
  private total = 0;

  /**
   * `leading`: whether entries may precede this output's first one (another span's). Every entry
   * then starts with `,\n` and the stitcher drops the comma if none did; otherwise the first one
   * starts with `\n`, as GethGenesisWriter's does.
   */
  constructor(private readonly leading: boolean) {}

  /** Entries written so far. */
  get entries(): number {
    return this.count;
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.total + this.used;
  }

  /** Appends the account's entry. */
  add(account: AccountBytes): void {
    const line = account.line;
    if (line === null || !account.storageSorted) {
      const s = account.spans;
      const record = account.record ?? (JSON.parse(Buffer.from(line!.buffer, line!.byteOffset + s.start, s.end - s.start).toString('utf8')) as AccountRecord);
      this.text(allocEntry(record));
      return;
    }
    const s = account.spans;
    const code = account.code !== null && account.code.length > 0;
    const storage = account.slotCount > 0;
    const length =
      2 +
      (s.addressEnd - s.address) +
      BALANCE.length +
      (s.balanceEnd - s.balance) +
      NONCE.length +
      (s.nonceEnd - s.nonce) +
      (code ? CODE.length + s.codeEnd - s.code : 0) +
      (storage ? STORAGE.length + s.storageEnd - s.storage : 0) +
      1;
    this.reserve(length);
    this.separator();
    this.copy(line, s.address, s.addressEnd);
    this.copy(BALANCE, 0, BALANCE.length);
    this.copy(line, s.balance, s.balanceEnd);
    this.copy(NONCE, 0, NONCE.length);
    this.copy(line, s.nonce, s.nonceEnd);
    if (code) {
      this.copy(CODE, 0, CODE.length);
      this.copy(line, s.code, s.codeEnd);
    }
    if (storage) {
      this.copy(STORAGE, 0, STORAGE.length);
      this.copy(line, s.storage, s.storageEnd);
    }
    this.copy(CLOSE, 0, 1);
    this.count++;
  }

  /** Full buffers, in order, to be written out; they are the caller's from now on. */
  take(): Buffer[] {
    const out = this.ready;
    this.ready = [];
    return out;
  }

  /** Everything not yet taken, the last partial buffer included; the output takes no more entries. */
  end(): Buffer[] {
    if (this.used > 0) this.ready.push(this.buf.subarray(0, this.used));
    this.total += this.used;
    this.used = 0;
    return this.take();
  }

  /** An entry from its text (a record's), with its separator. */
  private text(entry: string): void {
    const length = 2 + Buffer.byteLength(entry);
    this.reserve(length);
    this.separator();
    this.used += this.buf.write(entry, this.used, 'utf8');
    this.count++;
  }

  /** `,\n` between entries; the first one of a genesis gets `\n` alone, as GethGenesisWriter writes it. */
  private separator(): void {
    const sep = this.count === 0 && !this.leading ? NEWLINE : SEPARATOR;
    this.copy(sep, 0, sep.length);
  }

  /** Room for `length` more bytes: the current buffer goes out whole when it has not. */
  private reserve(length: number): void {
    if (this.used + length <= this.buf.length) return;
    if (this.used > 0) this.ready.push(this.buf.subarray(0, this.used));
    this.total += this.used;
    this.buf = Buffer.allocUnsafe(Math.max(BUFFER_SIZE, length));
    this.used = 0;
  }

  /** Short fields byte by byte (a view per field would cost more than the copy), long ones in one call. */
  private copy(from: Uint8Array, start: number, end: number): void {
    const buf = this.buf;
    let at = this.used;
    if (end - start < 64) {
      for (let i = start; i < end; i++) buf[at++] = from[i]!;
    } else {
      buf.set(from.subarray(start, end), at);
      at += end - start;
    }
    this.used = at;
  }
}
