import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { Approval } from '../../src/contract/run.js';
import { signedApproval } from '../../src/dev/approver.js';
import { approvalMessage, approverPublicKey, signApproval } from '../../src/keys/approverKey.js';

/** Test approvers and their secret keys (test-only keys, both curves): the tests play the humans who approve. */
const SECRETS = {
  alice: `ed25519:${'a1'.repeat(32)}`,
  bob: `secp256k1:${'b2'.repeat(32)}`,
  oncall: `ed25519:${'c3'.repeat(32)}`,
  'operator-1': `ed25519:${'d4'.repeat(32)}`,
  mallory: `ed25519:${'e5'.repeat(32)}`,
} as const;

export type TestApprover = keyof typeof SECRETS;

/** The plan's `launch.approvals.approvers` for these names. */
export function approvers(...names: TestApprover[]): Array<{ name: string; publicKey: string }> {
  return names.map((name) => ({ name, publicKey: approverPublicKey(SECRETS[name]) }));
}

/** A signed approval of the run's current genesis (or `genesisSha256`) by `name`; `signedBy` forges it with another's key. */
export function approval(handle: WorkflowHandle, name: TestApprover, genesisSha256?: string, signedBy: TestApprover = name): Promise<Approval> {
  return signedApproval(handle, name, SECRETS[signedBy], genesisSha256);
}

/** Writes `name`'s secret key where the CLI's --key-file reads it. */
export function approverKeyFile(dir: string, name: TestApprover): string {
  const file = join(dir, `${name}.approver.key`);
  writeFileSync(file, `${SECRETS[name]}\n`, { mode: 0o600 });
  return file;
}

/** `name`'s signature over another run's or another genesis's approval message: what a replayed approval carries. */
export function approvalSignedFor(name: TestApprover, signed: { workflowId: string; runKey: string; genesisSha256: string }): Approval {
  return { approver: name, genesisSha256: signed.genesisSha256, signature: signApproval(SECRETS[name], approvalMessage(signed)) };
}
