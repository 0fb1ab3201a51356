import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CANARY_KEY_ENV, readCanaryKey } from '../../src/launch/transferCheck.js';

describe('the canary key of the post-launch transfer check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'canary-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('is read from the file the environment names, with or without 0x', async () => {
    const key = 'ab'.repeat(32);
    await expect(readCanaryKey({ [CANARY_KEY_ENV]: file('plain.key', `${key}\n`) })).resolves.toBe(`0x${key}`);
    await expect(readCanaryKey({ [CANARY_KEY_ENV]: file('prefixed.key', `0x${key}`) })).resolves.toBe(`0x${key}`);
  });

  it('names the variable and the reason when it is missing or malformed, never the bytes', async () => {
    await expect(readCanaryKey({})).rejects.toThrow(
      /REGENESIS_CANARY_KEY_FILE is not set: the post-launch transfer check needs a key funded in the new genesis/,
    );
    await expect(readCanaryKey({ [CANARY_KEY_ENV]: join(dir, 'absent.key') })).rejects.toThrow(/absent\.key: cannot read it \(ENOENT\)/);
    const secretish = `${'cd'.repeat(31)}zz`;
    const refused = await readCanaryKey({ [CANARY_KEY_ENV]: file('bad.key', secretish) }).catch((err: Error) => err.message);
    expect(refused).toMatch(/bad\.key: not a 32-byte hex secp256k1 key$/);
    expect(refused).not.toContain(secretish);
  });
});
