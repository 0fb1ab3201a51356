import type { AccountRecord } from './account.js';
import { bytesToHex, hexToBytes, type Hex } from './hex.js';
import { EMPTY_CODE_HASH, EMPTY_TRIE_ROOT, keccak256, keccakReady } from './keccak.js';
import { rlpHeaderLength, writeRlpListHeader } from './rlp.js';
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
function decodeFixed(hex: string, out: Uint8Array, field: string, address: string): Uint8Array {
  const ok = hex.length === 2 + 2 * out.length && hex.startsWith('0x') && decodeInto(hex, 2, out, 0, out.length);
  if (!ok) throw new Error(`account ${address}: ${field} ${hex.slice(0, 80)} is not ${out.length} bytes of hex`);
  return out;
}

/**
 * Where the significant digits of a hex quantity start, and how many bytes they make; throws if
 * it is not a quantity of at most `maxBytes` bytes.
 */
function quantityDigits(quantity: string, maxBytes: number, field: string, address: string): number {
  if (quantity.length <= 2 || !quantity.startsWith('0x')) {
    throw new Error(`account ${address}: ${field} ${quantity.slice(0, 80)} is not a hex quantity`);
  }
  let first = 2;
  while (first < quantity.length && quantity.charCodeAt(first) === 0x30 /* '0' */) first++;
  if ((quantity.length - first + 1) >> 1 > maxBytes) {
    throw new Error(`account ${address}: ${field} ${quantity.slice(0, 80)} does not fit in ${maxBytes} bytes`);
  }
  return first;
}

/** Encoded length of a quantity whose significant digits start at `first`, as an RLP string. */
function quantityItemLength(quantity: string, first: number): number {
  const bytes = (quantity.length - first + 1) >> 1;
  // One byte below 0x80 is its own encoding: at most two digits, the first of them below 8.
  if (bytes === 1 && (quantity.length - first === 1 || nibbleAt(quantity, first) < 8)) return 1;
  return 1 + bytes;
}

function writeQuantity(out: Uint8Array, at: number, quantity: string, first: number, field: string, address: string): number {
  const bytes = (quantity.length - first + 1) >> 1;
  const itemLength = quantityItemLength(quantity, first);
  if (itemLength > bytes) out[at] = 0x80 + bytes;
  if (!decodeInto(quantity, first, out, at + itemLength - bytes, bytes)) {
    throw new Error(`account ${address}: ${field} ${quantity.slice(0, 80)} is not a hex quantity`);
  }
  return at + itemLength;
}

const EMPTY_CODE_HASH_BYTES = hexToBytes(EMPTY_CODE_HASH);

/** Storage trie root of one account; zero values are refused (a zero slot is an absent slot). */
export function storageRoot(storage: Record<Hex, Hex> | undefined): Hex {
  return bytesToHex(storageRootBytes(storage, undefined));
}

function storageRootBytes(storage: Record<Hex, Hex> | undefined, owner: Hex | undefined): Uint8Array {
  if (!storage) return EMPTY_ROOT_BYTES;
  const slots: string[] = [];
  const values: string[] = [];
  for (const slot in storage) {
    slots.push(slot);
    values.push(storage[slot as Hex] as string);
  }
  return storageRootOfSlots(slots, values, owner);
}

// Scratch for decoding one slot or value; keccak copies its input, so one buffer serves all.
const WORD = new Uint8Array(32);

/** Decodes `hex` (0x + 1..64 digits) into WORD, left-padded; false if it is not such hex. */
function decodeWord(hex: string): boolean {
  return hex.length > 2 && hex.length <= 66 && hex.charCodeAt(0) === 0x30 && hex.charCodeAt(1) === 0x78 && decodeInto(hex, 2, WORD, 0, 32);
}

/**
 * Storage trie root over slots[i] → values[i] (hex words of at most 32 bytes), in any order:
 * entries are sorted by hashed slot here, which costs little when they come in trie order already
 * (as geth returns them). Zero values and a slot given twice are refused. Byte arrays are made
 * only for the trie's keys and values; the hex is decoded through one scratch word.
 */
export function storageRootOfSlots(slots: readonly string[], values: readonly string[], owner?: Hex): Uint8Array {
  const where = owner ? ` of account ${owner}` : '';
  const n = slots.length;
  if (values.length !== n) throw new Error(`storage${where}: ${n} slots but ${values.length} values`);
  if (n === 0) return EMPTY_ROOT_BYTES;
  const keys: Uint8Array[] = new Array<Uint8Array>(n);
  const rlps: Uint8Array[] = new Array<Uint8Array>(n);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const slot = slots[i]!;
    const word = values[i]!;
    if (!decodeWord(slot)) throw new Error(`storage slot ${slot}${where}: slot is not hex of at most 32 bytes`);
    const key = keccak256(WORD);
    if (!decodeWord(word)) throw new Error(`storage slot ${slot}${where}: value ${word} is not hex of at most 32 bytes`);
    let first = 0;
    while (first < 32 && WORD[first] === 0) first++;
    if (first === 32) throw new Error(`storage slot ${slot}${where} has a zero value; zero slots must be omitted`);
    // RLP of the value with leading zeros stripped: a string of 1..32 bytes (a lone byte < 0x80 is itself).
    const length = 32 - first;
    let rlp: Uint8Array;
    if (length === 1 && WORD[31]! < 0x80) {
      rlp = allocate(1);
      rlp[0] = WORD[31]!;
    } else {
      rlp = allocate(length + 1);
      rlp[0] = 0x80 + length;
      rlp.set(WORD.subarray(first), 1);
    }
    keys[i] = key;
    rlps[i] = rlp;
    if (sorted && i > 0 && Buffer.compare(keys[i - 1]!, key) >= 0) sorted = false;
  }
  let order: number[] | undefined;
  if (!sorted) {
    order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => Buffer.compare(keys[a]!, keys[b]!));
  }
  const trie = new StackTrie();
  for (let j = 0; j < n; j++) {
    const i = order ? order[j]! : j;
    const key = keys[i]!;
    // Equal hashed keys can only come from one slot written twice ("0x1" and "0x01"); keys found
    // strictly increasing in the first pass cannot repeat.
    if (order && j > 0 && Buffer.compare(key, keys[order[j - 1]!]!) === 0) {
      throw new Error(`storage${where} holds the same slot twice (slot hash ${bytesToHex(key)})`);
    }
    trie.update(key, rlps[i]!);
  }
  return trie.root();
}

