import type { JsonRpcClient } from '../chains/evm/rpc.js';
import type { AccountRecord } from '../state/account.js';
import { toWord, type Hex } from '../state/hex.js';

const MAX_SLOTS_PER_ACCOUNT = 8;

/**
 * Reads each sampled account back through the standard eth_* API at `block` and lists every field
 * that differs from the record. Used against the source node (at the freeze height) and against
 * the rehearsal node (at block 0): both must serve exactly what the export holds.
 */
export async function compareWithNode(rpc: JsonRpcClient, block: Hex | 'latest', samples: readonly AccountRecord[]): Promise<string[]> {
  const mismatches: string[] = [];
  for (const record of samples) {
    const where = `${record.address}@${block}`;
    const [balance, nonce, code] = await Promise.all([
      rpc.call<Hex>('eth_getBalance', [record.address, block]),
      rpc.call<Hex>('eth_getTransactionCount', [record.address, block]),
      rpc.call<Hex>('eth_getCode', [record.address, block]),
    ]);
    if (BigInt(balance) !== BigInt(record.balance)) mismatches.push(`${where} balance ${balance} != ${record.balance}`);
    if (BigInt(nonce) !== BigInt(record.nonce)) mismatches.push(`${where} nonce ${nonce} != ${record.nonce}`);
    if (code.toLowerCase() !== (record.code ?? '0x').toLowerCase()) mismatches.push(`${where} code differs`);
    const slots = Object.entries(record.storage ?? {}).slice(0, MAX_SLOTS_PER_ACCOUNT);
    for (const [slot, value] of slots) {
      const served = await rpc.call<Hex>('eth_getStorageAt', [record.address, slot, block]);
      if (toWord(served) !== toWord(value)) mismatches.push(`${where} storage ${slot} ${served} != ${value}`);
    }
  }
  return mismatches;
}

/** The state root a rehearsal node serves for its genesis block (lower-case). */
export async function block0StateRoot(rpc: JsonRpcClient): Promise<Hex> {
  const block0 = await rpc.call<{ stateRoot?: Hex } | null>('eth_getBlockByNumber', ['0x0', false]);
  if (!block0?.stateRoot) throw new Error(`the rehearsal node at ${rpc.endpoint} has no block 0`);
  return block0.stateRoot.toLowerCase() as Hex;
}
