import type { JsonRpcClient, RpcCall } from '../chains/evm/rpc.js';
import type { AccountRecord } from '../state/account.js';
import { toWord, type Hex } from '../state/hex.js';

/**
 * The one read-back of exported accounts from a node: balance, nonce, code and every storage slot
 * of each sampled record, through the standard eth_* API at one block. It serves the verification
 * against the source node (at the freeze height), the rehearsals and the post-launch checks (at
 * block 0 of the new chain): each must serve exactly what the export holds.
 */

export type AccountField = 'balance' | 'nonce' | 'code' | 'storage';

/** One field a node serves differently from the export. */
export interface AccountDifference {
  address: Hex;
  field: AccountField;
  /** The slot, for a storage difference. */
  slot?: Hex;
  /** The value as the export holds it. */
  exported: string;
  /** The value as the node answered, unparsed. */
  served: unknown;
  /** Both values in the form they were compared in (decimal quantities, lower-case code, words). */
  expected: string;
  actual: string;
}

export interface ReadBackOptions {
  /**
   * Calls per JSON-RPC batch request, for nodes the coordinator starts itself. Unset: one request
   * per call, a few at a time, which any node or provider in front of it accepts.
   */
  batchSize?: number;
}

/** What the read-back needs of a JSON-RPC client. */
export type ReadBackRpc = Pick<JsonRpcClient, 'call' | 'batch'>;

/** Single calls in flight at once when not batching: light enough for a rate-limited provider. */
const CONCURRENT_CALLS = 8;

interface FieldRead {
  call: RpcCall;
  address: Hex;
  field: AccountField;
  slot?: Hex;
  exported: string;
  expected: string;
  normalise: (served: unknown) => string;
}

// A node that answers with something other than a hex string serves a wrong value, not a crash.
const invalid = (v: unknown): string => `invalid ${String(v)}`;
const asQuantity = (v: unknown): string => (typeof v === 'string' ? BigInt(v).toString() : invalid(v));
const asCode = (v: unknown): string => (typeof v === 'string' ? v.toLowerCase() : invalid(v));
const asWord = (v: unknown): string => (typeof v === 'string' ? toWord(v) : invalid(v));

function readsFor(record: AccountRecord, block: Hex | 'latest'): FieldRead[] {
  const address = record.address;
  const code = record.code ?? '0x';
  const reads: FieldRead[] = [
    {
      call: { method: 'eth_getBalance', params: [address, block] },
      address,
      field: 'balance',
      exported: record.balance,
      expected: asQuantity(record.balance),
      normalise: asQuantity,
    },
    {
      call: { method: 'eth_getTransactionCount', params: [address, block] },
      address,
      field: 'nonce',
      exported: record.nonce,
      expected: asQuantity(record.nonce),
      normalise: asQuantity,
    },
    { call: { method: 'eth_getCode', params: [address, block] }, address, field: 'code', exported: code, expected: asCode(code), normalise: asCode },
  ];
  for (const [slot, value] of Object.entries(record.storage ?? {}) as Array<[Hex, Hex]>) {
    reads.push({
      call: { method: 'eth_getStorageAt', params: [address, slot, block] },
      address,
      field: 'storage',
      slot,
      exported: value,
      expected: asWord(value),
      normalise: asWord,
    });
  }
  return reads;
}

async function answers(rpc: ReadBackRpc, calls: readonly RpcCall[], options: ReadBackOptions): Promise<unknown[]> {
  if (options.batchSize !== undefined && options.batchSize > 1) return rpc.batch(calls);
  return Promise.all(calls.map((c) => rpc.call<unknown>(c.method, c.params ?? [])));
}

/**
 * Reads every field of every sampled account at `block` and returns those that differ from the
 * export, in sample order (balance, nonce, code, then the slots as the record lists them).
 */
export async function readBackAccounts(
  rpc: ReadBackRpc,
  block: Hex | 'latest',
  samples: readonly AccountRecord[],
  options: ReadBackOptions = {},
): Promise<AccountDifference[]> {
  const reads = samples.flatMap((record) => readsFor(record, block));
  const chunk = options.batchSize !== undefined && options.batchSize > 1 ? options.batchSize : CONCURRENT_CALLS;
  const differences: AccountDifference[] = [];
  for (let i = 0; i < reads.length; i += chunk) {
    const part = reads.slice(i, i + chunk);
    const served = await answers(
      rpc,
      part.map((r) => r.call),
      options,
    );
    part.forEach((read, j) => {
      const actual = read.normalise(served[j]);
      if (actual === read.expected) return;
      differences.push({
        address: read.address,
        field: read.field,
        ...(read.slot !== undefined ? { slot: read.slot } : {}),
        exported: read.exported,
        served: served[j],
        expected: read.expected,
        actual,
      });
    });
  }
  return differences;
}

/** How a difference reads in verification and post-launch reports: `<address>@<block> <field> <served> != <exported>`. */
export function servedVersusExported(d: AccountDifference, block: Hex | 'latest'): string {
  const where = `${d.address}@${block}`;
  if (d.field === 'code') return `${where} code differs`;
  const field = d.field === 'storage' ? `storage ${d.slot}` : d.field;
  return `${where} ${field} ${String(d.served)} != ${d.exported}`;
}

/** How a difference reads in a rehearsal report: `<address> <field>: expected <export>, node serves <value>`. */
export function expectedVersusServed(d: AccountDifference): string {
  const field = d.field === 'storage' ? `storage ${d.slot}` : d.field;
  return `${d.address} ${field}: expected ${short(d.expected)}, node serves ${short(d.actual)}`;
}

/** Code can be tens of kilobytes: a report names its length, not all of it. */
function short(value: string): string {
  return value.length > 80 ? `${value.slice(0, 40)}…(${value.length} chars)` : value;
}

/** The read-back as report lines of the verification and post-launch checks. */
export async function compareWithNode(
  rpc: ReadBackRpc,
  block: Hex | 'latest',
  samples: readonly AccountRecord[],
  options: ReadBackOptions = {},
): Promise<string[]> {
  const differences = await readBackAccounts(rpc, block, samples, options);
  return differences.map((d) => servedVersusExported(d, block));
}

/** The state root a rehearsal node serves for its genesis block (lower-case). */
export async function block0StateRoot(rpc: JsonRpcClient): Promise<Hex> {
  const block0 = await rpc.call<{ stateRoot?: Hex } | null>('eth_getBlockByNumber', ['0x0', false]);
  if (!block0?.stateRoot) throw new Error(`the rehearsal node at ${rpc.endpoint} has no block 0`);
  return block0.stateRoot.toLowerCase() as Hex;
}
