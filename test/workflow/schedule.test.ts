import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startGethDev, type GethNode } from '../../src/nodes/geth.js';
import { fillChain } from '../../src/dev/fill.js';
import { createRegenesisSchedule, summarizeSchedule } from '../../src/schedule.js';
import { planFor } from '../helpers/plans.js';
import { searchAttributes, type RegenesisResult } from '../../workflows/messages.js';
import { createTestWorker, startTemporal, uniqueTaskQueue } from '../rigs/temporal.js';
import { approvers } from '../helpers/approvers.js';
import { untilPhase } from '../helpers/phases.js';

describe('annual regenesis schedule (real Temporal dev server, real geth)', () => {
  let env: TestWorkflowEnvironment;
  let geth: GethNode;
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'regenesis-schedule-'));
    [env, geth] = await Promise.all([startTemporal(), startGethDev({ dataDir: join(work, 'geth'), periodSeconds: 1 })]);
    await fillChain(geth.rpcUrl, { accounts: 40, contracts: 2, slots: 40 });
  });

  afterAll(async () => {
    await geth?.stop();
    await env?.teardown();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('creates a yearly schedule, triggers a proposal run that waits for approval, and deletes it', async () => {
    const taskQueue = uniqueTaskQueue('schedule');
    const worker = await createTestWorker(env, { taskQueue, artifactsDir: join(work, 'artifacts') });
    const plan = planFor({
      name: 'annual',
      network: 'devnet',
      chains: { C: { rpcUrl: geth.rpcUrl, partitions: 2 } },
      target: { epoch: 'current' },
      epoch: { durationSeconds: 2, pollSeconds: 1 },
      genesis: { chainId: 5151, startTime: { afterFreezeSeconds: 86_400 } },
      launch: { operator: { kind: 'manual' }, approvals: { required: 1, approvers: approvers('alice') } },
    });
    const fixedStart = { ...plan, genesis: { chainId: 5151, startTime: Math.floor(Date.now() / 1000) + 3600 } };
    await expect(createRegenesisSchedule(env.client, { scheduleId: 'bad', plan: fixedStart, taskQueue })).rejects.toThrow(/relative start time/);

    await createRegenesisSchedule(env.client, { scheduleId: 'annual-devnet', plan, taskQueue });
    const handle = env.client.schedule.getHandle('annual-devnet');
    const described = summarizeSchedule(await handle.describe());
    expect(described.every).toEqual(['31536000000']);
    expect(described.paused).toBe(false);
    // Intervals are aligned to the Unix epoch, so the first run falls somewhere in the coming year.
    const untilNext = new Date(described.nextActionTimes[0]!).getTime() - Date.now();
    expect(untilNext).toBeGreaterThan(0);
    expect(untilNext).toBeLessThanOrEqual(365 * 86_400_000);

    await worker.runUntil(async () => {
      await handle.trigger();
      let runId: string | undefined;
      for (let i = 0; i < 100 && !runId; i++) {
        runId = summarizeSchedule(await handle.describe()).recentRuns[0];
        if (!runId) await sleep(200);
      }
      expect(runId).toBeDefined();
      const run = env.client.workflow.getHandle(runId!);
      const status = await untilPhase(run, 'approve');
      expect(status.genesisSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(status.approvals?.required).toBe(1);
      const attrs = (await run.describe()).typedSearchAttributes;
      expect(attrs.get(searchAttributes.kind)).toBe('scheduled');
      expect(attrs.get(searchAttributes.network)).toBe('devnet');
      await handle.delete();
      await run.cancel();
      const result = (await run.result()) as RegenesisResult;
      expect(result.status).toBe('RolledBack');
    });
    await expect(handle.describe()).rejects.toThrow();
  });
});
