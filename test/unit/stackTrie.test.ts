import { createMPT } from '@ethereumjs/mpt';
import { RLP } from '@ethereumjs/rlp';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AccountRecord } from '../../src/state/account.js';
import { bytesToHex, hexToBytes, type Hex } from '../../src/state/hex.js';
import { EMPTY_CODE_HASH, EMPTY_TRIE_ROOT, keccakReady } from '../../src/state/keccak.js';
import { encodeRlp } from '../../src/state/rlp.js';
import { StackTrie } from '../../src/state/stackTrie.js';
import { accountRlp, computeStateRoot, StateRootBuilder, storageRoot } from '../../src/state/stateRoot.js';

// The reference side uses @ethereumjs/mpt, @ethereumjs/rlp and @noble/hashes, so nothing it computes
// goes through the code under test (our RLP encoder, hash-wasm keccak, StackTrie).

/** sfc32: small, fast, deterministic. */
function prng(seed: number) {
  let a = 0x9e3779b9,
    b = 0x243f6a88,
    c = 0xb7e15162,
    d = seed >>> 0;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 20; i++) next();
  return {
    int: (n: number): number => next() % n,
    chance: (p: number): boolean => next() / 2 ** 32 < p,
    bytes(n: number): Uint8Array {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = next() & 0xff;
      return out;
    },
  };
}
type Rng = ReturnType<typeof prng>;

const hex = (bytes: Uint8Array): Hex => `0x${Buffer.from(bytes).toString('hex')}`;
const compare = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b);

async function referenceRoot(entries: Iterable<[Uint8Array, Uint8Array]>): Promise<Hex> {
  const trie = await createMPT();
  for (const [key, value] of entries) await trie.put(key, value);
  return hex(trie.root());
}

function stackTrieRoot(entries: [Uint8Array, Uint8Array][]): Hex {
  const sorted = [...entries].sort((x, y) => compare(x[0], y[0]));
  const trie = new StackTrie();
  for (const [key, value] of sorted) trie.update(key, value);
  return bytesToHex(trie.root());
}

async function referenceStorageRoot(storage: Record<Hex, Hex> | undefined): Promise<Uint8Array> {
  const entries: [Uint8Array, Uint8Array][] = Object.entries(storage ?? {}).map(([slot, value]) => [keccak_256(hexToBytes(slot)), RLP.encode(BigInt(value))]);
  return hexToBytes(await referenceRoot(entries));
}

async function referenceStateRoot(records: AccountRecord[]): Promise<Hex> {
  const entries: [Uint8Array, Uint8Array][] = [];
  for (const r of records) {
    const value = RLP.encode([BigInt(r.nonce), BigInt(r.balance), await referenceStorageRoot(r.storage), hexToBytes(r.codeHash)]);
    entries.push([keccak_256(hexToBytes(r.address)), value]);
  }
  return referenceRoot(entries);
}

const MAX_U256 = (1n << 256n) - 1n;

function randomStorage(rng: Rng, slots: number): Record<Hex, Hex> {
  const storage: Record<Hex, Hex> = {};
  for (let i = 0; i < slots; i++) {
    // Mix of small sequential slots (like Solidity state variables) and hashed mapping slots.
    const slot = rng.chance(0.5) ? hexToBytes(`0x${(rng.int(64) + i * 64).toString(16).padStart(64, '0')}`) : rng.bytes(32);
    const value = new Uint8Array(32);
    const width = [1, 1, 2, 20, 32][rng.int(5)]!;
    value.set(rng.bytes(width), 32 - width);
    if (value.every((b) => b === 0)) value[31] = 1;
    storage[hex(slot)] = hex(value);
  }
  return storage;
}

