import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regenesisWorkflow } from '../../workflows/index.js';
import type { RegenesisResult, RegenesisStatus } from '../../workflows/messages.js';
import { untilStatus } from '../helpers/phases.js';
import { expectRebuiltFromNode, startGethRig, type GethRig } from './gethRig.js';
import { startRpcGate, within, type RpcCall, type RpcGate } from './rpcGate.js';

/**
 * The export's page call, of the frozen block (preflight's probe asks for 'latest'): held at the
 * gate, it pins the run inside its export.
 */
function exportPage(call: RpcCall): boolean {
  return call.method === 'debug_accountRange' && call.params?.[0] !== 'latest';
}

/** How long the server stays away: long enough for the worker's polls to fail and back off. */
const SERVER_AWAY_MS = 5_000;

/** What a disrupted run gives back: its result, where it was when disrupted, and when it closed. */
interface DisruptedRun {
  result: RegenesisResult;
  seen: RegenesisStatus;
  disruptedAt: Date;
  closedAt?: Date;
}

let rig: GethRig;
let gate: RpcGate;

/** The export as the workflow shows it: entered, and some partition of C not done yet. */
function exporting(status: RegenesisStatus): boolean {
  const c = status.chains.C;
  return status.phase === 'export' && c !== undefined && c.partitionsDone < c.partitionsTotal;
}

/**
 * Runs the geth regenesis with its export's page calls held at the gate; once one is held and the
 * status query shows the export under way, `disrupt`s the cluster, then lets the export go on. The
 * result is awaited only after, so the test's own client never waits through the outage. The worker
 * runs throughout: had it given up while the server was away, runUntil would fail with its error.
 */
async function runDisrupted(name: string, disrupt: () => Promise<void>): Promise<DisruptedRun> {
  const taskQueue = `cluster-${name}-${process.pid}`;
  const worker = await rig.worker(taskQueue);
  gate.close(exportPage);
  const handle = await rig.client.workflow.start(regenesisWorkflow, {
    taskQueue,
    workflowId: `cluster-${name}-${Date.now()}`,
    args: [rig.plan(`cluster-${name}`, { rpcUrl: gate.url })],
  });
  return worker.runUntil(async () => {
    await within(gate.held(), 120_000, `${handle.workflowId} sent no export page call`);
    const seen = await untilStatus(handle, 'the export under way', exporting, 60_000);
    const disruptedAt = new Date();
    try {
      await disrupt();
    } finally {
      gate.open();
    }
    const result = (await handle.result()) as RegenesisResult;
    return { result, seen, disruptedAt, closedAt: (await handle.describe()).closeTime };
  });
}

/** The run was in its export when disrupted, closed after it, and still produced the node's state. */
async function expectCompletedAcross(run: DisruptedRun): Promise<void> {
  expect(run.seen.phase).toBe('export');
  expect(run.closedAt?.getTime()).toBeGreaterThan(run.disruptedAt.getTime());
  await expectRebuiltFromNode(rig, run.result);
}

describe('a geth regenesis through the cluster survives its Temporal server and its PostgreSQL restarting', () => {
  beforeAll(async () => {
    rig = await startGethRig('restarts');
    gate = await startRpcGate(rig.geth.rpcUrl);
  });

  afterAll(async () => {
    gate?.open();
    await gate?.stop();
    await rig?.close();
  });

  it('completes when the Temporal server is stopped mid-export and started again on the same PostgreSQL', async () => {
    const run = await runDisrupted('server-restart', async () => {
      await rig.cluster.stopServer();
      await sleep(SERVER_AWAY_MS);
      await rig.cluster.startServer();
    });
    await expectCompletedAcross(run);
  });

  it('completes when PostgreSQL is restarted (fast shutdown) mid-export under a running server', async () => {
    const run = await runDisrupted('postgres-restart', () => rig.cluster.restartPostgres());
    await expectCompletedAcross(run);
  });
});
