import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JsonRpcClient } from '../chains/evm/rpc.js';
import { toolPath } from '../tools.js';
import { avalanchegoArgs, resolveNetworkId, type AvalancheNodeConfig, type NodeHost } from './avalanchegoFlags.js';
import { notBootstrapped, type PrimaryChainAlias } from './avalanchegoReadiness.js';
import { assertLoopbackUrl, ProcessStartError, spawnLogged, type ManagedProcess } from './process.js';
import { portOf, readProcessContext, type ProcessContext } from './processContext.js';

/**
 * A one-node avalanchego network on this machine, for integration tests and rehearsals.
 *
 * What avalanchego v1.14.0 does once running (verified by running it; the flags it is started
 * with, and what it does with them, are in avalanchegoFlags.ts):
 * - With `--sybil-protection-enabled=false` the node weighs itself (and every peer) 100 and
 *   finalises alone: P, X and C report bootstrapped within about a second of starting. It builds a
 *   block only when it has something to put in it: C-Chain blocks for EVM transactions, X-Chain
 *   blocks for X transactions, P-Chain blocks for P transactions or staker set changes (the
 *   genesis stakers end a year out). A fresh node therefore sits at height 0 on all three chains
 *   and its P-Chain height stays 0 until a P-Chain transaction is issued.
 * - proposervm epochs: the first block after genesis is the fork block and carries no epoch; epoch
 *   1 starts at its timestamp and the next block is the first one inside epoch 1. Before that first
 *   block `proposervm.getCurrentEpoch` answers {number 1, startTime = genesis time, pChainHeight 0}.
 *   The X-Chain has no `/proposervm` route (404): its handlers come from the DAG VM it was
 *   linearised from.
 */

/** A node's config, and how starting it is watched. */
export interface AvalancheLocalOptions extends AvalancheNodeConfig {
  /** Where stdout/stderr go. Default `<dataDir>/avalanchego.log`. */
  logPath?: string;
  /** Until P, X and C report bootstrapped. Default 120 s. */
  startTimeoutMs?: number;
  /**
   * `bootstrapped` (default): resolve once P, X and C are bootstrapped. `listening`: resolve once
   * the node has written its ports, for the first nodes of a network that cannot bootstrap alone.
   */
  waitFor?: 'bootstrapped' | 'listening';
  /** Run the node in its own session, so it outlives the process that started it (a host agent). */
  detached?: boolean;
  /** Called with the pid right after spawning (e.g. to write a pid file). */
  onSpawn?: (pid: number) => void | Promise<void>;
}