function randomAccount(rng: Rng, opts: { largeStorage?: boolean } = {}): AccountRecord {
  const address = rng.bytes(20);
  const record: AccountRecord = {
    key: hex(keccak_256(address)),
    address: hex(address),
    balance: '0x0',
    nonce: '0x0',
    codeHash: EMPTY_CODE_HASH,
  };
  if (!rng.chance(0.2)) {
    const balance = rng.chance(0.15) ? MAX_U256 - BigInt(rng.int(1000)) : BigInt(`0x${Buffer.from(rng.bytes(1 + rng.int(16))).toString('hex')}`);
    record.balance = `0x${balance.toString(16)}`;
    record.nonce = `0x${(rng.chance(0.1) ? 2n ** 64n - 1n - BigInt(rng.int(10)) : BigInt(rng.int(5000))).toString(16)}`;
  }
  if (opts.largeStorage || rng.chance(0.3)) {
    const code = rng.bytes(1 + rng.int(300));
    record.code = hex(code);
    record.codeHash = hex(keccak_256(code));
    const slots = opts.largeStorage ? 200 + rng.int(300) : rng.chance(0.3) ? 0 : 1 + rng.int(6);
    if (slots > 0) record.storage = randomStorage(rng, slots);
  }
  return record;
}

function randomState(rng: Rng, index: number): AccountRecord[] {
  if (index === 0) return [];
  const count = index === 1 ? 1 : 1 + rng.int(index % 10 === 0 ? 300 : 40);
  const records: AccountRecord[] = [];
  for (let i = 0; i < count; i++) records.push(randomAccount(rng, { largeStorage: index % 20 === 3 && i === 0 }));
  return records.sort((x, y) => (x.key < y.key ? -1 : 1));
}

beforeAll(async () => {
  await keccakReady();
});

describe('rlp', () => {
  it('matches @ethereumjs/rlp on strings and nested lists', () => {
    const rng = prng(7);
    const samples: Uint8Array[] = [
      new Uint8Array(0),
      Uint8Array.of(0),
      Uint8Array.of(0x7f),
      Uint8Array.of(0x80),
      rng.bytes(55),
      rng.bytes(56),
      rng.bytes(255),
      rng.bytes(256),
      rng.bytes(70000),
    ];
    for (const s of samples) expect(hex(encodeRlp(s))).toBe(hex(RLP.encode(s)));
    expect(hex(encodeRlp([]))).toBe(hex(RLP.encode([])));
    expect(hex(encodeRlp(samples))).toBe(hex(RLP.encode(samples)));
    const nested = [samples.slice(0, 3), [[samples[4]!], samples[5]!], new Uint8Array(0)];
    expect(hex(encodeRlp(nested))).toBe(hex(RLP.encode(nested)));
  });
});

