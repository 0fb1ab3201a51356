import type { AccountRecord } from './account.js';
import { bytesToHex, hexToBytes, type Hex } from './hex.js';
import { accountFromRecord, AccountBytes, decodeStorageEntry, EMPTY_CODE_HASH_BYTES, valueFieldsFromRecord } from './accountBytes.js';
import { EMPTY_TRIE_ROOT, hashKeccakInput, keccak256Into, keccakInput } from './keccak.js';
import { rlpHeaderLength, writeRlpListHeader } from './rlp.js';
import { StackTrie, StackTrieOrderError } from './stackTrie.js';

/**
 * State root of an exported state: the account trie keyed by keccak(address), each account's
 * storage trie keyed by keccak(slot). Accounts stream through a StackTrie in key order, so memory
 * stays flat however many accounts there are; each account's storage is sorted in memory (it is
 * already in memory as part of its record). Records are decoded into bytes once (AccountBytes),
 * and everything after works on those.
 */

const EMPTY_ROOT_BYTES = hexToBytes(EMPTY_TRIE_ROOT);

/** Storage trie root of one account; zero values are refused (a zero slot is an absent slot). */
export function storageRoot(storage: Record<Hex, Hex> | undefined): Hex {
  if (!storage) return EMPTY_TRIE_ROOT;
  const slots: string[] = [];
  const values: string[] = [];
  for (const slot in storage) {
    slots.push(slot);
    values.push(storage[slot as Hex] as string);
  }
  return bytesToHex(storageRootOfSlots(slots, values));
}

// Words of the storage given as hex (storageRootOfSlots), decoded once.
let slotWords = new Uint8Array(32 * 128);
let valueWords = new Uint8Array(32 * 128);

/**
 * Storage trie root over slots[i] → values[i] (hex words of at most 32 bytes), in any order; see
 * storageRootOfWords.
 */
export function storageRootOfSlots(slots: readonly string[], values: readonly string[], owner?: Hex): Uint8Array {
  const where = owner ? ` of account ${owner}` : '';
  const n = slots.length;
  if (values.length !== n) throw new Error(`storage${where}: ${n} slots but ${values.length} values`);
  if (slotWords.length < n * 32) {
    slotWords = new Uint8Array(n * 64);
    valueWords = new Uint8Array(n * 64);
  }
  for (let i = 0; i < n; i++) decodeStorageEntry(slots[i]!, values[i]!, slotWords, valueWords, i, where);
  return storageRootOfWords(slotWords, valueWords, n, owner);
}

// Reused by every storage trie: the hashed slots, their first four bytes (to sort by), the order.
let hashedSlots = new Uint8Array(32 * 128);
let heads = new Uint32Array(128);
const storageTrie = new StackTrie();

/**
 * Storage trie root over `count` 32-byte slot → value words (flat arrays, word i at 32i), in any
 * order: entries are sorted by hashed slot here. Zero values and a slot given twice are refused.
 */
