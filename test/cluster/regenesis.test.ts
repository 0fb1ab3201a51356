import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regenesisWorkflow } from '../../workflows/index.js';
import type { RegenesisResult } from '../../workflows/messages.js';
import { expectRebuiltFromNode, startGethRig, type GethRig } from './gethRig.js';

describe('a whole regenesis of a geth chain through the cluster (Temporal on PostgreSQL, mTLS)', () => {
  let rig: GethRig;

  beforeAll(async () => {
    rig = await startGethRig('geth');
  });

  afterAll(async () => {
    await rig?.close();
  });

  it('freezes at the epoch, rebuilds the same state root, rehearses it and publishes the manifest', async () => {
    const taskQueue = `cluster-geth-${process.pid}`;
    const workflowId = `cluster-geth-${Date.now()}`;
    const worker = await rig.worker(taskQueue);
    const result = (await worker.runUntil(
      rig.client.workflow.execute(regenesisWorkflow, { taskQueue, workflowId, args: [rig.plan('cluster-geth')] }),
    )) as RegenesisResult;
    await expectRebuiltFromNode(rig, result);

    // The run is recorded in PostgreSQL and listed by SQL visibility (written a moment after it closes).
    expect(await listedStatus(rig.client, workflowId)).toBe('COMPLETED');
  });
});

/** The run's status as the visibility store lists it, waiting up to 20 s for its close to be indexed. */
async function listedStatus(client: Client, workflowId: string): Promise<string | undefined> {
  let status: string | undefined;
  for (let i = 0; i < 40 && status !== 'COMPLETED'; i++) {
    for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) status = run.status.name;
    if (status !== 'COMPLETED') await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return status;
}
