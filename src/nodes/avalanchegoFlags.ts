import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The command line of a local avalanchego node, and the config files it points to.
 *
 * What avalanchego v1.14.0 does with them (verified by running it):
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
 * - `--http-port=0 --staking-port=0` let the OS choose free ports, which the node writes to its
 *   process context file; that avoids the race of picking a free port and binding it later. The
 *   staking listener binds every interface unless `--staking-host` is given.
 * - The node raises its open-file limit to 32768 and exits when the hard limit is lower, so the
 *   limit is passed explicitly when the machine's hard limit is below that.
 */

/** What a node is started as: its network, identity, peers, ports and logging. */
export interface AvalancheNodeConfig {
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
  /** Console log level written to the process log (the full logs are under `<dataDir>/logs`). Default warn. */
  logDisplayLevel?: string;
  /** File logs under `<dataDir>/logs`. Default info. */
  logLevel?: string;
  /**
   * `--index-enabled`: the node indexes every accepted block (`/ext/index/<P|X|C>/block`), which
   * owner discovery reads 1024 blocks a request. Must be on from the node's first start: avalanchego
   * refuses to index a chain it once ran without indexing (unless told to accept a partial index).
   */
  indexEnabled?: boolean;
  extraArgs?: readonly string[];
  /**
   * A validator's own identity (TLS certificate and key, BLS signer key) instead of ephemeral keys.
   * With it the node runs with sybil protection on: it validates with its genesis stake and waits
   * for its peers, as a member of a real multi-node network does.
   */
  staking?: StakingFiles;
  /**
   * With `staking`: pass the certificate, key and signer key inline (`*-file-content`, base64) as
   * some operators do, rather than by file.
   */
  inlineKeys?: boolean;
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
  /** A node on a host of its own rather than on loopback (test rigs' network namespaces). */
  host?: NodeHost;
}

/**
 * A host of a node's own: a Linux network namespace with a routable address. The node binds every
 * interface there, as many operators run it (so its process context names the wildcard, not an
 * address), and tells its peers `publicIp`.
 */
export interface NodeHost {
  /** The host's address, as its peers and the coordinator reach it. */
  publicIp: string;
  /** The command that runs a program on the host (`ip netns exec <name>`), which then execs the node in place. */
  launcher: readonly string[];
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

/** Where under its data directory a node finds its chain configs and writes its logs and ports. */
export interface AvalancheNodePaths {
  logDir: string;
  chainConfigDir: string;
  /** The process context file: pid, API URI and staking address once the node listens. */
  contextPath: string;
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

/** The network the node will join, refusing the combinations avalanchego itself refuses. */
export function resolveNetworkId(config: AvalancheNodeConfig): number {
  if (config.genesisFile === undefined) {
    if (config.networkId === undefined || config.networkId === 'local') return LOCAL_NETWORK_ID;
    throw new Error(`networkId ${config.networkId} needs a genesisFile: avalanchego has no built-in genesis for it`);
  }
  let fileId: unknown;
  try {
    fileId = (JSON.parse(readFileSync(config.genesisFile, 'utf8')) as { networkID?: unknown }).networkID;
  } catch (err) {
    throw new Error(`genesisFile ${config.genesisFile}: not readable JSON (${(err as Error).message})`);
  }
  if (typeof fileId !== 'number' || !Number.isSafeInteger(fileId) || fileId <= 0 || fileId > 0xffffffff) {
    throw new Error(`genesisFile ${config.genesisFile}: networkID must be a positive 32-bit integer, got ${String(fileId)}`);
  }
  const wanted = config.networkId === 'local' ? LOCAL_NETWORK_ID : (config.networkId ?? fileId);
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

/** A validator's identity flags: every file by path, or all inline as base64 (the TLS pair is taken in one form). */
function stakingIdentityArgs(staking: StakingFiles, inline: boolean): string[] {
  const flag = (name: string, file: string): string => (inline ? `--${name}-content=${readFileSync(file).toString('base64')}` : `--${name}=${file}`);
  return [
    flag('staking-tls-cert-file', staking.certFile),
    flag('staking-tls-key-file', staking.keyFile),
    flag('staking-signer-key-file', staking.signerKeyFile),
  ];
}

/**
 * Writes the C-Chain config (and the upgrade file, for a chosen epoch duration) under the data
 * directory and returns the flags that start the node with them, on loopback unless it has a host.
 */
export function avalanchegoArgs(config: AvalancheNodeConfig, networkId: number, paths: AvalancheNodePaths): string[] {
  const { dataDir } = config;
  const { logDir, chainConfigDir, contextPath } = paths;
  mkdirSync(join(chainConfigDir, 'C'), { recursive: true });
  writeFileSync(join(chainConfigDir, 'C', 'config.json'), `${JSON.stringify({ ...REGENESIS_CCHAIN_CONFIG, ...config.cChainConfig }, null, 2)}\n`);

  const identity = config.staking
    ? stakingIdentityArgs(config.staking, config.inlineKeys ?? false)
    : ['--staking-ephemeral-cert-enabled', '--staking-ephemeral-signer-enabled'];
  if (!(config.sybilProtection ?? config.staking !== undefined)) identity.unshift('--sybil-protection-enabled=false');
  const bootstrappers = config.bootstrappers ?? [];
  const args = [
    `--network-id=${networkId === LOCAL_NETWORK_ID ? 'local' : networkId}`,
    ...identity,
    `--http-host=${config.host ? '' : '127.0.0.1'}`,
    `--http-port=${config.httpPort ?? 0}`,
    `--staking-host=${config.host ? '' : '127.0.0.1'}`,
    `--staking-port=${config.stakingPort ?? 0}`,
    `--public-ip=${config.host?.publicIp ?? '127.0.0.1'}`,
    // Saying "no peers" explicitly keeps a first node from looking for the built-in beacons.
    `--bootstrap-ips=${bootstrappers.map((b) => b.ip).join(',')}`,
    `--bootstrap-ids=${bootstrappers.map((b) => b.nodeId).join(',')}`,
    `--data-dir=${dataDir}`,
    `--chain-config-dir=${chainConfigDir}`,
    `--log-dir=${logDir}`,
    `--log-level=${config.logLevel ?? 'info'}`,
    `--log-display-level=${config.logDisplayLevel ?? 'warn'}`,
    `--process-context-file=${contextPath}`,
  ];
  const fdLimit = hardFdLimit();
  if (fdLimit !== undefined && fdLimit < WANTED_FD_LIMIT) args.push(`--fd-limit=${fdLimit}`);
  if (config.genesisFile !== undefined) args.push(`--genesis-file=${config.genesisFile}`);
  if (config.epochDurationSeconds !== undefined) {
    const d = config.epochDurationSeconds;
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
  if (config.indexEnabled) args.push('--index-enabled=true');
  args.push(...(config.extraArgs ?? []));
  return args;
}
