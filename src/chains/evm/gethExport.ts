import type { AccountRecord } from '../../state/account.js';
import { bytesToHex, toQuantity, toWord, type Hex } from '../../state/hex.js';
import { EMPTY_CODE_HASH, EMPTY_TRIE_ROOT, keccak256Hex, keccakReady } from '../../state/keccak.js';
import { storageRootOfSlots } from '../../state/stateRoot.js';
import type { JsonRpcClient } from './rpc.js';

/**
 * Export of a geth-family node's state (geth, coreth) through `debug_accountRange`.
 *
 * What the node does (go-ethereum v1.16.7, core/state/dump.go and eth/api_debug.go):
 * - params: (blockNrOrHash, start bytes, maxResults, nocode, nostorage, incompletes); maxResults
 *   outside 1..256 becomes 256. Iteration starts at the first trie key ≥ start.
 * - reply: { root: hex WITHOUT 0x, accounts: { "<checksummed address>" | "pre(0x<key>)": {
 *   balance: decimal string, nonce: JSON number, root: 0x storage root, codeHash, code?,
 *   storage?: { "0x<32-byte slot>": "<minimal hex value, no 0x>" }, address?: lower-case, key } },
 *   next?: base64 (a Go []byte) of the next key, absent when the state is exhausted }.
 * - Accounts whose address preimage is unknown come as "pre(<key>)" without `address` when
 *   incompletes=true, and are silently left out when incompletes=false, so we always ask for them
 *   and refuse them. Storage slots without a preimage are always left out silently: the only
 *   evidence is that the storage root computed over the returned slots differs from the account's
 *   `root`, which is checked for every account.
 * - Without preimage recording geth answers no address at all (the trie's preimage store is
 *   detached), not even for genesis accounts; `--gcmode archive` turns recording on by itself.
 * - An account whose storage trie cannot be opened is logged and skipped by the node; only the
 *   final state-root check over the whole export can reveal that, so callers must do it.
 */

export const ACCOUNT_RANGE_MAX = 256;

/** Refusal to export an account or slot whose preimage (address or slot key) the node does not have. */
export class MissingPreimageError extends Error {
  override readonly name = 'MissingPreimageError';
  constructor(
    message: string,
    /** 'account': the key of an account without address; 'storage': slots of `account` are missing. */
    readonly kind: 'account' | 'storage',
    readonly key: Hex,
    readonly blockNumber: number,
    readonly account?: Hex,
  ) {
    super(message);
  }
}

/** The node's reply does not have the shape or the invariants we rely on. */
export class AccountRangeFormatError extends Error {
  override readonly name = 'AccountRangeFormatError';
}

export interface AccountRangeOptions {
  blockNumber: number;
  /** First key of the range, inclusive, 32 bytes. */
  start: Hex;
  /** End of the range, exclusive; null for the end of the key space. */
  end: Hex | null;
  /** Accounts per request, 1..256 (the node's own cap). Default 256. */
  pageSize?: number;
  /** Known address preimages (trie key → address), e.g. from a genesis alloc; each is verified. */
  preimages?: ReadonlyMap<Hex, Hex>;
}

export interface AccountRangePage {
  /** Accounts of this page, sorted by key, all within [start, end). */
  records: AccountRecord[];
  /** Where to resume (inclusive), or null when the range is done. */
  next: Hex | null;
}

interface DumpAccount {
  balance?: unknown;
  nonce?: unknown;
  root?: unknown;
  codeHash?: unknown;
  code?: unknown;
  storage?: unknown;
  address?: unknown;
  key?: unknown;
}

interface Dump {
  root?: unknown;
  accounts?: Record<string, DumpAccount>;
  next?: unknown;
}

const HEX32 = /^0x[0-9a-f]{64}$/;
const HEX32_ANY_CASE = /^0x[0-9a-fA-F]{64}$/;
const STORAGE_VALUE = /^(0x)?[0-9a-fA-F]*$/;
/** Any digit but 0 after the "0x" of a word (the "x" itself never matches). */
const NON_ZERO_DIGIT = /[1-9a-f]/;
const HEX20 = /^0x[0-9a-f]{40}$/;
const KEY_SPACE = 1n << 256n;

