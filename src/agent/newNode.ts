import { copyFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sha256File } from '../artifacts/atomicFile.js';
import { LocalArtifactStore } from '../artifacts/store.js';
import { describeObjectStore, objectStoreConfigFromEnv, s3ClientFor } from '../artifacts/objectStoreConfig.js';
import { fetchArtifact, fetchArtifactFromUrl } from '../artifacts/fetchArtifact.js';
import { artifactUrl } from '../artifacts/artifactUrl.js';
import { JsonRpcClient } from '../chains/evm/rpc.js';
import type { Bootstrapper } from '../nodes/avalanchegoFlags.js';
import { notBootstrapped } from '../nodes/avalanchegoReadiness.js';
import { alive, killRecordedProcess, readPidFile, recordPid } from '../nodes/pidFile.js';
import { readLogTail, spawnLogged, type ManagedProcess } from '../nodes/process.js';
import type { AgentConfig } from './config.js';
import { formatNodeArgs, parseNodeArgs, withFlags } from './nodeArgs.js';
import type { OldNodeRecord } from './oldNode.js';
import { searchNode } from './nodeDiscovery.js';
import { withNewNodeConfig } from './newNodeConfig.js';
import { runHostCommand, waitExited } from './hostCommand.js';
import { liveNode, readProcessContext, type ProcessContext } from '../nodes/processContext.js';
import { readRecord, runDir, writeRecord } from './runDir.js';

/**
 * The new validator: the same staking identity on the same ports, the new network's ID and
 * genesis, a fresh data directory under the agent's work directory, and the bootstrappers the
 * coordinator names. Everything of the old command line that a regenesis does not change (hosts,
 * chain configs, limits, log levels) is carried over.
 */

/** The halted old node is running again: the halt did not hold on this host. */
export class OldNodeRunningError extends Error {
  override readonly name = 'OldNodeRunningError';
}

export class GenesisMismatchError extends Error {
  override readonly name = 'GenesisMismatchError';
}

const STAGED = 'genesis.json';

/** Where the genesis of a run is staged (and what the new node is started with). */
export async function stagedGenesisPath(config: AgentConfig, runKey: string): Promise<string> {
  return join(await runDir(config.workDir, runKey), STAGED);
}

/** What to stage: the run's file in the artifact store, by the key of the stage that wrote it (the run key unless given). */
export interface StageRequest {
  runKey: string;
  path: string;
  sha256: string;
  /** The store directory of the file when it is not the run key's: a two-stage run's final genesis is in `<runKey>.final`. */
  artifactsKey?: string;
}

/**
 * Puts the approved genesis beside the node: fetched by its sha256 from the artifacts mirror or the
 * object store when one is configured (a body that does not hash to it is refused, nothing staged),
 * else copied from the shared artifact directory and checked.
 */
export async function stageGenesis(config: AgentConfig, input: StageRequest): Promise<{ path: string; sha256: string }> {
  const target = await stagedGenesisPath(config, input.runKey);
  const staged = await sha256File(target).catch(() => undefined);
  if (staged === input.sha256) return { path: target, sha256: staged };
  const remote = remoteSource(config);
  if (remote) {
    await remote.fetch(input.sha256, target).catch((err: unknown) => {
      throw new GenesisMismatchError(`staged genesis ${input.path} (sha256 ${input.sha256})${remote.from}: ${(err as Error).message}`);
    });
    return { path: target, sha256: input.sha256 };
  }
  if (!config.artifactsDir) throw new Error('no artifact directory and no object store to stage the genesis from');
  const source = new LocalArtifactStore(config.artifactsDir).path(input.artifactsKey ?? input.runKey, input.path);
  const temp = `${target}.partial`;
  await copyFile(source, temp);
  const actual = await sha256File(temp);
  if (actual !== input.sha256) {
    await rm(temp, { force: true });
    throw new GenesisMismatchError(`staged genesis ${source} has sha256 ${actual}, not the approved ${input.sha256}: refused, nothing staged`);
  }
  await rename(temp, target);
  return { path: target, sha256: actual };
}

/**
 * Where this host fetches a body by its sha256, when not from the shared directory: the artifacts
 * mirror, else the object store. `from` is what an error adds to name it (a mirror's errors already
 * carry the body's URL).
 */
function remoteSource(config: AgentConfig): { fetch: (sha256: string, target: string) => Promise<unknown>; from: string } | undefined {
  const mirror = config.artifactsUrl;
  if (mirror) return { fetch: (sha256, target) => fetchArtifactFromUrl(artifactUrl(mirror, sha256), sha256, target), from: '' };
  const store = objectStoreConfigFromEnv();
  if (!store) return undefined;
  return { fetch: (sha256, target) => fetchArtifact(s3ClientFor(store), store.bucket, sha256, target), from: ` from ${describeObjectStore(store)}` };
}

export interface NewNodeSpec {
  runKey: string;
  networkId: number;
  genesisSha256: string;
  bootstrappers: Bootstrapper[];
}

/** Under the run's directory: the new node's data, its pid, and the command line it was started with. */
export const NODE_DIR = 'node';
export const PID_FILE = 'new-node.pid';
export const LAUNCH_FILE = 'new-node.json';

