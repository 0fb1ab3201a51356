import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JsonRpcClient, RpcResponseError } from '../chains/evm/rpc.js';
import { toolPath } from '../tools.js';
import { assertLoopbackUrl, ProcessStartError, spawnLogged, type ManagedProcess } from './process.js';
import { readProcessContext, type ProcessContext } from './processContext.js';

/**
 * A one-node avalanchego network on this machine, for integration tests and rehearsals.
 *
 * What avalanchego v1.14.0 does here (verified by running it):
 * - `--network-id=local` uses the built-in local genesis (networkID 12345, the five well-known local
 *   stakers, the "ewoq" allocations). The node moves that genesis' `startTime` to a recent date
 *   (genesis/config.go renews it periodically), so the P-Chain timestamps and validator start times
 *   differ from `genesis_local.json` in the repository.
 * - A custom genesis (`--genesis-file`) is refused on the standard IDs 1, 5 and 12345 ("overrides
 *   standard network genesis config: local"); it needs `--network-id` equal to the file's own
 *   `networkID` ("conflicting networkIDs" otherwise), a `startTime` in the past and at least one
 *   initial staker. Its bech32 HRP is then "custom" (`X-custom1…`), whatever HRP the file uses.
 * - Upgrades: local and custom IDs use upgrade.Default, where every upgrade up to Granite is active
 *   from 2020-12-05 and the ACP-181 epoch duration is 30 s. `--upgrade-file` is refused on
 *   network-id local ("cannot configure upgrades for networkID: local") and accepted on custom IDs,
 *   which is how a rehearsal gets another epoch duration.
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
 * - `--http-port=0 --staking-port=0` let the OS choose free ports, which the node writes to its
 *   process context file; that avoids the race of picking a free port and binding it later. The
 *   staking listener binds every interface unless `--staking-host` is given.
 * - The node raises its open-file limit to 32768 and exits when the hard limit is lower, so the
 *   limit is passed explicitly when the machine's hard limit is below that.
 */

export type PrimaryChainAlias = 'P' | 'X' | 'C';

