import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonRpcClient } from '../../src/chains/evm/rpc.js';
import { regenesisWorkflow } from '../../workflows/index.js';
import type { RegenesisResult } from '../../workflows/messages.js';
import { untilStatus } from '../helpers/phases.js';
import { inOneDay } from '../helpers/run.js';
import { startVersityGw, type VersityGw } from '../rigs/versitygw.js';
import { WorkerProcesses } from '../rigs/workers.js';
import { expectRebuiltFromNode, startGethRig, type GethRig } from './gethRig.js';
import { startRpcGate, within, type RpcCall, type RpcGate } from './rpcGate.js';

// Two coordinator worker processes, as on two hosts: each its own artifacts directory, one object
// store between them (VersityGW), one Temporal cluster (PostgreSQL, mTLS). A partition one worker
// wrote is read by the other, and a worker killed mid-export leaves the other to finish the run.

const PARTITIONS = 4;
/** Small pages: the last partition takes several, so the export can be held inside it. */
const PAGE_SIZE = 32;
/** Where the last partition's key range starts (partitionBounds: key space split in four). */
const LAST_PARTITION_START = 3n << 254n;

/**
 * A page call of the last partition after its first page: held at the gate, the worker exporting it
 * has written part of it and waits there, while the other partitions run to their end.
 */
function laterPageOfLastPartition(call: RpcCall): boolean {
  if (call.method !== 'debug_accountRange' || call.params?.[0] === 'latest') return false;
  const from = call.params?.[1];
  return typeof from === 'string' && BigInt(from) > LAST_PARTITION_START;
}

let rig: GethRig;
let gw: VersityGw;
let s3: S3Client;
let gate: RpcGate;
let workers: WorkerProcesses;
let work: string;
let plan: Record<string, unknown>;

const sha256Of = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** What a run gave back, and the worker processes it ran on (the survivor last). */
interface TwoHostRun {
  result: Extract<RegenesisResult, { status: 'Completed' }>;
  handle: WorkflowHandle;
  workers: ChildProcess[];
}

/** Starts a `regenesis worker` process with an artifacts directory of its own. */
function startWorker(taskQueue: string, dir: string): ChildProcess {
  return workers.start({ taskQueue, artifactsDir: join(work, dir) });
}

async function killed(worker: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  worker.kill('SIGKILL');
  await exited;
}

/**
 * The uninterrupted run: both workers from the start, the export's partitions shared between them
 * as the task queue hands them out.
 */
async function runUninterrupted(): Promise<TwoHostRun> {
  const taskQueue = `two-hosts-clean-${process.pid}`;
  const started = [startWorker(taskQueue, 'clean-a'), startWorker(taskQueue, 'clean-b')];
  const handle = await rig.client.workflow.start(regenesisWorkflow, { taskQueue, workflowId: `${taskQueue}-${Date.now()}`, args: [plan] });
  const result = (await handle.result()) as RegenesisResult;
  if (result.status !== 'Completed') throw new Error(`the uninterrupted run rolled back in ${result.failedPhase}: ${result.reason}`);
  return { result, handle, workers: started };
}

/**
 * Worker A alone takes the export; once three partitions are done and A is held inside the last
 * one's pages, worker B starts on its own empty directory and A is SIGKILLed. B then does the rest:
 * the last partition again, and genesis, verify, rehearsal and report over partitions only A's
 * disk ever had.
 */
async function runKilledMidExport(): Promise<TwoHostRun> {
  const taskQueue = `two-hosts-killed-${process.pid}`;
  gate.close(laterPageOfLastPartition);
  const a = startWorker(taskQueue, 'killed-a');
  const handle = await rig.client.workflow.start(regenesisWorkflow, { taskQueue, workflowId: `${taskQueue}-${Date.now()}`, args: [plan] });
  let b: ChildProcess | undefined;
  try {
    await within(gate.held(), 120_000, `${handle.workflowId} sent no page call of its last partition`);
    const seen = await untilStatus(
      handle,
      'three partitions exported, the last under way',
      (s) => s.phase === 'export' && s.chains.C?.partitionsDone === PARTITIONS - 1,
      120_000,
    );
    expect(seen.chains.C?.partitionsTotal).toBe(PARTITIONS);
    b = startWorker(taskQueue, 'killed-b');
    await killed(a);
  } finally {
    gate.open();
  }
  const result = (await handle.result()) as RegenesisResult;
  if (result.status !== 'Completed') throw new Error(`the run whose worker was killed rolled back in ${result.failedPhase}: ${result.reason}`);
  return { result, handle, workers: [a, ...(b ? [b] : [])] };
}

