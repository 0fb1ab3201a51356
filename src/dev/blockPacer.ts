import { Wallet } from 'ethers';
import { setTimeout as sleep } from 'node:timers/promises';
import { JsonRpcClient } from '../chains/evm/rpc.js';
import { sendEvmTransfer } from '../chains/evm/transfer.js';

/**
 * coreth makes a block only for a transaction, and an epoch seals only with a block: while
 * `keepGoing()` holds, one 1-wei transfer every few seconds keeps a quiet local C-Chain moving.
 */
export async function paceBlocks(rpcUrl: string, key: string, keepGoing: () => boolean, everyMs = 3_000): Promise<number> {
  const rpc = new JsonRpcClient(rpcUrl, { timeoutMs: 30_000 });
  const wallet = new Wallet(key);
  let sent = 0;
  while (keepGoing()) {
    await sendEvmTransfer(rpc, wallet, Wallet.createRandom().address, 1n);
    sent += 1;
    await sleep(everyMs);
  }
  return sent;
}
