import type { AccountRecord } from './account.js';
import { bytesToHex, hexToBytes, type Hex } from './hex.js';
import { EMPTY_CODE_HASH, EMPTY_TRIE_ROOT, keccak256, keccakReady } from './keccak.js';
import { encodeRlp, rlpHeaderLength, rlpStringLength, writeRlpListHeader, writeRlpString } from './rlp.js';
import { StackTrie } from './stackTrie.js';

/**
 * State root of an exported state: the account trie keyed by keccak(address), each account's
 * storage trie keyed by keccak(slot). Accounts stream through a StackTrie in key order, so memory
 * stays flat however many accounts there are; each account's storage is sorted in memory (it is
 * already in memory as part of its record).
 */

const EMPTY_ROOT_BYTES = hexToBytes(EMPTY_TRIE_ROOT);

// Hex parsing runs a few times per account, so it is done here with a lookup table rather than
// through hexToBytes (regex + Buffer + copy), which costs several times more at a million records.
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[0x41 + i] = 10 + i;
  NIBBLE[0x61 + i] = 10 + i;
}

function nibbleAt(hex: string, i: number): number {
  const c = hex.charCodeAt(i);
  return c < 128 ? NIBBLE[c]! : -1;
}

/**
 * Bytes of the hex digits hex[from, end), right-aligned into `length` bytes (an odd digit count
 * gets a leading zero nibble); null if a character is not a hex digit.
 */
function decodeDigits(hex: string, from: number, length: number): Uint8Array | null {
  const out = new Uint8Array(length);
  let i = hex.length - 1;
  for (let b = length - 1; b >= 0; b--) {
    const lo = i >= from ? nibbleAt(hex, i--) : 0;
    const hi = i >= from ? nibbleAt(hex, i--) : 0;
    if ((lo | hi) < 0) return null;
    out[b] = (hi << 4) | lo;
  }
  return out;
}

/** Big-endian bytes of a hex quantity without leading zeros (zero → empty). */
function quantityBytes(quantity: string, maxBytes: number, field: string, address: string): Uint8Array {
  let first = 2;
  while (first < quantity.length && quantity.charCodeAt(first) === 0x30 /* '0' */) first++;
  const digits = quantity.length - first;
  const bytes = quantity.startsWith('0x') && quantity.length > 2 ? decodeDigits(quantity, first, (digits + 1) >> 1) : null;
  if (!bytes) throw new Error(`account ${address}: ${field} ${quantity.slice(0, 80)} is not a hex quantity`);
  if (bytes.length > maxBytes) {
    throw new Error(`account ${address}: ${field} ${quantity} does not fit in ${maxBytes} bytes`);
  }
  return bytes;
}

function fixedBytes(hex: string, length: number, field: string, address: string): Uint8Array {
  const bytes = hex.length === 2 + 2 * length && hex.startsWith('0x') ? decodeDigits(hex, 2, length) : null;
  if (!bytes) throw new Error(`account ${address}: ${field} ${hex.slice(0, 80)} is not ${length} bytes of hex`);
  return bytes;
}

/** A storage slot or value: up to 32 bytes of hex, left-padded to 32 bytes. */
function wordBytes(hex: string): Uint8Array | null {
  return hex.length > 2 && hex.length <= 66 && hex.startsWith('0x') ? decodeDigits(hex, 2, 32) : null;
}

const EMPTY_CODE_HASH_BYTES = hexToBytes(EMPTY_CODE_HASH);

/** Storage trie root of one account; zero values are refused (a zero slot is an absent slot). */
export function storageRoot(storage: Record<Hex, Hex> | undefined): Hex {
  return bytesToHex(storageRootBytes(storage, undefined));
}

function storageRootBytes(storage: Record<Hex, Hex> | undefined, owner: Hex | undefined): Uint8Array {
  if (!storage) return EMPTY_ROOT_BYTES;
  const where = owner ? ` of account ${owner}` : '';
  const entries: { key: Uint8Array; value: Uint8Array }[] = [];
  for (const [slot, word] of Object.entries(storage)) {
    const slotBytes = wordBytes(slot);
    const valueBytes = wordBytes(word);
    if (!slotBytes || !valueBytes) {
      throw new Error(`storage slot ${slot}${where}: ${slotBytes ? `value ${word}` : 'slot'} is not hex of at most 32 bytes`);
    }
    let first = 0;
    while (first < valueBytes.length && valueBytes[first] === 0) first++;
    if (first === valueBytes.length) {
      throw new Error(`storage slot ${slot}${where} has a zero value; zero slots must be omitted`);
    }
    entries.push({ key: keccak256(slotBytes), value: encodeRlp(valueBytes.subarray(first)) });
  }
  if (entries.length === 0) return EMPTY_ROOT_BYTES;
  entries.sort((a, b) => Buffer.compare(a.key, b.key));
  const trie = new StackTrie();
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    // Equal hashed keys can only come from one slot written twice ("0x1" and "0x01").
    if (i > 0 && Buffer.compare(entry.key, entries[i - 1]!.key) === 0) {
      throw new Error(`storage${where} holds the same slot twice (slot hash ${bytesToHex(entry.key)})`);
    }
    trie.update(entry.key, entry.value);
  }
  return trie.root();
}

