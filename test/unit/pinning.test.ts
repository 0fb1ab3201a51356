import { describe, expect, it } from 'vitest';
import { pinningMismatch, xChainMovedAfterEpoch } from '../../src/epoch/pinning.js';

describe('exports pinned to the epoch P-Chain height', () => {
  it('accepts exports that all reflect the epoch height', () => {
    expect(
      pinningMismatch(42, [
        { chain: 'P', pChainHeight: 42 },
        { chain: 'X', pChainHeight: 42 },
      ]),
    ).toBeUndefined();
    expect(pinningMismatch(0, [])).toBeUndefined();
  });

  it('refuses a mismatch, naming each export and its height', () => {
    expect(
      pinningMismatch(42, [
        { chain: 'P', pChainHeight: 43 },
        { chain: 'X', pChainHeight: 42 },
        { chain: 'Q', pChainHeight: null },
      ]),
    ).toBe("exports are not pinned to the epoch's P-Chain height 42: P at 43, Q at unknown");
  });

  it('refuses when the epoch itself has no height', () => {
    expect(pinningMismatch(null, [{ chain: 'P', pChainHeight: 1 }])).toMatch(/no P-Chain height/);
  });
});

describe('X-Chain at the epoch', () => {
  const head = (number: number, timestamp: number) => ({ number, timestamp });
  it('accepts a head that made its last block before the epoch sealed and stood still while read', () => {
    expect(xChainMovedAfterEpoch(1_000, { before: head(7, 990), after: head(7, 990) })).toBeUndefined();
  });
  it('refuses blocks after the freeze, or during the read', () => {
    expect(xChainMovedAfterEpoch(1_000, { before: head(7, 1_001), after: head(7, 1_001) })).toMatch(
      /head block 7 \(time 1001\) is after the epoch sealed \(freeze block time 1000\)/,
    );
    expect(xChainMovedAfterEpoch(1_000, { before: head(7, 990), after: head(8, 995) })).toMatch(/moved from block 7 to 8 while its UTXOs were read/);
  });
});
