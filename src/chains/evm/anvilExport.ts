import { gunzipSync } from 'node:zlib';
import type { AccountRecord } from '../../state/account.js';
import { hexToBytes, toQuantity, toWord, type Hex } from '../../state/hex.js';
import { EMPTY_CODE_HASH, keccak256Hex, keccakReady } from '../../state/keccak.js';
import type { JsonRpcClient } from './rpc.js';

/**
 * Export of an anvil node's state through `anvil_dumpState` (anvil 1.7.1, measured):
 * the result is a 0x-hex string of gzip-compressed JSON
 * `{ block: {number, ...env}, accounts: { "<lower-case address>": { nonce: number, balance: "0x…",
 *   code: "0x…", storage: { "0x<32-byte slot>": "0x<32-byte value>" } } }, best_block_number: number,
 *   blocks: [...], transactions: [...], historical_states: null }`.
 * Zeroed slots: anvil 1.7.1 keeps a slot that a transaction set back to zero in its storage trie, as
 * a leaf holding an empty value (measured with eth_getProof), and dumps it with value 0. Ethereum
 * (and geth, and any genesis) treats a zero slot as absent, so the export drops it, and from then
 * on anvil's own block roots no longer match the exported state; `anvilStateDump` reports the dropped
 * slots so a caller can tell that mismatch from a real one.
 *
 * Every dumped account is kept, including an empty one (nonce 0, balance 0, no code): anvil keeps an
 * account touched by a zero-value transfer in its trie although EIP-161 would delete it, and its block
 * roots include it (measured), so dropping it would break the root check. A geth genesis keeps such an
 * alloc entry too (genesis commit does not delete empty objects). Zero-valued slots are dropped: a zero
 * slot is an absent slot. anvil only serves its current state; there is no way to ask for an older block.
 */

export class AnvilHeadMovedError extends Error {
  override readonly name = 'AnvilHeadMovedError';
}

interface AnvilDumpAccount {
  nonce?: unknown;
  balance?: unknown;
  code?: unknown;
  storage?: unknown;
}

interface AnvilDump {
  accounts?: Record<string, AnvilDumpAccount>;
  best_block_number?: unknown;
}

function decodeDump(result: unknown): AnvilDump {
  if (typeof result !== 'string' || !result.startsWith('0x')) throw new Error('anvil_dumpState did not return a hex string');
  const bytes = Buffer.from(hexToBytes(result));
  const isGzip = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  const json = (isGzip ? gunzipSync(bytes) : bytes).toString('utf8');
  const dump = JSON.parse(json) as AnvilDump;
  if (!dump || typeof dump !== 'object' || typeof dump.accounts !== 'object' || dump.accounts === null) {
    throw new Error('anvil_dumpState: decoded state has no accounts object');
  }
  return dump;
}

function asBigInt(value: unknown, what: string): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^(0x[0-9a-fA-F]+|\d+)$/.test(value)) return BigInt(value);
  throw new Error(`anvil_dumpState: ${what} ${String(value).slice(0, 80)} is not an exact non-negative integer`);
}

async function headNumber(rpc: JsonRpcClient): Promise<number> {
  return Number(BigInt(await rpc.call<string>('eth_blockNumber')));
}

export interface AnvilStateDump {
  /** Accounts sorted by key, zero-valued slots removed. */
  records: AccountRecord[];
  /** Slots anvil listed with value zero (kept in its trie, absent in Ethereum's state). */
  droppedZeroSlots: Array<{ address: Hex; slot: Hex }>;
}

/**
 * The full state of an anvil node at `blockNumber`, which must be its head before and after the
 * dump (anvil cannot serve older state, and a block mined during the dump would mix two states).
 * Records are sorted by key.
 */
export async function exportAnvilState(rpc: JsonRpcClient, options: { blockNumber: number }): Promise<AccountRecord[]> {
  return (await anvilStateDump(rpc, options)).records;
}

/** exportAnvilState, plus the zero-valued slots it dropped. */
export async function anvilStateDump(rpc: JsonRpcClient, options: { blockNumber: number }): Promise<AnvilStateDump> {
  await keccakReady();
  const { blockNumber } = options;
  const before = await headNumber(rpc);
  if (before !== blockNumber) {
    throw new AnvilHeadMovedError(`anvil serves only its head state: head is block ${before}, export asked for block ${blockNumber}`);
  }
  const dump = decodeDump(await rpc.call<unknown>('anvil_dumpState', [], { timeoutMs: 300_000 }));
  const after = await headNumber(rpc);
  if (after !== blockNumber) {
    throw new AnvilHeadMovedError(`anvil mined block ${after} during the export at block ${blockNumber}; stop mining and retry`);
  }
  if (dump.best_block_number !== undefined && asBigInt(dump.best_block_number, 'best_block_number') !== BigInt(blockNumber)) {
    throw new AnvilHeadMovedError(`anvil_dumpState is from block ${String(dump.best_block_number)}, not ${blockNumber}`);
  }

  const records: AccountRecord[] = [];
  const droppedZeroSlots: Array<{ address: Hex; slot: Hex }> = [];
  for (const [rawAddress, acc] of Object.entries(dump.accounts!)) {
    const address = rawAddress.toLowerCase();
    if (!/^0x[0-9a-f]{40}$/.test(address)) throw new Error(`anvil_dumpState: malformed address ${rawAddress}`);
    const where = `account ${address}`;
    const nonce = asBigInt(acc.nonce ?? 0, `${where} nonce`);
    const balance = asBigInt(acc.balance ?? '0x0', `${where} balance`);
    const code = typeof acc.code === 'string' && acc.code !== '' ? acc.code.toLowerCase() : '0x';
    if (!/^0x([0-9a-f]{2})*$/.test(code)) throw new Error(`anvil_dumpState: ${where} has malformed code`);

    const slots: Array<readonly [Hex, Hex]> = [];
    if (acc.storage !== undefined && acc.storage !== null) {
      if (typeof acc.storage !== 'object') throw new Error(`anvil_dumpState: ${where} storage is not an object`);
      for (const [slot, value] of Object.entries(acc.storage as Record<string, unknown>)) {
        if (typeof value !== 'string') throw new Error(`anvil_dumpState: ${where} slot ${slot} value is not a string`);
        const word = toWord(value);
        if (/[1-9a-f]/.test(word.slice(2))) slots.push([toWord(slot), word]);
        else droppedZeroSlots.push({ address: address as Hex, slot: toWord(slot) });
      }
    }
    slots.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const record: AccountRecord = {
      key: keccak256Hex(address as Hex),
      address: address as Hex,
      balance: toQuantity(balance),
      nonce: toQuantity(nonce),
      codeHash: code === '0x' ? EMPTY_CODE_HASH : keccak256Hex(code as Hex),
    };
    if (code !== '0x') record.code = code as Hex;
    if (slots.length > 0) record.storage = Object.fromEntries(slots) as Record<Hex, Hex>;
    records.push(record);
  }
  records.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  droppedZeroSlots.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.slot < b.slot ? -1 : 1));
  return { records, droppedZeroSlots };
}
