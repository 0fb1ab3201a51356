import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSyntheticGeth, type SyntheticGeth } from '../rigs/syntheticGeth.js';
import { planFor } from '../helpers/plans.js';
import { runPlan } from '../helpers/run.js';
import { createTestWorker, startTemporal, uniqueTaskQueue } from '../rigs/temporal.js';

/**
 * The artifact directory on a real small file system: a 1 MiB tmpfs that the export overflows, and
 * a read-only tmpfs. Each run must stop with the path and the reason, remove what it wrote and
 * leave no manifest. Mounting needs root (CI and this machine run as root); without it the test
 * fails with the mount error rather than pretending.
 */
describe('disk faults in the artifact directory', () => {
  let env: TestWorkflowEnvironment;
  let work: string;
  let geth: SyntheticGeth;
  const mounts: string[] = [];

  function mountTmpfs(name: string, options: string): string {
    const dir = join(work, name);
    mkdirSync(dir);
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
    mounts.push(dir);
    return dir;
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'regenesis-disk-'));
    [env, geth] = await Promise.all([startTemporal(), startSyntheticGeth({ dir: join(work, 'source'), accounts: 3_000 })]);
  });

  afterAll(async () => {
    for (const dir of mounts) execFileSync('umount', [dir]);
    await geth?.stop();
    await env?.teardown();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const plan = () =>
    planFor({
      name: 'disk',
      chains: { C: { rpcUrl: geth.node.rpcUrl, partitions: 2, pageSize: 64 } },
      target: { height: 0 },
      genesis: { chainId: 3136, startTime: { afterFreezeSeconds: 7200 } },
    });

  async function runOn(artifactsDir: string): Promise<{ worker: Worker; taskQueue: string }> {
    const taskQueue = uniqueTaskQueue('disk');
    return { worker: await createTestWorker(env, { taskQueue, artifactsDir }), taskQueue };
  }

  it('disk full: rolls back naming the device, and removes every file it wrote', async () => {
    const artifactsDir = mountTmpfs('full', 'size=1m,mode=0755');
    const { worker, taskQueue } = await runOn(artifactsDir);
    const result = await runPlan(env, worker, plan(), { taskQueue });
    expect(result.status).toBe('RolledBack');
    if (result.status !== 'RolledBack') return;
    expect(result.failedPhase).toBe('export');
    expect(result.reason).toMatch(/no space left on the device holding the artifacts \(ENOSPC on write/);
    expect(result.compensations).toContain('discard-artifacts');
    expect(readdirSync(artifactsDir)).toEqual([]);
  });

  it('read-only artifact directory: fails before writing anything, naming the path', async () => {
    const artifactsDir = mountTmpfs('readonly', 'ro,size=1m');
    const { worker, taskQueue } = await runOn(artifactsDir);
    const result = await runPlan(env, worker, plan(), { taskQueue });
    expect(result.status).toBe('RolledBack');
    if (result.status !== 'RolledBack') return;
    expect(result.reason).toMatch(/read-only file system \(EROFS on access .*readonly/);
    expect(existsSync(join(artifactsDir, result.runKey))).toBe(false);
  });
});
