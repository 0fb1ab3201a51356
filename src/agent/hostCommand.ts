import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { alive } from '../nodes/pidFile.js';
import type { AgentConfig, HostCommand } from './config.js';

/**
 * command mode: one of the host's own commands (systemd, Kubernetes), run by the shell with the
 * step's facts as REGENESIS_* variables. A command that fails stops the step with its exit code and
 * the end of what it printed; nothing the agent holds secret is passed to it.
 */
export async function runHostCommand(config: AgentConfig, which: HostCommand, facts: Record<string, string>): Promise<void> {
  const command = config[which];
  if (!command) throw new Error(`${which} is not configured (command mode)`);
  try {
    await promisify(execFile)('/bin/sh', ['-c', command], { env: { ...process.env, ...facts }, timeout: 5 * 60_000, maxBuffer: 1 << 20 });
  } catch (err) {
    const e = err as { code?: number | string; stderr?: string; stdout?: string };
    const said = `${e.stderr ?? ''}${e.stdout ?? ''}`.trim().slice(-1500);
    throw new Error(`${which} failed (exit ${String(e.code)}): ${command}${said ? `\n${said}` : ''}`);
  }
}

/** Until `pid` has exited; in command mode the host's command stops it, the agent only watches. */
export async function waitExited(pid: number, timeoutMs: number, onWait: () => void, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) throw new Error(`${what}: process ${pid} still runs ${timeoutMs} ms after the stop command`);
    onWait();
    await sleep(200);
  }
}
