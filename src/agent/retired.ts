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
 * The record is the host's, not a run's (`retired.json` in the agent's work directory): a resume
 * under any run key is refused after it, and it survives the agent's restarts. An archive node of
 * the old network (LP-326's "dual operation") is a different process with its own data directory,
 * and serves reads only; retiring the validator does not touch it.
 */
export interface RetiredRecord {
  /** The run whose commit retired the old node. */
  runKey: string;
  at: string;
  /** command mode: the host's retire command ran (e.g. the old service disabled), else absent. */
  retireCommand?: 'ran';
}

export class OldNodeRetiredError extends Error {
  override readonly name = 'OldNodeRetiredError';
}

const recordPathOf = (config: AgentConfig): string => join(config.workDir, 'retired.json');

/** The retirement on record, if any. */
export function readRetired(config: AgentConfig): Promise<RetiredRecord | undefined> {
  return readRecord<RetiredRecord>(recordPathOf(config));
}

/**
 * Retires the old node after `runKey`'s commit: recorded first (so a crash in the host's command
 * still leaves the node fenced), then the host's retire command, if configured, with the run's
 * facts. Idempotent: a retry finds the record and runs the command only if it had not finished.
 */
export async function retireOldNode(config: AgentConfig, runKey: string): Promise<RetiredRecord> {
  await runDir(config.workDir, runKey); // validates the key before anything is written under it
  let record = (await readRetired(config)) ?? { runKey, at: new Date().toISOString() };
  await writeRecord(recordPathOf(config), record);
  if (config.retireOldCommand && !record.retireCommand) {
    await runHostCommand(config, 'retireOldCommand', { REGENESIS_DATA_DIR: config.dataDir, REGENESIS_RUN_KEY: runKey });
    record = { ...record, retireCommand: 'ran' };
    await writeRecord(recordPathOf(config), record);
  }
  return record;
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
