import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { PlanInput } from '../../src/plan/index.js';
import type { RegenesisResult } from '../../workflows/messages.js';
import { regenesisWorkflow } from '../../workflows/index.js';

/** Starts a regenesis run on the test server and waits for its result while `worker` runs. */
export async function runPlan(
  env: TestWorkflowEnvironment,
  worker: Worker,
  plan: PlanInput | Record<string, unknown>,
  options: { taskQueue: string; workflowId?: string },
): Promise<RegenesisResult> {
  const workflowId = options.workflowId ?? `test-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  return worker.runUntil(
    env.client.workflow.execute(regenesisWorkflow, { taskQueue: options.taskQueue, workflowId, args: [plan] }),
  ) as Promise<RegenesisResult>;
}

export function sha256OfFile(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Every file of a completed run's manifest must exist with the sha256 the manifest claims. */
export function checkManifest(artifactsDir: string): { files: number } {
  const manifest = JSON.parse(readFileSync(join(artifactsDir, 'manifest.json'), 'utf8')) as {
    files: Array<{ path: string; sha256: string; bytes: number }>;
  };
  for (const f of manifest.files) {
    const actual = sha256OfFile(join(artifactsDir, f.path));
    if (actual !== f.sha256) throw new Error(`${f.path}: manifest says ${f.sha256}, file has ${actual}`);
  }
  return { files: manifest.files.length };
}

/** Artifact path → sha256, from a completed run's manifest. */
export function artifactHashes(artifactsDir: string): Record<string, string> {
  const manifest = JSON.parse(readFileSync(join(artifactsDir, 'manifest.json'), 'utf8')) as { files: Array<{ path: string; sha256: string }> };
  return Object.fromEntries(manifest.files.map((f) => [f.path, f.sha256]));
}

export function inOneDay(): number {
  return Math.floor(Date.now() / 1000) + 24 * 3600;
}

/** All messages down a failure's cause chain (workflow failure → activity failure → application failure). */
export function failureMessages(err: unknown): string {
  const out: string[] = [];
  let e: unknown = err;
  while (e instanceof Error) {
    out.push(e.message);
    e = e.cause;
  }
  return out.join(' <- ');
}

/** Awaits a promise that must reject, and checks the whole cause chain against `pattern`. */
export async function expectRejection(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const outcome = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (outcome === undefined) throw new Error(`expected a rejection matching ${pattern}, but it resolved`);
  const messages = failureMessages(outcome);
  if (!pattern.test(messages)) throw new Error(`rejection "${messages}" does not match ${pattern}`);
}
