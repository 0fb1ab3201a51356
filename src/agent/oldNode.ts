import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { notBootstrapped } from '../nodes/avalanchegoReadiness.js';
import { alive, stopPid } from '../nodes/pidFile.js';
import { spawnLogged } from '../nodes/process.js';
import type { AgentConfig } from './config.js';
import { digestTree } from './dataDigest.js';
import { inlineConfigToFile, inlineKeysToFiles } from './inlineKeys.js';
import { runHostCommand, waitExited } from './hostCommand.js';
import { headReader, HeadWatch, type LastAccepted } from './lastAccepted.js';
import { flagValue, formatNodeArgs, splitCommandLine, withFlags } from './nodeArgs.js';
import { searchedFor, searchNode, type FoundNode } from './nodeDiscovery.js';
import { readRecord, runDir, writeRecord } from './runDir.js';
import { assertNotRetired } from './retired.js';
import { readStoppedNodeHeads } from './stoppedHeads.js';
import { flagsOf } from './nodeFlags.js';
import { reachableAddresses, reachableUri } from './reachable.js';
import { portOf } from '../nodes/processContext.js';

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
   * Where its peers reached it (reachable.ts: its public address when bound to every interface),
   * read while it ran. The new node, started with the same flags, listens there too. Absent when
   * the node did not say.
   */
  peerAddress?: string;
  /** The old process's working directory: relative paths the operator gave it stay the same on restart. */
  cwd?: string;
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

/**
 * The running old node of the agent's data directory, however it was configured (nodeDiscovery.ts),
 * or undefined when none runs.
 */
export async function findOldNode(config: AgentConfig): Promise<FoundNode | undefined> {
  return (await searchNode(config.dataDir)).found;
}

const recordPathOf = async (config: AgentConfig, runKey: string): Promise<string> => join(await runDir(config.workDir, runKey), 'old-node.json');

/**
 * The command line the agent records and restarts from, self-contained so that the restart (and
 * the stopped-database read, and the new node's carried-over flags) need not the old process's
 * environment, HOME or working directory to find the same node: its `AVAGO_*` variables become the
 * flags they set (a command-line flag still wins), the data directory, process-context file and
 * config file are pinned as absolute paths (the config file stays where the operator keeps it),
 * OS-chosen ports (0, by flag, variable or config) are pinned to the ones the node actually had, and
 * inline keys and an inline config are moved to files on this host (inlineKeys.ts), so no record,
 * log header or error carries key material.
 */
async function recordedArgv(config: AgentConfig, node: FoundNode): Promise<string[]> {
  const { argv, view, settings } = node;
  const { command, flags: fromArgv } = splitCommandLine(argv, view.exe);
  // A variable the node ignores (it names no flag of its binary) would be an unknown flag on restart.
  const nodeFlags = await flagsOf(command, view.cwd);
  const fromEnv = settings.envFlags.filter((f) => !fromArgv.some((a) => a.name === f.name) && (!nodeFlags || nodeFlags.has(f.name)));
  const set = [
    { name: 'data-dir', value: settings.dataDir },
    { name: 'process-context-file', value: settings.contextFile },
    ...(settings.configFile ? [{ name: 'config-file', value: settings.configFile }] : []),
  ];
  const given = [...fromArgv, ...fromEnv];
  const port = (name: string): string | undefined => flagValue(given, name) ?? settings.configValues[name];
  if (port('http-port') === '0') set.push({ name: 'http-port', value: new URL(node.uri).port });
  if (port('staking-port') === '0') set.push({ name: 'staking-port', value: portOf(node.stakingAddress) });
  const flags = await inlineKeysToFiles(await inlineConfigToFile(withFlags(given, [], set), config.workDir), config.workDir);
  return [...command, ...formatNodeArgs(flags)];
}

export async function readOldNodeRecord(config: AgentConfig, runKey: string): Promise<OldNodeRecord | undefined> {
  return readRecord<OldNodeRecord>(await recordPathOf(config, runKey));
}

/** The old node's API while its process runs (its process context file names it), else undefined. */
export async function liveOldNodeUri(config: AgentConfig): Promise<string | undefined> {
  return (await findOldNode(config))?.uri;
}

