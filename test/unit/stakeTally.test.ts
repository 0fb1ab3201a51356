import { describe, expect, it } from 'vitest';
import { StakeTally } from '../../src/launch/stakeTally.js';

describe('the stake tally', () => {
  const big = 2n ** 64n - 1n;
  const tally = new StakeTally([
    { nodeId: 'A', weight: big },
    { nodeId: 'B', weight: big },
    { nodeId: 'C', weight: big - 1n },
  ]);

  it('weighs exactly, far above 2^53', () => {
    expect(tally.total()).toBe(3n * big - 1n);
    expect(tally.signed(new Set(['A', 'C']))).toBe(2n * big - 1n);
  });

  it('reaches two thirds exactly at 3·signed ≥ 2·total, and not one unit below', () => {
    // A and B: 2·big ≥ 2/3 of 3·big − 1.
    expect(tally.reached(new Set(['A', 'B']))).toBe(true);
    // B and C: 2·big − 1, and 3·(2·big − 1) < 2·(3·big − 1).
    expect(tally.reached(new Set(['B', 'C']))).toBe(false);
  });

  it('gives a NodeID outside the set no weight and names who has not signed', () => {
    expect(tally.signed(new Set(['Z']))).toBe(0n);
    expect(tally.missing(new Set(['B']))).toEqual(['A', 'C']);
    expect(new StakeTally([]).reached(new Set())).toBe(false);
  });
});
