import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeNextKey } from '../../src/chains/evm/gethExport.js';

// geth marshals the `next` key of debug_accountRange as base64 (a Go []byte).
describe('debug_accountRange "next" cursor', () => {
  it('decodes a base64 key that happens to start with "0x" as base64, not hex', () => {
    // 44 base64 characters with one pad encode 32 bytes; this one begins with the characters "0x".
    const key = Buffer.from(`0x${'Qk'.repeat(20)}Q=`, 'base64');
    expect(key.length).toBe(32);
    const next = key.toString('base64');
    expect(next.startsWith('0x')).toBe(true);
    expect(decodeNextKey(next, 7)).toBe(`0x${key.toString('hex')}`);
  });

  it('decodes random base64 keys and 0x-hex keys to the same 32 bytes', () => {
    for (let i = 0; i < 500; i++) {
      const key = randomBytes(32);
      const hex = `0x${key.toString('hex')}`;
      expect(decodeNextKey(key.toString('base64'), 1)).toBe(hex);
      expect(decodeNextKey(hex.toUpperCase().replace('0X', '0x'), 1)).toBe(hex);
    }
  });

  it('ends the range on an absent cursor and refuses one of the wrong size or type', () => {
    expect(decodeNextKey(undefined, 3)).toBeNull();
    expect(decodeNextKey('', 3)).toBeNull();
    expect(() => decodeNextKey(randomBytes(20).toString('base64'), 3)).toThrow(/block 3: "next" decodes to 20 bytes, expected 32/);
    expect(() => decodeNextKey(42, 3)).toThrow(/block 3: "next" is not a string/);
  });
});
