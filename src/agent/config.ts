import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { checkArtifactsBaseUrl } from '../artifacts/artifactUrl.js';
import { objectStoreConfigFromEnv } from '../artifacts/objectStoreConfig.js';
import { readHaltApprovers } from './haltApprovals.js';

/**
 * How a validator host's agent is set up: from flags, falling back to REGENESIS_AGENT_* variables.
 * Only paths: the staking key and the BLS signer key are read from their files on this host when
 * an activity needs them, and never leave it.
 */
export const agentConfigSchema = z.strictObject({
  /** The avalanchego (or luxd) binary that runs this validator. */
  nodeBinary: z.string().min(1),
  /** The running (old) node's data directory: halted and restarted, never written by the agent. */
  dataDir: z.string().min(1),
  stakingCertFile: z.string().min(1),
  stakingKeyFile: z.string().min(1),
  signerKeyFile: z.string().min(1),
  /** The agent's own directory: staged genesis files, the new node's data, records of each step. */
  workDir: z.string().min(1),
  /**
   * Where the coordinator's artifact store is readable from this host (a shared directory). Not
   * needed with an object store (REGENESIS_S3_*): the agent then fetches what it stages by sha256.
   */
  artifactsDir: z.string().min(1).optional(),
  /**
   * A read-only HTTP(S) mirror of the object store's bodies (artifactUrl.ts: `<url>/sha256/<hex>`),
   * for a host that holds no S3 credentials: the agent fetches what it stages there by sha256 and
   * checks every byte. Tried before the object store and the shared directory.
   */
  artifactsUrl: z.string().min(1).optional(),
  /**
   * `process`: the agent stops and starts the node process itself. `command`: the host's own
   * commands do (systemd, Kubernetes); the agent runs them with the step's facts in REGENESIS_*
   * variables and watches the node's process context file for the outcome.
   */
  mode: z.enum(['process', 'command']).default('process'),
  /** command mode: stops the old node (REGENESIS_NODE_PID names it), e.g. `systemctl stop avalanchego`. */
  haltCommand: z.string().min(1).optional(),
  /** command mode: starts the old node again on its untouched data. */
  startOldCommand: z.string().min(1).optional(),
  /** command mode: starts the new node with REGENESIS_NODE_ARGS (or the single REGENESIS_* facts). */
  startNewCommand: z.string().min(1).optional(),
  /** command mode: stops the new node (REGENESIS_NODE_PID names it). */
  stopNewCommand: z.string().min(1).optional(),
  /**
   * Either mode, optional: run once the run has passed its commit point, so nothing brings the old
   * node back (e.g. `systemctl disable avalanchego-old`); the agent refuses to resume it either way.
   */
  retireOldCommand: z.string().min(1).optional(),
  /**
   * Optional, and what an operator of a live network sets: a JSON file on this host,
   * `{"required": N, "approvers": [{"name", "publicKey"}]}`. The agent then halts its validator only
   * for a run that N of these approvers signed (haltApprovals.ts), whoever schedules the halt.
   */
  approverKeysFile: z.string().min(1).optional(),
  temporalAddress: z.string().min(1).default('127.0.0.1:7233'),
  namespace: z.string().min(1).default('default'),
});

export type AgentConfig = z.infer<typeof agentConfigSchema>;

const FILES = ['nodeBinary', 'stakingCertFile', 'stakingKeyFile', 'signerKeyFile'] as const;
export const COMMANDS = ['haltCommand', 'startOldCommand', 'startNewCommand', 'stopNewCommand'] as const;
/** Every host command the agent may run: those command mode requires, and the optional retire command. */
export type HostCommand = (typeof COMMANDS)[number] | 'retireOldCommand';

/** Flags first, then REGENESIS_AGENT_<NAME> (e.g. REGENESIS_AGENT_SIGNER_KEY_FILE); paths made absolute. */
export function loadAgentConfig(flags: Partial<Record<keyof AgentConfig, string>>, env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const envName = (key: string): string => `REGENESIS_AGENT_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
  const raw: Record<string, string | undefined> = {};
  for (const key of Object.keys(agentConfigSchema.shape) as Array<keyof AgentConfig>) {
    raw[key] = flags[key] ?? env[envName(key)];
  }
  raw.temporalAddress ??= env.TEMPORAL_ADDRESS;
  raw.namespace ??= env.TEMPORAL_NAMESPACE;
  const parsed = agentConfigSchema.safeParse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0]);
    throw new Error(`agent ${key} (--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} or ${envName(key)}): ${issue.message}`);
  }
  const config = parsed.data;
  for (const key of ['nodeBinary', 'dataDir', 'stakingCertFile', 'stakingKeyFile', 'signerKeyFile', 'workDir'] as const) {
    config[key] = resolve(config[key]);
  }
  if (config.artifactsDir) config.artifactsDir = resolve(config.artifactsDir);
  if (config.artifactsUrl)
    config.artifactsUrl = checkArtifactsBaseUrl(config.artifactsUrl, `agent artifactsUrl (--artifacts-url or ${envName('artifactsUrl')})`);
  // Half an object-store configuration is refused here, at start, naming what is missing.
  if (!config.artifactsDir && !config.artifactsUrl && !objectStoreConfigFromEnv(env)) {
    throw new Error(
      `agent artifactsDir (--artifacts-dir or ${envName('artifactsDir')}): required unless an artifacts mirror (--artifacts-url) or an object store is configured (REGENESIS_S3_ENDPOINT, REGENESIS_S3_BUCKET and its credentials)`,
    );
  }
  for (const key of FILES) {
    if (!existsSync(config[key])) throw new Error(`agent ${key}: ${config[key]} does not exist`);
  }
  // Refused at start, naming the file and the field, rather than at the first halt.
  if (config.approverKeysFile) {
    config.approverKeysFile = resolve(config.approverKeysFile);
    readHaltApprovers(config.approverKeysFile);
  }
  if (config.mode === 'command') {
    for (const key of COMMANDS) {
      if (!config[key]) throw new Error(`agent ${key} (${envName(key)}): required in command mode`);
    }
  }
  return config;
}
