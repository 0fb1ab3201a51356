import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import type { NodeHost } from '../../src/nodes/avalanchegoFlags.js';
import { alive } from '../../src/nodes/pidFile.js';

/**
 * Hosts that are hosts, on one machine: each a Linux network namespace with its own loopback and
 * one address on a bridge the rig creates, so a node bound to "every interface" there is reached
 * only at that address, and a process there cannot reach another host's 127.0.0.1. The machine
 * itself (the coordinator's host: Temporal, the object store, the worker) holds the bridge's
 * address. Nothing is routed beyond the bridge: every address is in a /24 private to the rig.
 *
 * Needs root (`ip netns add`). Names carry this process's pid, so a rig left behind by a killed
 * test run is removed by the next one.
 */

const PREFIX = 'rgh';
let created = 0;

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Namespaces and bridges of rigs whose process is gone (a test run killed before its teardown). */
function removeOrphans(): void {
  const owner = (name: string): number | undefined => {
    const match = new RegExp(`^${PREFIX}([0-9a-z]+)_`).exec(name);
    return match ? Number.parseInt(match[1]!, 36) : undefined;
  };
  for (const line of ip('netns', 'list').split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const pid = owner(name);
    if (pid !== undefined && !alive(pid)) ip('netns', 'del', name);
  }
  for (const line of ip('-o', 'link', 'show', 'type', 'bridge').split('\n')) {
    const name = /^\d+: ([^:@]+)/.exec(line)?.[1];
    const pid = name ? owner(name) : undefined;
    if (name && pid !== undefined && !alive(pid)) ip('link', 'del', name);
  }
}

/** A /24 that no interface of this machine uses: 10.(200–249).(0–255).0. */
function freeSubnet(): string {
  const used = ip('-o', '-4', 'addr', 'show');
  for (;;) {
    const subnet = `10.${200 + randomInt(50)}.${randomInt(256)}`;
    if (!used.includes(` ${subnet}.`)) return subnet;
  }
}

export interface Host extends NodeHost {
  /** The network namespace's name. */
  netns: string;
}

export class HostNetwork {
  private constructor(
    /** The bridge's name: the rig's segment. */
    private readonly bridge: string,
    /** The coordinator's address on the bridge (the machine itself). */
    readonly coordinatorIp: string,
    readonly hosts: readonly Host[],
  ) {}

  /** Creates `count` hosts on a new bridge; undone by `destroy`, or by the next rig if this process dies. */
  static create(count: number): HostNetwork {
    if (process.getuid?.() !== 0) throw new Error('HostNetwork: network namespaces need root (ip netns add); run the test as root');
    removeOrphans();
    created += 1;
    const id = `${PREFIX}${process.pid.toString(36)}_${created}`;
    const bridge = `${id}br`;
    const subnet = freeSubnet();
    const coordinatorIp = `${subnet}.1`;
    const hosts: Host[] = [];
    const network = new HostNetwork(bridge, coordinatorIp, hosts);
    try {
      ip('link', 'add', bridge, 'type', 'bridge');
      ip('addr', 'add', `${coordinatorIp}/24`, 'dev', bridge);
      ip('link', 'set', bridge, 'up');
      for (let i = 1; i <= count; i++) {
        const netns = `${id}h${i}`;
        const publicIp = `${subnet}.${10 + i}`;
        ip('netns', 'add', netns);
        hosts.push({ netns, publicIp, launcher: ['ip', 'netns', 'exec', netns] });
        // The host's end is eth0 inside the namespace; the machine's end joins the bridge.
        ip('link', 'add', `${id}v${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns);
        ip('link', 'set', `${id}v${i}`, 'master', bridge, 'up');
        ip('-n', netns, 'addr', 'add', `${publicIp}/24`, 'dev', 'eth0');
        ip('-n', netns, 'link', 'set', 'eth0', 'up');
        ip('-n', netns, 'link', 'set', 'lo', 'up');
      }
      return network;
    } catch (err) {
      network.destroy();
      throw err;
    }
  }

  /** Removes the namespaces (their interfaces go with them) and the bridge. Processes still in a namespace lose their network. */
  destroy(): void {
    for (const host of this.hosts) {
      try {
        ip('netns', 'del', host.netns);
      } catch {
        // already gone
      }
    }
    try {
      ip('link', 'del', this.bridge);
    } catch {
      // never created, or already gone
    }
  }
}
