import { MockActivityEnvironment } from '@temporalio/testing';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { agentActivities } from '../../activities/agent.js';
import type { AgentConfig } from '../../src/agent/config.js';
import { readHaltApprovers } from '../../src/agent/haltApprovals.js';
import { approvers, approvalSignedFor } from '../helpers/approvers.js';

const VECTORS = new URL('../fixtures/vectors/avalanchego-v1.14.0/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'halt-approvals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** This host's list: two of alice, bob and oncall. */
const keysFile = join(dir, 'approvers.json');
writeFileSync(keysFile, JSON.stringify({ required: 2, approvers: approvers('alice', 'bob', 'oncall') }));

/** An agent with no node running: a halt that passes the approval gate fails next, as NodeNotRunning. */
function agent(approverKeysFile?: string): AgentConfig {
  mkdirSync(join(dir, 'data'), { recursive: true });
  return {
    nodeBinary: '/bin/echo',
    dataDir: join(dir, 'data'),
    stakingCertFile: join(VECTORS, 'staker2.crt'),
    stakingKeyFile: join(VECTORS, 'staker2.key'),
    signerKeyFile: join(VECTORS, 'signer2.key'),
    workDir: join(dir, 'work'),
    artifactsDir: join(dir, 'artifacts'),
    mode: 'process',
    temporalAddress: '127.0.0.1:7233',
    namespace: 'default',
    ...(approverKeysFile ? { approverKeysFile } : {}),
  };
}

const workflowId = 'regenesis-mainnet-2027';
const runKey = 'mainnet-2027-0123456789ab';
const genesisSha256 = 'ab'.repeat(32);
const signed = (name: 'alice' | 'bob' | 'oncall' | 'mallory', over = { workflowId, runKey, genesisSha256 }) => approvalSignedFor(name, over);

/** The agent's halt activity, as the workflow `workflowId` schedules it. */
function halt(config: AgentConfig, approvals: ReturnType<typeof signed>[], asWorkflow = workflowId) {
  const env = new MockActivityEnvironment({ workflowExecution: { workflowId: asWorkflow, runId: 'r' } });
  return env.run(() => agentActivities(config).agentHaltOldNode({ runKey, approvals }));
}

describe("a validator host's approval gate on halts (src/agent/haltApprovals.ts)", () => {
  it('halts only for a run that enough of its own approvers signed', async () => {
    const gated = agent(keysFile);
    const notApproved = { type: 'HaltNotApproved', nonRetryable: true };
    await expect(halt(gated, [])).rejects.toMatchObject({
      ...notApproved,
      message: expect.stringMatching(/approved by 2 of its approvers \(alice, bob, oncall\); .* carries 0 valid approvals/),
    });
    await expect(halt(gated, [signed('alice')])).rejects.toMatchObject({
      ...notApproved,
      message: expect.stringMatching(/carries 1 valid approval \(alice\)/),
    });
    // The same approver twice counts once; an approver this host does not list counts for nothing.
    await expect(halt(gated, [signed('alice'), signed('alice'), signed('mallory')])).rejects.toMatchObject(notApproved);
    // Signatures of another run, or asked for by another workflow, do not carry over.
    const otherRun = { workflowId, runKey: 'mainnet-2026-000000000000', genesisSha256 };
    await expect(halt(gated, [signed('alice', otherRun), signed('bob', otherRun)])).rejects.toMatchObject(notApproved);
    await expect(halt(gated, [signed('alice'), signed('bob')], 'someone-elses-workflow')).rejects.toMatchObject(notApproved);
    // Two of its approvers over this run: past the gate, to the node (none runs here).
    await expect(halt(gated, [signed('alice'), signed('bob')])).rejects.toMatchObject({ type: 'NodeNotRunning' });
  });

  it('without a list, halts as asked (an agent of a test network)', async () => {
    await expect(halt(agent(), [])).rejects.toMatchObject({ type: 'NodeNotRunning' });
  });

  it('refuses a list it cannot trust, naming the file and the field', () => {
    const bad = (name: string, content: unknown) => {
      const path = join(dir, name);
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
      return () => readHaltApprovers(path);
    };
    expect(bad('a.json', '{')).toThrow(/approver keys file .*a\.json: /);
    expect(bad('b.json', { required: 3, approvers: approvers('alice', 'bob') })).toThrow(/b\.json: required: 3 is more than the 2 approvers listed/);
    expect(bad('c.json', { required: 1, approvers: [{ name: 'x', publicKey: 'ed25519:00' }] })).toThrow(
      /c\.json: approvers\.0\.publicKey: a ed25519 public key is 32 bytes/,
    );
    expect(bad('d.json', { required: 1, approvers: [...approvers('alice'), ...approvers('alice')] })).toThrow(/d\.json: approvers: a name is listed twice/);
  });
});