function storageRootOfWords(slots: Uint8Array, values: Uint8Array, count: number, owner?: string | AccountBytes): Uint8Array {
  if (count === 0) return EMPTY_ROOT_BYTES;
  // Only messages name the owner: an address read as bytes becomes text only then.
  const where = () => (owner === undefined ? '' : ` of account ${typeof owner === 'string' ? owner : owner.name()}`);
  if (hashedSlots.length < count * 32) {
    hashedSlots = new Uint8Array(count * 64);
    heads = new Uint32Array(count * 2);
  }
  const input = keccakInput();
  const rlps: Uint8Array[] = new Array<Uint8Array>(count);
  const order: number[] = new Array<number>(count);
  let sorted = true;
  for (let i = 0; i < count; i++) {
    const at = i * 32;
    input.set(slots.subarray(at, at + 32));
    hashKeccakInput(32);
    hashedSlots.set(input.subarray(0, 32), at);
    heads[i] = ((input[0]! << 24) | (input[1]! << 16) | (input[2]! << 8) | input[3]!) >>> 0;
    if (i > 0 && heads[i]! <= heads[i - 1]!) sorted = false;
    order[i] = i;
    let first = at;
    while (first < at + 32 && values[first] === 0) first++;
    if (first === at + 32) throw new Error(`storage slot ${bytesToHex(slots.subarray(at, at + 32))}${where()} has a zero value; zero slots must be omitted`);
    // RLP of the value with leading zeros stripped: a string of 1..32 bytes (a lone byte < 0x80 is itself).
    const length = at + 32 - first;
    let rlp: Uint8Array;
    if (length === 1 && values[first]! < 0x80) {
      rlp = allocate(1);
      rlp[0] = values[first]!;
    } else {
      rlp = allocate(length + 1);
      rlp[0] = 0x80 + length;
      rlp.set(values.subarray(first, at + 32), 1);
    }
    rlps[i] = rlp;
  }
  // Sorted by the first four bytes, then by the rest when those are equal (rare).
  if (!sorted) order.sort((a, b) => heads[a]! - heads[b]! || compareHashed(a, b));
  const trie = storageTrie;
  trie.reset();
  for (let j = 0; j < count; j++) {
    const i = order[j]!;
    // Equal hashed slots can only come from one slot written twice ("0x1" and "0x01").
    if (j > 0 && heads[i] === heads[order[j - 1]!] && compareHashed(i, order[j - 1]!) === 0) {
      throw new Error(`storage${where()} holds the same slot twice (slot hash ${bytesToHex(hashedSlots.subarray(i * 32, i * 32 + 32))})`);
    }
    trie.update(hashedSlots.subarray(i * 32, i * 32 + 32), rlps[i]!);
  }
  return trie.root();
}

function compareHashed(a: number, b: number): number {
  for (let k = 4; k < 32; k++) {
    const d = hashedSlots[a * 32 + k]! - hashedSlots[b * 32 + k]!;
    if (d !== 0) return d;
  }
  return 0;
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
  valueFieldsFromRecord(record, rlpFields);
  return accountValue(rlpFields, storageRoot, encoding);
}

const rlpFields = new AccountBytes();

/** Encoded length, as an RLP string, of a quantity of `length` significant bytes right-aligned in `bytes` (32 long). */
function quantityItemLength(bytes: Uint8Array, length: number): number {
  // Zero is the empty string (0x80); one byte below 0x80 is its own encoding.
  return length === 1 && bytes[31]! < 0x80 ? 1 : 1 + length;
}

function writeQuantity(out: Uint8Array, at: number, bytes: Uint8Array, length: number): number {
  if (length === 1 && bytes[31]! < 0x80) {
    out[at] = bytes[31]!;
    return at + 1;
  }
  out[at] = 0x80 + length;
  out.set(bytes.subarray(32 - length), at + 1);
  return at + 1 + length;
}

/** RLP [nonce, balance, storageRoot, codeHash (, isMultiCoin)] written straight from the account's bytes. */
function accountValue(account: AccountBytes, storageRoot: Uint8Array, encoding: AccountEncoding): Uint8Array {
  if (storageRoot.length !== 32) {
    throw new Error(`account ${account.name()}: storage root is ${storageRoot.length} bytes, expected 32`);
  }
  const { nonce, nonceLength, balance, balanceLength } = account;
  const multiCoin = encoding === 'coreth' ? 1 : 0;
  const payload = quantityItemLength(nonce, nonceLength) + quantityItemLength(balance, balanceLength) + 33 + 33 + multiCoin;
  const out = allocate(rlpHeaderLength(payload) + payload);
  let at = writeRlpListHeader(out, 0, payload);
  at = writeQuantity(out, at, nonce, nonceLength);
  at = writeQuantity(out, at, balance, balanceLength);
  out[at++] = 0xa0;
  out.set(storageRoot, at);
  at += 32;
  out[at++] = 0xa0;
  out.set(account.codeHash, at);
  if (multiCoin) out[at + 32] = 0x80; // isMultiCoin = false
  return out;
}

