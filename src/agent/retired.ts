import { join } from 'node:path';
import type { AgentConfig } from './config.js';
import { runHostCommand } from './hostCommand.js';
import { readRecord, runDir, writeRecord } from './runDir.js';

/**
 * One chain at a time accepts transactions: once a run has passed its commit point, the old node
 * this host ran is retired and never restarted by the agent again, whoever asks. Were it resumed,
 * the old network and the new one could both accept transactions, and with the same EVM chain ID a
 * transaction signed for one would be valid on the other.
 *
 * The record is the host's, not a run's (`retired.json` in the agent's work directory), and names
 * each retired node by its data directory: a resume of that node under any run key is refused, the
 * record survives the agent's restarts, and a later regenesis (the agent then pointed at the node
 * of this run's network) is not affected. An archive node of the old network (LP-326's "dual
 * operation") is a different process with its own data directory, and serves reads only.
 */
export interface RetiredNode {
  /** The data directory of the retired node. */
  dataDir: string;
  /** The run whose commit retired it. */
  runKey: string;
  at: string;
  /** The host's retire command ran (e.g. the old service disabled); absent without one. */
  retireCommand?: 'ran';
}

interface RetiredRecord {
  nodes: RetiredNode[];
}

export class OldNodeRetiredError extends Error {
  override readonly name = 'OldNodeRetiredError';
}

const recordPathOf = (config: AgentConfig): string => join(config.workDir, 'retired.json');

/** The retirement of this agent's node (its data directory), if any. */
export async function readRetired(config: AgentConfig): Promise<RetiredNode | undefined> {
  return (await readRecord<RetiredRecord>(recordPathOf(config)))?.nodes.find((n) => n.dataDir === config.dataDir);
}

/** Records `node`, replacing an earlier entry of the same data directory. */
async function record(config: AgentConfig, node: RetiredNode): Promise<void> {
  const nodes = (await readRecord<RetiredRecord>(recordPathOf(config)))?.nodes ?? [];
  await writeRecord(recordPathOf(config), { nodes: [...nodes.filter((n) => n.dataDir !== node.dataDir), node] });
}

/**
 * Retires the old node after `runKey`'s commit: recorded first (so a crash in the host's command
 * still leaves the node fenced), then the host's retire command, if configured, with the run's
 * facts. Idempotent: a retry finds the record and runs the command only if it had not finished.
 */
export async function retireOldNode(config: AgentConfig, runKey: string): Promise<RetiredNode> {
  await runDir(config.workDir, runKey); // validates the key before anything is written under it
  let node = (await readRetired(config)) ?? { dataDir: config.dataDir, runKey, at: new Date().toISOString() };
  await record(config, node);
  if (config.retireOldCommand && !node.retireCommand) {
    await runHostCommand(config, 'retireOldCommand', { REGENESIS_DATA_DIR: config.dataDir, REGENESIS_RUN_KEY: runKey });
    node = { ...node, retireCommand: 'ran' };
    await record(config, node);
  }
  return node;
}

/** Refuses to bring the old node back once a run has retired it, naming that run. */
export async function assertNotRetired(config: AgentConfig, runKey: string): Promise<void> {
  const retired = await readRetired(config);
  if (!retired) return;
  throw new OldNodeRetiredError(
    `the old node of ${config.dataDir} was retired at ${retired.at} by run ${retired.runKey}, which passed its commit point: ` +
      `it is never restarted (asked to by run ${runKey}), so that only the new network accepts transactions`,
  );
}
