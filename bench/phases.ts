import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AtomicFile } from '../src/artifacts/atomicFile.js';
import { LocalArtifactStore } from '../src/artifacts/store.js';
import { exportPartition } from '../src/export/partition.js';
import { GenesisAllocRoot } from '../src/genesis/allocRoot.js';
import { buildEvmGenesis } from '../src/genesis/buildEvmGenesis.js';
import { postMergeChainConfig } from '../src/genesis/chainConfig.js';
import type { Hex } from '../src/state/hex.js';
import { keccakReady } from '../src/state/keccak.js';
import type { ThreadFigure } from '../src/state/keySpanPass.js';
import { stateRootPass } from '../src/state/stateRoot.js';
import { sumStats, type StateStats } from '../src/state/stats.js';
import { generateAlloc, type GeneratedAlloc } from '../src/dev/syntheticAlloc.js';
import { processMemory } from '../src/nodes/procMemory.js';

/**
 * The measured phases, each run in its own process by bench/child.ts. Timings are taken
 * around the work only (not process start-up or module loading); the parent adds wall time and
 * peak RSS of the whole process.
 */

export interface GenerateTask {
  phase: 'generate';
  accounts: number;
  seed: number;
  partitions: number;
  dir: string;
}

export async function runGenerate(task: GenerateTask): Promise<GeneratedAlloc & { seconds: number }> {
  const started = performance.now();
  const alloc = await generateAlloc({ accounts: task.accounts, seed: task.seed, partitions: task.partitions }, task.dir);
  return { ...alloc, seconds: (performance.now() - started) / 1000 };
}

export interface RootTask {
  phase: 'root';
  files: string[];
  /** Threads of the pass; unset, as production chooses (one per core for a large state). */
  threads?: number;
}

export interface RootResult {
  seconds: number;
  accounts: number;
  stateRoot: Hex;
  /** What each thread did (threads started inside the timed part). */
  threads: ThreadFigure[];
}

/** The state root alone from the JSONL partitions: the root-only pass (stateRootOfFiles). */
export async function runRoot(task: RootTask): Promise<RootResult> {
  await keccakReady();
  const started = performance.now();
  const { stateRoot, accounts, threads } = await stateRootPass(task.files, 'ethereum', { threads: task.threads });
  return { seconds: (performance.now() - started) / 1000, accounts, stateRoot, threads };
}

export interface GenesisTask {
  phase: 'genesis';
  files: string[];
  out: string;
  chainId: number;
  timestamp: number;
  /** Threads of the pass; unset, as production chooses. */
  threads?: number;
}

export interface GenesisResult {
  seconds: number;
  bytes: number;
  sha256: string;
  stateRoot: Hex;
  stats: StateStats;
  threads: ThreadFigure[];
}

/** The genesis activity's pass: one read of the partitions into the stack trie and the genesis writer. */
export async function runGenesis(task: GenesisTask): Promise<GenesisResult> {
  const started = performance.now();
  const out = await AtomicFile.create(task.out);
  const genesisHeader = { config: postMergeChainConfig(task.chainId), timestamp: task.timestamp, gasLimit: 30_000_000 };
  const result = await buildEvmGenesis(task.files, genesisHeader, out, 'ethereum', undefined, { threads: task.threads });
  return {
    threads: result.threads,
    seconds: (performance.now() - started) / 1000,
    bytes: result.genesis.bytes,
    sha256: result.genesis.sha256,
    stateRoot: result.stateRoot,
    stats: result.stats,
  };
}

export interface ReadBackTask {
  phase: 'readback';
  /** A genesis the genesis pass wrote. */
  genesis: string;
}

export interface ReadBackResult {
  seconds: number;
  accounts: number;
  stateRoot: Hex;
}

/**
 * A validator agent's check of a genesis, on one thread: its alloc root recomputed from the file as
 * it streams by (GenesisAllocRoot, what src/agent/genesisCheck.ts runs on the embedded C-Chain
 * genesis before it signs), in the downtime of a two-stage launch.
 */
export async function runReadBack(task: ReadBackTask): Promise<ReadBackResult> {
  const started = performance.now();
  const alloc = await GenesisAllocRoot.create('ethereum', task.genesis);
  for await (const chunk of createReadStream(task.genesis, { encoding: 'utf8', highWaterMark: 1 << 16 })) alloc.write(chunk as string);
  const { stateRoot, accounts } = alloc.end();
  return { seconds: (performance.now() - started) / 1000, accounts, stateRoot };
}

export interface ExportTask {
  phase: 'export';
  rpcUrl: string;
  partitions: number;
  pageSize: number;
  artifactsDir: string;
}

export interface ExportResult {
  seconds: number;
  accounts: number;
  bytes: number;
  /** sha256 of the partition files concatenated in order (computed after the timed part). */
  contentSha256: string;
  stats: StateStats;
  partitionSeconds: number[];
}

