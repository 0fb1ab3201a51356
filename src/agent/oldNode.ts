import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { notBootstrapped } from '../nodes/avalanchegoReadiness.js';
import { alive, stopPid } from '../nodes/pidFile.js';
import { spawnLogged } from '../nodes/process.js';
import type { AgentConfig } from './config.js';
import { digestTree } from './dataDigest.js';
import { runHostCommand, waitExited } from './hostCommand.js';
import { flagValue, formatNodeArgs, parseNodeArgs, withFlags } from './nodeArgs.js';
import { liveNode } from '../nodes/processContext.js';
import { readRecord, runDir, writeRecord } from './runDir.js';

/**
 * The old validator: halted without touching its data, restarted from the same command line on the
 * same ports (its peers know it there). The command line is read from the running process before
 * it is stopped and recorded, so a restarted agent can still bring the node back.
 */
export interface OldNodeRecord {
  argv: string[];
  uri: string;
  stakingAddress: string;
  /** Set once the node has exited: the data directory as it was left. */
  halted?: { at: string; dataDigest: string; files: number };
}

export class NodeNotRunningError extends Error {
  override readonly name = 'NodeNotRunningError';
}

const contextPathOf = (config: AgentConfig): string => join(config.dataDir, 'process.json');
const recordPathOf = async (config: AgentConfig, runKey: string): Promise<string> => join(await runDir(config.workDir, runKey), 'old-node.json');

/** OS-chosen ports (0) are pinned to the ones the node actually had. */
function pinnedArgv(argv: string[], uri: string, stakingAddress: string): string[] {
  const [binary, ...args] = argv;
  const flags = parseNodeArgs(args);
  const set = [];
  if (flagValue(flags, 'http-port') === '0') set.push({ name: 'http-port', value: new URL(uri).port });
  if (flagValue(flags, 'staking-port') === '0') set.push({ name: 'staking-port', value: stakingAddress.slice(stakingAddress.lastIndexOf(':') + 1) });
  return [binary!, ...formatNodeArgs(withFlags(flags, [], set))];
}

export async function haltOldNode(config: AgentConfig, runKey: string, onWait: () => void = () => {}): Promise<OldNodeRecord> {
  const recordPath = await recordPathOf(config, runKey);
  let record = await readRecord<OldNodeRecord>(recordPath);
  if (record?.halted) return record;
  const live = await liveNode(contextPathOf(config), config.dataDir);
  if (live) {
    if (!record) {
      record = { argv: pinnedArgv(live.argv, live.uri, live.stakingAddress), uri: live.uri, stakingAddress: live.stakingAddress };
      await writeRecord(recordPath, record);
    }
    if (config.mode === 'command') {
      await runHostCommand(config, 'haltCommand', { REGENESIS_NODE_PID: String(live.pid), REGENESIS_DATA_DIR: config.dataDir, REGENESIS_RUN_KEY: runKey });
      await waitExited(live.pid, 120_000, onWait, 'halt old node');
    } else {
      await stopPid(live.pid, 60_000, onWait);
      // The data directory is hashed next: only once the process is really gone.
      while (alive(live.pid)) await sleep(100);
    }
  } else if (!record) {
    throw new NodeNotRunningError(`the node of ${config.dataDir} is not running (no live process in ${contextPathOf(config)}): nothing to halt, and no command line to restart it with`);
  }
  const digest = await digestTree(config.dataDir);
  record = { ...record, halted: { at: new Date().toISOString(), dataDigest: digest.sha256, files: digest.files } };
  await writeRecord(recordPath, record);
  return record;
}

export interface ResumeResult {
  resumed: boolean;
  uri?: string;
  /** Whether the data directory was byte-identical to what the halt left when the node restarted. */
  dataUnchanged?: boolean;
  dataDigest?: string;
}

/** Restarts the old node from its recorded command line; a node already back (or never halted) is left alone. */
export async function resumeOldNode(config: AgentConfig, runKey: string, onWait: () => void = () => {}, timeoutMs = 180_000): Promise<ResumeResult> {
  const recordPath = await recordPathOf(config, runKey);
  const record = await readRecord<OldNodeRecord & { resumed?: ResumeResult }>(recordPath);
  if (!record) return { resumed: false };
  let result = record.resumed;
  if (!(await liveNode(contextPathOf(config), config.dataDir))) {
    // Checked before the node writes anything again: the halt must have left the data untouched.
    const digest = await digestTree(config.dataDir);
    result = { resumed: true, uri: record.uri, dataDigest: digest.sha256, dataUnchanged: record.halted ? digest.sha256 === record.halted.dataDigest : undefined };
    await writeRecord(recordPath, { ...record, resumed: result });
    if (config.mode === 'command') {
      await runHostCommand(config, 'startOldCommand', { REGENESIS_DATA_DIR: config.dataDir, REGENESIS_RUN_KEY: runKey });
    } else {
      const [binary, ...args] = record.argv;
      const proc = spawnLogged(binary!, args, { logPath: join(await runDir(config.workDir, runKey), 'old-node.log'), detached: true });
      await sleep(500);
      if (proc.hasExited()) throw new Error(`the old node exited at once when restarted: ${proc.logTail(2000)}`);
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const missing = await notBootstrapped(record.uri);
    if (missing.length === 0) return result ?? { resumed: true, uri: record.uri };
    if (Date.now() > deadline) throw new Error(`the old node at ${record.uri} is not bootstrapped ${timeoutMs} ms after its restart: ${missing.join(', ')}`);
    onWait();
    await sleep(1_000);
  }
}
