import { describe, expect, it } from 'vitest';
import { pinningMismatch } from '../../src/epoch/pinning.js';

describe('exports pinned to the epoch P-Chain height', () => {
  it('accepts exports that all reflect the epoch height', () => {
    expect(pinningMismatch(42, [{ chain: 'P', pChainHeight: 42 }, { chain: 'X', pChainHeight: 42 }])).toBeUndefined();
    expect(pinningMismatch(0, [])).toBeUndefined();
  });

  it('refuses a mismatch, naming each export and its height', () => {
    expect(pinningMismatch(42, [{ chain: 'P', pChainHeight: 43 }, { chain: 'X', pChainHeight: 42 }, { chain: 'Q', pChainHeight: null }])).toBe(
      "exports are not pinned to the epoch's P-Chain height 42: P at 43, Q at unknown",
    );
  });

  it('refuses when the epoch itself has no height', () => {
    expect(pinningMismatch(null, [{ chain: 'P', pChainHeight: 1 }])).toMatch(/no P-Chain height/);
  });
});
