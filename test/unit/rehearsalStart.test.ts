import { describe, expect, it } from 'vitest';
import { rehearsalStartTimeoutMs } from '../../src/rehearsal/primary.js';

describe('rehearsal start timeout', () => {
  it('keeps two minutes for a small genesis and grows with the genesis a node must build first', () => {
    expect(rehearsalStartTimeoutMs(50_000)).toBe(125_000);
    // A million accounts: one node alone built this 74 MB genesis in 102 s (bench nodestart); the
    // rehearsal node runs beside the old network's nodes, so it gets several times that.
    expect(rehearsalStartTimeoutMs(74_004_258)).toBeGreaterThanOrEqual(4 * 102_000);
    expect(rehearsalStartTimeoutMs(740_000_000)).toBeGreaterThan(5 * rehearsalStartTimeoutMs(74_004_258));
  });
});