describe('StackTrie', () => {
  it('empty trie root is EMPTY_TRIE_ROOT', () => {
    expect(bytesToHex(new StackTrie().root())).toBe(EMPTY_TRIE_ROOT);
  });

  it('reproduces the ethereum/tests trietest vectors (variable-length keys, prefix keys)', async () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    const puppy: [Uint8Array, Uint8Array][] = [
      [enc('do'), enc('verb')],
      [enc('horse'), enc('stallion')],
      [enc('doge'), enc('coin')],
      [enc('dog'), enc('puppy')],
    ];
    expect(stackTrieRoot(puppy)).toBe('0x5991bb8c6514148a29db676a14ac506cd2cd5775ace63c30a4fe457715e9ac84');
    const dogs: [Uint8Array, Uint8Array][] = [
      [enc('doe'), enc('reindeer')],
      [enc('dog'), enc('puppy')],
      [enc('dogglesworth'), enc('cat')],
    ];
    expect(stackTrieRoot(dogs)).toBe('0x8aad789dff2f538bca5d8ea56e8abe10f4c7ba3a5dea95fea4cd6e7c3a1168d3');
    expect(stackTrieRoot(dogs)).toBe(await referenceRoot(dogs));
  });

  it('hashes the root even when its RLP is shorter than 32 bytes', async () => {
    const entries: [Uint8Array, Uint8Array][] = [[Uint8Array.of(1), Uint8Array.of(2)]];
    expect(stackTrieRoot(entries)).toBe(await referenceRoot(entries));
    const two: [Uint8Array, Uint8Array][] = [
      [Uint8Array.of(0x10), Uint8Array.of(1)],
      [Uint8Array.of(0x11), Uint8Array.of(2)],
    ];
    expect(stackTrieRoot(two)).toBe(await referenceRoot(two));
  });

  it('matches mpt on 32-byte keys sharing long prefixes, with embedded and hashed nodes', async () => {
    const rng = prng(1);
    for (let round = 0; round < 120; round++) {
      const base = rng.bytes(32);
      const count = 1 + rng.int(round % 4 === 0 ? 200 : 24);
      const byKey = new Map<string, [Uint8Array, Uint8Array]>();
      for (let i = 0; i < count; i++) {
        // Share the first `prefix` nibbles with the base key, often nearly all of them.
        const prefix = rng.chance(0.6) ? 56 + rng.int(8) : rng.int(64);
        const key = rng.bytes(32);
        for (let n = 0; n < prefix; n++) {
          const byte = n >> 1;
          const mask = n & 1 ? 0x0f : 0xf0;
          key[byte] = (key[byte]! & ~mask) | (base[byte]! & mask);
        }
        // Tiny values make tiny nodes, which must be embedded rather than hashed.
        const value = rng.chance(0.4) ? Uint8Array.of(rng.int(256)) : rng.bytes(1 + rng.int(rng.chance(0.5) ? 8 : 120));
        byKey.set(hex(key), [key, value]);
      }
      const entries = [...byKey.values()];
      expect(stackTrieRoot(entries), `round ${round}`).toBe(await referenceRoot(entries));
    }
  });

  it('matches mpt on variable-length keys where keys are prefixes of others', async () => {
    const rng = prng(2);
    const alphabet = [0x00, 0x01, 0x10, 0x11, 0x7f, 0xff];
    for (let round = 0; round < 120; round++) {
      const count = 1 + rng.int(40);
      const byKey = new Map<string, [Uint8Array, Uint8Array]>();
      for (let i = 0; i < count; i++) {
        const key = new Uint8Array(1 + rng.int(round % 3 === 0 ? 3 : 7)).map(() => alphabet[rng.int(alphabet.length)]!);
        const value = rng.chance(0.5) ? Uint8Array.of(rng.int(256)) : rng.bytes(1 + rng.int(60));
        byKey.set(hex(key), [key, value]);
      }
      const entries = [...byKey.values()];
      expect(stackTrieRoot(entries), `round ${round}`).toBe(await referenceRoot(entries));
    }
  });

  it('matches mpt with values larger than the hasher takes in one piece', async () => {
    const rng = prng(3);
    // Nodes of 17–40 KiB are encoded beside the Keccak input area and hashed in chunks.
    const entries: [Uint8Array, Uint8Array][] = [
      [Uint8Array.of(0x10), rng.bytes(17 * 1024)],
      [Uint8Array.of(0x11), rng.bytes(40 * 1024)],
      [Uint8Array.of(0x20), Uint8Array.of(1)],
    ];
    expect(stackTrieRoot(entries)).toBe(await referenceRoot(entries));
    const single: [Uint8Array, Uint8Array][] = [[Uint8Array.of(0x10), rng.bytes(20 * 1024)]];
    expect(stackTrieRoot(single)).toBe(await referenceRoot(single));
  });

  it('refuses out-of-order and duplicate keys, empty keys and empty values', async () => {
    const trie = new StackTrie();
    trie.update(Uint8Array.of(5, 5), Uint8Array.of(1));
    expect(() => trie.update(Uint8Array.of(5, 4), Uint8Array.of(1))).toThrow(/strictly increasing.*0x0504 is not after/);
    expect(() => trie.update(Uint8Array.of(5, 5), Uint8Array.of(1))).toThrow(/0x0505 repeats/);
    // A prefix of the previous key sorts before it.
    expect(() => trie.update(Uint8Array.of(5), Uint8Array.of(1))).toThrow(/strictly increasing/);
    expect(() => trie.update(new Uint8Array(0), Uint8Array.of(1))).toThrow(/must not be empty/);
    expect(() => trie.update(Uint8Array.of(6), new Uint8Array(0))).toThrow(/is empty/);
    // Failed updates leave the trie as it was: its root is that of the two accepted keys alone.
    trie.update(Uint8Array.of(6), Uint8Array.of(2));
    const accepted: [Uint8Array, Uint8Array][] = [
      [Uint8Array.of(5, 5), Uint8Array.of(1)],
      [Uint8Array.of(6), Uint8Array.of(2)],
    ];
    const root = bytesToHex(trie.root());
    expect(root).toBe(await referenceRoot(accepted));
    expect(bytesToHex(trie.root())).toBe(root);
    expect(() => trie.update(Uint8Array.of(7), Uint8Array.of(1))).toThrow(/after root/);
  });
});