/** What the agent ran to start a run's new node: what a restart after the commit point runs (servedNode.ts). */
export interface NewNodeLaunch {
  /** The node binary and its flags, as first started. */
  argv: string[];
}

/** Flags of the old command line that name the old network, its data or its peers. */
const REPLACED = [
  'network-id',
  'genesis-file',
  'genesis-file-content',
  'data-dir',
  'db-dir',
  'chain-data-dir',
  'log-dir',
  'process-context-file',
  'bootstrap-ids',
  'bootstrap-ips',
  'sybil-protection-enabled',
  'staking-ephemeral-cert-enabled',
  'staking-ephemeral-signer-enabled',
  'staking-tls-cert-file',
  'staking-tls-key-file',
  'staking-signer-key-file',
  'upgrade-file',
];

/** The old node's flags (its config file copied without the old network's settings: newNodeConfig.ts) with the new network's. */
async function newNodeArgs(config: AgentConfig, old: OldNodeRecord, spec: NewNodeSpec, dir: string): Promise<string[]> {
  const nodeDir = join(dir, NODE_DIR);
  const carried = await withNewNodeConfig(parseNodeArgs(old.argv.slice(1)), REPLACED, dir);
  return formatNodeArgs(
    withFlags(carried, REPLACED, [
      { name: 'network-id', value: String(spec.networkId) },
      { name: 'genesis-file', value: join(dir, STAGED) },
      { name: 'data-dir', value: nodeDir },
      { name: 'log-dir', value: join(nodeDir, 'logs') },
      { name: 'process-context-file', value: join(nodeDir, 'process.json') },
      { name: 'staking-tls-cert-file', value: config.stakingCertFile },
      { name: 'staking-tls-key-file', value: config.stakingKeyFile },
      { name: 'staking-signer-key-file', value: config.signerKeyFile },
      { name: 'bootstrap-ids', value: spec.bootstrappers.map((b) => b.nodeId).join(',') },
      { name: 'bootstrap-ips', value: spec.bootstrappers.map((b) => b.ip).join(',') },
    ]),
  );
}

/** Starts the new node (once: a retry finds it running) and resolves when it has bound its ports. */
export async function startNewNode(config: AgentConfig, spec: NewNodeSpec, onWait: () => void = () => {}, timeoutMs = 120_000): Promise<ProcessContext> {
  const dir = await runDir(config.workDir, spec.runKey);
  const nodeDir = join(dir, NODE_DIR);
  const contextPath = join(nodeDir, 'process.json');
  const running = await liveNode(contextPath, nodeDir);
  if (running) return { pid: running.pid, uri: running.uri, stakingAddress: running.stakingAddress };
  const old = await readRecord<OldNodeRecord>(join(dir, 'old-node.json'));
  if (!old?.halted) throw new Error('the old node has not been halted for this run: the new one would take its ports and keys while it runs');
  const back = (await searchNode(config.dataDir)).found;
  if (back) {
    throw new OldNodeRunningError(
      `the old node of ${config.dataDir} runs again (pid ${back.pid}, ${back.uri}) after this run halted it: something restarted it (a supervisor's restart policy?), so the old network may be accepting transactions the new one will not have`,
    );
  }
  if ((await sha256File(join(dir, STAGED)).catch(() => undefined)) !== spec.genesisSha256) {
    throw new GenesisMismatchError(`no staged genesis with sha256 ${spec.genesisSha256} for run ${spec.runKey}: stage it first`);
  }
  // An earlier attempt's process that is still starting (a killed agent, a retried activity) is
  // waited for, not started twice: the node may be slow to bind, never a second process.
  const earlier = await readPidFile(join(dir, PID_FILE));
  if (earlier !== undefined && alive(earlier)) return waitForContext(contextPath, earlier, undefined, onWait, timeoutMs);
  await rm(contextPath, { force: true });
  const args = await newNodeArgs(config, old, spec, dir);
  if (config.mode === 'command') {
    await runHostCommand(config, 'startNewCommand', {
      REGENESIS_RUN_KEY: spec.runKey,
      REGENESIS_NODE_ARGS: args.join(' '),
      REGENESIS_NETWORK_ID: String(spec.networkId),
      REGENESIS_GENESIS_FILE: join(dir, STAGED),
      REGENESIS_DATA_DIR: nodeDir,
      REGENESIS_PROCESS_CONTEXT_FILE: contextPath,
      REGENESIS_BOOTSTRAP_IDS: spec.bootstrappers.map((b) => b.nodeId).join(','),
      REGENESIS_BOOTSTRAP_IPS: spec.bootstrappers.map((b) => b.ip).join(','),
      REGENESIS_LOG_FILE: join(dir, 'new-node.log'),
    });
    return waitForContext(contextPath, undefined, undefined, onWait, timeoutMs);
  }
  // What the agent runs again should the node stop after the commit point (servedNode.ts).
  await writeRecord(join(dir, LAUNCH_FILE), { argv: [config.nodeBinary, ...args] } satisfies NewNodeLaunch);
  const proc = spawnLogged(config.nodeBinary, args, { logPath: join(dir, 'new-node.log'), detached: true });
  await recordPid(join(dir, PID_FILE), proc.pid);
  return waitForContext(contextPath, proc.pid, proc, onWait, timeoutMs);
}

