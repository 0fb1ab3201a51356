import { decodeAccountRangePage, requestAccountRange } from '../chains/evm/gethExport.js';
import { RpcResponseError, RpcTransportError, type JsonRpcClient } from '../chains/evm/rpc.js';
import type { AccountRecord } from '../state/account.js';
import type { Hex } from '../state/hex.js';
import { accountLine } from '../state/jsonl.js';
import { keccak256Hex, keccakReady } from '../state/keccak.js';
import type { OutageClock } from './outage.js';

/**
 * The C-Chain delta between two heights, read from a geth-family node (geth, coreth): which
 * accounts changed (debug_getModifiedAccountsByNumber), and each of them as it is at the later
 * height, in exactly the record format a full export writes.
 *
 * What the node does (go-ethereum v1.16.7 eth/api_debug.go; ava-labs/coreth eth/api_debug.go has
 * the same code, and refuses on a Firewood database): it walks the two state tries with a
 * difference iterator and returns the address of every leaf of the later trie that is not in the
 * earlier one, in trie-key order. That covers accounts created or changed by anything, atomic
 * imports included, but never an account that existed at the first height and not at the second:
 * deletions are invisible to it (see deletedAccounts.ts). It needs the state of both heights and
 * the address preimages (`no preimage found for hash …` otherwise), and refuses unless from < to.
 */

/** An account of the earlier state that no longer exists at the later height. */
export interface DeletedAccount {
  key: Hex;
  address: Hex;
  deleted: true;
}

/** One account of the delta: its record at the later height, or its deletion. */
export type DeltaEntry = AccountRecord | DeletedAccount;

export function isDeletion(entry: DeltaEntry): entry is DeletedAccount {
  return (entry as Partial<DeletedAccount>).deleted === true;
}

/** A delta entry as one JSONL line: a record exactly as a full export writes it, or a deletion. */
export function deltaLine(entry: DeltaEntry): string {
  if (!isDeletion(entry)) return accountLine(entry);
  return `${JSON.stringify({ key: entry.key, address: entry.address, deleted: true })}\n`;
}

/** The node cannot give the delta: it lacks the method, the state, or the blocks. */
export class DeltaSourceError extends Error {
  override readonly name = 'DeltaSourceError';
  constructor(
    message: string,
    readonly reason: 'unsupported' | 'stateUnavailable' | 'refused',
  ) {
    super(message);
  }
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const MODIFIED = 'debug_getModifiedAccountsByNumber';
/**
 * The node walks every trie node that differs between the two states before it answers, which grows
 * with the window and the state; the client's default deadline is sized for one page of an export,
 * and a call cut short would only be repeated from scratch.
 */
const MODIFIED_TIMEOUT_MS = 10 * 60_000;

/** Why the node refused, in the terms an operator acts on. */
function sourceError(err: RpcResponseError, from: number, to: number): DeltaSourceError {
  const call = `${MODIFIED}(${from}, ${to}) at ${err.endpoint}`;
  if (err.code === -32601 || /does not exist|is not available|method not found|does not yet support/i.test(err.rpcMessage)) {
    return new DeltaSourceError(
      `${call}: the node does not serve it (${err.rpcMessage}); enable the debug API (geth --http.api …,debug; coreth "eth-apis": [..., "debug"])`,
      'unsupported',
    );
  }
  if (/missing trie node|state .*not available|historical state|no preimage found/i.test(err.rpcMessage)) {
    return new DeltaSourceError(
      `${call}: the node lacks the state of one of the heights or its address preimages (${err.rpcMessage}); ` +
        'use an archive node that records preimages (geth --gcmode archive --cache.preimages; coreth "pruning-enabled": false, "preimages-enabled": true)',
      'stateUnavailable',
    );
  }
  return new DeltaSourceError(`${call}: refused (${err.rpcMessage})`, 'refused');
}

/**
 * The addresses of the accounts that differ between the states at `from` and `to` (from < to), as
 * the node's trie difference reports them: lower-case, each once, in trie-key order.
 */
export async function modifiedAccounts(rpc: JsonRpcClient, from: number, to: number): Promise<Hex[]> {
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || from >= to) {
    throw new Error(`${MODIFIED}: heights must be integers with 0 <= from < to, got from ${from}, to ${to}`);
  }
  let reply: unknown;
  try {
    // The node decodes both heights as uint64: JSON numbers, not hex quantities.
    reply = await rpc.call<unknown>(MODIFIED, [from, to], { timeoutMs: MODIFIED_TIMEOUT_MS });
  } catch (err) {
    throw err instanceof RpcResponseError && !err.retryable ? sourceError(err, from, to) : err;
  }
  if (!Array.isArray(reply)) {
    throw new DeltaSourceError(`${MODIFIED}(${from}, ${to}) at ${rpc.endpoint}: reply is not an array of addresses`, 'refused');
  }
  const seen = new Set<Hex>();
  for (const [i, address] of reply.entries()) {
    if (typeof address !== 'string' || !ADDRESS.test(address)) {
      throw new DeltaSourceError(`${MODIFIED}(${from}, ${to}) at ${rpc.endpoint}: entry ${i} is not an address: ${String(address).slice(0, 80)}`, 'refused');
    }
    seen.add(address.toLowerCase() as Hex);
  }
  return [...seen];
}