function keyToHex(value: bigint): Hex {
  return `0x${value.toString(16).padStart(64, '0')}`;
}

function normKey(value: string, what: string): Hex {
  const v = value.toLowerCase();
  if (!HEX32.test(v)) throw new Error(`${what} must be a 32-byte 0x-hex key, got ${value.slice(0, 80)}`);
  return v as Hex;
}

/**
 * Splits the 256-bit key space into `n` contiguous ranges of equal size (the last one absorbs the
 * remainder). Keys are keccak hashes, so equal ranges hold about equal numbers of accounts.
 */
export function partitionBounds(n: number): Array<{ start: Hex; end: Hex | null }> {
  if (!Number.isInteger(n) || n < 1) throw new Error(`partition count must be a positive integer, got ${n}`);
  const bounds: Array<{ start: Hex; end: Hex | null }> = [];
  for (let i = 0; i < n; i++) {
    const start = (KEY_SPACE * BigInt(i)) / BigInt(n);
    const end = i === n - 1 ? null : keyToHex((KEY_SPACE * BigInt(i + 1)) / BigInt(n));
    bounds.push({ start: keyToHex(start), end });
  }
  return bounds;
}

/** The `next` key of a debug_accountRange reply, null when the state is exhausted. */
export function decodeNextKey(next: unknown, block: number): Hex | null {
  if (next === undefined || next === null || next === '') return null;
  if (typeof next !== 'string') throw new AccountRangeFormatError(`block ${block}: "next" is not a string`);
  // A Go []byte marshals as base64 (44 characters for a key); 0x-hex (66) is accepted too in case a
  // node dialect differs. Base64 can itself start with "0x" (about one page in 4096), so the form is
  // told by the whole string, never by its prefix.
  const bytes = HEX32_ANY_CASE.test(next) ? Buffer.from(next.slice(2), 'hex') : Buffer.from(next, 'base64');
  if (bytes.length !== 32) throw new AccountRangeFormatError(`block ${block}: "next" decodes to ${bytes.length} bytes, expected 32`);
  return `0x${bytes.toString('hex')}`;
}

function verifiedPreimages(preimages: ReadonlyMap<Hex, Hex> | undefined): Map<Hex, Hex> {
  const out = new Map<Hex, Hex>();
  for (const [key, address] of preimages ?? []) {
    const k = normKey(key, 'preimage key');
    const a = address.toLowerCase();
    if (!HEX20.test(a)) throw new Error(`preimage for ${k} is not a 20-byte address: ${address}`);
    const actual = keccak256Hex(a as Hex);
    if (actual !== k) throw new Error(`supplied preimage ${a} does not hash to ${k} (keccak is ${actual})`);
    out.set(k, a as Hex);
  }
  return out;
}

function parseBalance(value: unknown, where: string): Hex {
  // geth prints the balance as a decimal big integer; a hex form is accepted for other dialects.
  if (typeof value !== 'string' || !/^(0x[0-9a-fA-F]+|\d+)$/.test(value)) {
    throw new AccountRangeFormatError(`${where}: balance ${String(value).slice(0, 80)} is not an integer string`);
  }
  return toQuantity(BigInt(value));
}

function parseNonce(value: unknown, where: string): Hex {
  if (typeof value === 'number') {
    // JSON numbers above 2^53 have lost digits in JSON.parse; refuse rather than export a wrong nonce.
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new AccountRangeFormatError(`${where}: nonce ${value} cannot be represented exactly`);
    }
    return toQuantity(BigInt(value));
  }
  if (typeof value === 'string' && /^(0x[0-9a-fA-F]+|\d+)$/.test(value)) return toQuantity(BigInt(value));
  throw new AccountRangeFormatError(`${where}: nonce ${String(value).slice(0, 80)} is not an integer`);
}