/**
 * Until the node with `pid` has written its process context (its ports are bound). Without a pid
 * (command mode: the host started it), until a live process has written it.
 */
async function waitForContext(
  contextPath: string,
  pid: number | undefined,
  proc: ManagedProcess | undefined,
  onWait: () => void,
  timeoutMs: number,
): Promise<ProcessContext> {
  const deadline = Date.now() + timeoutMs;
  const logPath = join(dirname(dirname(contextPath)), 'new-node.log');
  for (;;) {
    if (pid === undefined) {
      const ctx = await readProcessContext(contextPath);
      if (ctx && alive(ctx.pid)) return ctx;
      if (Date.now() > deadline) throw new Error(`the host's start command left no live node writing ${contextPath} within ${timeoutMs} ms`);
      onWait();
      await sleep(200);
      continue;
    }
    if (proc ? proc.hasExited() : !alive(pid)) {
      const exit = proc ? await proc.exited : { code: null, signal: null };
      throw new Error(`the new node exited while starting (code ${exit.code}, signal ${exit.signal}); log ${logPath}:\n${readLogTail(logPath, 1500)}`);
    }
    const ctx = await readProcessContext(contextPath);
    if (ctx?.pid === pid) return ctx;
    if (Date.now() > deadline) throw new Error(`the new node did not bind its ports within ${timeoutMs} ms; log ${logPath}`);
    onWait();
    await sleep(200);
  }
}

/** Stops the new node, keeping its data for inspection. Stopping a node that is not running is success. */
export async function stopNewNode(config: AgentConfig, runKey: string, onWait: () => void = () => {}): Promise<{ stopped: boolean }> {
  const dir = await runDir(config.workDir, runKey);
  if (config.mode === 'command') {
    const live = await liveNode(join(dir, NODE_DIR, 'process.json'), join(dir, NODE_DIR));
    if (!live) return { stopped: false };
    await runHostCommand(config, 'stopNewCommand', {
      REGENESIS_NODE_PID: String(live.pid),
      REGENESIS_RUN_KEY: runKey,
      REGENESIS_DATA_DIR: join(dir, NODE_DIR),
    });
    await waitExited(live.pid, 120_000, onWait, 'stop new node');
    return { stopped: true };
  }
  return { stopped: await killRecordedProcess(join(dir, PID_FILE), 60_000) };
}

export interface NodeHealth {
  uri: string;
  bootstrapped: boolean;
  notBootstrapped: string[];
  peers: string[];
  /** The validator set as this node sees it. */
  validators: Array<{ nodeId: string; weight: string; blsPublicKey: string | null }>;
}

/** Waits until the new node has bootstrapped P, X and C and sees at least `minPeers` peers. */
export async function newNodeHealth(
  config: AgentConfig,
  input: { runKey: string; minPeers: number; timeoutMs: number },
  onWait: () => void = () => {},
): Promise<NodeHealth> {
  const dir = await runDir(config.workDir, input.runKey);
  const ctx = await readProcessContext(join(dir, NODE_DIR, 'process.json'));
  if (!ctx || !alive(ctx.pid)) throw new Error(`the new node of run ${input.runKey} is not running`);
  const deadline = Date.now() + input.timeoutMs;
  const info = new JsonRpcClient(`${ctx.uri}/ext/info`, { timeoutMs: 10_000 });
  for (;;) {
    const missing = await notBootstrapped(ctx.uri);
    const peers = missing.includes('P') && missing.includes('C JSON-RPC') ? [] : await peerIds(info);
    if ((missing.length === 0 && peers.length >= input.minPeers) || Date.now() > deadline) {
      const validators = missing.includes('P') ? [] : await currentValidators(ctx.uri);
      return { uri: ctx.uri, bootstrapped: missing.length === 0, notBootstrapped: missing, peers, validators };
    }
    if (!alive(ctx.pid)) throw new Error(`the new node of run ${input.runKey} exited before it was healthy`);
    onWait();
    await sleep(1_000);
  }
}

async function peerIds(info: JsonRpcClient): Promise<string[]> {
  try {
    const reply = await info.call<{ peers?: Array<{ nodeID: string }> | null }>('info.peers', [{}]);
    return (reply.peers ?? []).map((p) => p.nodeID).sort();
  } catch {
    return [];
  }
}

async function currentValidators(uri: string): Promise<NodeHealth['validators']> {
  const platform = new JsonRpcClient(`${uri}/ext/bc/P`, { timeoutMs: 10_000 });
  const reply = await platform.call<{ validators: Array<{ nodeID: string; weight: string; signer?: { publicKey?: string } }> }>(
    'platform.getCurrentValidators',
    [{}],
  );
  return reply.validators
    .map((v) => ({ nodeId: v.nodeID, weight: v.weight, blsPublicKey: v.signer?.publicKey?.toLowerCase() ?? null }))
    .sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1));
}
