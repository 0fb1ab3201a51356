import { keccak_256 } from '@noble/hashes/sha3.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountRecord } from '../../src/state/account.js';
import { AccountBytes, accountFromRecord } from '../../src/state/accountBytes.js';
import { parseAccountLine, parseAllocLine } from '../../src/state/accountLine.js';
import { GenesisAllocRoot } from '../../src/genesis/allocRoot.js';
import { allocEntry } from '../../src/genesis/gethGenesisWriter.js';
import type { Hex } from '../../src/state/hex.js';
import { accountLine } from '../../src/state/jsonl.js';
import { EMPTY_CODE_HASH, keccakReady } from '../../src/state/keccak.js';
import { readAccountBytes } from '../../src/state/readAccountBytes.js';
import { computeStateRoot, stateRootOfFiles, storageRoot } from '../../src/state/stateRoot.js';

// Keys and code hashes come from @noble/hashes; expected roots from computeStateRoot over the
// records (JSON objects, the other path), which test/unit/stackTrie.test.ts holds to @ethereumjs/mpt.

const hex = (b: Uint8Array): Hex => `0x${Buffer.from(b).toString('hex')}`;

function rng(seed: number) {
  let x = seed | 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  return {
    int: (n: number) => next() % n,
    bytes: (n: number) => Uint8Array.from({ length: n }, () => next() & 0xff),
  };
}

