import { describe, expect, it } from 'vitest';
import { approvalMessage, approverPublicKey, newApproverSecret, parseApproverKey, signApproval, verifyApproval } from '../../src/keys/approverKey.js';
import { approverKeysIssue, parsePlan } from '../../src/plan/index.js';
import { planFor } from '../helpers/plans.js';

const run = { workflowId: 'regenesis-annual-1', runKey: 'annual-0123456789ab', genesisSha256: 'ab'.repeat(32) };

function plan(approvals: unknown) {
  return parsePlan(planFor({ name: 'p', launch: { operator: { kind: 'manual' }, approvals } }), 0);
}

describe('signed approvals', () => {
  for (const scheme of ['ed25519', 'secp256k1'] as const) {
    it(`${scheme}: an approval verifies for its run and genesis only`, () => {
      const secret = newApproverSecret(scheme);
      const publicKey = approverPublicKey(secret);
      expect(publicKey.startsWith(`${scheme}:`)).toBe(true);
      const signature = signApproval(secret, approvalMessage(run));
      expect(verifyApproval(publicKey, approvalMessage(run), signature)).toBe(true);
      // Replayed on another run, another run key or another genesis: refused.
      expect(verifyApproval(publicKey, approvalMessage({ ...run, workflowId: 'regenesis-annual-2' }), signature)).toBe(false);
      expect(verifyApproval(publicKey, approvalMessage({ ...run, runKey: 'annual-ffffffffffff' }), signature)).toBe(false);
      expect(verifyApproval(publicKey, approvalMessage({ ...run, genesisSha256: 'cd'.repeat(32) }), signature)).toBe(false);
      // Another approver's key does not pass for this one.
      expect(verifyApproval(approverPublicKey(newApproverSecret(scheme)), approvalMessage(run), signature)).toBe(false);
      expect(verifyApproval(publicKey, approvalMessage(run), '0x1234')).toBe(false);
    });
  }

  it('names the setting and the reason for a malformed key', () => {
    expect(() => parseApproverKey('rsa:00', '--key-file k', 'secret')).toThrow('--key-file k: must be "ed25519:<hex>" or "secp256k1:<hex>"');
    expect(() => parseApproverKey(`ed25519:${'11'.repeat(31)}`, '--key-file k', 'secret')).toThrow(
      '--key-file k: a ed25519 secret key is 32 bytes, this one is 31',
    );
    expect(() => parseApproverKey(`secp256k1:02${'00'.repeat(32)}`, 'publicKey', 'public')).toThrow('publicKey: not a point on secp256k1');
  });

  it('refuses a launch whose approvers carry no keys, naming the field', () => {
    const key = approverPublicKey(newApproverSecret('ed25519'));
    expect(approverKeysIssue(plan({ required: 1 }))).toMatch(/^plan\.launch\.approvals\.approvers: a launch needs its approvers with their public keys/);
    expect(approverKeysIssue(plan({ required: 1, approvers: ['alice'] }))).toMatch(/^plan\.launch\.approvals\.approvers\.0: alice has no public key/);
    expect(approverKeysIssue(plan({ required: 2, approvers: [{ name: 'alice', publicKey: key }] }))).toMatch(
      /1 approvers cannot give the 2 approvals required/,
    );
    expect(
      approverKeysIssue(
        plan({
          required: 1,
          approvers: [
            { name: 'alice', publicKey: key },
            { name: 'bob', publicKey: key },
          ],
        }),
      ),
    ).toMatch(/share a public key/);
    expect(approverKeysIssue(plan({ required: 1, approvers: [{ name: 'alice', publicKey: key }] }))).toBeUndefined();
    expect(() => plan({ required: 1, approvers: [{ name: 'alice', publicKey: 'ed25519:00' }] })).toThrow(/plan\.launch\.approvals\.approvers\.0/);
  });
});
