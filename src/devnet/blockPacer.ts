import { Wallet } from 'ethers';
import { setTimeout as sleep } from 'node:timers/promises';
import { JsonRpcClient } from '../chains/evm/rpc.js';
import type { Hex } from '../state/hex.js';

/**
 * coreth makes a block only for a transaction, and an epoch seals only with a block: while
 * `keepGoing()` holds, one 1-wei transfer every few seconds keeps a quiet local C-Chain moving.
 */
export async function paceBlocks(rpcUrl: string, key: string, keepGoing: () => boolean, everyMs = 3_000): Promise<number> {
  const rpc = new JsonRpcClient(rpcUrl, { timeoutMs: 30_000 });
  const wallet = new Wallet(key);
  const chainId = BigInt(await rpc.call<Hex>('eth_chainId'));
  let sent = 0;
  while (keepGoing()) {
    const head = await rpc.call<{ baseFeePerGas?: Hex }>('eth_getBlockByNumber', ['latest', false]);
    const tip = 1_000_000_000n;
    const signed = await wallet.signTransaction({
      type: 2,
      chainId,
      nonce: Number(BigInt(await rpc.call<Hex>('eth_getTransactionCount', [wallet.address, 'pending']))),
      to: Wallet.createRandom().address,
      value: 1n,
      gasLimit: 21_000n,
      maxFeePerGas: 2n * BigInt(head.baseFeePerGas ?? '0x0') + tip,
      maxPriorityFeePerGas: tip,
    });
    await rpc.call('eth_sendRawTransaction', [signed]);
    sent += 1;
    await sleep(everyMs);
  }
  return sent;
}