function equalAt(a: Uint8Array, b: Uint8Array, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Account trie root over records added in strictly increasing key order. Each record is checked
 * on the way in: its key must be keccak(address), its code must match its code hash, and a
 * storage root reported by the source node must match the one computed from its storage.
 * Needs keccakReady() to have resolved.
 */
export class StateRootBuilder {
  private readonly trie = new StackTrie();
  private readonly scratch = new AccountBytes();
  private added = 0;

  constructor(private readonly encoding: AccountEncoding = 'ethereum') {}

  get accounts(): number {
    return this.added;
  }

  add(record: AccountRecord): void {
    accountFromRecord(record, this.scratch);
    this.addBytes(this.scratch);
  }

  /** Adds an account already decoded (accountFromRecord, or parseAccountLine); its buffers may be reused afterwards. */
  addBytes(account: AccountBytes): void {
    this.insert(account, this.checkedValue(account));
  }

  /**
   * Adds an account that names no key and no code hash (a genesis alloc entry, parseAllocLine):
   * both are derived here from its address and code, as a node derives them, rather than checked.
   */
  addDerived(account: AccountBytes): void {
    keccak256Into(account.address, account.key);
    if (account.code !== null && account.code.length > 0) keccak256Into(account.code, account.codeHash);
    else {
      account.code = null;
      account.codeHash.set(EMPTY_CODE_HASH_BYTES);
    }
    this.insert(account, this.valueOf(account));
  }

  private insert(account: AccountBytes, value: Uint8Array): void {
    try {
      // The trie refuses keys out of order; its message names keys only.
      this.trie.update(account.key, value);
    } catch (err) {
      if (!(err instanceof StackTrieOrderError)) throw err;
      throw outOfOrder(account, err.previous);
    }
    this.added++;
  }

  /**
   * The account's value in the trie, once the account is checked: its key must be keccak(address),
   * its code must match its code hash, and a storage root reported by the source node must match
   * the one computed from its storage.
   */
  checkedValue(account: AccountBytes): Uint8Array {
    const input = keccakInput();
    input.set(account.address);
    hashKeccakInput(20);
    if (!equalAt(input, account.key, 32)) {
      throw new Error(`account ${account.name()}: key ${bytesToHex(account.key)} is not keccak256(address) ${bytesToHex(input.subarray(0, 32))}`);
    }
    if (account.code) {
      keccak256Into(account.code, codeHash);
      if (!equalAt(codeHash, account.codeHash, 32)) {
        throw new Error(`account ${account.name()}: codeHash ${bytesToHex(account.codeHash)} does not match keccak256(code) ${bytesToHex(codeHash)}`);
      }
    }
    return this.valueOf(account);
  }

  /** The account's value with its storage root computed; a storage root the source reported must match it. */
  private valueOf(account: AccountBytes): Uint8Array {
    const root = storageRootOfWords(account.slots, account.values, account.slotCount, account);
    if (account.hasStorageRoot && !equalAt(root, account.storageRoot, 32)) {
      throw new Error(
        `account ${account.name()}: storage root reported by the source ${bytesToHex(account.storageRoot)} ` +
          `differs from the computed storage root ${bytesToHex(root)}`,
      );
    }
    return accountValue(account, root, this.encoding);
  }

  /**
   * The references of the accounts added since the last call, as one subtrie at each depth
   * 0..depth (StackTrie.refsAt; their keys must share `depth` leading nibbles); the builder then
   * starts the next subtrie.
   */
  subtrieRefs(depth: number): Uint8Array[] {
    const refs = this.trie.refsAt(depth);
    this.trie.reset();
    return refs;
  }

  /** The state root; the builder takes no more records afterwards. */
  root(): Hex {
    return bytesToHex(this.trie.root());
  }
}

const codeHash = new Uint8Array(32);

/** The message of an account whose key is not after the previous one (`previous`, hex). */
export function outOfOrder(account: AccountBytes, previous: string): Error {
  return new Error(
    `account ${account.name()}: key ${bytesToHex(account.key)} is not after the previous key ${previous}; records must be strictly increasing by key`,
  );
}
