import { Wallet } from 'ethers';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { JsonRpcClient } from '../chains/evm/rpc.js';
import { sendEvmTransfer } from '../chains/evm/transfer.js';
import { sendAvax } from '../chains/platform/transfer.js';
import { formatAddress, shortIdOfKey } from '../keys/address.js';
import type { Hex } from '../state/hex.js';

/**
 * The last proof before the commit point that the new network is alive: it accepts a C-Chain and an
 * X-Chain transfer. Both are sent by the operator's canary key (funded in the genesis, read from the
 * worker's REGENESIS_CANARY_KEY_FILE, never from a plan or a payload), each to its own address.
 */
export const CANARY_KEY_ENV = 'REGENESIS_CANARY_KEY_FILE';

export class CanaryKeyError extends Error {
  override readonly name = 'CanaryKeyError';
}

export interface TransferCheck {
  cChain: { txHash: Hex; block: number };
  xChain: { txID: string };
}

export async function readCanaryKey(env: NodeJS.ProcessEnv = process.env): Promise<Hex> {
  const path = env[CANARY_KEY_ENV];
  if (!path)
    throw new CanaryKeyError(
      `${CANARY_KEY_ENV} is not set: the post-launch transfer check needs a key funded in the new genesis (or set the plan's launch.operator.transferCheck to false)`,
    );
  const text = (
    await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new CanaryKeyError(`${CANARY_KEY_ENV}=${path}: cannot read it (${err.code ?? err.message})`);
    })
  ).trim();
  // The key is never echoed, only what is wrong with its shape.
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(text)) throw new CanaryKeyError(`${CANARY_KEY_ENV}=${path}: not a 32-byte hex secp256k1 key`);
  return (text.startsWith('0x') ? text : `0x${text}`) as Hex;
}

export async function checkTransfers(uri: string, hrp: string, key: Hex, timeoutMs = 60_000): Promise<TransferCheck> {
  const wallet = new Wallet(key);
  const rpc = new JsonRpcClient(`${uri}/ext/bc/C/rpc`, { timeoutMs: 30_000 });
  const txHash = await sendEvmTransfer(rpc, wallet, wallet.address, 0n);
  const deadline = Date.now() + timeoutMs;
  const receiptOf = () => rpc.call<{ status: Hex; blockNumber: Hex } | null>('eth_getTransactionReceipt', [txHash]);
  let receipt = await receiptOf();
  while (!receipt) {
    if (Date.now() > deadline) throw new Error(`C-Chain transfer ${txHash} not accepted within ${timeoutMs} ms`);
    await sleep(250);
    receipt = await receiptOf();
  }
  if (receipt.status !== '0x1') throw new Error(`C-Chain transfer ${txHash} reverted`);
  const txID = await sendAvax(uri, 'X', key, [{ to: formatAddress('X', hrp, shortIdOfKey(key)), amount: 1n }]);
  return { cChain: { txHash, block: Number(BigInt(receipt.blockNumber)) }, xChain: { txID } };
}