/** All partitions of an export in parallel, each through the export the activity runs (src/export). */
export async function runExport(task: ExportTask): Promise<ExportResult> {
  const store = new LocalArtifactStore(task.artifactsDir);
  const runKey = `bench-export-${process.pid}`;
  await rm(store.runDir(runKey), { recursive: true, force: true });
  const started = performance.now();
  const partitionSeconds: number[] = [];
  const manifests = await Promise.all(
    Array.from({ length: task.partitions }, async (_, index) => {
      const manifest = await exportPartition({ store, runKey, rpcUrl: task.rpcUrl, blockNumber: 0, index, count: task.partitions, pageSize: task.pageSize });
      partitionSeconds[index] = (performance.now() - started) / 1000;
      return manifest;
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const stats = sumStats(manifests.map((m) => m.stats));
  const content = createHash('sha256');
  for (const m of manifests) {
    for await (const chunk of createReadStream(store.path(runKey, m.path))) content.update(chunk as Buffer);
  }
  await rm(store.runDir(runKey), { recursive: true, force: true });
  return {
    seconds,
    accounts: stats.accounts,
    bytes: manifests.reduce((n, m) => n + m.bytes, 0),
    contentSha256: content.digest('hex'),
    stats,
    partitionSeconds,
  };
}

export interface HistoryTask {
  phase: 'history';
  temporalAddress: string;
  rpcUrl: string;
  partitions: number;
  artifactsDir: string;
  rehearsal: boolean;
  chainId: number;
  /** A workflow bundle built beforehand (phase `bundle`), as the worker image has; unset: built at start. */
  workflowBundlePath?: string;
}

export interface BundleTask {
  phase: 'bundle';
  out: string;
}

/** Builds the workflow bundle into a file, as the worker image build does (`regenesis bundle`). */
export async function runBundle(task: BundleTask): Promise<{ seconds: number; bytes: number }> {
  const { writeWorkflowBundle } = await import('../src/workflowBundle.js');
  const started = performance.now();
  const { bytes } = await writeWorkflowBundle(task.out);
  return { seconds: (performance.now() - started) / 1000, bytes };
}

export interface HistoryResult {
  seconds: number;
  status: string;
  workflowId: string;
  events: number;
  /** Sum of the data and metadata bytes of every payload in the history. */
  payloadBytes: number;
  /** The history as the server stores and sends it (protobuf-encoded History). */
  historyBytes: number;
  eventTypes: Record<string, number>;
  /**
   * Events other than workflow-task scheduled/started/completed. Those three come once per
   * workflow task, and how many tasks a run takes depends on whether activity completions arrive
   * together (the server batches them) or apart: with 4 partitions that alone moves the total by
   * up to 9 events. The rest depends only on the plan.
   */
  eventsWithoutWorkflowTasks: number;
  /** Peak RSS once the worker was created (workflow bundle built, native runtime up), before the run. */
  workerStartupPeakRssMb: number;
  /** Highest RSS sampled while the run was going (every 250 ms). */
  runPeakRssMb: number;
  stateRoot?: string;
  accounts?: number;
}

/** temporal.api.enums.v1.EventType names of the events a regenesis run records. */
const EVENT_TYPES: Record<number, string> = {
  1: 'WorkflowExecutionStarted',
  2: 'WorkflowExecutionCompleted',
  3: 'WorkflowExecutionFailed',
  4: 'WorkflowExecutionTimedOut',
  5: 'WorkflowTaskScheduled',
  6: 'WorkflowTaskStarted',
  7: 'WorkflowTaskCompleted',
  8: 'WorkflowTaskTimedOut',
  9: 'WorkflowTaskFailed',
  10: 'ActivityTaskScheduled',
  11: 'ActivityTaskStarted',
  12: 'ActivityTaskCompleted',
  13: 'ActivityTaskFailed',
  14: 'ActivityTaskTimedOut',
  15: 'ActivityTaskCancelRequested',
  16: 'ActivityTaskCanceled',
  17: 'TimerStarted',
  18: 'TimerFired',
  19: 'TimerCanceled',
  26: 'WorkflowExecutionSignaled',
  40: 'UpsertWorkflowSearchAttributes',
  47: 'WorkflowExecutionUpdateAccepted',
  48: 'WorkflowExecutionUpdateRejected',
  49: 'WorkflowExecutionUpdateCompleted',
};

/** This process's peak RSS so far (VmHWM), MiB. */
export function peakRssMb(): number {
  const own = processMemory('self');
  return own ? own.peakResidentBytes / 2 ** 20 : process.resourceUsage().maxRSS / 1024;
}

function payloadSize(value: unknown, seen = new Set<object>()): number {
  if (value === null || typeof value !== 'object' || seen.has(value)) return 0;
  seen.add(value);
  if (value instanceof Uint8Array) return 0;
  const maybe = value as { data?: unknown; metadata?: unknown };
  if (maybe.data instanceof Uint8Array && maybe.metadata !== null && typeof maybe.metadata === 'object') {
    let n = maybe.data.byteLength;
    for (const [k, v] of Object.entries(maybe.metadata as Record<string, unknown>)) {
      n += Buffer.byteLength(k) + (v instanceof Uint8Array ? v.byteLength : 0);
    }
    return n;
  }
  let n = 0;
  for (const v of Array.isArray(value) ? value : Object.values(value)) n += payloadSize(v, seen);
  return n;
}

/** The protobuf encoding of the History message the client decoded (its class encodes it back). */
function encodedSize(history: object): number {
  const type = history.constructor as { encode?: (m: object) => { finish(): Uint8Array } };
  if (typeof type.encode !== 'function') throw new Error('fetchHistory() did not return a protobuf History message');
  return type.encode(history).finish().byteLength;
}

/**
 * One real regenesis run: the production worker (src/worker.ts createWorker) in this process,
 * against a Temporal dev server and the geth node the parent started; then the run's history.
 */
export async function runHistory(task: HistoryTask): Promise<HistoryResult> {
  const { DefaultLogger, NativeConnection, Runtime } = await import('@temporalio/worker');
  const { Client, Connection } = await import('@temporalio/client');
  const { createWorker } = await import('../src/worker.js');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const taskQueue = `bench-${process.pid}-${Date.now()}`;
  const workflowId = `bench-regenesis-${process.pid}-${Date.now()}`;
  const nativeConnection = await NativeConnection.connect({ address: task.temporalAddress });
  const connection = await Connection.connect({ address: task.temporalAddress });
  const client = new Client({ connection, namespace: 'default' });
  try {
    const devnetRoot = join(task.artifactsDir, 'devnets');
    const worker = await createWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      artifactsDir: task.artifactsDir,
      devnetRoot,
      workflowBundlePath: task.workflowBundlePath,
    });
    const plan = {
      name: 'bench',
      chains: { C: { rpcUrl: task.rpcUrl, node: 'geth', partitions: task.partitions, pageSize: 256 } },
      target: { height: 0 },
      genesis: { chainId: task.chainId, startTime: Math.floor(Date.now() / 1000) + 24 * 3600 },
      rehearsal: { enabled: task.rehearsal },
    };
    const workerStartupPeakRssMb = peakRssMb();
    let runPeakRssMb = 0;
    const started = performance.now();
    const trace = process.env.BENCH_MEMORY_TRACE === '1';
    const sampler = setInterval(() => {
      const rss = process.memoryUsage.rss() / 2 ** 20;
      runPeakRssMb = Math.max(runPeakRssMb, rss);
      if (trace) {
        const m = process.memoryUsage();
        const mb = (n: number) => Math.round(n / 2 ** 20);
        process.stderr.write(
          `memory t=${((performance.now() - started) / 1000).toFixed(1)}s rss=${mb(m.rss)} heapTotal=${mb(m.heapTotal)} heapUsed=${mb(m.heapUsed)} external=${mb(m.external)} arrayBuffers=${mb(m.arrayBuffers)}\n`,
        );
      }
    }, 250);
    const result = (await worker.runUntil(
      client.workflow.execute('regenesisWorkflow', { taskQueue, workflowId, args: [plan], workflowExecutionTimeout: '2 hours' }),
    )) as { status: string; reason?: string; genesis?: { stateRoot: string; stats: { accounts: number } } };
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    if (result.status !== 'Completed') throw new Error(`regenesis run ended ${result.status}: ${result.reason ?? ''}`);
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const events = history.events ?? [];
    const eventTypes: Record<string, number> = {};
    if (trace) {
      const t0 = Number(events[0]?.eventTime?.seconds ?? 0);
      for (const e of events) {
        const at = Number(e.eventTime?.seconds ?? 0) - t0 + (e.eventTime?.nanos ?? 0) / 1e9;
        const activity = e.activityTaskScheduledEventAttributes?.activityType?.name ?? '';
        process.stderr.write(`event t=${at.toFixed(1)}s ${EVENT_TYPES[Number(e.eventType)] ?? String(e.eventType)} ${activity}\n`);
      }
    }
    let workflowTaskEvents = 0;
    for (const e of events) {
      const code = Number(e.eventType ?? 0);
      const type = EVENT_TYPES[code] ?? `EventType${code}`;
      eventTypes[type] = (eventTypes[type] ?? 0) + 1;
      if (code >= 5 && code <= 7) workflowTaskEvents += 1;
    }
    return {
      seconds,
      status: result.status,
      workflowId,
      events: events.length,
      payloadBytes: payloadSize(events),
      historyBytes: encodedSize(history),
      eventTypes,
      eventsWithoutWorkflowTasks: events.length - workflowTaskEvents,
      workerStartupPeakRssMb: Math.round(workerStartupPeakRssMb),
      runPeakRssMb: Math.round(runPeakRssMb),
      stateRoot: result.genesis?.stateRoot,
      accounts: result.genesis?.stats.accounts,
    };
  } finally {
    await connection.close();
    await nativeConnection.close();
  }
}
