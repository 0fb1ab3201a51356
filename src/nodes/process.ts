import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JsonRpcClient } from '../chains/evm/rpc.js';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly pid: number;
  readonly logPath: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  /** Whether the process has exited already. */
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. Safe to call twice. */
  stop(graceMs?: number): Promise<ExitInfo>;
  /** The last `bytes` of the log, for error messages. */
  logTail(bytes?: number): string;
}

export interface SpawnOptions {
  logPath: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Own session and process group: the child outlives this process and its group's signals.
   * Otherwise the child dies with this process, however this process ends (see diesWithThisProcess).
   */
  detached?: boolean;
}

let setprivPath: string | null | undefined;

/**
 * The absolute path of a `setpriv` that knows `--pdeathsig` (util-linux ≥ 2.33), or null; looked up
 * once per process, and absolute so that a child's own PATH cannot lose it.
 */
function setpriv(): string | null {
  if (setprivPath !== undefined) return setprivPath;
  const dirs = process.platform === 'linux' ? (process.env.PATH ?? '/usr/bin:/bin').split(delimiter).filter(Boolean) : [];
  const found = dirs.map((dir) => join(dir, 'setpriv')).find((path) => existsSync(path));
  setprivPath = found && spawnSync(found, ['--pdeathsig', 'KILL', '--', 'true']).status === 0 ? found : null;
  return setprivPath;
}

/**
 * The command line that runs `command` so that the kernel kills it when this process dies, whatever
 * kills this process: a SIGKILL runs no handler and no `finally`, so only the kernel can clean up.
 * `setpriv --pdeathsig KILL` sets PR_SET_PDEATHSIG and then execs the command: the child keeps its
 * own pid and command line (pid files, avalanchego's process.json and /proc checks still name the
 * node), no extra process sits between us and it, and util-linux is in every Linux base system.
 * A supervisor watching a pipe from us would be one more process per child, with its own pid to
 * kill and its own way to be orphaned. SIGKILL rather than SIGTERM: nobody is left to escalate if
 * the child ignores or hangs on SIGTERM, and what dev children keep (SQLite, dev chains) survives it.
 * Caveats: the kernel watches the thread that spawned the child, so spawn from the main thread (a
 * worker thread's children would die with that thread); the signal is lost if this process dies in
 * the instant between fork and setpriv's prctl; without setpriv (not Linux) the child starts plainly.
 */
export function diesWithThisProcess(command: string, args: readonly string[]): [string, string[]] {
  const wrapper = setpriv();
  return wrapper ? [wrapper, ['--pdeathsig', 'KILL', '--', command, ...args]] : [command, [...args]];
}

export function readLogTail(logPath: string, bytes = 4000): string {
  let fd: number | undefined;
  try {
    const size = statSync(logPath).size;
    const length = Math.min(size, bytes);
    const buf = Buffer.alloc(length);
    fd = openSync(logPath, 'r');
    readSync(fd, buf, 0, length, size - length);
    return buf.toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * An argument as a log header shows it: a `--*-content=` flag carries a file's bytes inline (for
 * avalanchego, possibly a staking or signer key), so only its size is shown. The header is read
 * after a failure, and its tail can be quoted in an error that reaches the run's history.
 */
export function shownArg(arg: string): string {
  const inline = /^(--[A-Za-z0-9-]+-content)=(.*)$/s.exec(arg);
  return inline ? `${inline[1]}=<${inline[2]!.length} characters, not shown>` : arg;
}

/**
 * Starts `command` with stdout and stderr appended to `logPath` (the log survives the process, which
 * is what one reads after a failure), and without a shell, so arguments are never re-parsed. Unless
 * detached, the child dies with this process (diesWithThisProcess).
 */
export function spawnLogged(command: string, args: readonly string[], options: SpawnOptions): ManagedProcess {
  mkdirSync(dirname(options.logPath), { recursive: true });
  const fd = openSync(options.logPath, 'a');
  writeSync(fd, `# ${new Date().toISOString()} ${command} ${args.map(shownArg).join(' ')}\n`);
  const [file, argv] = options.detached ? [command, [...args]] : diesWithThisProcess(command, args);
  let child: ChildProcess;
  try {
    child = spawn(file, argv, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', fd, fd],
      detached: options.detached ?? false,
    });
    // A detached node must not keep its starter's event loop alive.
    if (options.detached) child.unref();
  } finally {
    closeSync(fd);
  }
  let exitInfo: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
    child.once('error', () => {
      // spawn failure (ENOENT, EACCES): no 'exit' follows.
      exitInfo ??= { code: null, signal: null };
      resolve(exitInfo);
    });
  });
  const stop = async (graceMs = 10_000): Promise<ExitInfo> => {
    if (exitInfo) return exitInfo;
    child.kill('SIGTERM');
    // The grace timer is cancelled once the process exits, so it never holds the event loop open.
    const cancel = new AbortController();
    const timer = sleep(graceMs, 'timeout' as const, { signal: cancel.signal }).catch(() => 'cancelled' as const);
    const first = await Promise.race([exited, timer]);
    cancel.abort();
    if (first !== 'timeout' && first !== 'cancelled') return first;
    child.kill('SIGKILL');
    return exited;
  };
  return {
    pid: child.pid ?? -1,
    logPath: options.logPath,
    child,
    exited,
    hasExited: () => exitInfo !== undefined,
    stop,
    logTail: (bytes?: number) => readLogTail(options.logPath, bytes),
  };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Local devnets must never listen beyond this machine; a non-loopback URL here is a bug. */
export function assertLoopbackUrl(url: string): void {
  const host = new URL(url).hostname;
  if (!LOOPBACK_HOSTS.has(host)) throw new Error(`refusing non-loopback devnet endpoint ${host}`);
}

export class ProcessStartError extends Error {
  override readonly name = 'ProcessStartError';
  constructor(
    message: string,
    readonly logTail: string,
  ) {
    super(`${message}\n--- log tail ---\n${logTail}`);
  }
}

/**
 * Polls `web3_clientVersion` until the endpoint answers. Fails fast when the process exits, with the
 * end of its log in the message, instead of waiting for the timeout.
 */
export async function waitForJsonRpc(url: string, proc: ManagedProcess, options: { timeoutMs?: number; method?: string } = {}): Promise<void> {
  assertLoopbackUrl(url);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const method = options.method ?? 'web3_clientVersion';
  const rpc = new JsonRpcClient(url, { timeoutMs: 2_000 });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.hasExited()) {
      const info = await proc.exited;
      throw new ProcessStartError(`process ${proc.pid} exited (code ${info.code}, signal ${info.signal}) before ${url} answered`, proc.logTail());
    }
    try {
      await rpc.call(method);
      return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      throw new ProcessStartError(`${url} did not answer ${method} within ${timeoutMs} ms`, proc.logTail());
    }
    await sleep(100);
  }
}

/** True when a start failed because the port was taken between freePort() and bind. */
export function isPortInUse(err: unknown): boolean {
  return err instanceof ProcessStartError && /address already in use|EADDRINUSE/i.test(err.logTail);
}
