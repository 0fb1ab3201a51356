import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FaultProxy } from '../rigs/faultProxy.js';
import { localLaunch, planFor } from '../helpers/plans.js';
import { toolPath } from '../../src/tools.js';
import type { RegenesisResult } from '../../workflows/messages.js';
import { approveAndRatify } from '../helpers/phases.js';
import { uniqueTaskQueue } from '../rigs/temporal.js';
import { localStaker, validatorKeys } from '../helpers/validators.js';
import { startDevnetFixture, type DevnetFixture } from '../rigs/devnetFixture.js';
import { WorkerProcesses } from '../rigs/workers.js';
import { regenesisWorkflow } from '../../workflows/index.js';

const TOKEN = 'rgn-test-token-5b1e0c9a7d3f42e8';
/**
 * Requests answered 502 with their headers quoted, by method and by how many of that method came
 * before: the freeze-block read (preflight's is the first) fails two activity attempts, so the
 * error reaches Temporal's retry records and the worker's log; export pages are waited out inside
 * the export. Preflight and verification are spared: there a bad reply fails the run by design.
 */
const ECHOED: Record<string, number[]> = { eth_getBlockByNumber: [2, 3], debug_accountRange: [3, 4] };

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

/** The forms a secret's bytes can take in text: hex with and without 0x, base64, and raw. */
function forms(secret: Buffer): string[] {
  const hex = secret.toString('hex');
  return [hex, `0x${hex}`, secret.toString('base64'), Buffer.from(hex).toString('base64'), secret.toString('latin1')];
}

/**
 * A whole regenesis (export through an authenticated RPC endpoint, approve, ratify, launch) and then
 * a search of everything it left readable — the workflow history as Temporal exports it, every
 * worker log line at debug level, every artifact — for the secrets the worker holds: the endpoint's
 * bearer token (from its environment) and the API key of the devnet node (from its credentials
 * file, which the worker reads and sends when it halts and starts nodes). The endpoint misbehaves
 * on purpose: some of its error replies quote the request's Authorization header, so the worker's
 * error handling, retries and logs all meet the token.
 */
describe('secrets stay out of histories, logs and artifacts', () => {
  let fx: DevnetFixture;
  let env: TestWorkflowEnvironment;
  let work: string;
  let proxy: FaultProxy;
  let workers: WorkerProcesses;
  let height: number;
  let apiKey: Buffer;
  let echoed = 0;
  const staker = localStaker(2);

  beforeAll(async () => {
    fx = await startDevnetFixture({ prefix: 'secrets', network: 'secretnet', fill: { accounts: 40, contracts: 3, slots: 60 } });
    ({ env, work, height } = fx);
    // The source node as an authenticated endpoint: without the bearer token it answers 401.
    proxy = new FaultProxy(fx.rpcUrl);
    await proxy.start();
    proxy.requiredAuthorization = `Bearer ${TOKEN}`;
    const seen = new Map<string, number>();
    proxy.rule = ({ methods: [method = ''] }) => {
      seen.set(method, (seen.get(method) ?? 0) + 1);
      if (!ECHOED[method]?.includes(seen.get(method)!)) return { kind: 'pass' };
      echoed += 1;
      return { kind: 'echo-headers', status: 502 };
    };
    apiKey = randomBytes(32);
    const credentialsFile = join(work, 'rpc-credentials.json');
    writeFileSync(credentialsFile, JSON.stringify({ [fx.rpcUrl]: { 'x-api-key': `0x${apiKey.toString('hex')}` } }), { mode: 0o600 });
    workers = new WorkerProcesses(work, {
      TEMPORAL_ADDRESS: env.address,
      REGENESIS_DEVNET_ROOT: fx.devnetRoot,
      REGENESIS_RPC_CREDENTIALS: JSON.stringify({ [proxy.url]: { authorization: `Bearer ${TOKEN}` } }),
      REGENESIS_RPC_CREDENTIALS_FILE: credentialsFile,
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
    const plan = planFor(
      {
        name: 'secrets',
        chains: { C: { rpcUrl: proxy.url, partitions: 2, pageSize: 16 } },
        target: { height },
        genesis: { chainId: 3135, startTime: { afterFreezeSeconds: 7200 } },
      },
      localLaunch('secretnet', validatorKeys(staker, 10)),
    );
    const handle = await env.client.workflow.start(regenesisWorkflow, { taskQueue, workflowId: taskQueue, args: [plan] });
    await approveAndRatify(handle, staker);
    const result = (await handle.result()) as RegenesisResult;
    if (result.status !== 'Completed') throw new Error(`rolled back in ${result.failedPhase}: ${result.reason}`);
    // The worker reached the endpoint with the token from its environment, and only that way, and
    // met error replies that quote it.
    expect(proxy.requests).toBeGreaterThan(10);
    expect(echoed).toBe(Object.values(ECHOED).flat().length);
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
    const artifacts = Buffer.concat(artifactFiles.map((f) => readFileSync(join(result.artifactsDir, f))));

    const secrets: Record<string, string[]> = {
      'RPC bearer token': [TOKEN, Buffer.from(TOKEN).toString('base64'), Buffer.from(TOKEN).toString('hex')],
      'API key from the credentials file': forms(apiKey),
    };
    for (const [where, content] of [
      ['history', history],
      ['worker logs', logs],
      ['artifacts', artifacts.toString('latin1')],
    ] as const) {
      const text = content.toLowerCase();
      for (const [what, shapes] of Object.entries(secrets)) {
        for (const shape of shapes) expect(text.includes(shape.toLowerCase()), `${what} in ${where}`).toBe(false);
      }
      expect(content, `a private key block in ${where}`).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
      expect(content, `an Authorization header value in ${where}`).not.toMatch(/Bearer [A-Za-z0-9._-]{8,}/);
    }

    // Artifacts are readable by the service's user and group only.
    for (const f of artifactFiles) {
      expect(statSync(join(result.artifactsDir, f)).mode & 0o007, f).toBe(0);
    }
  });
});