/** RLP [nonce, balance, storageRoot, codeHash]: the account's value in the state trie. */
export function accountRlp(record: AccountRecord, storageRoot: Uint8Array): Uint8Array {
  const address = record.address;
  const nonce = quantityBytes(record.nonce, 8, 'nonce', address);
  const balance = quantityBytes(record.balance, 32, 'balance', address);
  const codeHash =
    record.codeHash === EMPTY_CODE_HASH ? EMPTY_CODE_HASH_BYTES : fixedBytes(record.codeHash, 32, 'codeHash', address);
  if (storageRoot.length !== 32) {
    throw new Error(`account ${address}: storage root is ${storageRoot.length} bytes, expected 32`);
  }
  // Written directly rather than through encodeRlp: this runs once per account.
  const payload = rlpStringLength(nonce) + rlpStringLength(balance) + 33 + 33;
  const out = new Uint8Array(rlpHeaderLength(payload) + payload);
  let at = writeRlpListHeader(out, 0, payload);
  at = writeRlpString(out, at, nonce);
  at = writeRlpString(out, at, balance);
  at = writeRlpString(out, at, storageRoot);
  writeRlpString(out, at, codeHash);
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/**
 * Account trie root over records added in strictly increasing key order. Each record is checked
 * on the way in: its key must be keccak(address), its code must match its code hash, and a
 * storage root reported by the source node must match the one computed from its storage.
 * Needs keccakReady() to have resolved.
 */
export class StateRootBuilder {
  private readonly trie = new StackTrie();
  private lastKey: Uint8Array | undefined;
  private added = 0;

  get accounts(): number {
    return this.added;
  }

  add(record: AccountRecord): void {
    const address = record.address;
    const key = fixedBytes(record.key, 32, 'key', address);
    if (this.lastKey && Buffer.compare(key, this.lastKey) <= 0) {
      throw new Error(
        `account ${address}: key ${record.key} is not after the previous key ${bytesToHex(this.lastKey)}; ` +
          'records must be strictly increasing by key',
      );
    }
    const expectedKey = keccak256(fixedBytes(address, 20, 'address', address));
    if (!equalBytes(key, expectedKey)) {
      throw new Error(`account ${address}: key ${record.key} is not keccak256(address) ${bytesToHex(expectedKey)}`);
    }
    if (record.code !== undefined) {
      let code: Uint8Array;
      try {
        code = hexToBytes(record.code);
      } catch (err) {
        throw new Error(`account ${address}: code: ${(err as Error).message}`);
      }
      const codeHash = bytesToHex(keccak256(code));
      if (codeHash !== record.codeHash.toLowerCase()) {
        throw new Error(`account ${address}: codeHash ${record.codeHash} does not match keccak256(code) ${codeHash}`);
      }
    }
    const root = storageRootBytes(record.storage, address);
    if (record.storageRoot !== undefined) {
      const computed = bytesToHex(root);
      if (record.storageRoot.toLowerCase() !== computed) {
        throw new Error(
          `account ${address}: storage root reported by the source ${record.storageRoot} ` +
            `differs from the computed storage root ${computed}`,
        );
      }
    }
    this.trie.update(key, accountRlp(record, root));
    this.lastKey = key;
    this.added++;
  }

  /** The state root; the builder takes no more records afterwards. */
  root(): Hex {
    return bytesToHex(this.trie.root());
  }
}

export async function computeStateRoot(
  records: Iterable<AccountRecord> | AsyncIterable<AccountRecord>,
): Promise<Hex> {
  await keccakReady();
  const builder = new StateRootBuilder();
  if (Symbol.asyncIterator in records) {
    for await (const record of records) builder.add(record);
  } else {
    // A plain loop: `for await` over a sync iterable would cost a microtask per record.
    for (const record of records) builder.add(record);
  }
  return builder.root();
}