/** How reads from the node go: requests in flight, the outage policy, and who to tell it is alive. */
export interface NodeReadOptions {
  /** Accounts read at once. Default 8. */
  concurrency?: number;
  /** Times the node's outages; shared by every read of the same export. */
  outage: OutageClock;
  /** Called while an outage is waited out, so whoever supervises the read knows it is alive. */
  alive?: () => void;
  signal?: AbortSignal;
}

/**
 * Runs `call`, waiting out transport faults with the export's outage policy: a node that fails for
 * longer than the plan allows ends the read with NodeUnreachableError, anything else it refuses is
 * thrown at once.
 */
export async function withOutageRetries<T>(call: () => Promise<T>, options: NodeReadOptions): Promise<T> {
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const result = await call();
      options.outage.recovered();
      return result;
    } catch (err) {
      if (!(err instanceof RpcTransportError && err.retryable) || options.signal?.aborted) throw err;
      await options.outage.waitOrGiveUp(err, options.alive ?? (() => undefined), options.signal);
    }
  }
}

/** The key right after `key`, or null past the last key of the space. */
function keyAfter(key: Hex): Hex | null {
  const next = BigInt(key) + 1n;
  return next >> 256n === 0n ? `0x${next.toString(16).padStart(64, '0')}` : null;
}

/**
 * One account at `blockNumber`, read through debug_accountRange from its own key with one result:
 * the node answers with the account at that key, or with the next one when it no longer exists.
 * The page goes through the full export's checks (state root, key order, code hash, storage root).
 */
async function accountAt(
  rpc: JsonRpcClient,
  at: { blockNumber: number; stateRoot: string },
  { address, key }: { address: Hex; key: Hex },
  options: NodeReadOptions,
): Promise<DeltaEntry> {
  const reply = await withOutageRetries(() => requestAccountRange(rpc, at.blockNumber, key, 1), options);
  // The address is known here, so an account the node holds without its preimage is still read.
  const page = decodeAccountRangePage(reply, { ...at, cursor: key, end: keyAfter(key), preimages: new Map([[key, address]]) });
  return page.records[0] ?? { key, address, deleted: true };
}

/**
 * The accounts `addresses` at `blockNumber` (whose header's state root is `stateRoot`, without 0x),
 * in trie-key order, each as a record or a deletion. Up to `concurrency` reads are in flight and
 * the results come out in order, so memory holds a window of accounts, not the delta.
 */
export async function* accountsAt(
  rpc: JsonRpcClient,
  at: { blockNumber: number; stateRoot: string },
  addresses: readonly Hex[],
  options: NodeReadOptions,
): AsyncGenerator<DeltaEntry, void, undefined> {
  await keccakReady();
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`concurrency must be a positive integer, got ${concurrency}`);
  const ordered = [...new Set(addresses)].map((address) => ({ address, key: keccak256Hex(address) }));
  ordered.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  // Reads still waiting when the consumer stops (an error, an abort) stop too.
  const stop = new AbortController();
  const read = { ...options, signal: options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal };
  const window: Array<Promise<DeltaEntry>> = [];
  let started = 0;
  const startNext = (): void => {
    const pending = accountAt(rpc, at, ordered[started++]!, read);
    pending.catch(() => undefined); // surfaces when its turn comes; never unhandled if abandoned
    window.push(pending);
  };
  try {
    while (window.length < concurrency && started < ordered.length) startNext();
    while (window.length > 0) {
      const entry = await window.shift()!;
      if (started < ordered.length) startNext();
      yield entry;
    }
  } finally {
    stop.abort();
  }
}