/** Activity type → the identities of the workers that completed it, from the run's history. */
async function completedBy(handle: WorkflowHandle): Promise<Map<string, string[]>> {
  const history = await handle.fetchHistory();
  const types = new Map<string, string>();
  const out = new Map<string, string[]>();
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) types.set(String(event.eventId), scheduled.activityType?.name ?? '?');
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed) {
      const type = types.get(String(completed.scheduledEventId)) ?? '?';
      out.set(type, [...(out.get(type) ?? []), completed.identity ?? '?']);
    }
  }
  return out;
}

/** A worker process's identity in the history (the SDK's default, pid@host). */
const identityOf = (worker: ChildProcess): string => `${worker.pid}@${hostname()}`;

/**
 * Every file of the run as this test reads it: hashed here from the publishing worker's directory,
 * and the same body fetched from the object store under that hash and hashed again. The manifest,
 * which names the run's own key, is compared by the files it lists.
 */
async function publishedFiles(run: TwoHostRun): Promise<Record<string, string>> {
  const dir = run.result.artifactsDir;
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const rel = join(entry.parentPath, entry.name).slice(dir.length + 1);
    const data = readFileSync(join(dir, rel));
    const sha256 = sha256Of(data);
    const stored = await s3.send(new GetObjectCommand({ Bucket: gw.bucket, Key: `sha256/${sha256}` }));
    expect(sha256Of(Buffer.from(await stored.Body!.transformToByteArray())), `${rel} in the object store`).toBe(sha256);
    files[rel] = rel === 'manifest.json' ? sha256Of(Buffer.from(JSON.stringify((JSON.parse(data.toString('utf8')) as { files: unknown }).files))) : sha256;
  }
  // The run's index in the bucket names exactly these files (what agents on other hosts fetch by).
  const runKey = dir.slice(dir.lastIndexOf('/') + 1);
  const index = await s3.send(new GetObjectCommand({ Bucket: gw.bucket, Key: `runs/${runKey}/index.json` }));
  const indexed = JSON.parse(await index.Body!.transformToString('utf8')) as { files: Record<string, unknown> };
  expect(Object.keys(indexed.files).sort()).toEqual(Object.keys(files).sort());
  return files;
}

describe('coordinator workers on two hosts, sharing only the object store', () => {
  beforeAll(async () => {
    rig = await startGethRig('two-hosts');
    [gw, gate] = await Promise.all([startVersityGw(), startRpcGate(rig.geth.rpcUrl)]);
    s3 = gw.client();
    work = mkdtempSync(join(tmpdir(), 'regenesis-two-hosts-'));
    workers = new WorkerProcesses(work, { ...rig.cluster.env, ...gw.env() });
    workers.prepare();
    // One plan for both runs: a fixed height and start time, so that two runs write the same bytes.
    const head = await new JsonRpcClient(rig.geth.rpcUrl).call<string>('eth_blockNumber', []);
    plan = {
      name: 'two-hosts',
      chains: { C: { rpcUrl: gate.url, partitions: PARTITIONS, pageSize: PAGE_SIZE } },
      target: { height: Number(head) },
      epoch: { durationSeconds: 4, pollSeconds: 1 },
      genesis: { chainId: 7777, startTime: inOneDay() },
    };
  });

  afterAll(async () => {
    gate?.open();
    await workers?.stopAll();
    await gate?.stop();
    s3?.destroy();
    await gw?.stop();
    await rig?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('finishes on the other worker when one is SIGKILLed mid-export, with the artifacts of an uninterrupted run', async () => {
    const clean = await runUninterrupted();
    await expectRebuiltFromNode(rig, clean.result);
    await workers.stopAll();

    const survived = await runKilledMidExport();
    await expectRebuiltFromNode(rig, survived.result);
    const [a, b] = survived.workers as [ChildProcess, ChildProcess];
    // The premise, from the run's own history: A exported three partitions and died; B exported the
    // last one again and did everything after it, on a disk that never had A's partitions.
    const by = await completedBy(survived.handle);
    expect(by.get('exportPartition')?.filter((id) => id === identityOf(a))).toHaveLength(PARTITIONS - 1);
    expect(by.get('exportPartition')?.filter((id) => id === identityOf(b))).toHaveLength(1);
    for (const step of ['buildGenesis', 'verifyEvm', 'rehearseEvm', 'publishReport']) expect(by.get(step), step).toEqual([identityOf(b)]);
    expect(survived.result.artifactsDir.startsWith(join(work, 'killed-b'))).toBe(true);

    const expected = await publishedFiles(clean);
    const actual = await publishedFiles(survived);
    expect(Object.keys(expected)).toEqual(
      expect.arrayContaining([
        'exports/C/part-000.jsonl',
        'exports/C/part-003.jsonl',
        'genesis/C-genesis.json',
        'verify/samples.jsonl',
        'reports/regenesis.json',
      ]),
    );
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
    expect(actual).toEqual(expected);
  });
});
