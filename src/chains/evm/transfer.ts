import type { Wallet } from 'ethers';
import type { Hex } from '../../state/hex.js';
import type { JsonRpcClient } from './rpc.js';

const TIP = 1_000_000_000n;

/**
 * Signs and sends one plain value transfer (EIP-1559, 21,000 gas, twice the head's base fee plus a
 * 1 gwei tip, the account's next pending nonce) and returns its hash without waiting for it.
 */
export async function sendEvmTransfer(rpc: JsonRpcClient, wallet: Wallet, to: string, value: bigint): Promise<Hex> {
  const head = await rpc.call<{ baseFeePerGas?: Hex }>('eth_getBlockByNumber', ['latest', false]);
  const signed = await wallet.signTransaction({
    type: 2,
    chainId: BigInt(await rpc.call<Hex>('eth_chainId')),
    nonce: Number(BigInt(await rpc.call<Hex>('eth_getTransactionCount', [wallet.address, 'pending']))),
    to,
    value,
    gasLimit: 21_000n,
    maxFeePerGas: 2n * BigInt(head.baseFeePerGas ?? '0x0') + TIP,
    maxPriorityFeePerGas: TIP,
  });
  return rpc.call<Hex>('eth_sendRawTransaction', [signed]);
}
