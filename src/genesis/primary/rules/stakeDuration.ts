import type { GenesisIssue } from '../issues.js';
import type { NormalizedGenesisInput } from '../schema.js';

/**
 * Staker i's period ends i × offset before the first one's; upstream requires every period to
 * last, so the duration must be positive and cover the offsets of all stakers after the first.
 */
export function stakeDurationIssues(data: Pick<NormalizedGenesisInput, 'initialStakeDuration' | 'initialStakeDurationOffset' | 'validators'>): GenesisIssue[] {
  const issues: GenesisIssue[] = [];
  const field = 'input.initialStakeDuration';
  if (data.initialStakeDuration === 0) issues.push({ field, message: 'must be > 0' });
  const offsets = BigInt(data.initialStakeDurationOffset) * BigInt(Math.max(0, data.validators.length - 1));
  if (offsets > BigInt(data.initialStakeDuration)) {
    issues.push({ field, message: `must be at least initialStakeDurationOffset × (stakers − 1) = ${offsets}` });
  }
  return issues;
}
