import { JsonRpcClient, RpcResponseError } from '../chains/evm/rpc.js';

/**
 * Whether an avalanchego node is ready to serve a regenesis: its primary chains bootstrapped and
 * the C-Chain answering Ethereum JSON-RPC. Used while a node starts, and by the agents to tell a
 * node that merely runs from one that has caught up with its network.
 */

export type PrimaryChainAlias = 'P' | 'X' | 'C';

async function isBootstrapped(info: JsonRpcClient, chain: PrimaryChainAlias): Promise<boolean> {
  try {
    const reply = await info.call<{ isBootstrapped?: boolean }>('info.isBootstrapped', [{ chain }]);
    return reply?.isBootstrapped === true;
  } catch (err) {
    // "there is no chain with alias/ID 'X'" until the chain has been created
    if (err instanceof RpcResponseError) return false;
    throw err;
  }
}

/**
 * What of P, X, C and the C-Chain's JSON-RPC is not serving yet at `uri` (empty once the node is
 * ready). A node that does not answer at all counts as nothing ready.
 */
export async function notBootstrapped(uri: string): Promise<string[]> {
  const info = new JsonRpcClient(`${uri}/ext/info`, { timeoutMs: 5_000 });
  const missing: string[] = [];
  try {
    for (const chain of ['P', 'X', 'C'] as const) {
      if (!(await isBootstrapped(info, chain))) missing.push(chain);
    }
    if (missing.length === 0) await new JsonRpcClient(`${uri}/ext/bc/C/rpc`, { timeoutMs: 5_000 }).call('eth_blockNumber');
    else missing.push('C JSON-RPC');
  } catch {
    // the HTTP server or a chain handler is not up yet
    return [...new Set([...missing, 'P', 'X', 'C', 'C JSON-RPC'])];
  }
  return missing;
}