function records(count: number, seed: number): AccountRecord[] {
  const r = rng(seed);
  const out: AccountRecord[] = [];
  for (let i = 0; i < count; i++) {
    const address = r.bytes(20);
    const record: AccountRecord = {
      key: hex(keccak_256(address)),
      address: hex(address),
      balance: `0x${(BigInt(r.int(1 << 30)) * BigInt(r.int(1 << 30)) + 1n).toString(16)}`,
      nonce: `0x${r.int(3000).toString(16)}`,
      codeHash: EMPTY_CODE_HASH,
    };
    if (i % 5 === 0) {
      // One line longer than a 64 KiB read (its code alone is 80,000 hex digits).
      const code = r.bytes(i === 15 ? 40_000 : 1 + r.int(2000));
      record.code = hex(code);
      record.codeHash = hex(keccak_256(code));
      const storage: Record<Hex, Hex> = {};
      for (let j = 0, n = 1 + r.int(60); j < n; j++) {
        const value = r.bytes(1 + r.int(32));
        value[0] = value[0]! | 1;
        storage[`0x${Buffer.from(r.bytes(32)).toString('hex')}`] = `0x${Buffer.from(value).toString('hex').padStart(64, '0')}`;
      }
      record.storage = storage;
      if (i % 10 === 0) record.storageRoot = storageRoot(storage);
    }
    out.push(record);
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** Every field of the decoded account, as hex (storage as sorted slot=value), for comparing two decodings. */
function fields(a: AccountBytes): Record<string, string | boolean | null | string[]> {
  const storage: string[] = [];
  for (let i = 0; i < a.slotCount; i++) storage.push(`${hex(a.slots.subarray(32 * i, 32 * i + 32))}=${hex(a.values.subarray(32 * i, 32 * i + 32))}`);
  return {
    key: hex(a.key),
    address: hex(a.address),
    nonce: hex(a.nonce.subarray(32 - a.nonceLength)),
    balance: hex(a.balance.subarray(32 - a.balanceLength)),
    codeHash: hex(a.codeHash),
    code: a.code && hex(a.code),
    storage: storage.sort(),
    storageRoot: a.hasStorageRoot && hex(a.storageRoot),
  };
}

let dir: string;
beforeAll(async () => {
  await keccakReady();
  dir = mkdtempSync(join(tmpdir(), 'account-line-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('parseAccountLine', () => {
  it('decodes the lines accountLine writes to the same bytes as the record', () => {
    const fromLine = new AccountBytes();
    const fromRecord = new AccountBytes();
    for (const record of records(200, 1)) {
      const line = Buffer.from(accountLine(record));
      expect(parseAccountLine(line, 0, line.length - 1, fromLine), record.address).toBe(true);
      accountFromRecord(record, fromRecord);
      expect(fields(fromLine)).toEqual(fields(fromRecord));
    }
  });

  it('declines every other form, leaving the line to JSON.parse', () => {
    const [record] = records(1, 2);
    const other = (line: string) => {
      const bytes = Buffer.from(line);
      return parseAccountLine(bytes, 0, bytes.length, new AccountBytes());
    };
    const line = accountLine(record!).trimEnd();
    expect(other(line)).toBe(true);
    expect(other(JSON.stringify(record, null, 1).replace(/\n/g, ''))).toBe(false); // spacing
    expect(other(JSON.stringify({ address: record!.address, ...record }))).toBe(false); // order
    expect(other(line.replace('"balance":"0x', '"balance":"0xg'))).toBe(false); // not hex
    expect(other(line.replace(/"key":"0x../, '"key":"0x'))).toBe(false); // short
    expect(other(line.replace(/"nonce":"0x[0-9a-f]*"/, `"nonce":"0x1${'0'.repeat(16)}"`))).toBe(false); // over 8 bytes
    expect(other(`${line} `)).toBe(false); // trailing bytes
    expect(other(line.slice(0, -1))).toBe(false); // cut short
  });
});

describe('readAccountBytes and stateRootOfFiles', () => {
  it('gives the root of the records, across 64 KiB chunks, CRLF and a last line without a newline', async () => {
    const all = records(400, 3);
    const expected = await computeStateRoot(all);
    const lines = all.map(accountLine);
    expect(lines.join('').length).toBeGreaterThan(3 * 65536);
    const half = lines.length >> 1;
    const a = file('a.jsonl', lines.slice(0, half).join(''));
    const b = file('b.jsonl', `${lines.slice(half).join('').replace(/\n/g, '\r\n').slice(0, -2)}`);
    expect(await stateRootOfFiles([a, b])).toEqual({ stateRoot: expected, accounts: all.length });
  });

  it('takes lines in other forms through JSON.parse, with the same root', async () => {
    // Nonce first, balance in upper case, spaces after the colons.
    const reordered = (r: AccountRecord) => ({
      nonce: r.nonce,
      balance: r.balance.toUpperCase().replace('0X', '0x'),
      key: r.key,
      address: r.address,
      codeHash: r.codeHash,
      code: r.code,
      storage: r.storage,
      storageRoot: r.storageRoot,
    });
    const all = records(60, 4);
    const expected = await computeStateRoot(all);
    // Every third line reordered and spaced, one with upper-case hex; empty lines and a lone \r break.
    const text = all
      .map((r, i) => (i % 3 === 0 ? `${JSON.stringify(reordered(r), null, 1).replace(/\n/g, '')}\n` : accountLine(r)))
      .join('\n')
      .replace('\n\n', '\r');
    let seen = 0;
    await readAccountBytes([file('mixed.jsonl', text)], () => seen++);
    expect(seen).toBe(all.length);
    expect((await stateRootOfFiles([file('mixed2.jsonl', text)])).stateRoot).toBe(expected);
  });

  it('names the file and line of a malformed line, on either path', async () => {
    const [r1, r2, r3] = records(3, 5);
    const good = `${accountLine(r1!)}\n`;
    const cases: Array<[string, RegExp]> = [
      [`${good}{"key":\n`, /bad1\.jsonl:3: not a JSON account record/],
      [`${good}null\n`, /bad2\.jsonl:3: not a JSON account record \(not an object\)/],
      [
        `${good}${accountLine({ ...r2!, balance: '0x12g4' as Hex })}`,
        new RegExp(`bad3\\.jsonl:3: account ${r2!.address}: balance 0x12g4 is not a hex quantity`),
      ],
      [`${good}${accountLine({ ...r2!, key: r3!.key })}`, new RegExp(`bad4\\.jsonl:3: account ${r2!.address}: key ${r3!.key} is not keccak256\\(address\\)`)],
      [`${accountLine(r2!)}${accountLine(r1!)}`, new RegExp(`bad5\\.jsonl:2: account ${r1!.address}: key .* is not after the previous key`)],
      [
        `${good}${accountLine({ ...r2!, storage: { [`0x${'00'.repeat(31)}07` as Hex]: `0x${'00'.repeat(32)}` as Hex } })}`,
        /bad6\.jsonl:3: storage slot 0x0{62}07 of account .* has a zero value/,
      ],
    ];
    for (const [i, [text, message]] of cases.entries()) {
      await expect(stateRootOfFiles([file(`bad${i + 1}.jsonl`, text)]), `case ${i + 1}`).rejects.toThrow(message);
    }
  });
});

/** A geth genesis as the run's writer lays it out: header line, one allocEntry per line, `}}`. */
function genesisText(all: readonly AccountRecord[], entry: (r: AccountRecord) => string = allocEntry): string {
  return `{"config":{"chainId":43114},"nonce":"0x0","alloc":{\n${all.map(entry).join(',\n')}\n}}\n`;
}

/** The alloc root of `text` fed to GenesisAllocRoot in pieces of `piece` characters. */
async function allocRootOf(text: string, piece: number): Promise<{ stateRoot: Hex; accounts: number }> {
  const root = await GenesisAllocRoot.create('coreth', 'test genesis');
  for (let i = 0; i < text.length; i += piece) root.write(text.slice(i, i + piece));
  return root.end();
}

describe('parseAllocLine', () => {
  it('decodes the entries allocEntry writes to the record bytes, with or without the separator', () => {
    const fromLine = new AccountBytes();
    const fromRecord = new AccountBytes();
    for (const record of records(200, 6)) {
      for (const line of [Buffer.from(allocEntry(record)), Buffer.from(`${allocEntry(record)},`)]) {
        expect(parseAllocLine(line, 0, line.length, fromLine), record.address).toBe(true);
        accountFromRecord(record, fromRecord);
        // An alloc entry names no key, code hash or storage root: the reader derives the first two.
        const { key: _k, codeHash: _c, storageRoot: _s, ...decoded } = fields(fromLine);
        const { key: _k2, codeHash: _c2, storageRoot: _s2, ...expected } = fields(fromRecord);
        expect(decoded).toEqual(expected);
      }
    }
  });

  it('declines every other form, leaving the entry to JSON.parse', () => {
    const [record] = records(1, 7);
    const other = (line: string) => {
      const bytes = Buffer.from(line);
      return parseAllocLine(bytes, 0, bytes.length, new AccountBytes());
    };
    const line = allocEntry(record!);
    expect(other(line)).toBe(true);
    expect(other(line.replace('":{"balance"', '": {"balance"'))).toBe(false); // spacing
    expect(other(line.replace(/"balance":("0x[0-9a-f]*"),"nonce":("0x[0-9a-f]*")/, '"nonce":$2,"balance":$1'))).toBe(false); // order
    expect(other(`"${record!.address}":{"nonce":"0x1"}`)).toBe(false); // no balance
    expect(other(line.replace('"balance":"0x', '"balance":"0xg'))).toBe(false); // not hex
    expect(other(line.slice(0, -1))).toBe(false); // cut short
    expect(other(`${line},,`)).toBe(false); // trailing bytes
  });
});

describe('GenesisAllocRoot', () => {
  it('gives the coreth root of the records, for pieces cut anywhere, with entries in other forms through JSON.parse', async () => {
    const all = records(300, 8);
    const expected = await computeStateRoot(all, 'coreth');
    // Every fourth entry spaced out and with its fields reordered: the JSON path.
    const mixed = genesisText(all, (r) =>
      all.indexOf(r) % 4 === 0
        ? `${JSON.stringify(r.address)}: ${JSON.stringify({ nonce: r.nonce, balance: r.balance, code: r.code, storage: r.storage })}`
        : allocEntry(r),
    );
    for (const piece of [1 << 16, 997, 7]) {
      expect(await allocRootOf(genesisText(all), piece), `piece ${piece}`).toEqual({ stateRoot: expected, accounts: all.length });
      expect(await allocRootOf(mixed, piece), `mixed, piece ${piece}`).toEqual({ stateRoot: expected, accounts: all.length });
    }
  });

  it('takes storage out of order, or a slot written twice, as JSON does (the last value counts), not as the bytes read', async () => {
    const all = records(40, 11);
    const c = all.find((r) => Object.keys(r.storage ?? {}).length >= 2)!;
    const [first, second] = Object.keys(c.storage!) as Hex[];
    // The entry names its first slot twice, first with another value, and lists the slots reversed.
    const reversed = Object.entries(c.storage!).reverse();
    const storageText = `{${JSON.stringify(first)}:"0x05",${reversed.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
    const odd = allocEntry(c).replace(/"storage":\{[^}]*\}/, `"storage":${storageText}`);
    expect(odd).toContain(`${JSON.stringify(second)}:`);
    const text = genesisText(all).replace(allocEntry(c), odd);
    expect(text).not.toBe(genesisText(all));
    expect((await allocRootOf(text, 1 << 16)).stateRoot).toBe(await computeStateRoot(all, 'coreth'));
  });

  it('refuses accounts out of key order, a second header, a cut-off file, and text after the alloc, naming the line', async () => {
    const all = records(6, 10);
    const swapped = [all[0]!, all[2]!, all[1]!, ...all.slice(3)];
    await expect(allocRootOf(genesisText(swapped), 1 << 16)).rejects.toThrow(/is not after the previous key/);
    await expect(allocRootOf(`\n${genesisText(all)}`, 1 << 16)).rejects.toThrow(/line 1 is not a genesis header/);
    await expect(allocRootOf(genesisText(all).replace('\n}}\n', '\n'), 1 << 16)).rejects.toThrow(/ends before its alloc is closed/);
    await expect(allocRootOf(`${genesisText(all)}{}\n`, 1 << 16)).rejects.toThrow(/has text after its alloc/);
    await expect(allocRootOf(genesisText(all).replace(allocEntry(all[3]!), `${allocEntry(all[3]!)}x`), 1 << 16)).rejects.toThrow(
      /line 5 is not one alloc entry/,
    );
  });
});