export interface AvalancheNode {
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:41234 (the host's address on a host of its own). */
  uri: string;
  httpPort: number;
  /** `127.0.0.1:<port>` of the P2P (staking) listener (the host's address on a host of its own). */
  stakingAddress: string;
  networkId: number;
  nodeId: string;
  pid: number;
  dataDir: string;
  /** stdout/stderr of the process. */
  logPath: string;
  /** avalanchego's own per-chain logs (main.log, P.log, X.log, C.log). */
  logDir: string;
  /** Milliseconds from spawn until P, X and C reported bootstrapped. */
  startupMs: number;
  process: ManagedProcess;
  /** `<uri>/ext/bc/<chain>` — the chain's VM API (platform.*, avm.*). */
  chainUrl(chain: PrimaryChainAlias): string;
  /** The C-Chain's Ethereum JSON-RPC endpoint. */
  cChainRpcUrl: string;
  /** SIGTERM, then SIGKILL after a grace period. Safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * Where a started node is reached: its loopback listeners, or on a host of its own (bound to every
 * interface) the host's address with the ports it bound. A string says why neither holds.
 */
function hostAddresses(context: ProcessContext, host: NodeHost | undefined): { uri: string; stakingAddress: string } | string {
  const httpPort = new URL(context.uri).port;
  const stakingPort = portOf(context.stakingAddress);
  if (host) return { uri: `http://${host.publicIp}:${httpPort}`, stakingAddress: `${host.publicIp}:${stakingPort}` };
  assertLoopbackUrl(context.uri);
  if (!context.stakingAddress.startsWith('127.0.0.1:')) return `staking listener is not on loopback: ${context.stakingAddress}`;
  return { uri: context.uri, stakingAddress: context.stakingAddress };
}

/**
 * Starts an avalanchego node on loopback (or on its own host) and resolves once the P-, X- and C-Chains are
 * bootstrapped and the C-Chain answers Ethereum JSON-RPC (or, with `waitFor: 'listening'`, once it
 * has bound its ports). Without `staking` it is a single-node network with ephemeral keys; reusing
 * a `dataDir` resumes the chain where it stopped.
 */
export async function startAvalancheLocal(options: AvalancheLocalOptions): Promise<AvalancheNode> {
  const binary = toolPath('avalanchego');
  const networkId = resolveNetworkId(options);
  const dataDir = options.dataDir;
  const logPath = options.logPath ?? join(dataDir, 'avalanchego.log');
  const logDir = join(dataDir, 'logs');
  const chainConfigDir = join(dataDir, 'configs', 'chains');
  const contextPath = join(dataDir, 'process.json');
  const args = avalanchegoArgs(options, networkId, { logDir, chainConfigDir, contextPath });

  // A context file left by an earlier run names the earlier run's ports.
  rmSync(contextPath, { force: true });
  const started = Date.now();
  // A launcher (`ip netns exec`) execs the node in place: the pid spawned is the node's.
  const [file, ...argv] = [...(options.host?.launcher ?? []), binary, ...args];
  const proc = spawnLogged(file!, argv, { logPath, detached: options.detached });
  const fail = async (message: string, cause?: unknown): Promise<never> => {
    await proc.stop(5_000);
    throw new Error(`avalanchego did not start (log: ${logPath}, node logs: ${logDir})`, {
      cause: new ProcessStartError(cause instanceof Error ? `${message}: ${cause.message}` : message, proc.logTail()),
    });
  };
  try {
    if (options.onSpawn && proc.pid > 0) await options.onSpawn(proc.pid);
  } catch (err) {
    return fail('onSpawn failed', err);
  }

  const timeoutMs = options.startTimeoutMs ?? 120_000;
  const deadline = started + timeoutMs;
  const exitedEarly = async (): Promise<void> => {
    if (!proc.hasExited()) return;
    const info = await proc.exited;
    await fail(`process ${proc.pid} exited (code ${info.code}, signal ${info.signal}) while starting`);
  };

  let context: ProcessContext | undefined;
  for (;;) {
    await exitedEarly();
    const read = await readProcessContext(contextPath);
    if (read?.pid === proc.pid) {
      context = read;
      break;
    }
    if (Date.now() > deadline) return fail(`no process context at ${contextPath} within ${timeoutMs} ms`);
    await sleep(100);
  }
  const listening = hostAddresses(context, options.host);
  if (typeof listening === 'string') return fail(listening);
  const { uri, stakingAddress } = listening;
  const httpPort = Number(new URL(uri).port);

  const info = new JsonRpcClient(`${uri}/ext/info`, { timeoutMs: 5_000 });
  if (options.waitFor !== 'listening') {
    for (;;) {
      await exitedEarly();
      const missing = await notBootstrapped(uri);
      if (missing.length === 0) break;
      if (Date.now() > deadline) return fail(`not bootstrapped within ${timeoutMs} ms: ${missing.join(', ')}`);
      await sleep(100);
    }
  }
  const startupMs = Date.now() - started;

  let nodeId: string;
  try {
    nodeId = (await info.call<{ nodeID: string }>('info.getNodeID', [{}])).nodeID;
    const reported = Number((await info.call<{ networkID: string }>('info.getNetworkID', [{}])).networkID);
    if (reported !== networkId) return fail(`node reports network ${reported}, expected ${networkId}`);
  } catch (err) {
    return fail('info API did not answer', err);
  }

  return {
    uri,
    httpPort,
    stakingAddress,
    networkId,
    nodeId,
    pid: proc.pid,
    dataDir,
    logPath,
    logDir,
    startupMs,
    process: proc,
    chainUrl: (chain) => `${uri}/ext/bc/${chain}`,
    cChainRpcUrl: `${uri}/ext/bc/C/rpc`,
    stop: async () => {
      // A clean shutdown takes about 2 s; the grace period covers a busy C-Chain flushing its tries.
      await proc.stop(30_000);
    },
  };
}
