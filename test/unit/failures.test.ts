import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FAILURES, failure, isFailureType, NON_RETRYABLE, type FailureType } from '../../src/contract/failures.js';
import { agentPolicies, policies } from '../../activities/policies.js';
import { REPO_ROOT, repoFiles } from '../helpers/repoFiles.js';

describe('failure catalogue', () => {
  it('derives the non-retryable list from the catalogue, and every retry policy uses it', () => {
    const expected = (Object.keys(FAILURES) as FailureType[]).filter((t) => !FAILURES[t].retry);
    expect([...NON_RETRYABLE].sort()).toEqual(expected.sort());
    expect(NON_RETRYABLE).not.toContain('RpcTransport');
    for (const [name, policy] of Object.entries({ ...policies, ...agentPolicies })) {
      expect([...(policy.retry.nonRetryableErrorTypes ?? [])].sort(), name).toEqual([...NON_RETRYABLE].sort());
    }
  });

  it('builds failures whose retry flag and type come from the catalogue', () => {
    const stop = failure('InvalidPlan', 'plan.name: required', [{ field: 'plan.name' }]);
    expect(stop.type).toBe('InvalidPlan');
    expect(stop.nonRetryable).toBe(true);
    expect(stop.details).toEqual([[{ field: 'plan.name' }]]);
    const transient = failure('RpcTransport', 'connection reset');
    expect(transient.nonRetryable).toBe(false);
    expect(isFailureType('AgentMismatch')).toBe(true);
    expect(isFailureType('Error')).toBe(false);
    expect(isFailureType(undefined)).toBe(false);
  });

  it('gives every failure type an action for the operator', () => {
    for (const [type, entry] of Object.entries(FAILURES)) expect(entry.action.length, type).toBeGreaterThan(10);
  });

  it('is the only way shipped code throws a typed non-retryable failure', () => {
    // A bare ApplicationFailure.nonRetryable(msg, 'Type') would bypass the catalogue (and its retry decision).
    const files = repoFiles('src', 'activities', 'workflows').filter((f) => f.endsWith('.ts') && f !== 'src/contract/failures.ts');
    const bypasses = files.filter((f) => /ApplicationFailure\.nonRetryable\(/.test(readFileSync(resolve(REPO_ROOT, f), 'utf8')));
    expect(bypasses).toEqual([]);
  });
});