export interface AvalancheLocalOptions {
  /** The node's own directory: database, chain data, logs, chain configs, process context. */
  dataDir: string;
  /**
   * A primary-network genesis (rehearsals). Needs a non-standard network ID: `networkId`, or the
   * file's own `networkID` when `networkId` is left out.
   */
  genesisFile?: string;
  /** Default `local` (12345) without a genesis file, the file's `networkID` with one. */
  networkId?: number | 'local';
  /**
   * ACP-181 epoch duration for a custom network (written to an upgrade file with every upgrade
   * active from genesis). avalanchego refuses upgrade files on network-id local, where D is 30 s.
   */
  epochDurationSeconds?: number;
  /** Keys merged over the C-Chain config below (coreth's config.json). */
  cChainConfig?: Record<string, unknown>;
  /** Console log level written to `logPath` (the full logs are under `<dataDir>/logs`). Default warn. */
  logDisplayLevel?: string;
  /** File logs under `<dataDir>/logs`. Default info. */
  logLevel?: string;
  /** Where stdout/stderr go. Default `<dataDir>/avalanchego.log`. */
  logPath?: string;
  /** Until P, X and C report bootstrapped. Default 120 s. */
  startTimeoutMs?: number;
  extraArgs?: readonly string[];
  /**
   * A validator's own identity (TLS certificate and key, BLS signer key) instead of ephemeral keys.
   * With it the node runs with sybil protection on: it validates with its genesis stake and waits
   * for its peers, as a member of a real multi-node network does.
   */
  staking?: StakingFiles;
  /**
   * Weigh peers by stake (a real network). Default: on with `staking`, off without it (a single
   * node with ephemeral keys then finalises alone). An API node of a multi-node network has no
   * staking files and sybil protection on.
   */
  sybilProtection?: boolean;
  /** Peers to bootstrap from (a multi-node network); none for a network's first node. */
  bootstrappers?: readonly Bootstrapper[];
  /** Fixed ports (e.g. a validator restarted on the ports its peers know). Default: chosen by the OS. */
  httpPort?: number;
  stakingPort?: number;
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

export interface StakingFiles {
  certFile: string;
  keyFile: string;
  signerKeyFile: string;
}

export interface Bootstrapper {
  nodeId: string;
  /** `host:port` of its staking (P2P) listener. */
  ip: string;
}

export interface AvalancheNode {
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:41234. */
  uri: string;
  httpPort: number;
  /** `127.0.0.1:<port>` of the P2P (staking) listener. */
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
 * The C-Chain config a regenesis source needs: the debug namespace for `debug_accountRange`,
 * preimages so that accounts and slots come with their addresses and keys, and no pruning so any
 * historical height can be exported.
 */
export const REGENESIS_CCHAIN_CONFIG: Readonly<Record<string, unknown>> = {
  'eth-apis': [
    'eth',
    'eth-filter',
    'net',
    'web3',
    'internal-eth',
    'internal-blockchain',
    'internal-transaction',
    'internal-account',
    'debug',
    'debug-tracer',
    'internal-debug',
  ],
  'preimages-enabled': true,
  'pruning-enabled': false,
  'state-sync-enabled': false,
};

/** avalanchego's own standard network IDs: a custom genesis is refused on these. */
const STANDARD_NETWORK_IDS = new Map<number, string>([
  [1, 'mainnet'],
  [5, 'fuji'],
  [12345, 'local'],
]);

const LOCAL_NETWORK_ID = 12345;
const WANTED_FD_LIMIT = 32768;
/** upgrade.InitiallyActiveTime in avalanchego v1.14.0. */
const INITIALLY_ACTIVE = '2020-12-05T05:00:00Z';
const EMPTY_ID = '11111111111111111111111111111111LpoYY';

/** The hard open-file limit of this process (children inherit it), or undefined off Linux. */
function hardFdLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const hard = line?.trim().split(/\s+/)[4];
    if (!hard || hard === 'unlimited') return undefined;
    const n = Number.parseInt(hard, 10);
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function resolveNetworkId(options: AvalancheLocalOptions): number {
  if (options.genesisFile === undefined) {
    if (options.networkId === undefined || options.networkId === 'local') return LOCAL_NETWORK_ID;
    throw new Error(
      `networkId ${options.networkId} needs a genesisFile: avalanchego has no built-in genesis for it`,
    );
  }
  let fileId: unknown;
  try {
    fileId = (JSON.parse(readFileSync(options.genesisFile, 'utf8')) as { networkID?: unknown }).networkID;
  } catch (err) {
    throw new Error(`genesisFile ${options.genesisFile}: not readable JSON (${(err as Error).message})`);
  }
  if (typeof fileId !== 'number' || !Number.isSafeInteger(fileId) || fileId <= 0 || fileId > 0xffffffff) {
    throw new Error(`genesisFile ${options.genesisFile}: networkID must be a positive 32-bit integer, got ${String(fileId)}`);
  }
  const wanted = options.networkId === 'local' ? LOCAL_NETWORK_ID : (options.networkId ?? fileId);
  if (wanted !== fileId) {
    throw new Error(`networkId ${wanted} differs from the genesis file's networkID ${fileId}; avalanchego refuses that`);
  }
  const standard = STANDARD_NETWORK_IDS.get(fileId);
  if (standard) {
    throw new Error(
      `genesisFile: avalanchego refuses a custom genesis on the standard network ID ${fileId} (${standard}); ` +
        'give the genesis another networkID (and the same networkId option)',
    );
  }
  return fileId;
}

/** upgrade.Default of avalanchego v1.14.0 with another epoch duration (JSON durations are nanoseconds). */
function upgradeConfig(epochDurationSeconds: number): Record<string, unknown> {
  const names = [
    'apricotPhase1Time',
    'apricotPhase2Time',
    'apricotPhase3Time',
    'apricotPhase4Time',
    'apricotPhase5Time',
    'apricotPhasePre6Time',
    'apricotPhase6Time',
    'apricotPhasePost6Time',
    'banffTime',
    'cortinaTime',
    'durangoTime',
    'etnaTime',
    'fortunaTime',
    'graniteTime',
  ];
  const config: Record<string, unknown> = Object.fromEntries(names.map((n) => [n, INITIALLY_ACTIVE]));
  config.apricotPhase4MinPChainHeight = 0;
  config.cortinaXChainStopVertexID = EMPTY_ID;
  config.graniteEpochDuration = epochDurationSeconds * 1_000_000_000;
  return config;
}

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

/**
 * Starts an avalanchego node on loopback and resolves once the P-, X- and C-Chains are
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
  mkdirSync(join(chainConfigDir, 'C'), { recursive: true });
  writeFileSync(
    join(chainConfigDir, 'C', 'config.json'),
    `${JSON.stringify({ ...REGENESIS_CCHAIN_CONFIG, ...options.cChainConfig }, null, 2)}\n`,
  );

  const identity = options.staking
    ? [
        `--staking-tls-cert-file=${options.staking.certFile}`,
        `--staking-tls-key-file=${options.staking.keyFile}`,
        `--staking-signer-key-file=${options.staking.signerKeyFile}`,
      ]
    : ['--staking-ephemeral-cert-enabled', '--staking-ephemeral-signer-enabled'];
  if (!(options.sybilProtection ?? options.staking !== undefined)) identity.unshift('--sybil-protection-enabled=false');
  const bootstrappers = options.bootstrappers ?? [];
  const args = [
    `--network-id=${networkId === LOCAL_NETWORK_ID ? 'local' : networkId}`,
    ...identity,
    '--http-host=127.0.0.1',
    `--http-port=${options.httpPort ?? 0}`,
    '--staking-host=127.0.0.1',
    `--staking-port=${options.stakingPort ?? 0}`,
    '--public-ip=127.0.0.1',
    // Saying "no peers" explicitly keeps a first node from looking for the built-in beacons.
    `--bootstrap-ips=${bootstrappers.map((b) => b.ip).join(',')}`,
    `--bootstrap-ids=${bootstrappers.map((b) => b.nodeId).join(',')}`,
    `--data-dir=${dataDir}`,
    `--chain-config-dir=${chainConfigDir}`,
    `--log-dir=${logDir}`,
    `--log-level=${options.logLevel ?? 'info'}`,
    `--log-display-level=${options.logDisplayLevel ?? 'warn'}`,
    `--process-context-file=${contextPath}`,
  ];
  const fdLimit = hardFdLimit();
  if (fdLimit !== undefined && fdLimit < WANTED_FD_LIMIT) args.push(`--fd-limit=${fdLimit}`);
  if (options.genesisFile !== undefined) args.push(`--genesis-file=${options.genesisFile}`);
  if (options.epochDurationSeconds !== undefined) {
    const d = options.epochDurationSeconds;
    if (!Number.isSafeInteger(d) || d <= 0) throw new RangeError(`epochDurationSeconds must be a positive integer, got ${d}`);
    if (STANDARD_NETWORK_IDS.has(networkId)) {
      throw new Error(
        `epochDurationSeconds: avalanchego refuses --upgrade-file on network ${networkId}; the local network's epochs are 30 s. ` +
          'Use a custom genesis with its own networkID to choose the duration.',
      );
    }
    const upgradePath = join(dataDir, 'upgrade.json');
    writeFileSync(upgradePath, `${JSON.stringify(upgradeConfig(d), null, 2)}\n`);
    args.push(`--upgrade-file=${upgradePath}`);
  }
  args.push(...(options.extraArgs ?? []));

  // A context file left by an earlier run names the earlier run's ports.
  rmSync(contextPath, { force: true });
  const started = Date.now();
  const proc = spawnLogged(binary, args, { logPath, detached: options.detached });
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
  const uri = context.uri;
  assertLoopbackUrl(uri);
  const stakingAddress = context.stakingAddress;
  if (!stakingAddress.startsWith('127.0.0.1:')) return fail(`staking listener is not on loopback: ${stakingAddress}`);
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