export async function haltOldNode(config: AgentConfig, runKey: string, onWait: () => void = () => {}): Promise<OldNodeRecord> {
  const recordPath = await recordPathOf(config, runKey);
  let record = await readRecord<OldNodeRecord>(recordPath);
  if (record?.halted) return record;
  const search = await searchNode(config.dataDir);
  const live = search.found;
  if (live) {
    if (!record) {
      const peerAddress = await reachableAddresses(live).then(
        (a) => a.stakingAddress,
        () => undefined, // the halt does not wait on it: the run then starts the new network from one beacon
      );
      record = {
        argv: await recordedArgv(config, live),
        uri: live.uri,
        stakingAddress: live.stakingAddress,
        ...(peerAddress ? { peerAddress } : {}),
        ...(live.view.cwd ? { cwd: live.view.cwd } : {}),
      };
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
    throw new NodeNotRunningError(
      `the node of ${config.dataDir} is not running (${searchedFor(config.dataDir, search)}): nothing to halt, and no command line to restart it with`,
    );
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
  if (await findOldNode(config)) throw new Error(`the node of ${config.dataDir} runs again: its heads are no longer those it stopped with`);
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
  /** Whether the data directory was as the halt left it (dataDigest.ts) when the node was to restart. */
  dataUnchanged?: boolean;
  dataDigest?: string;
  /** Why the node was not restarted. */
  refused?: string;
}

/**
 * Restarts the old node from its recorded command line; a node already back (or never halted) is
 * left alone. A data directory that changed while the node was halted (something wrote to it, or
 * replaced it) is not restarted: the validator would rejoin its network on data nobody has looked
 * at. The operator looks, then resumes it with `acceptChangedData` (`regenesis resume-old-node
 * --accept-changed-data`).
 */
export async function resumeOldNode(
  config: AgentConfig,
  runKey: string,
  onWait: () => void = () => {},
  timeoutMs = 180_000,
  options: { acceptChangedData?: boolean } = {},
): Promise<ResumeResult> {
  const recordPath = await recordPathOf(config, runKey);
  const record = await readRecord<OldNodeRecord & { resumed?: ResumeResult }>(recordPath);
  if (!record) return { resumed: false };
  await assertNotRetired(config, runKey);
  let result = record.resumed;
  if (!(await findOldNode(config))) {
    // Checked before the node writes anything again: the halt must have left the data untouched.
    const digest = await digestTree(config.dataDir);
    const dataUnchanged = record.halted ? digest.sha256 === record.halted.dataDigest : undefined;
    if (dataUnchanged === false && !options.acceptChangedData) {
      return {
        resumed: false,
        dataUnchanged,
        dataDigest: digest.sha256,
        refused: `the data directory ${config.dataDir} changed while the node was halted (digest ${record.halted!.dataDigest} at the halt, ${digest.sha256} now): not restarted`,
      };
    }
    result = { resumed: true, uri: record.uri, dataDigest: digest.sha256, ...(dataUnchanged !== undefined ? { dataUnchanged } : {}) };
    await writeRecord(recordPath, { ...record, resumed: result });
    if (config.mode === 'command') {
      await runHostCommand(config, 'startOldCommand', { REGENESIS_DATA_DIR: config.dataDir, REGENESIS_RUN_KEY: runKey });
    } else {
      const [binary, ...args] = record.argv;
      const logPath = join(await runDir(config.workDir, runKey), 'old-node.log');
      const proc = spawnLogged(binary!, args, { logPath, detached: true, ...(record.cwd ? { cwd: record.cwd } : {}) });
      await sleep(500);
      if (proc.hasExited()) throw new Error(`the old node exited at once when restarted: ${proc.logTail(2000)}`);
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const missing = await notBootstrapped(record.uri);
    // Named where other hosts reach it (reachable.ts), as every address the agent reports.
    if (missing.length === 0) return { ...(result ?? { resumed: true }), uri: await reachableUri(record.uri).catch(() => record.uri) };
    if (Date.now() > deadline) throw new Error(`the old node at ${record.uri} is not bootstrapped ${timeoutMs} ms after its restart: ${missing.join(', ')}`);
    onWait();
    await sleep(1_000);
  }
}
