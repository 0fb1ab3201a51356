import type { AccountRecord } from './account.js';
import { bytesToHex, hexToBytes, type Hex } from './hex.js';
import { EMPTY_CODE_HASH } from './keccak.js';

/**
 * One account record decoded into the bytes the state trie needs, in buffers reused from record
 * to record: the state root never holds more than one account. Filled either from an
 * AccountRecord (accountFromRecord, with an error naming the field for any bad one) or straight
 * from the bytes of an export line (accountLine.ts).
 */
export class AccountBytes {
  readonly key = new Uint8Array(32);
  readonly address = new Uint8Array(20);
  /** Nonce and balance: big-endian, right-aligned in 32 bytes, `*Length` significant bytes (0 for zero). */
  readonly nonce = new Uint8Array(32);
  nonceLength = 0;
  readonly balance = new Uint8Array(32);
  balanceLength = 0;
  readonly codeHash = new Uint8Array(32);
  /** The decoded code (a view of a reused buffer), or null for a record without code. */
  code: Uint8Array | null = null;
  private codeBuffer = new Uint8Array(4096);
  /** Storage: slot i is slots[32i, 32i + 32), its value values[32i, 32i + 32), both as 32-byte words. */
  slots = new Uint8Array(32 * 128);
  values = new Uint8Array(32 * 128);
  slotCount = 0;
  /** The storage root the source reported, if it did. */
  hasStorageRoot = false;
  readonly storageRoot = new Uint8Array(32);
  /** The address as the record wrote it (messages); unset when read from bytes. */
  addressText: string | undefined;
  /**
   * Read from a line's bytes (parseAccountLine): the line, and where the fields' JSON text lies in
   * it (quotes included; storage from its `{` to its `}`; the line itself is [start, end)), so a
   * writer can copy them verbatim. Null
   * when the account came from a record.
   */
  line: Uint8Array | null = null;
  readonly spans = {
    start: 0,
    end: 0,
    address: 0,
    addressEnd: 0,
    balance: 0,
    balanceEnd: 0,
    nonce: 0,
    nonceEnd: 0,
    code: 0,
    codeEnd: 0,
    storage: 0,
    storageEnd: 0,
  };
  /** From a line: its storage slots are written in strictly increasing order (as the export writes them). */
  storageSorted = true;
  /** The record the account was decoded from (accountFromRecord), if it was. */
  record: AccountRecord | undefined;

  /** The address for messages. */
  name(): string {
    return this.addressText ?? bytesToHex(this.address);
  }

  /** A code buffer of `length` bytes (valid until the next call), which becomes `code`. */
  codeOf(length: number): Uint8Array {
    if (this.codeBuffer.length < length) this.codeBuffer = new Uint8Array(Math.max(length, this.codeBuffer.length * 2));
    this.code = this.codeBuffer.subarray(0, length);
    return this.code;
  }

  /** Makes room for `count` storage entries (existing entries are kept). */
  reserveSlots(count: number): void {
    if (this.slots.length >= count * 32) return;
    const grow = (old: Uint8Array) => {
      const next = new Uint8Array(Math.max(count * 32, old.length * 2));
      next.set(old);
      return next;
    };
    this.slots = grow(this.slots);
    this.values = grow(this.values);
  }
}

// Hex parsing runs a few times per account, so it is done with a lookup table rather than
// through hexToBytes (regex + Buffer + copy), which costs several times more at a million records.
// Indexed by character code (or byte): the digit's value, -1 for anything else.
export const NIBBLE = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[0x41 + i] = 10 + i;
  NIBBLE[0x61 + i] = 10 + i;
}

function nibbleAt(hex: string, i: number): number {
  const c = hex.charCodeAt(i);
  return c < 256 ? NIBBLE[c]! : -1;
}

/**
 * Decodes the hex digits hex[from, hex.length) into out[offset, offset + length), right-aligned
 * (missing high digits are zeros). False if a character is not a hex digit; the caller has
 * checked that the digits fit.
 */
function decodeInto(hex: string, from: number, out: Uint8Array, offset: number, length: number): boolean {
  let i = hex.length - 1;
  for (let b = offset + length - 1; b >= offset; b--) {
    const lo = i >= from ? nibbleAt(hex, i--) : 0;
    const hi = i >= from ? nibbleAt(hex, i--) : 0;
    if ((lo | hi) < 0) return false;
    out[b] = (hi << 4) | lo;
  }
  return true;
}