// V8 gives every typed array over 64 bytes its own off-heap buffer, several times the cost of a
// view into a shared one, and account RLP is 70–110 bytes: it is carved out of slabs instead.
// Slabs are never reused, so each result stays valid for as long as it is referenced.
const SLAB_SIZE = 64 * 1024;
let slab = new Uint8Array(SLAB_SIZE);
let slabUsed = 0;

function allocate(length: number): Uint8Array {
  if (length > 1024) return new Uint8Array(length);
  if (slabUsed + length > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + length);
  slabUsed += length;
  return out;
}

/**
 * How a chain encodes an account in its state trie:
 * - `ethereum`: RLP [nonce, balance, storageRoot, codeHash] (geth, anvil, every EVM chain);
 * - `coreth`: the same with a fifth field, isMultiCoin, which Avalanche's C-Chain (coreth, a libevm
 *   StateAccount extra) always encodes, `false` as 0x80. debug_accountRange does not report the
 *   flag, so every account is encoded as not multi-coin: a multi-coin account shows up as a root
 *   mismatch, never as a silently different state.
 */
export type AccountEncoding = 'ethereum' | 'coreth';

/**
 * The account's value in the state trie (see AccountEncoding). The result may be a view sharing
 * its ArrayBuffer with other results.
 */
export function accountRlp(record: AccountRecord, storageRoot: Uint8Array, encoding: AccountEncoding = 'ethereum'): Uint8Array {
  const { address, nonce, balance, codeHash } = record;
  if (storageRoot.length !== 32) {
    throw new Error(`account ${address}: storage root is ${storageRoot.length} bytes, expected 32`);
  }
  // Written straight from the hex fields into the output, without intermediate arrays: this runs
  // once per account.
  const nonceFirst = quantityDigits(nonce, 8, 'nonce', address);
  const balanceFirst = quantityDigits(balance, 32, 'balance', address);
  const multiCoin = encoding === 'coreth' ? 1 : 0;
  const payload = quantityItemLength(nonce, nonceFirst) + quantityItemLength(balance, balanceFirst) + 33 + 33 + multiCoin;
  const out = allocate(rlpHeaderLength(payload) + payload);
  let at = writeRlpListHeader(out, 0, payload);
  at = writeQuantity(out, at, nonce, nonceFirst, 'nonce', address);
  at = writeQuantity(out, at, balance, balanceFirst, 'balance', address);
  out[at++] = 0xa0;
  out.set(storageRoot, at);
  at += 32;
  out[at++] = 0xa0;
  if (codeHash === EMPTY_CODE_HASH) out.set(EMPTY_CODE_HASH_BYTES, at);
  else decodeFixed(codeHash, out.subarray(at, at + 32), 'codeHash', address);
  if (multiCoin) out[at + 32] = 0x80; // isMultiCoin = false
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
  // Keys and addresses are decoded into reused buffers (the trie copies keys); two key buffers
  // alternate so the previous key stays available for the order check.
  private key: Uint8Array = new Uint8Array(32);
  private lastKey: Uint8Array = new Uint8Array(32);
  private readonly address = new Uint8Array(20);
  private added = 0;

  constructor(private readonly encoding: AccountEncoding = 'ethereum') {}

  get accounts(): number {
    return this.added;
  }

  add(record: AccountRecord): void {
    const address = record.address;
    const key = decodeFixed(record.key, this.key, 'key', address);
    if (this.added > 0 && Buffer.compare(key, this.lastKey) <= 0) {
      throw new Error(
        `account ${address}: key ${record.key} is not after the previous key ${bytesToHex(this.lastKey)}; ` +
          'records must be strictly increasing by key',
      );
    }
    const expectedKey = keccak256(decodeFixed(address, this.address, 'address', address));
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
    this.trie.update(key, accountRlp(record, root, this.encoding));
    this.key = this.lastKey;
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
  encoding: AccountEncoding = 'ethereum',
): Promise<Hex> {
  await keccakReady();
  const builder = new StateRootBuilder(encoding);
  if (Symbol.asyncIterator in records) {
    for await (const record of records) builder.add(record);
  } else {
    // A plain loop: `for await` over a sync iterable would cost a microtask per record.
    for (const record of records) builder.add(record);
  }
  return builder.root();
}
