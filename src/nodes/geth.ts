import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toolPath } from '../tools.js';
import { freePort } from './ports.js';
import { isPortInUse, spawnLogged, waitForJsonRpc, type ManagedProcess } from './process.js';

export interface GethNode {
  rpcUrl: string;
  httpPort: number;
  pid: number;
  dataDir: string;
  logPath: string;
  process: ManagedProcess;
  /** SIGTERM, then SIGKILL after a grace period. Safe to call more than once. */
  stop(): Promise<void>;
}

export interface GethDevOptions {
  dataDir: string;
  /** Seconds between blocks; 0 mines only when transactions are pending. Default 1. */
  periodSeconds?: number;
  /**
   * Record trie-key preimages (`--cache.preimages`). Default true. geth turns preimage recording on
   * by itself in archive mode, so `false` is only accepted together with `archive: false`.
   */
  preimages?: boolean;
  /** Keep every historical state (`--gcmode archive`), needed to export at a block below the head. Default true. */
  archive?: boolean;
  /** Block gas limit of the dev genesis and the miner's target. Default 30M. */
  gasLimit?: number;
  logPath?: string;
  startTimeoutMs?: number;
}

export interface GethNodeOptions {
  dataDir: string;
  /** Defaults to the chain id of the genesis in the datadir. */
  networkId?: number;
  logPath?: string;
  startTimeoutMs?: number;
  extraArgs?: readonly string[];
  /** Called with the pid right after spawning, before the node answers (e.g. to write a pid file). */
  onSpawn?: (pid: number) => void | Promise<void>;
}

/**
 * Flags shared by every geth we start: HTTP and the engine API on loopback only, no IPC socket
 * (its path length limit breaks in deep temp dirs), no discovery, no peers, no NAT probing, and the
 * hash state scheme, whose archive mode serves any historical state to debug_accountRange.
 */
export function baseArgs(dataDir: string, httpPort: number, authPort: number): string[] {
  return [
    '--datadir',
    dataDir,
    '--http',
    '--http.addr',
    '127.0.0.1',
    '--http.port',
    String(httpPort),
    '--http.api',
    'eth,net,web3,debug',
    '--authrpc.addr',
    '127.0.0.1',
    '--authrpc.port',
    String(authPort),
    '--ipcdisable',
    '--nodiscover',
    '--maxpeers',
    '0',
    '--port',
    '0',
    '--nat',
    'none',
    '--state.scheme',
    'hash',
  ];
}

async function startWithPorts(
  label: string,
  dataDir: string,
  logPath: string,
  extra: (httpPort: number, authPort: number) => string[],
  startTimeoutMs: number,
  onSpawn?: (pid: number) => void | Promise<void>,
): Promise<GethNode> {
  const binary = toolPath('geth');
  mkdirSync(dataDir, { recursive: true });
  for (let attempt = 1; ; attempt++) {
    const httpPort = await freePort();
    const authPort = await freePort();
    const args = [...baseArgs(dataDir, httpPort, authPort), ...extra(httpPort, authPort)];
    const proc = spawnLogged(binary, args, { logPath });
    const rpcUrl = `http://127.0.0.1:${httpPort}`;
    try {
      if (onSpawn && proc.pid > 0) await onSpawn(proc.pid);
      await waitForJsonRpc(rpcUrl, proc, { timeoutMs: startTimeoutMs });
    } catch (err) {
      await proc.stop(2_000);
      if (attempt < 3 && isPortInUse(err)) continue;
      throw new Error(`${label} did not start (log: ${logPath})`, { cause: err });
    }
    return {
      rpcUrl,
      httpPort,
      pid: proc.pid,
      dataDir,
      logPath,
      process: proc,
      stop: async () => {
        await proc.stop(15_000);
      },
    };
  }
}

/**
 * geth in developer mode: a post-merge chain with one unlocked, pre-funded account
 * (eth_accounts[0]) that seals a block every `periodSeconds`.
 */
export async function startGethDev(options: GethDevOptions): Promise<GethNode> {
  const archive = options.archive ?? true;
  const preimages = options.preimages ?? true;
  if (archive && !preimages) {
    throw new Error('geth records preimages whenever --gcmode archive is set; use archive: false to run without them');
  }
  const gasLimit = options.gasLimit ?? 30_000_000;
  const logPath = options.logPath ?? join(options.dataDir, 'geth.log');
  return startWithPorts(
    'geth --dev',
    options.dataDir,
    logPath,
    () => [
      '--dev',
      '--dev.period',
      String(options.periodSeconds ?? 1),
      '--dev.gaslimit',
      String(gasLimit),
      '--miner.gaslimit',
      String(gasLimit),
      '--gcmode',
      archive ? 'archive' : 'full',
      ...(preimages ? ['--cache.preimages'] : []),
    ],
    options.startTimeoutMs ?? 60_000,
  );
}

/**
 * geth on an initialised datadir, serving RPC only: no peers, and with no consensus client a
 * post-merge chain never advances, so block 0 stays the head.
 */
export async function startGethNode(options: GethNodeOptions): Promise<GethNode> {
  const logPath = options.logPath ?? join(options.dataDir, 'geth.log');
  return startWithPorts(
    'geth',
    options.dataDir,
    logPath,
    () => [
      '--syncmode',
      'full',
      '--gcmode',
      'archive',
      ...(options.networkId !== undefined ? ['--networkid', String(options.networkId)] : []),
      ...(options.extraArgs ?? []),
    ],
    options.startTimeoutMs ?? 120_000,
    options.onSpawn,
  );
}

export interface CommandResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** stdout alone: what a command such as `geth dumpgenesis` prints as its result. */
  stdout: string;
  /** stdout and stderr interleaved as they arrived (geth logs to stderr). */
  output: string;
}

/** Runs geth to completion, capturing stdout+stderr (also appended to `logPath` when given). */
export function runGeth(args: readonly string[], options: { logPath?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  const binary = toolPath('geth');
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    const stdout: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => {
      chunks.push(c);
      stdout.push(c);
    });
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30 * 60_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const output = Buffer.concat(chunks).toString('utf8');
      if (options.logPath) writeFileSync(options.logPath, `# geth ${args.join(' ')}\n${output}`, { flag: 'a' });
      resolve({ exitCode: code, signal, stdout: Buffer.concat(stdout).toString('utf8'), output });
    });
  });
}

/**
 * `geth init` with the hash state scheme; throws with geth's output when it fails. With
 * `preimages`, the address and slot preimages of the alloc are recorded, which is what makes a
 * genesis-initialised datadir exportable through debug_accountRange.
 */
export async function gethInit(options: { dataDir: string; genesisPath: string; logPath?: string; preimages?: boolean }): Promise<CommandResult> {
  mkdirSync(options.dataDir, { recursive: true });
  const flags = options.preimages ? ['--cache.preimages'] : [];
  const result = await runGeth(['init', '--datadir', options.dataDir, '--state.scheme', 'hash', ...flags, options.genesisPath], {
    logPath: options.logPath,
  });
  if (result.exitCode !== 0) {
    throw new Error(`geth init exited with ${result.exitCode ?? result.signal}: ${result.output.slice(-2000)}`);
  }
  return result;
}
