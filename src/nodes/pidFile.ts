import { readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** Records a child's pid so that a compensation in another process can find and stop it. */
export async function recordPid(path: string, pid: number): Promise<void> {
  await writeFile(path, `${pid}\n`);
}

/**
 * Whether a process with this pid exists (signal 0 checks without delivering anything). A zombie
 * (exited, not yet reaped: an orphan of a killed worker whose new parent has not reaped it yet)
 * counts as gone: it holds no files, locks or ports.
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no procfs: signal 0 is all there is
  }
}

/** The pid a pid file names, or undefined when the file is absent or holds no usable pid. */
export async function readPidFile(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  const pid = text === undefined ? Number.NaN : Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(pid) && pid > 1 ? pid : undefined;
}

/**
 * SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone (its files and ports are
 * released only then, and callers reuse them next). Returns whether it was running.
 */
export async function stopPid(pid: number, graceMs = 10_000, onWait: () => void = () => {}): Promise<boolean> {
  if (!alive(pid)) return false;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) {
    onWait();
    await sleep(100);
  }
  if (alive(pid)) {
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
  }
  return true;
}

/**
 * Stops the process named in a pid file (SIGTERM, then SIGKILL after a grace period) and removes the
 * file. A missing file or a process already gone is success: compensations must be re-runnable.
 */
export async function killRecordedProcess(path: string, graceMs = 10_000): Promise<boolean> {
  const pid = await readPidFile(path);
  const killed = pid !== undefined && (await stopPid(pid, graceMs));
  await rm(path, { force: true });
  return killed;
}
