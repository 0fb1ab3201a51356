import { createMPT } from '@ethereumjs/mpt';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/dev/mulberry32.js';
import { bytesToHex, type Hex } from '../../src/state/hex.js';
import { EMPTY_TRIE_ROOT, keccakReady } from '../../src/state/keccak.js';
import { StackTrie } from '../../src/state/stackTrie.js';
import { assembleRoot, type SubtrieRefs } from '../../src/state/subtrieAssembly.js';

// The root assembled from subtries hashed apart (one StackTrie per key group, as the span threads
// hash them) must be the one StackTrie's over all the keys, and @ethereumjs/mpt's.

type Entry = [Uint8Array, Uint8Array];

function rng(seed: number) {
  const next = mulberry32(seed);
  return {
    int: (n: number) => next() % n,
    bytes: (n: number) => Uint8Array.from({ length: n }, () => next() & 0xff),
  };
}

const sorted = (entries: Entry[]): Entry[] => {
  const unique = new Map(entries.map((e) => [Buffer.from(e[0]).toString('hex'), e] as const));
  return [...unique.values()].sort((a, b) => Buffer.compare(a[0], b[0]));
};

function stackTrieRoot(entries: Entry[]): Hex {
  const trie = new StackTrie();
  for (const [k, v] of entries) trie.update(k, v);
  return bytesToHex(trie.root());
}

/** The group of a key: its first `depth` nibbles. */
const groupOf = (key: Uint8Array, depth: number) => (depth === 1 ? key[0]! >> 4 : key[0]!);

/** One StackTrie per group, as the spans build them, then their references. */
function groupsOf(entries: Entry[], depth: number): SubtrieRefs[] {
  const groups: SubtrieRefs[] = [];
  const trie = new StackTrie();
  let current = -1;
  for (const [k, v] of entries) {
    const g = groupOf(k, depth);
    if (g !== current && current >= 0) {
      groups.push({ prefix: current, refs: trie.refsAt(depth) });
      trie.reset();
    }
    current = g;
    trie.update(k, v);
  }
  if (current >= 0) groups.push({ prefix: current, refs: trie.refsAt(depth) });
  return groups;
}

async function mptRoot(entries: Entry[]): Promise<Hex> {
  const trie = await createMPT();
  for (const [k, v] of entries) await trie.put(k, v);
  return bytesToHex(trie.root());
}

/** Asserts the assembled root at both group depths equals the StackTrie's; returns it. */
function expectSameRoot(entries: Entry[]): Hex {
  const want = stackTrieRoot(entries);
  for (const depth of [1, 2]) expect(bytesToHex(assembleRoot(groupsOf(entries, depth), depth)), `depth ${depth}`).toBe(want);
  return want;
}

const accountLike = (r: ReturnType<typeof rng>, n: number): Entry[] => sorted(Array.from({ length: n }, () => [r.bytes(32), r.bytes(70 + r.int(40))]));

