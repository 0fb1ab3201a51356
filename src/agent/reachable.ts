import { JsonRpcClient } from '../chains/evm/rpc.js';
import { hostOf, portOf } from '../nodes/processContext.js';

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

/** `host:port` as the node tells its peers; asked of the node itself at its (local) URI. */
async function publicAddress(localUri: string): Promise<string> {
  const info = new JsonRpcClient(`${localUri}/ext/info`, { timeoutMs: 10_000 });
  const { ip } = await info.call<{ ip: string }>('info.getNodeIP', [{}]);
  if (typeof ip !== 'string' || !ip.includes(':')) throw new Error(`info.getNodeIP at ${localUri} answered ${JSON.stringify(ip)}, not host:port`);
  return ip;
}

/** `uri` with the public host in place of a wildcard one (asked for only then), its port kept. */
async function uriOn(uri: string, publicHost: () => Promise<string>): Promise<string> {
  const url = new URL(uri);
  if (!WILDCARD_HOSTS.has(url.hostname)) return uri;
  return `${url.protocol}//${await publicHost()}:${url.port}`;
}

/** The node's HTTP URI as other hosts reach it. */
export function reachableUri(uri: string): Promise<string> {
  return uriOn(uri, async () => hostOf(await publicAddress(uri)));
}

/** The node's HTTP URI and P2P address as other hosts reach them; the node is asked its public IP at most once. */
export async function reachableAddresses(node: { uri: string; stakingAddress: string }): Promise<{ uri: string; stakingAddress: string }> {
  let asked: Promise<string> | undefined;
  const publicHost = (): Promise<string> => {
    asked ??= publicAddress(node.uri).then(hostOf);
    return asked;
  };
  const stakingAddress = WILDCARD_HOSTS.has(hostOf(node.stakingAddress)) ? `${await publicHost()}:${portOf(node.stakingAddress)}` : node.stakingAddress;
  return { uri: await uriOn(node.uri, publicHost), stakingAddress };
}
