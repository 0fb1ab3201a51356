import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runGeth, startGethNode, type GethNode } from '../src/nodes/geth.js';
import { toolPath } from '../src/tools.js';
import { onCleanup, procCpuSeconds, procPeakRssMb, runMeasured, type Measured } from './procs.js';

/** geth as the reference: timed `geth init` and `geth dump`, and a node serving the datadir. */

export type StateScheme = 'hash' | 'path';

/** MemAvailable from /proc/meminfo, MiB (0 when unknown). */
export function memAvailableMb(): number {
  try {
    const m = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export interface GethInitResult extends Measured {
  scheme: StateScheme;
  args: string[];
  /** GOMEMLIMIT given to geth, if any (see gethEnv). */
  goMemLimit?: string;
}

/**
 * geth's own memory grows with the alloc (it decodes the whole genesis and builds the state in
 * memory before committing it: ~2.5 GB at 100k accounts and 550k slots). A soft Go memory limit
 * below what the machine has makes its GC work harder instead of the kernel killing it.
 */
export function gethEnv(): { env: NodeJS.ProcessEnv; goMemLimit?: string } {
  if (process.env.GOMEMLIMIT) return { env: process.env, goMemLimit: process.env.GOMEMLIMIT };
  const available = memAvailableMb();
  if (available <= 0) return { env: process.env };
  const limit = `${Math.floor(available * 0.8)}MiB`;
  return { env: { ...process.env, GOMEMLIMIT: limit }, goMemLimit: limit };
}

/** `geth init` of `genesisPath` into `dataDir`, recording address and slot preimages. */
export async function timedGethInit(genesisPath: string, dataDir: string, scheme: StateScheme, logDir: string): Promise<GethInitResult> {
  const args = ['init', '--datadir', dataDir, '--state.scheme', scheme, '--cache.preimages', genesisPath];
  const { env, goMemLimit } = gethEnv();
  const measured = await runMeasured(toolPath('geth'), args, { logPath: join(logDir, `geth-init-${scheme}.log`), env });
  if (measured.exitCode !== 0) {
    throw new Error(`geth init exited with ${measured.exitCode}; see ${join(logDir, `geth-init-${scheme}.log`)}`);
  }
  return { ...measured, scheme, args, goMemLimit };
}

/**
 * Block 0's state root as the datadir holds it: the first line of an iterative `geth dump` is
 * `{"root": <header root>}`, and the dump opens the state at that root, so the trie is there.
 */
export async function block0Root(dataDir: string): Promise<string> {
  const result = await runGeth(['dump', '--datadir', dataDir, '--limit', '1', '--nocode', '--nostorage', '0']);
  const first = result.stdout.split('\n')[0] ?? '';
  const root = (JSON.parse(first) as { root?: string }).root;
  if (result.exitCode !== 0 || !root) throw new Error(`geth dump did not print a root: ${result.output.slice(-1000)}`);
  return root.toLowerCase();
}

export interface GethDumpResult extends Measured {
  accounts: number;
  bytes: number;
  args: string[];
}

/** Offline `geth dump` of block 0 (code and storage included) into `outPath`. */
export async function timedGethDump(dataDir: string, outPath: string, logDir: string): Promise<GethDumpResult> {
  const args = ['dump', '--datadir', dataDir, '0'];
  const measured = await runMeasured(toolPath('geth'), args, { stdoutPath: outPath, logPath: join(logDir, 'geth-dump.log') });
  if (measured.exitCode !== 0) throw new Error(`geth dump exited with ${measured.exitCode}; see ${join(logDir, 'geth-dump.log')}`);
  let lines = 0;
  let bytes = 0;
  for await (const chunk of createReadStream(outPath)) {
    const buf = chunk as Buffer;
    bytes += buf.byteLength;
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) lines++;
  }
  // The first line is the root, every other line one account.
  return { ...measured, accounts: Math.max(0, lines - 1), bytes, args };
}

export interface ServingNode {
  node: GethNode;
  /** Peak RSS and CPU of the node so far, from /proc. */
  usage(): { peakRssMb: number; cpuSeconds: number };
  stop(): Promise<void>;
}

/** A geth node serving the datadir over loopback RPC (archive, preimages, no peers). */
export async function serveDatadir(dataDir: string): Promise<ServingNode> {
  const node = await startGethNode({ dataDir, logPath: join(dataDir, '..', 'geth-node.log') });
  const forget = onCleanup(() => node.stop());
  return {
    node,
    usage: () => ({ peakRssMb: procPeakRssMb(node.pid), cpuSeconds: procCpuSeconds(node.pid) }),
    stop: async () => {
      forget();
      await node.stop();
    },
  };
}

export async function gethVersion(): Promise<string> {
  const result = await runGeth(['version']);
  return /Version: (\S+)/.exec(result.stdout)?.[1] ?? 'unknown';
}
