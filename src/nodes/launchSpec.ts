import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JsonRpcClient } from '../chains/evm/rpc.js';
import { toolPath, type ToolName } from '../tools.js';
import { alive, killRecordedProcess, recordPid } from './pidFile.js';
import { readLogTail } from './process.js';

/**
 * How to (re)start one node of a local devnet, kept on disk beside its data so that any worker —
 * not only the process that first started it — can stop it and bring it back. Nodes started from a
 * spec are detached: they outlive the worker, as a real network outlives its coordinator.
 */
export interface LaunchSpec {
  tool: ToolName;
  args: string[];
  rpcUrl: string;
}

const SPEC = 'launch.json';
const PID = 'node.pid';
const LOG = 'node.log';

export function writeLaunchSpec(dir: string, spec: LaunchSpec): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, SPEC), `${JSON.stringify(spec, null, 2)}\n`);
}

export function readLaunchSpec(dir: string): LaunchSpec {
  const path = join(dir, SPEC);
  if (!existsSync(path)) throw new Error(`no launch spec at ${path}`);
  return JSON.parse(readFileSync(path, 'utf8')) as LaunchSpec;
}

export function runningPid(dir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(dir, PID), 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 1 && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Starts the node of `dir` unless it already runs (idempotent), and waits for its RPC. */
export async function startFromSpec(dir: string, timeoutMs = 120_000): Promise<{ rpcUrl: string; pid: number }> {
  const spec = readLaunchSpec(dir);
  let pid = runningPid(dir);
  if (pid === undefined) {
    const log = openSync(join(dir, LOG), 'a');
    try {
      const child = spawn(toolPath(spec.tool), spec.args, { detached: true, stdio: ['ignore', log, log] });
      child.unref();
      pid = child.pid ?? 0;
    } finally {
      closeSync(log);
    }
    await recordPid(join(dir, PID), pid);
  }
  const rpc = new JsonRpcClient(spec.rpcUrl, { timeoutMs: 2_000 });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive(pid)) throw new Error(`node in ${dir} exited while starting:\n${readLogTail(join(dir, LOG), 2000)}`);
    try {
      await rpc.call('web3_clientVersion');
      return { rpcUrl: spec.rpcUrl, pid };
    } catch {
      if (Date.now() > deadline) throw new Error(`node in ${dir} did not answer on ${spec.rpcUrl} within ${timeoutMs} ms`);
      await sleep(200);
    }
  }
}

/** Stops the node of `dir` if it runs (idempotent); its data stays untouched. */
export async function stopFromSpec(dir: string): Promise<void> {
  await killRecordedProcess(join(dir, PID), 30_000);
}
