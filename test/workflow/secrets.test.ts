import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FaultProxy } from '../rigs/faultProxy.js';
import type { PlanInput } from '../../src/plan/index.js';
import { bytesToHex } from '../../src/state/hex.js';
import { toolPath } from '../../src/tools.js';
import type { RegenesisResult } from '../../workflows/messages.js';
import { approveAndRatify } from '../helpers/phases.js';
import { uniqueTaskQueue } from '../helpers/temporal.js';
import { localStaker } from '../helpers/validators.js';
import { startDevnetFixture, type DevnetFixture } from '../helpers/devnetFixture.js';
import { WorkerProcesses } from '../helpers/workers.js';
import { regenesisWorkflow } from '../../workflows/index.js';
import { approvers } from '../helpers/approvers.js';

const VECTORS = new URL('../fixtures/vectors/avalanchego-v1.14.0/', import.meta.url);
const TOKEN = 'rgn-test-token-5b1e0c9a7d3f42e8';

/** The decoded `data` of every payload (and metadata value) in an exported history. */
function decodedPayloads(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) decodedPayloads(v, out);
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'data' && typeof v === 'string') out.push(Buffer.from(v, 'base64').toString('utf8'));
      else if (key === 'metadata' && v && typeof v === 'object') {
        for (const m of Object.values(v)) if (typeof m === 'string') out.push(Buffer.from(m, 'base64').toString('utf8'));
      } else decodedPayloads(v, out);
    }
  }
  return out;
}

/**
 * A whole regenesis (export through an authenticated RPC endpoint, approve, ratify with a BLS key,
 * launch) and then a search of everything it left readable — the workflow history as Temporal
 * exports it, every worker log line at debug level, every artifact — for the endpoint's bearer
 * token and the validator's BLS secret key. None may appear.
 */
describe('secrets stay out of histories, logs and artifacts', () => {
  let fx: DevnetFixture;
  let env: TestWorkflowEnvironment;
  let work: string;
  let proxy: FaultProxy;
  let workers: WorkerProcesses;
  let height: number;
  const staker = localStaker(2);

  beforeAll(async () => {
    fx = await startDevnetFixture({ prefix: 'secrets', network: 'secretnet', fill: { accounts: 40, contracts: 3, slots: 60 } });
    ({ env, work, height } = fx);
    // The source node as an authenticated endpoint: without the bearer token it answers 401.
    proxy = new FaultProxy(fx.rpcUrl);
    await proxy.start();
    proxy.requiredAuthorization = `Bearer ${TOKEN}`;
    workers = new WorkerProcesses(work, {
      TEMPORAL_ADDRESS: env.address,
      REGENESIS_DEVNET_ROOT: fx.devnetRoot,
      REGENESIS_RPC_CREDENTIALS: JSON.stringify({ [proxy.url]: { authorization: `Bearer ${TOKEN}` } }),
      LOG_LEVEL: 'debug',
      TEMPORAL_LOG_LEVEL: 'debug',
    });
    workers.prepare();
  });

  afterAll(async () => {
    await workers?.stopAll();
    await proxy?.stop();
    await fx?.teardown();
  });

  it('finds no token or key material after a full run', async () => {
    const unauthenticated = await fetch(proxy.url, { method: 'POST', body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}' });
    expect(unauthenticated.status).toBe(401);
    const refusedBefore = proxy.unauthorized;

    const taskQueue = uniqueTaskQueue('secrets');
    const artifactsDir = join(work, 'artifacts');
    workers.start({ taskQueue, artifactsDir });
    const plan: PlanInput = {
      name: 'secrets',
      chains: { C: { rpcUrl: proxy.url, partitions: 2, pageSize: 16 } },
      target: { height },
      genesis: { chainId: 3135, startTime: { afterFreezeSeconds: 7200 } },
      launch: {
        operator: { kind: 'local', network: 'secretnet' },
        approvals: { required: 1, approvers: approvers('alice') },
        validators: [{ nodeId: staker.nodeId, blsPublicKey: staker.blsPublicKey, proofOfPossession: staker.proofOfPossession, weight: 10 }],
      },
    };
    const handle = await env.client.workflow.start(regenesisWorkflow, { taskQueue, workflowId: taskQueue, args: [plan] });
    await approveAndRatify(handle, staker);
    const result = (await handle.result()) as RegenesisResult;
    if (result.status !== 'Completed') throw new Error(`rolled back in ${result.failedPhase}: ${result.reason}`);
    // The worker reached the endpoint with the token from its environment, and only that way.
    expect(proxy.requests).toBeGreaterThan(10);
    expect(proxy.unauthorized).toBe(refusedBefore);

    const shown = spawnSync(toolPath('temporal'), ['workflow', 'show', '--workflow-id', taskQueue, '--address', env.address, '--output', 'json'], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    expect(shown.status, shown.stderr).toBe(0);
    // Payloads are base64 in the exported JSON: decode every one, so the scan reads what they hold.
    const history = `${shown.stdout}\n${decodedPayloads(JSON.parse(shown.stdout)).join('\n')}`;
    expect(history).toContain(proxy.url); // the endpoint itself is not a secret and is there
    const logs = workers.logPaths.map((p) => readFileSync(p, 'utf8')).join('\n');
    expect(logs.split('\n').length).toBeGreaterThan(5);
    const artifactFiles = readdirSync(result.artifactsDir, { recursive: true })
      .map(String)
      .filter((f) => statSync(join(result.artifactsDir, f)).isFile());
    const artifacts = artifactFiles.map((f) => readFileSync(join(result.artifactsDir, f), 'utf8')).join('\n');

    const blsSecret = new Uint8Array(readFileSync(new URL('signer2.key', VECTORS)));
    const secrets: Record<string, string[]> = {
      'RPC bearer token': [TOKEN, Buffer.from(TOKEN).toString('base64')],
      'BLS secret key': [bytesToHex(blsSecret).slice(2), Buffer.from(blsSecret).toString('base64')],
    };
    for (const [where, text] of [['history', history], ['worker logs', logs], ['artifacts', artifacts]] as const) {
      for (const [what, forms] of Object.entries(secrets)) {
        for (const form of forms) expect(text.toLowerCase().includes(form.toLowerCase()), `${what} in ${where}`).toBe(false);
      }
      expect(text, `a private key block in ${where}`).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
      expect(text, `an Authorization header value in ${where}`).not.toMatch(/Bearer [A-Za-z0-9._-]{8,}/);
    }

    // Artifacts are readable by the service's user and group only.
    for (const f of artifactFiles) {
      expect(statSync(join(result.artifactsDir, f)).mode & 0o007, f).toBe(0);
    }
  });
});
