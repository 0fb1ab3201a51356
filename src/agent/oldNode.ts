import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { notBootstrapped } from '../nodes/avalanchegoReadiness.js';
import { alive, stopPid } from '../nodes/pidFile.js';
import { spawnLogged } from '../nodes/process.js';
import type { AgentConfig } from './config.js';
import { digestTree } from './dataDigest.js';
import { inlineKeysToFiles } from './inlineKeys.js';
import { runHostCommand, waitExited } from './hostCommand.js';
import { headReader, HeadWatch, type LastAccepted } from './lastAccepted.js';
import { flagValue, formatNodeArgs, parseNodeArgs, withFlags } from './nodeArgs.js';
import { liveNode } from '../nodes/processContext.js';
import { readRecord, runDir, writeRecord } from './runDir.js';
import { assertNotRetired } from './retired.js';
import { readStoppedNodeHeads } from './stoppedHeads.js';

/**
 * The old validator: halted without touching its data, restarted from the same command line on the
 * same ports (its peers know it there). The command line is read from the running process before
 * it is stopped and recorded, so a restarted agent can still bring the node back.
 */
export interface OldNodeRecord {
  argv: string[];
  uri: string;
  stakingAddress: string;
  /**
   * The node's last accepted heads "as it stopped": for each chain, the last read of the node's own
   * API that answered, read right before it was told to stop and then every ~100 ms until its
   * process was gone (lastAccepted.ts). Bound: a block the node accepted after that read is not in
   * it. avalanchego v1.14.0 shuts its chains down before its API server (node/node.go shutdown),
   * so such a block can only have been accepted within one poll interval (plus one read's latency)
   * of the chain's last answer. A chain that never answered is absent. A retry that finds the node
   * already halted, or gone, keeps what was recorded.
   */
  lastAccepted?: LastAccepted;
  /** Set once the node has exited: the data directory as it was left. */
  halted?: { at: string; dataDigest: string; files: number };
  /**
   * Set when the heads were read again from the stopped node's own database (stoppedHeads.ts),
   * because a genesis was of a later C height than the halt had recorded: when, and what the halt
   * had recorded. `lastAccepted` then holds what the database said, and `halted.dataDigest` the
   * directory as that read left it.
   */
  reread?: { at: string; first?: LastAccepted };
}

export class NodeNotRunningError extends Error {
  override readonly name = 'NodeNotRunningError';
}

/** Where the old node writes its process context (pid, API, staking address): `--process-context-file` under its data directory. */
export const contextPathOf = (config: AgentConfig): string => join(config.dataDir, 'process.json');
const recordPathOf = async (config: AgentConfig, runKey: string): Promise<string> => join(await runDir(config.workDir, runKey), 'old-node.json');

/**
 * The command line the agent records and restarts from: OS-chosen ports (0) pinned to the ones the
 * node actually had, and inline keys moved to files on this host (inlineKeys.ts), so no record,
 * log header or error carries key material.
 */
async function recordedArgv(config: AgentConfig, argv: string[], uri: string, stakingAddress: string): Promise<string[]> {
  const [binary, ...args] = argv;
  const flags = await inlineKeysToFiles(parseNodeArgs(args), config.workDir);
  const set = [];
  if (flagValue(flags, 'http-port') === '0') set.push({ name: 'http-port', value: new URL(uri).port });
  if (flagValue(flags, 'staking-port') === '0') set.push({ name: 'staking-port', value: stakingAddress.slice(stakingAddress.lastIndexOf(':') + 1) });
  return [binary!, ...formatNodeArgs(withFlags(flags, [], set))];
}

export async function readOldNodeRecord(config: AgentConfig, runKey: string): Promise<OldNodeRecord | undefined> {
  return readRecord<OldNodeRecord>(await recordPathOf(config, runKey));
}

/** The old node's API while its process runs (its process context file names it), else undefined. */
export async function liveOldNodeUri(config: AgentConfig): Promise<string | undefined> {
  return (await liveNode(contextPathOf(config), config.dataDir))?.uri;
}