function hexField(value: unknown, where: string, field: string, pattern: RegExp): Hex {
  if (typeof value !== 'string' || !pattern.test(value.toLowerCase())) {
    throw new AccountRangeFormatError(`${where}: ${field} ${String(value).slice(0, 80)} is malformed`);
  }
  return value.toLowerCase() as Hex;
}

function toRecord(entryName: string, acc: DumpAccount, blockNumber: number, preimages: ReadonlyMap<Hex, Hex>): AccountRecord {
  const where = `block ${blockNumber}, account ${entryName}`;
  const key = hexField(acc.key, where, 'key', HEX32);
  let address: Hex | undefined;
  if (acc.address !== undefined && acc.address !== null) {
    address = hexField(acc.address, where, 'address', HEX20);
    if (keccak256Hex(address) !== key) {
      throw new AccountRangeFormatError(`${where}: key ${key} is not keccak256(address ${address})`);
    }
  } else {
    address = preimages.get(key);
  }
  if (address === undefined) {
    throw new MissingPreimageError(
      `account with trie key ${key} at block ${blockNumber} has no address preimage on the node, and an address ` +
        'is never guessed. Run the node with --cache.preimages (coreth: "preimages-enabled": true) from genesis or ' +
        're-sync it so (geth records a preimage only when the key is written), or supply the address through the ' +
        '`preimages` option.',
      'account',
      key,
      blockNumber,
    );
  }
  const balance = parseBalance(acc.balance, where);
  const nonce = parseNonce(acc.nonce, where);
  const reportedRoot = hexField(acc.root, where, 'root', HEX32);
  const codeHash = hexField(acc.codeHash, where, 'codeHash', HEX32);

  const record: AccountRecord = { key, address, balance, nonce, codeHash };
  const code = acc.code === undefined || acc.code === null ? '0x' : hexField(acc.code, where, 'code', /^0x([0-9a-f]{2})*$/);
  if (code !== '0x') {
    const actual = keccak256Hex(code);
    if (actual !== codeHash) throw new AccountRangeFormatError(`${where}: codeHash ${codeHash} is not keccak256(code) ${actual}`);
    record.code = code;
  } else if (codeHash !== EMPTY_CODE_HASH) {
    throw new AccountRangeFormatError(`${where}: codeHash ${codeHash} but the node returned no code (code missing from its database?)`);
  }

  // Storage comes in trie order (by hashed slot), which is the order the root is computed in; the
  // record keeps it sorted by slot. Every slot and value is parsed once, for both.
  let computedRoot: Hex = EMPTY_TRIE_ROOT;
  let count = 0;
  if (acc.storage !== undefined && acc.storage !== null) {
    if (typeof acc.storage !== 'object') throw new AccountRangeFormatError(`${where}: storage is not an object`);
    const raw = acc.storage as Record<string, unknown>;
    const slots: Hex[] = [];
    const words: Hex[] = [];
    for (const name of Object.keys(raw)) {
      const value = raw[name];
      if (typeof value !== 'string' || !STORAGE_VALUE.test(value)) {
        throw new AccountRangeFormatError(`${where}: storage value at ${name} is malformed`);
      }
      const slot = hexField(name, where, 'storage slot', HEX32);
      const word = toWord(value === '' ? '0' : value);
      if (!NON_ZERO_DIGIT.test(word)) continue; // a zero slot is an absent slot
      slots.push(slot);
      words.push(word);
    }
    count = slots.length;
    if (count > 0) {
      computedRoot = bytesToHex(storageRootOfSlots(slots, words, address));
      const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => (slots[a]! < slots[b]! ? -1 : slots[a]! > slots[b]! ? 1 : 0));
      const storage: Record<Hex, Hex> = {};
      for (const i of order) storage[slots[i]!] = words[i]!;
      record.storage = storage;
    }
  }
  if (computedRoot !== reportedRoot) {
    throw new MissingPreimageError(
      `storage of account ${address} (trie key ${key}) at block ${blockNumber}: the ${count} slots returned hash to ` +
        `${computedRoot} but the account's storage root is ${reportedRoot}. geth leaves out every slot whose key ` +
        'preimage it lacks; run the node with --cache.preimages (coreth: "preimages-enabled": true) from genesis.',
      'storage',
      key,
      blockNumber,
      address,
    );
  }
  if (reportedRoot !== EMPTY_TRIE_ROOT) record.storageRoot = reportedRoot;
  return record;
}

