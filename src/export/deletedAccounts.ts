import { ACCOUNT_RANGE_MAX, accountRangeKeys, requestAccountRange } from '../chains/evm/gethExport.js';
import type { JsonRpcClient } from '../chains/evm/rpc.js';
import type { Hex } from '../state/hex.js';
import { readAccounts } from '../state/jsonl.js';
import { withOutageRetries, type DeletedAccount, type NodeReadOptions } from './delta.js';

/**
 * Finds the deletions a node's trie difference cannot report (delta.ts): accounts of the earlier
 * state gone at the later height, after a SELFDESTRUCT before Cancun or an empty account touched
 * (EIP-161). The merged export holds them still, so its keys are compared with every key the node
 * holds at the later height, read with debug_accountRange without code or storage (the node reads
 * account leaves only: a fraction of a full export's work). Only needed when the merged export's
 * state root disagrees with the block's.
 */

export interface KeyScan {
  /** Keys the node holds at the height. */
  keys: number;
  pages: number;
  /** In the merged export but not at the height, in key order. */
  deleted: DeletedAccount[];
}

const FIRST_KEY: Hex = `0x${'00'.repeat(32)}`;

/** Every key of the state at the block, in order, counting pages into `scan`. */
async function* keysAt(
  rpc: JsonRpcClient,
  at: { blockNumber: number; stateRoot: string },
  pageSize: number,
  scan: KeyScan,
  options: NodeReadOptions,
): AsyncGenerator<Hex, void, undefined> {
  let cursor: Hex | null = FIRST_KEY;
  while (cursor !== null) {
    const from: Hex = cursor;
    const reply = await withOutageRetries(() => requestAccountRange(rpc, at.blockNumber, from, pageSize, { keysOnly: true }), options);
    const page = accountRangeKeys(reply, { ...at, cursor: from, end: null });
    scan.pages += 1;
    scan.keys += page.keys.length;
    yield* page.keys;
    cursor = page.next;
  }
}

/**
 * Compares the merged export (`mergedPaths`, partitions in order) with the keys the node holds at
 * `at.blockNumber`: every record the node no longer holds is a deletion. A key the node holds that
 * the export lacks cannot come from a deletion, so it is refused: the earlier export or the delta
 * missed an account.
 */
export async function findDeletions(
  rpc: JsonRpcClient,
  at: { blockNumber: number; stateRoot: string },
  mergedPaths: readonly string[],
  options: NodeReadOptions & { pageSize?: number },
): Promise<KeyScan> {
  const scan: KeyScan = { keys: 0, pages: 0, deleted: [] };
  const held = keysAt(rpc, at, options.pageSize ?? ACCOUNT_RANGE_MAX, scan, options)[Symbol.asyncIterator]();
  const missing = (key: Hex): Error =>
    new Error(`block ${at.blockNumber}: the node holds account key ${key}, which the merged export lacks; export the full state at ${at.blockNumber} instead`);
  let node = await held.next();
  for await (const record of readAccounts(mergedPaths)) {
    if (!node.done && node.value < record.key) throw missing(node.value);
    if (!node.done && node.value === record.key) node = await held.next();
    else scan.deleted.push({ key: record.key, address: record.address, deleted: true });
  }
  if (!node.done) throw missing(node.value);
  return scan;
}
