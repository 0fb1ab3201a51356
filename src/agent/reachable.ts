import { JsonRpcClient } from '../chains/evm/rpc.js';

/**
 * The addresses at which other hosts reach this host's node, for what the agent reports to the
 * coordinator (beacons of the new network, the URI post-verify and the canary transfers call).
 *
 * A node bound to every interface (`--http-host=` or `--staking-host=` empty, a common setup) writes
 * the bound wildcard into its process context, `[::]:9650`: that names no host to anyone else (a
 * peer told to bootstrap from it dials itself). The host part is then the address the node gives
 * its peers, its public IP (`info.getNodeIP`, from `--public-ip` or its own resolution), with the
 * port it bound. A node bound to one address keeps it: the operator chose where it listens.
 */

const WILDCARD_HOSTS = new Set(['', '0.0.0.0', '::', '[::]']);

/** The host part of `host:port` or `[v6]:port`. */
function hostOf(address: string): string {
  return address.slice(0, address.lastIndexOf(':'));
}

function portOf(address: string): string {
  return address.slice(address.lastIndexOf(':') + 1);
}

/** `host:port` as the node tells its peers; asked of the node itself at its (local) URI. */
async function publicAddress(localUri: string): Promise<string> {
  const info = new JsonRpcClient(`${localUri}/ext/info`, { timeoutMs: 10_000 });
  const { ip } = await info.call<{ ip: string }>('info.getNodeIP', [{}]);
  if (typeof ip !== 'string' || !ip.includes(':')) throw new Error(`info.getNodeIP at ${localUri} answered ${JSON.stringify(ip)}, not host:port`);
  return ip;
}

/** The node's HTTP URI as other hosts reach it. */
export async function reachableUri(uri: string): Promise<string> {
  const url = new URL(uri);
  if (!WILDCARD_HOSTS.has(url.hostname)) return uri;
  return `${url.protocol}//${hostOf(await publicAddress(uri))}:${url.port}`;
}

/** The node's HTTP URI and P2P address as other hosts reach them. */
export async function reachableAddresses(node: { uri: string; stakingAddress: string }): Promise<{ uri: string; stakingAddress: string }> {
  const stakingHost = hostOf(node.stakingAddress);
  const stakingAddress = WILDCARD_HOSTS.has(stakingHost) ? `${hostOf(await publicAddress(node.uri))}:${portOf(node.stakingAddress)}` : node.stakingAddress;
  return { uri: await reachableUri(node.uri), stakingAddress };
}