/** Decodes a 0x-prefixed hex string of exactly `out.length` bytes into `out`. */
function decodeFixed(hex: string, out: Uint8Array, field: string, address: string): void {
  const ok = hex.length === 2 + 2 * out.length && hex.startsWith('0x') && decodeInto(hex, 2, out, 0, out.length);
  if (!ok) throw new Error(`account ${address}: ${field} ${hex.slice(0, 80)} is not ${out.length} bytes of hex`);
}

/**
 * Decodes a hex quantity (0x, at least one digit, leading zeros allowed) into `out` right-aligned;
 * returns its significant bytes. Throws unless it is one of at most `maxBytes` bytes.
 */
function decodeQuantity(quantity: string, out: Uint8Array, maxBytes: number, field: string, address: string): number {
  if (quantity.length <= 2 || !quantity.startsWith('0x')) {
    throw new Error(`account ${address}: ${field} ${quantity.slice(0, 80)} is not a hex quantity`);
  }
  let first = 2;
  while (first < quantity.length && quantity.charCodeAt(first) === 0x30 /* '0' */) first++;
  const bytes = (quantity.length - first + 1) >> 1;
  if (bytes > maxBytes) throw new Error(`account ${address}: ${field} ${quantity.slice(0, 80)} does not fit in ${maxBytes} bytes`);
  if (!decodeInto(quantity, first, out, out.length - bytes, bytes)) {
    throw new Error(`account ${address}: ${field} ${quantity.slice(0, 80)} is not a hex quantity`);
  }
  return bytes;
}

/** Decodes `hex` (0x + 1..64 digits) into out[offset, offset + 32), left-padded; false if it is not such hex. */
function decodeWord(hex: string, out: Uint8Array, offset: number): boolean {
  return hex.length > 2 && hex.length <= 66 && hex.charCodeAt(0) === 0x30 && hex.charCodeAt(1) === 0x78 && decodeInto(hex, 2, out, offset, 32);
}

/** keccak256 of no code, the code hash of every account without code. */
export const EMPTY_CODE_HASH_BYTES = hexToBytes(EMPTY_CODE_HASH);

/** The fields of the account's trie value (nonce, balance, code hash) from a record. */
export function valueFieldsFromRecord(record: AccountRecord, out: AccountBytes): void {
  const address = record.address;
  out.addressText = address;
  out.nonceLength = decodeQuantity(record.nonce, out.nonce, 8, 'nonce', address);
  out.balanceLength = decodeQuantity(record.balance, out.balance, 32, 'balance', address);
  if (record.codeHash === EMPTY_CODE_HASH) out.codeHash.set(EMPTY_CODE_HASH_BYTES);
  else decodeFixed(record.codeHash, out.codeHash, 'codeHash', address);
}

/** Everything of a record, decoded and checked for form (not for consistency: see StateRootBuilder). */
export function accountFromRecord(record: AccountRecord, out: AccountBytes): void {
  const address = record.address;
  out.line = null;
  out.record = record;
  valueFieldsFromRecord(record, out);
  decodeFixed(record.key, out.key, 'key', address);
  decodeFixed(address, out.address, 'address', address);
  out.code = null;
  if (record.code !== undefined) {
    let code: Uint8Array;
    try {
      code = hexToBytes(record.code);
    } catch (err) {
      throw new Error(`account ${address}: code: ${(err as Error).message}`);
    }
    out.codeOf(code.length).set(code);
  }
  out.slotCount = 0;
  if (record.storage) storageFromRecord(record.storage, out, address);
  out.hasStorageRoot = record.storageRoot !== undefined;
  if (record.storageRoot !== undefined) decodeFixed(record.storageRoot, out.storageRoot, 'storageRoot', address);
}

function storageFromRecord(storage: Record<Hex, Hex>, out: AccountBytes, address: string): void {
  let n = 0;
  for (const slot in storage) {
    out.reserveSlots(n + 1);
    const value = storage[slot as Hex] as string;
    decodeStorageEntry(slot, value, out.slots, out.values, n, ` of account ${address}`);
    n++;
  }
  out.slotCount = n;
}

/** Decodes slot and value i (hex words) into the flat word arrays, naming the slot if either is bad. */
export function decodeStorageEntry(slot: string, value: string, slots: Uint8Array, values: Uint8Array, i: number, where: string): void {
  if (!decodeWord(slot, slots, i * 32)) throw new Error(`storage slot ${slot}${where}: slot is not hex of at most 32 bytes`);
  if (!decodeWord(value, values, i * 32)) throw new Error(`storage slot ${slot}${where}: value ${value} is not hex of at most 32 bytes`);
}