describe('subtrie assembly', () => {
  beforeAll(keccakReady);

  it('gives the StackTrie root of random 32-byte key sets, and mpt agrees', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const r = rng(seed);
      const entries = accountLike(r, 1 + r.int(seed < 20 ? 40 : 600));
      expect(expectSameRoot(entries)).toBe(await mptRoot(entries));
    }
  });

  it('gives the empty root for no groups', () => {
    expect(bytesToHex(assembleRoot([], 1))).toBe(EMPTY_TRIE_ROOT);
  });

  it('handles a single account', () => {
    for (let seed = 1; seed <= 5; seed++) expectSameRoot(accountLike(rng(seed), 1));
  });

  it('handles all keys under one first nibble, and under one first byte', () => {
    const r = rng(7);
    const nibble = accountLike(r, 300).map(([k, v]): Entry => [Uint8Array.from([0x70 | (k[0]! & 0x0f), ...k.subarray(1)]), v]);
    expectSameRoot(sorted(nibble));
    const byte = accountLike(r, 300).map(([k, v]): Entry => [Uint8Array.from([0xa5, ...k.subarray(1)]), v]);
    expectSameRoot(sorted(byte));
    // Two keys sharing 31 bytes: one group, a long extension at the top.
    const twin = r.bytes(32);
    const other = Uint8Array.from(twin);
    other[31] = twin[31]! ^ 1;
    expectSameRoot(
      sorted([
        [twin, r.bytes(80)],
        [other, r.bytes(80)],
      ]),
    );
  });

  it('handles keys exactly on group boundaries and the two ends of the key space', () => {
    const r = rng(11);
    const edge = (first: number, fill: number): Entry => [Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? first : fill)), r.bytes(75)];
    const entries = sorted([edge(0x00, 0x00), edge(0x0f, 0xff), edge(0x10, 0x00), edge(0x7f, 0xff), edge(0x80, 0x00), edge(0xff, 0xff), ...accountLike(r, 50)]);
    expect(expectSameRoot(entries)).toBe(stackTrieRoot(entries));
  });

  it('handles short keys, embedded (< 32-byte) nodes, and a key ending where a group starts', async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const r = rng(1000 + seed);
      const entries = sorted(Array.from({ length: 1 + r.int(30) }, (): Entry => [r.bytes(1 + r.int(3)), r.bytes(1 + r.int(seed % 2 ? 3 : 40))]));
      expect(expectSameRoot(entries), `seed ${seed}`).toBe(await mptRoot(entries));
    }
    // A one-byte key equal to a depth-2 group prefix, with longer keys under it.
    const r = rng(5);
    expectSameRoot(
      sorted([
        [Uint8Array.from([0x12]), r.bytes(2)],
        [Uint8Array.from([0x12, 0x34]), r.bytes(2)],
        [Uint8Array.from([0x13]), r.bytes(40)],
      ]),
    );
  });

  it('is caught when the assembly is wrong: two children swapped, or a group dropped', () => {
    const entries = accountLike(rng(3), 200);
    const want = stackTrieRoot(entries);
    const groups = groupsOf(entries, 1);
    expect(bytesToHex(assembleRoot(groups, 1))).toBe(want);
    // The same references under each other's prefixes: a branch with two children in the wrong slots.
    const swapped = groups.map((g, i) => ({ prefix: g.prefix, refs: groups[i === 0 ? 1 : i === 1 ? 0 : i]!.refs }));
    expect(bytesToHex(assembleRoot(swapped, 1))).not.toBe(want);
    expect(bytesToHex(assembleRoot(groups.slice(1), 1))).not.toBe(want);
    // The depth-0 reference where a depth-1 one belongs (the top node's key one nibble too long).
    const shifted = groups.map((g) => ({ prefix: g.prefix, refs: [g.refs[0]!, g.refs[0]!] }));
    expect(bytesToHex(assembleRoot(shifted, 1))).not.toBe(want);
  });

  it('refuses groups out of order, with the wrong number of references, or a trie without a shared prefix', () => {
    const groups = groupsOf(accountLike(rng(9), 100), 1);
    expect(() => assembleRoot([...groups].reverse(), 1)).toThrow('strictly increasing prefix order');
    expect(() =>
      assembleRoot(
        groups.map((g) => ({ ...g, refs: g.refs.slice(1) })),
        1,
      ),
    ).toThrow('references, expected 2');
    expect(() => assembleRoot(groups, 3)).toThrow('1..2 only');
    const trie = new StackTrie();
    trie.update(Uint8Array.from([0x10]), Uint8Array.from([1]));
    trie.update(Uint8Array.from([0x20]), Uint8Array.from([1]));
    expect(() => trie.refsAt(1)).toThrow('differ in their first nibble');
    expect(() => new StackTrie().refsAt(1)).toThrow('empty trie');
  });
});
