import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { orderKey, positionsInAddressOrder } from '../../src/chains/avax/bech32Order.js';
import { OwnerLog, type DiscoveryCursor } from '../../src/chains/avax/discoveryLog.js';
import { OwnerSet } from '../../src/chains/avax/ownerSet.js';
import { formatAddress } from '../../src/keys/address.js';

/** A random-looking short ID, the same on every run. */
const idOf = (label: string): Uint8Array => new Uint8Array(createHash('sha256').update(label).digest().subarray(0, 20));
const ownerOf = (id: Uint8Array, hrp = 'local'): string => formatAddress('P', hrp, id).slice(2);
const randomOwners = (count: number, tag: string): string[] => Array.from({ length: count }, (_, i) => ownerOf(idOf(`${tag} ${i}`)));

/** What the set stands in for: the strings in a Set, sorted as strings. */
const reference = (owners: Iterable<string>): string[] => [...new Set(owners)].sort();

describe('OwnerSet', () => {
  it('holds each owner once and iterates them as [...set].sort() does, through several resizes and past a chunk of IDs', () => {
    // 2048 slots at first, 3/4 full at most: 40k owners take five resizes and two chunks of 32768 IDs.
    const owners = randomOwners(40_000, 'owner');
    const set = new OwnerSet();
    expect(owners.filter((owner) => !set.add(owner))).toEqual([]);
    // Every owner again, last first: each is found, whichever resize it came before or after.
    expect([...owners].reverse().filter((owner) => set.add(owner))).toEqual([]);
    expect(set.size).toBe(40_000);
    expect([...set]).toEqual(reference(owners));
    expect(owners.filter((owner) => !set.has(owner))).toEqual([]);
    expect(set.has(ownerOf(idOf('absent')))).toBe(false);
    expect(set.has('not an owner')).toBe(false);
    // Iterating twice gives the same, and a later add is in the next iteration.
    const late = ownerOf(idOf('late'));
    set.add(late);
    expect([...set]).toEqual(reference([...owners, late]));
  });

  it('orders by the address string, which is not the order of the IDs as bytes', () => {
    // Word 0 is "q" and word 1 is "p": the ID with the larger first byte has the smaller address.
    const zero = new Uint8Array(20);
    const eight = new Uint8Array(20);
    eight[0] = 0x08;
    expect([ownerOf(zero), ownerOf(eight)].sort()).toEqual([ownerOf(eight), ownerOf(zero)]);
    const set = new OwnerSet();
    set.add(ownerOf(zero));
    set.add(ownerOf(eight));
    expect([...set]).toEqual([ownerOf(eight), ownerOf(zero)]);
    expect(orderKey(eight)).toBeLessThan(orderKey(zero));
  });

  it('orders owners whose sort keys are equal (the same first 30 bits) by their whole address', () => {
    const ids = Array.from({ length: 600 }, (_, i) => {
      const id = idOf(`tail ${i}`);
      id.set([0xab, 0xcd, 0xef], 0);
      id[3] = (id[3]! & 0x03) | 0x40;
      return id;
    });
    expect(new Set(ids.map(orderKey)).size).toBe(1);
    const set = new OwnerSet();
    for (const id of ids) set.add(ownerOf(id));
    expect([...set]).toEqual(reference(ids.map((id) => ownerOf(id))));
  });

  it('gives positions in address order for any HRP', () => {
    const ids = Array.from({ length: 3_000 }, (_, i) => idOf(`hrp ${i}`));
    for (const hrp of ['avax', 'fuji', 'local', 'custom', 'lux']) {
      const order = positionsInAddressOrder(ids.length, (p) => ids[p]!, hrp);
      expect([...order].map((p) => ownerOf(ids[p]!, hrp))).toEqual(reference(ids.map((id) => ownerOf(id, hrp))));
    }
  });

  it('refuses a second HRP, text that is no owner, and an owner not in lowercase', () => {
    const set = new OwnerSet();
    set.add(ownerOf(idOf('first')));
    expect(() => set.add(ownerOf(idOf('other network'), 'avax'))).toThrow(/^owner: "avax1[a-z0-9]+" has HRP "avax", the owners found before it "local"/);
    expect(() => set.add('local1notanaddress')).toThrow(/^owner: "local1notanaddress" is not valid bech32/);
    expect(() => set.add(formatAddress('P', 'local', idOf('x')).slice(2).toUpperCase())).toThrow(/^owner: "LOCAL1[A-Z0-9]+" is not lowercase/);
    expect(set.size).toBe(1);
  });

  it('iterates nothing when empty, and refuses an add while it is iterated', () => {
    expect([...new OwnerSet()]).toEqual([]);
    const set = new OwnerSet();
    for (const owner of randomOwners(10, 'during')) set.add(owner);
    const reading = set[Symbol.iterator]();
    reading.next();
    set.add(ownerOf(idOf('added during iteration')));
    expect(() => reading.next()).toThrow(/1 owner\(s\) added while it was iterated/);
  });
});

describe('OwnerLog resume', () => {
  it('rebuilds the set from the log up to the cursor, then takes more owners: the same as one uninterrupted Set', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'owner-log-')), 'addresses.found.jsonl');
    // ~1 MB of log: lines cross the 64 KiB chunks of the read.
    const before = randomOwners(20_000, 'before');
    const first = (await OwnerLog.open(path, undefined)).log;
    for (const owner of [...before, ...before.slice(0, 1_000)]) await first.add(owner);
    const cursor: DiscoveryCursor = { next: { P: 2, X: 1 }, burned: { P: '0', X: '0' }, bytes: await first.checkpoint(), owners: first.found.size };
    // Owners after the checkpoint reach the file too, but the cursor does not cover them.
    const uncovered = randomOwners(50, 'uncovered');
    for (const owner of uncovered) await first.add(owner);
    await first.release();

    const { log, resumed } = await OwnerLog.open(path, cursor);
    expect(resumed).toBe(true);
    expect(log.found.size).toBe(20_000);
    expect(uncovered.some((owner) => log.found.has(owner))).toBe(false);
    const after = [...randomOwners(5_000, 'after'), ...before.slice(-2_000), ...uncovered];
    for (const owner of after) await log.add(owner);
    await log.discard();
    expect([...log.found]).toEqual(reference([...before, ...after]));
  });
});
