import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { alive, readPidFile, recordPid } from '../nodes/pidFile.js';
import { spawnLogged } from '../nodes/process.js';
import { liveNode } from '../nodes/processContext.js';
import type { AgentConfig } from './config.js';
import { readRetired } from './retired.js';
import { LAUNCH_FILE, NODE_DIR, PID_FILE, type NewNodeLaunch } from './newNode.js';
import { readRecord, runDir } from './runDir.js';

/**
 * After a run's commit point this host's validator is the new node that run started, and in
 * process mode nothing but the agent knows how to run it: the agent is its supervisor, as
 * cosmovisor is a chain binary's. When the node is not running (it crashed, the host rebooted and
 * the agent's own service started again) the agent starts it again from the command line it first
 * ran, on the same ports, so its peers find it where they know it.
 *
 * Which node: the one of the run that retired the agent's old node (retired.ts). An agent pointed
 * at another node (the new one, before next year's regenesis) serves nothing: that node is then
 * an old node, run by the operator's own service. In command mode the host's service manager ran
 * the node (startNewCommand) and keeps it; the agent does not.
 */

/** Starts the served node if it is not running; says what it did. */
export async function restartServedNode(config: AgentConfig): Promise<{ restarted: false } | { restarted: true; runKey: string; pid: number }> {
  if (config.mode !== 'process') return { restarted: false };
  const retired = await readRetired(config);
  if (!retired) return { restarted: false };
  const dir = await runDir(config.workDir, retired.runKey);
  const nodeDir = join(dir, NODE_DIR);
  if (await liveNode(join(nodeDir, 'process.json'), nodeDir)) return { restarted: false };
  // Started moments ago and not listening yet (its process context comes once its ports are bound): never a second one.
  const starting = await readPidFile(join(dir, PID_FILE));
  if (starting !== undefined && alive(starting)) return { restarted: false };
  const launch = await readRecord<NewNodeLaunch>(join(dir, LAUNCH_FILE));
  if (!launch) return { restarted: false };
  const [binary, ...args] = launch.argv;
  const proc = spawnLogged(binary!, args, { logPath: join(dir, 'new-node.log'), detached: true });
  await recordPid(join(dir, PID_FILE), proc.pid);
  return { restarted: true, runKey: retired.runKey, pid: proc.pid };
}

/**
 * Keeps the served node running while the agent runs: looks every `everyMs`, and reports each
 * restart. A failed look is reported and tried again; only `signal` ends the watch.
 */
export async function superviseServedNode(
  config: AgentConfig,
  signal: AbortSignal,
  report: (event: { restarted?: { runKey: string; pid: number }; error?: string }) => void,
  everyMs = 5_000,
): Promise<void> {
  while (!signal.aborted) {
    try {
      const outcome = await restartServedNode(config);
      if (outcome.restarted) report({ restarted: { runKey: outcome.runKey, pid: outcome.pid } });
    } catch (err) {
      report({ error: (err as Error).message });
    }
    await sleep(everyMs, undefined, { signal }).catch(() => undefined);
  }
}