/**
 * The state root block `blockNumber`'s header commits to, lower-case without 0x (the form
 * debug_accountRange answers in): every page read for the block must come from it.
 */
export async function headerStateRoot(rpc: JsonRpcClient, blockNumber: number): Promise<string> {
  const header = await rpc.call<{ stateRoot?: string; hash?: string } | null>('eth_getBlockByNumber', [toQuantity(BigInt(blockNumber)), false]);
  if (!header?.stateRoot) throw new Error(`block ${blockNumber} not found on ${rpc.endpoint}`);
  return header.stateRoot.toLowerCase().replace(/^0x/, '');
}

/**
 * One debug_accountRange request: up to `pageSize` accounts from key `from` on, with code and
 * storage, or with `keysOnly` without either (the node then reads account leaves only).
 */
export function requestAccountRange(
  rpc: JsonRpcClient,
  blockNumber: number,
  from: Hex,
  pageSize: number,
  options: { keysOnly?: boolean } = {},
): Promise<unknown> {
  const skip = options.keysOnly === true;
  // incompletes=true: accounts without an address preimage come back, to be refused (see above).
  return rpc.call<unknown>('debug_accountRange', [toQuantity(BigInt(blockNumber)), from, pageSize, skip, skip, true]);
}

/** What one reply is checked against: the block, its state root, and the page it was asked for. */
export interface PageBounds {
  blockNumber: number;
  /** The block header's state root, lower-case without 0x (headerStateRoot). */
  stateRoot: string;
  /** The key the page was asked from. */
  cursor: Hex;
  /** End of the caller's range, exclusive; null for the end of the key space. */
  end: Hex | null;
}

export interface PageRequest extends PageBounds {
  /** Address preimages by trie key, already known to hash to their key. */
  preimages: ReadonlyMap<Hex, Hex>;
}

/** A reply that passed the page-level checks, its accounts not decoded yet. */
interface CheckedPage {
  accounts: Record<string, DumpAccount>;
  /** Keys of this page are below it (null: the state ends in this page). */
  limit: Hex | null;
  /** Where the caller's range goes on, null past its end. */
  next: Hex | null;
}

function checkPage(reply: unknown, page: PageBounds): CheckedPage {
  const { blockNumber, cursor, end } = page;
  const dump = reply as Dump | null;
  if (!dump || typeof dump !== 'object' || typeof dump.accounts !== 'object' || dump.accounts === null) {
    throw new AccountRangeFormatError(`block ${blockNumber}: debug_accountRange reply has no accounts object`);
  }
  const root = typeof dump.root === 'string' ? dump.root.toLowerCase().replace(/^0x/, '') : '';
  if (root !== page.stateRoot) {
    // Another root means another state: the block was replaced (reorg) or the node answered for a
    // different block; mixing pages of two states would produce a state that never existed.
    throw new Error(`block ${blockNumber}: debug_accountRange answered for root 0x${root}, block header says 0x${page.stateRoot}`);
  }
  const limit = decodeNextKey(dump.next, blockNumber);
  if (limit !== null && limit <= cursor) {
    throw new AccountRangeFormatError(`block ${blockNumber}: next key ${limit} does not advance past ${cursor}`);
  }
  const next = limit !== null && end !== null && limit >= end ? null : limit;
  return { accounts: dump.accounts, limit, next };
}

/**
 * The key of one account of a checked page, or null when it lies past the caller's range: such an
 * account belongs to a range the caller reads separately, or to none it asked for, and is decoded
 * (and refused if it must be) when that range is read.
 */
