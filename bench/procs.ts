import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { log } from './progress.js';
import { processMemory } from '../src/nodes/procMemory.js';

/**
 * Child processes of a benchmark run: each measured phase runs in its own process so its peak RSS
 * is its own, and every process started here is tracked so an interrupted run leaves none behind.
 */

export interface Measured {
  /** Wall time of the process as seen from the parent, seconds. */
  wallSeconds: number;
  /** User + system CPU of the process, seconds. */
  cpuSeconds: number;
  /** Peak resident set size, MiB. */
  peakRssMb: number;
  /** 1-minute load average before and after: a busy machine shows here. */
  load: [number, number];
}

const live = new Set<ChildProcess>();
const cleanups: Array<() => Promise<void> | void> = [];

/** Registers work to do on exit or interruption (stop a node, remove a directory). Runs last-in first. */
export function onCleanup(fn: () => Promise<void> | void): () => void {
  cleanups.push(fn);
  return () => {
    const i = cleanups.indexOf(fn);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

/**
 * Children are started in their own process group (detached), so stopping one also stops what it
 * started itself: geth under GNU time, the esbuild service of a tsx child.
 */
function stopGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    child.kill('SIGTERM');
  }
}

export async function cleanupAll(): Promise<void> {
  for (const child of live) stopGroup(child);
  while (cleanups.length > 0) {
    const fn = cleanups.pop()!;
    try {
      await fn();
    } catch {
      // best effort: the other cleanups still run
    }
  }
}

let signalsInstalled = false;
/** SIGINT/SIGTERM: stop every child, run the cleanups, exit. */
export function installSignalCleanup(): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  const handler = (signal: NodeJS.Signals) => {
    process.stderr.write(`\nbench: ${signal}, cleaning up\n`);
    void cleanupAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}

function load1(): number {
  return Math.round(loadavg()[0]! * 100) / 100;
}

function waitExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
}

/** /proc/<pid>/status VmHWM (peak RSS) in MiB, or 0 when unavailable. */
export function procPeakRssMb(pid: number): number {
  return (processMemory(pid)?.peakResidentBytes ?? 0) / 2 ** 20;
}

/** utime + stime of a live process from /proc/<pid>/stat, seconds (0 when unavailable). */
export function procCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

const TIME_BIN = '/usr/bin/time';

/**
 * Runs an external command to completion, measured by GNU time when installed (peak RSS and CPU
 * of the process itself), otherwise by polling /proc. stdout goes to `stdoutPath` (or is dropped),
 * stderr to `logPath`.
 */
export async function runMeasured(
  command: string,
  args: readonly string[],
  options: { stdoutPath?: string; logPath: string; env?: NodeJS.ProcessEnv },
): Promise<Measured & { exitCode: number | null }> {
  const out = options.stdoutPath ? openSync(options.stdoutPath, 'w') : 'ignore';
  const err = openSync(options.logPath, 'a');
  const timeFile = `${options.logPath}.time`;
  const useTime = existsSync(TIME_BIN);
  const load0 = load1();
  const started = performance.now();
  const child = useTime
    ? spawn(TIME_BIN, ['-f', '%e %M %U %S', '-o', timeFile, command, ...args], { stdio: ['ignore', out, err], env: options.env ?? process.env, detached: true })
    : spawn(command, [...args], { stdio: ['ignore', out, err], env: options.env ?? process.env, detached: true });
  if (typeof out === 'number') closeSync(out);
  closeSync(err);
  live.add(child);
  let polledRss = 0;
  let polledCpu = 0;
  const poll = useTime
    ? undefined
    : setInterval(() => {
        if (child.pid) {
          polledRss = Math.max(polledRss, procPeakRssMb(child.pid));
          polledCpu = Math.max(polledCpu, procCpuSeconds(child.pid));
        }
      }, 100);
  try {
    const { code } = await waitExit(child);
    const wallSeconds = (performance.now() - started) / 1000;
    if (useTime) {
      const [, rssKb, user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
      rmSync(timeFile, { force: true });
      return { exitCode: code, wallSeconds, peakRssMb: rssKb! / 1024, cpuSeconds: user! + sys!, load: [load0, load1()] };
    }
    return { exitCode: code, wallSeconds, peakRssMb: polledRss, cpuSeconds: polledCpu, load: [load0, load1()] };
  } finally {
    if (poll) clearInterval(poll);
    live.delete(child);
  }
}

const CHILD_ENTRY = fileURLToPath(new URL('./child.ts', import.meta.url));

export interface ChildOptions {
  /** Directory for result files and logs. */
  dir: string;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

/** What a phase child reports about itself, besides its own result. */
export interface ChildSelf {
  peakRssMb: number;
  cpuSeconds: number;
}

let childCounter = 0;

/**
 * Runs one phase in a fresh node process (bench/child.ts) and returns its result together with
 * its peak RSS (getrusage of the child itself) and wall time.
 */
export async function runPhaseChild<R>(task: { phase: string } & Record<string, unknown>, options: ChildOptions): Promise<{ result: R; measured: Measured }> {
  childCounter += 1;
  const base = join(options.dir, `${String(childCounter).padStart(2, '0')}-${task.phase}`);
  const resultPath = `${base}.result.json`;
  const logPath = `${base}.log`;
  const log = openSync(logPath, 'a');
  const load0 = load1();
  const started = performance.now();
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), '--import', 'tsx', CHILD_ENTRY, JSON.stringify(task), resultPath], {
    stdio: ['ignore', log, log],
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', ...options.env },
    detached: true,
  });
  closeSync(log);
  live.add(child);
  try {
    const { code, signal } = await waitExit(child);
    const wallSeconds = (performance.now() - started) / 1000;
    if (code !== 0 || !existsSync(resultPath)) {
      const tail = existsSync(logPath) ? readFileSync(logPath, 'utf8').slice(-3000) : '';
      throw new Error(`bench phase ${task.phase} failed (exit ${code ?? signal}); log ${logPath}:\n${tail}`);
    }
    const { result, self } = JSON.parse(readFileSync(resultPath, 'utf8')) as { result: R; self: ChildSelf };
    return { result, measured: { wallSeconds, cpuSeconds: self.cpuSeconds, peakRssMb: self.peakRssMb, load: [load0, load1()] } };
  } finally {
    live.delete(child);
  }
}

/**
 * GOMEMLIMIT for every avalanchego started from now on (the rigs', the rehearsal's and the agents'
 * nodes inherit this process's environment); returns what puts the environment back.
 */
export function limitNodeMemory(limit: string | undefined): () => void {
  if (!limit) return () => {};
  const before = process.env.GOMEMLIMIT;
  process.env.GOMEMLIMIT = limit;
  log(`  every node runs with GOMEMLIMIT=${limit}`);
  return () => {
    if (before === undefined) delete process.env.GOMEMLIMIT;
    else process.env.GOMEMLIMIT = before;
  };
}