export async function haltOldNode(config: AgentConfig, runKey: string, onWait: () => void = () => {}): Promise<OldNodeRecord> {
  const recordPath = await recordPathOf(config, runKey);
  let record = await readRecord<OldNodeRecord>(recordPath);
  if (record?.halted) return record;
  const live = await liveNode(contextPathOf(config), config.dataDir);
  if (live) {
    if (!record) {
      record = { argv: await recordedArgv(config, live.argv, live.uri, live.stakingAddress), uri: live.uri, stakingAddress: live.stakingAddress };
      await writeRecord(recordPath, record);
    }
    const recorded = record;
    const remember = async (heads: LastAccepted): Promise<void> => {
      const merged = { ...recorded.lastAccepted, ...heads };
      if (sameHeads(recorded.lastAccepted, merged)) return;
      recorded.lastAccepted = merged;
      await writeRecord(recordPath, recorded);
    };
    const watch = await watchHeads(record.uri, remember);
    try {
      await stopNode(config, runKey, live.pid, onWait);
    } finally {
      await watch?.stop();
    }
  } else if (!record) {
    throw new NodeNotRunningError(`the node of ${config.dataDir} is not running (no live process in ${contextPathOf(config)}): nothing to halt, and no command line to restart it with`);
  }
  const digest = await digestTree(config.dataDir);
  record = { ...record, halted: { at: new Date().toISOString(), dataDigest: digest.sha256, files: digest.files } };
  await writeRecord(recordPath, record);
  return record;
}

/**
 * The halted node's heads read again from its own database (stoppedHeads.ts), once per run: a
 * retry finds them recorded. The node briefly runs to answer, so the data directory is hashed again
 * afterwards, and a resume compares against that.
 */
export async function rereadHaltedHeads(config: AgentConfig, runKey: string): Promise<OldNodeRecord> {
  const recordPath = await recordPathOf(config, runKey);
  const record = await readRecord<OldNodeRecord>(recordPath);
  if (!record?.halted) throw new Error(`the node of ${config.dataDir} was not halted for run ${runKey}: there is no stopped database to read`);
  if (record.reread) return record;
  if (await liveNode(contextPathOf(config), config.dataDir)) throw new Error(`the node of ${config.dataDir} runs again: its heads are no longer those it stopped with`);
  const heads = await readStoppedNodeHeads(record.argv, await runDir(config.workDir, runKey));
  const digest = await digestTree(config.dataDir);
  const reread: OldNodeRecord = {
    ...record,
    lastAccepted: { ...record.lastAccepted, ...heads },
    halted: { ...record.halted, dataDigest: digest.sha256, files: digest.files },
    reread: { at: new Date().toISOString(), ...(record.lastAccepted ? { first: record.lastAccepted } : {}) },
  };
  await writeRecord(recordPath, reread);
  return reread;
}

/** Watches the node's heads from now on; undefined when it does not answer even once (it still gets stopped). */
async function watchHeads(uri: string, onRead: (heads: LastAccepted) => Promise<void>): Promise<HeadWatch | undefined> {
  const reader = await headReader(uri).catch(() => undefined);
  return reader && HeadWatch.start(reader, onRead);
}

function sameHeads(a: LastAccepted | undefined, b: LastAccepted): boolean {
  return a?.C?.hash === b.C?.hash && a?.P?.height === b.P?.height && a?.X?.height === b.X?.height;
}

async function stopNode(config: AgentConfig, runKey: string, pid: number, onWait: () => void): Promise<void> {
  if (config.mode === 'command') {
    await runHostCommand(config, 'haltCommand', { REGENESIS_NODE_PID: String(pid), REGENESIS_DATA_DIR: config.dataDir, REGENESIS_RUN_KEY: runKey });
    await waitExited(pid, 120_000, onWait, 'halt old node');
  } else {
    await stopPid(pid, 60_000, onWait);
    // The data directory is hashed next: only once the process is really gone.
    while (alive(pid)) await sleep(100);
  }
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
  await assertNotRetired(config, runKey);
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
