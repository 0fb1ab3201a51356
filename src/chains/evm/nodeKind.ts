import type { JsonRpcClient } from './rpc.js';

export type EvmNodeKind = 'geth' | 'anvil' | 'coreth' | 'unknown';

/**
 * Which export path a node supports, from `web3_clientVersion`. The client version is the one
 * identifier every EVM node answers without extra APIs enabled, and the export paths really differ by
 * implementation: geth and coreth serve `debug_accountRange` (coreth reports itself as
 * its bare VM version, e.g. "v0.15.3", since its web3 API returns node.Config.CorethVersion; forks
 * such as subnet-evm or luxd name themselves), anvil only serves its
 * head state through `anvil_dumpState`. Probing by calling the export methods instead would confuse
 * "method missing" with "API namespace not enabled", which need different fixes.
 */
export function classifyClientVersion(version: string): EvmNodeKind {
  const v = version.trim().toLowerCase();
  if (v.startsWith('anvil/')) return 'anvil';
  if (v.includes('coreth') || v.includes('subnet-evm') || v.includes('avalanche') || v.includes('luxd') || v.includes('lux/')) {
    return 'coreth';
  }
  if (v.startsWith('geth/')) return 'geth';
  // coreth answers its bare VM version ("v0.15.3"), sometimes with a build suffix.
  if (/^v\d+\.\d+\.\d+([-+@][0-9a-z.-]+)?$/.test(v)) return 'coreth';
  return 'unknown';
}

export async function probeNodeKind(rpc: JsonRpcClient): Promise<EvmNodeKind> {
  const version = await rpc.call<string>('web3_clientVersion');
  return typeof version === 'string' ? classifyClientVersion(version) : 'unknown';
}