function keyInRange(name: string, acc: DumpAccount, checked: CheckedPage, page: PageBounds): Hex | null {
  const { blockNumber, cursor, end } = page;
  const key = hexField(acc.key, `block ${blockNumber}, account ${name}`, 'key', HEX32);
  if (key < cursor || (checked.limit !== null && key >= checked.limit)) {
    throw new AccountRangeFormatError(`block ${blockNumber}: account key ${key} outside the page [${cursor}, ${checked.limit ?? 'end'})`);
  }
  return end !== null && key >= end ? null : key;
}

function pageRecords(checked: CheckedPage, page: PageRequest): AccountRecord[] {
  const records: AccountRecord[] = [];
  for (const [name, acc] of Object.entries(checked.accounts)) {
    if (keyInRange(name, acc, checked, page) !== null) records.push(toRecord(name, acc, page.blockNumber, page.preimages));
  }
  return records.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * Checks one debug_accountRange reply and decodes its accounts within [cursor, end): the reply
 * must come from the block's state root, its keys from the page asked for, and every account must
 * pass toRecord's checks.
 */
export function decodeAccountRangePage(reply: unknown, page: PageRequest): AccountRangePage {
  const checked = checkPage(reply, page);
  return { records: pageRecords(checked, page), next: checked.next };
}

/**
 * Checks one keys-only reply (requestAccountRange with keysOnly) as decodeAccountRangePage does a
 * full one, and lists its keys within [cursor, end) in order: which accounts exist, not what they hold.
 */
export function accountRangeKeys(reply: unknown, page: PageBounds): { keys: Hex[]; next: Hex | null } {
  const checked = checkPage(reply, page);
  const keys: Hex[] = [];
  for (const [name, acc] of Object.entries(checked.accounts)) {
    const key = keyInRange(name, acc, checked, page);
    if (key !== null) keys.push(key);
  }
  return { keys: keys.sort(), next: checked.next };
}

/**
 * Pages of the state at `blockNumber` within [start, end), in key order. Each page says where to
 * resume, so a caller can persist it after writing the page and restart from there; re-running from
 * the same cursor yields the same records. Every page is checked to come from the block's state root.
 */
export async function* accountRangePages(rpc: JsonRpcClient, options: AccountRangeOptions): AsyncGenerator<AccountRangePage, void, undefined> {
  await keccakReady();
  const { blockNumber } = options;
  if (!Number.isSafeInteger(blockNumber) || blockNumber < 0) throw new Error(`invalid block number ${blockNumber}`);
  const pageSize = options.pageSize ?? ACCOUNT_RANGE_MAX;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > ACCOUNT_RANGE_MAX) {
    throw new Error(`pageSize must be 1..${ACCOUNT_RANGE_MAX}, got ${pageSize}`);
  }
  const start = normKey(options.start, 'start');
  const end = options.end === null ? null : normKey(options.end, 'end');
  if (end !== null && end <= start) throw new Error(`empty range: start ${start} is not below end ${end}`);
  const preimages = verifiedPreimages(options.preimages);
  const stateRoot = await headerStateRoot(rpc, blockNumber);

  // One page is always in flight ahead of the one being processed: the node computes page n+1
  // while this side parses, checks and writes page n. A failed read surfaces when its page is
  // due, never earlier, so a consumer still gets (and can persist) every page before it.
  const fetchPage = (from: Hex): Promise<unknown> => {
    const reply = requestAccountRange(rpc, blockNumber, from, pageSize);
    reply.catch(() => undefined); // handled when awaited; never an unhandled rejection if abandoned
    return reply;
  };
  let cursor: Hex = start;
  let inFlight: Promise<unknown> | undefined = fetchPage(cursor);
  for (;;) {
    const request: PageRequest = { blockNumber, stateRoot, cursor, end, preimages };
    const checked = checkPage(await inFlight!, request);
    inFlight = checked.next !== null ? fetchPage(checked.next) : undefined;
    yield { records: pageRecords(checked, request), next: checked.next };
    if (checked.next === null) return;
    cursor = checked.next;
  }
}
