import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StakingFiles } from '../nodes/avalanchegoFlags.js';
import { diesWithThisProcess } from '../nodes/process.js';

const BIN = new URL('../../bin/regenesis.js', import.meta.url).pathname;

export interface AgentSpec {
  name: string;
  nodeBinary: string;
  dataDir: string;
  staking: StakingFiles;
  workDir: string;
  /** The shared artifact directory; absent when the agent fetches from an object store (`env`). */
  artifactsDir?: string;
  /** Extra environment of the agent process (e.g. its object store, REGENESIS_S3_*). */
  env?: Record<string, string>;
  /** The command that runs a program on the validator's host (`ip netns exec <name>`); default this machine. */
  launcher?: readonly string[];
  /** command mode: the host's own commands stop and start the nodes. */
  commands?: { halt: string; startOld: string; startNew: string; stopNew: string; retireOld?: string };
}

/** The `regenesis agent` command line an operator would type for this validator host. */
function agentArgs(spec: AgentSpec): string[] {
  const commandMode = spec.commands
    ? [
        '--mode=command',
        `--halt-command=${spec.commands.halt}`,
        `--start-old-command=${spec.commands.startOld}`,
        `--start-new-command=${spec.commands.startNew}`,
        `--stop-new-command=${spec.commands.stopNew}`,
        ...(spec.commands.retireOld ? [`--retire-old-command=${spec.commands.retireOld}`] : []),
      ]
    : [];
  return [
    'agent',
    `--node-binary=${spec.nodeBinary}`,
    `--data-dir=${spec.dataDir}`,
    `--staking-cert-file=${spec.staking.certFile}`,
    `--staking-key-file=${spec.staking.keyFile}`,
    `--signer-key-file=${spec.staking.signerKeyFile}`,
    `--work-dir=${spec.workDir}`,
    ...(spec.artifactsDir ? [`--artifacts-dir=${spec.artifactsDir}`] : []),
    ...commandMode,
  ];
}

/** A command run on the spec's host: through its launcher, which execs the command in place. */
function onHost(spec: AgentSpec, file: string, args: readonly string[]): [string, string[]] {
  const [first, ...rest] = [...(spec.launcher ?? []), file, ...args];
  return [first!, rest];
}

/** `regenesis agent` processes, one per validator host, as an operator runs them (tests and the demo). */
export class AgentProcesses {
  private readonly running = new Map<string, ChildProcess>();
  private starts = 0;

  constructor(
    private readonly logDir: string,
    private readonly temporalAddress: string,
  ) {}

  /** Starts an agent and resolves once it polls its task queue (it logs "validator agent ready"). */
  async start(spec: AgentSpec, timeoutMs = 60_000): Promise<{ logPath: string; child: ChildProcess }> {
    const logPath = join(this.logDir, `agent-${spec.name}-${++this.starts}.log`);
    // The agent dies with whoever started it (the demo, a test); the validator nodes it starts are
    // detached by the agent itself and outlive it, as they must outlive an agent restart.
    const [file, argv] = onHost(spec, ...diesWithThisProcess(process.execPath, [BIN, ...agentArgs(spec)]));
    const env = { ...process.env, TEMPORAL_ADDRESS: this.temporalAddress, LOG_FORMAT: 'json', LOG_LEVEL: 'debug', ...spec.env };
    const child = spawn(file, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = createWriteStream(logPath);
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    this.running.set(spec.name, child);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = existsSync(logPath) ? readFileSync(logPath, 'utf8') : '';
      if (text.includes('validator agent ready')) return { logPath, child };
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`agent ${spec.name} exited while starting:\n${text.slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`agent ${spec.name} not ready within ${timeoutMs} ms:\n${text.slice(-3000)}`);
      await sleep(200);
    }
  }

  /**
   * What an operator runs on a host whose agent could not resume its old node in a rollback:
   * `regenesis resume-old-node` with that agent's configuration. Resolves to the command's result.
   */
  async resumeOldNode(spec: AgentSpec, runKey: string): Promise<{ resumed: boolean; uri?: string; dataUnchanged?: boolean }> {
    const [, ...options] = agentArgs(spec);
    const env = { ...process.env, TEMPORAL_ADDRESS: this.temporalAddress, ...spec.env };
    const [file, argv] = onHost(spec, process.execPath, [BIN, 'resume-old-node', ...options, `--run-key=${runKey}`]);
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(file, argv, { env, timeout: 300_000 }, (err, out, errOut) =>
        err ? reject(new Error(`regenesis resume-old-node failed: ${errOut || err.message}`)) : resolve(out),
      ),
    );
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as { resumed: boolean; uri?: string; dataUnchanged?: boolean };
  }

  async stop(name: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.running.get(name);
    this.running.delete(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill(signal);
    });
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((name) => this.stop(name, 'SIGKILL')));
  }
}