describe('state root', () => {
  it('storageRoot of no storage is the empty trie root', () => {
    expect(storageRoot(undefined)).toBe(EMPTY_TRIE_ROOT);
    expect(storageRoot({})).toBe(EMPTY_TRIE_ROOT);
  });

  it('accountRlp encodes [nonce, balance, storageRoot, codeHash]', () => {
    const rng = prng(3);
    for (let i = 0; i < 50; i++) {
      const record = randomAccount(rng);
      const root = rng.bytes(32);
      const expected = RLP.encode([BigInt(record.nonce), BigInt(record.balance), root, hexToBytes(record.codeHash)]);
      expect(hex(accountRlp(record, root))).toBe(hex(expected));
    }
  });

  it('accountRlp in coreth encoding appends isMultiCoin = false, and only that', () => {
    const rng = prng(4);
    for (let i = 0; i < 50; i++) {
      const record = randomAccount(rng);
      const root = rng.bytes(32);
      const fields = [BigInt(record.nonce), BigInt(record.balance), root, hexToBytes(record.codeHash)];
      expect(hex(accountRlp(record, root, 'coreth'))).toBe(hex(RLP.encode([...fields, new Uint8Array(0)])));
      expect(hex(accountRlp(record, root, 'coreth'))).not.toBe(hex(accountRlp(record, root)));
    }
  });

  it('matches mpt on 220 random states', async () => {
    const rng = prng(42);
    let withLargeStorage = 0;
    for (let index = 0; index < 220; index++) {
      const records = randomState(rng, index);
      if (records.some((r) => Object.keys(r.storage ?? {}).length >= 200)) withLargeStorage++;
      // Report the source node's storage root on some accounts, as an export would.
      for (const r of records) {
        if (r.storage && rng.chance(0.5)) r.storageRoot = hex(await referenceStorageRoot(r.storage));
      }
      const expected = await referenceStateRoot(records);
      expect(await computeStateRoot(records), `state ${index}`).toBe(expected);
      if (index % 7 === 0) {
        async function* stream() {
          yield* records;
        }
        expect(await computeStateRoot(stream()), `state ${index} (async)`).toBe(expected);
      }
    }
    expect(withLargeStorage).toBeGreaterThanOrEqual(10);
  });

  it('empty state root equals EMPTY_TRIE_ROOT', async () => {
    expect(await computeStateRoot([])).toBe(EMPTY_TRIE_ROOT);
    expect(new StateRootBuilder().root()).toBe(EMPTY_TRIE_ROOT);
  });

  it('counts accounts', () => {
    const rng = prng(4);
    const records = Array.from({ length: 5 }, () => randomAccount(rng)).sort((x, y) => (x.key < y.key ? -1 : 1));
    const builder = new StateRootBuilder();
    for (const r of records) builder.add(r);
    expect(builder.accounts).toBe(5);
  });

  it('refuses records out of key order, naming the address', () => {
    const rng = prng(5);
    const [a, b] = [randomAccount(rng), randomAccount(rng)].sort((x, y) => (x.key < y.key ? -1 : 1));
    const builder = new StateRootBuilder();
    builder.add(b!);
    expect(() => builder.add(a!)).toThrow(new RegExp(`account ${a!.address}: key .* is not after`));
    expect(() => builder.add(b!)).toThrow(new RegExp(`account ${b!.address}: key .* is not after`));
  });

  it('refuses a key that is not keccak256(address)', () => {
    const rng = prng(6);
    const record = randomAccount(rng);
    const wrong = { ...record, key: hex(rng.bytes(32)) };
    expect(() => new StateRootBuilder().add(wrong)).toThrow(
      new RegExp(`account ${record.address}: key ${wrong.key} is not keccak256\\(address\\) ${record.key}`),
    );
  });

  it('refuses code that does not match its code hash', () => {
    const rng = prng(8);
    const record = { ...randomAccount(rng), code: '0x6001' as Hex };
    expect(() => new StateRootBuilder().add(record)).toThrow(new RegExp(`account ${record.address}: codeHash`));
  });

  it('refuses a reported storage root that differs from the computed one, naming both', () => {
    const rng = prng(9);
    const record: AccountRecord = { ...randomAccount(rng), storage: randomStorage(rng, 3) };
    const computed = storageRoot(record.storage);
    const reported = hex(rng.bytes(32));
    expect(() => new StateRootBuilder().add({ ...record, storageRoot: reported })).toThrow(new RegExp(`account ${record.address}: .*${reported}.*${computed}`));
    // The matching root passes, in either case.
    new StateRootBuilder().add({ ...record, storageRoot: computed.toUpperCase().replace('0X', '0x') as Hex });
  });

  it('refuses a zero storage value, naming the slot', () => {
    const slot: Hex = `0x${'00'.repeat(31)}07`;
    const storage: Record<Hex, Hex> = {};
    storage[`0x${'00'.repeat(31)}01`] = `0x${'00'.repeat(31)}05`;
    storage[slot] = `0x${'00'.repeat(32)}`;
    expect(() => storageRoot(storage)).toThrow(new RegExp(`storage slot ${slot} has a zero value`));
    const rng = prng(10);
    const record = { ...randomAccount(rng), storage };
    expect(() => new StateRootBuilder().add(record)).toThrow(new RegExp(`storage slot ${slot} of account ${record.address} has a zero value`));
  });

  it('refuses malformed or oversized fields, naming the address', () => {
    const rng = prng(11);
    const record = randomAccount(rng);
    const root = rng.bytes(32);
    const a = record.address;
    expect(() => accountRlp({ ...record, balance: `0x1${'00'.repeat(32)}` }, root)).toThrow(new RegExp(`account ${a}: balance .* does not fit in 32 bytes`));
    expect(() => accountRlp({ ...record, nonce: `0x1${'00'.repeat(8)}` }, root)).toThrow(new RegExp(`account ${a}: nonce .* does not fit in 8 bytes`));
    expect(() => accountRlp({ ...record, balance: '0x12g4' }, root)).toThrow(new RegExp(`account ${a}: balance 0x12g4 is not a hex quantity`));
    expect(() => accountRlp({ ...record, nonce: '0x' }, root)).toThrow(/is not a hex quantity/);
    expect(() => accountRlp({ ...record, codeHash: '0x1234' }, root)).toThrow(new RegExp(`account ${a}: codeHash .* is not 32 bytes`));
    expect(() => new StateRootBuilder().add({ ...record, address: `${a}00` as Hex })).toThrow(/address .* is not 20 bytes/);
    // Leading zeros and upper-case digits in quantities are tolerated and encode minimally.
    const padded = { ...record, balance: '0x00FF' as Hex, nonce: '0x000' as Hex };
    expect(hex(accountRlp(padded, root))).toBe(hex(RLP.encode([0n, 255n, root, hexToBytes(record.codeHash)])));
  });

  it('refuses the same storage slot written twice', () => {
    const word1: Hex = `0x${'00'.repeat(31)}01`;
    const storage: Record<Hex, Hex> = { '0x1': '0x05' };
    storage[word1] = '0x06';
    expect(() => storageRoot(storage)).toThrow(/same slot twice/);
    // Short slot and value hex means the same word left-padded.
    const padded: Record<Hex, Hex> = {};
    padded[word1] = `0x${'00'.repeat(31)}05`;
    expect(storageRoot({ '0x1': '0x05' })).toBe(storageRoot(padded));
  });

  it('known vector: single account trie', async () => {
    // Account 0x…01 with 1 wei and nothing else; root cross-checked with mpt.
    const address = hexToBytes(`0x${'00'.repeat(19)}01`);
    const record: AccountRecord = {
      key: hex(keccak_256(address)),
      address: hex(address),
      balance: '0x1',
      nonce: '0x0',
      codeHash: EMPTY_CODE_HASH,
    };
    const root = await computeStateRoot([record]);
    expect(root).toBe(await referenceStateRoot([record]));
  });
});
