import { parseUint } from '../avax/api.js';

/**
 * The C-Chain's genesis allocation, which the P-Chain's supply does not count: avalanchego v1.14.0
 * starts `getCurrentSupply` at the sum of the genesis `allocations` (X amounts and P unlocks,
 * genesis/config.go InitialSupply) and the C-Chain genesis `alloc` is not among them (the local
 * network's ewoq holds 50M AVAX there). The node serves the C-Chain genesis as the `genesisData`
 * (base64) of its creation transaction, `platform.getTx` of the C-Chain's blockchain ID.
 */

type Json = Record<string, unknown>;

/** The C-Chain's blockchain ID in a `platform.getBlockchains` reply, or undefined. */
export function cChainIdOf(reply: unknown): string | undefined {
  const chains = (reply as { blockchains?: unknown } | null)?.blockchains;
  if (!Array.isArray(chains)) return undefined;
  const c = chains.find((b: Json) => b?.name === 'C-Chain' && typeof b.id === 'string') as { id: string } | undefined;
  return c?.id;
}

/** Sum of the balances (wei) of the genesis `alloc` in the creation transaction's genesisData. */
export function cChainGenesisAllocOf(reply: unknown): bigint {
  const data = (reply as { tx?: { unsignedTx?: { genesisData?: unknown } } } | null)?.tx?.unsignedTx?.genesisData;
  if (typeof data !== 'string') throw new Error('platform.getTx: the C-Chain creation transaction has no genesisData');
  const genesis = JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { alloc?: Record<string, { balance?: unknown }> };
  let total = 0n;
  for (const [address, account] of Object.entries(genesis.alloc ?? {})) {
    const balance = account?.balance ?? '0';
    total += typeof balance === 'string' && /^0x[0-9a-fA-F]+$/.test(balance) ? BigInt(balance) : parseUint(balance, `C-Chain genesis alloc ${address}.balance`);
  }
  return total;
}
