/**
 * The node behind an avalanchego/luxd C-Chain RPC URL: `<base><prefix>/bc/C/rpc` with prefix /ext
 * (avalanchego, older luxd) or /v1 (newer luxd). Pure string work, so plan validation (which runs
 * inside workflow code) can use it.
 */
export interface CChainNode {
  baseUrl: string;
  prefix: '/ext' | '/v1';
}

const C_CHAIN_RPC = /^(https?:\/\/[^/?#]+(?:\/[^?#]*?)?)(\/ext|\/v1)\/bc\/C\/rpc\/?$/i;

export function cChainNodeOf(rpcUrl: string): CChainNode | undefined {
  const m = C_CHAIN_RPC.exec(rpcUrl);
  if (!m) return undefined;
  return { baseUrl: m[1]!, prefix: m[2]!.toLowerCase() as CChainNode['prefix'] };
}
