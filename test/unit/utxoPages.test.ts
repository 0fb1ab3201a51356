import { sha256 } from '@noble/hashes/sha2.js';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AvaxService } from '../../src/chains/avax/api.js';
import { ShortIdIndex } from '../../src/chains/avax/shortIdIndex.js';
import type { UtxoRecord } from '../../src/chains/avax/utxo.js';
import { streamUtxos, type UtxoQuery } from '../../src/chains/avax/utxoPages.js';
import { formatAddress, shortIdFromAddress } from '../../src/keys/address.js';

/** Deterministic bytes, so every run pages the same set. */
function bytes(seed: string, length: number): Uint8Array {
  return new Uint8Array(createHash('sha256').update(seed).digest().subarray(0, length));
}

const ASSET = bytes('asset', 32);

/** A secp256k1fx.TransferOutput UTXO in the node's `hex` encoding (codec bytes + 4-byte checksum). */
function utxoHex(tx: Uint8Array, index: number, amount: bigint, owners: Uint8Array[]): string {
  const body = new Uint8Array(2 + 32 + 4 + 32 + 4 + 8 + 8 + 4 + 4 + 20 * owners.length);
  const view = new DataView(body.buffer);
  let at = 2;
  body.set(tx, at);
  at += 32;
  view.setUint32(at, index);
  at += 4;
  body.set(ASSET, at);
  at += 32;
  view.setUint32(at, 7);
  at += 4;
  view.setBigUint64(at, amount);
  at += 8 + 8;
  view.setUint32(at, 1);
  at += 4;
  view.setUint32(at, owners.length);
  at += 4;
  for (const o of owners) {
    body.set(o, at);
    at += 20;
  }
  return `0x${Buffer.concat([body, sha256(body).subarray(-4)]).toString('hex')}`;
}

interface FakeUtxo {
  id: string;
  hex: string;
  owners: string[];
}

/**
 * A node's getUTXOs as avalanchego v1.14.0 pages it (avax.GetPaginatedUTXOs): the request's
 * addresses in byte order, each address's UTXOs in ID order from the cursor on, each UTXO once per
 * request, `limit` at most; the cursor is the last address and UTXO looked at.
 */
class FakeNode {
  readonly byOwner = new Map<string, FakeUtxo[]>();
  inFlight = 0;
  maxInFlight = 0;
  requests = 0;
  failOn?: (addresses: string[], request: number) => unknown;

  add(utxo: FakeUtxo): void {
    for (const o of utxo.owners) {
      const list = this.byOwner.get(o) ?? [];
      list.push(utxo);
      list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      this.byOwner.set(o, list);
    }
  }

  service(): AvaxService {
    const call = async (_method: string, args: Record<string, unknown>): Promise<unknown> => {
      this.requests += 1;
      const request = this.requests;
      this.inFlight += 1;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      try {
        // Replies arrive out of order: later requests of a read-ahead may finish first.
        await new Promise((resolve) => setTimeout(resolve, (request * 7) % 5));
        const addresses = args.addresses as string[];
        const failure = this.failOn?.(addresses, request);
        if (failure) throw failure;
        return this.page(addresses, args.limit as number, args.startIndex as { address: string; utxo: string } | undefined);
      } finally {
        this.inFlight -= 1;
      }
    };
    return { call } as unknown as AvaxService;
  }

  private page(addresses: string[], limit: number, start?: { address: string; utxo: string }): unknown {
    const key = (a: string) => Buffer.from(shortIdFromAddress(a)).toString('hex');
    const sorted = [...new Set(addresses)].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const out: string[] = [];
    const seen = new Set<string>();
    let lastAddress = start?.address ?? '';
    let lastUtxo = start?.utxo ?? '';
    for (const address of sorted) {
      if (start && key(address) < key(start.address)) continue;
      const from = start && address === start.address ? start.utxo : '';
      lastAddress = address;
      for (const u of this.byOwner.get(address) ?? []) {
        if (from && u.id <= from) continue;
        lastUtxo = u.id;
        if (seen.has(u.id)) continue;
        seen.add(u.id);
        out.push(u.hex);
        if (out.length >= limit) return { numFetched: String(out.length), utxos: out, endIndex: { address: lastAddress, utxo: lastUtxo } };
      }
    }
    return { numFetched: String(out.length), utxos: out, endIndex: { address: lastAddress, utxo: lastUtxo } };
  }
}

/** `owners` fresh owners with 0–3 UTXOs each, a few UTXOs shared between two owners far apart. */
function network(owners: number): { node: FakeNode; addresses: string[]; shared: number } {
  const node = new FakeNode();
  const ids = Array.from({ length: owners }, (_, i) => bytes(`owner ${i}`, 20));
  const addresses = ids.map((id) => formatAddress('X', 'local', id));
  let n = 0;
  let shared = 0;
  for (const [i, id] of ids.entries()) {
    for (let k = 0; k < i % 4; k++) {
      const tx = bytes(`tx ${n}`, 32);
      const owned = i % 17 === 5 ? [id, ids[(i * 7 + 3) % owners]!] : [id];
      if (owned.length > 1) shared += 1;
      node.add({
        id: `u${String(n).padStart(6, '0')}`,
        hex: utxoHex(tx, k, BigInt(1000 + n), owned),
        owners: owned.map((o) => formatAddress('X', 'local', o)),
      });
      n += 1;
    }
  }
  return { node, addresses, shared };
}

async function read(node: FakeNode, query: UtxoQuery): Promise<UtxoRecord[]> {
  const out: UtxoRecord[] = [];
  for await (const r of streamUtxos(node.service(), 'avm.getUTXOs', 'X', query)) out.push(r);
  return out;
}

describe('P/X UTXO pages', () => {
  it('reads every UTXO once, in the same order whatever the read-ahead, page size or input form', async () => {
    const { node, addresses } = network(300);
    const reference = await read(node, { addresses, addressesPerCall: 40, pageSize: 16, readAhead: 1 });
    const expected = [...node.byOwner.values()].flat();
    expect(new Set(reference.map((r) => r.utxoID)).size).toBe(reference.length);
    expect(reference.length).toBe(new Set(expected.map((u) => u.id)).size);
    for (const readAhead of [2, 4, 16]) {
      expect(await read(node, { addresses, addressesPerCall: 40, pageSize: 16, readAhead })).toEqual(reference);
    }
    // Duplicates dropped (first occurrence keeps its place) and an async iterable read as a list.
    const twice = (async function* () {
      yield* addresses;
      yield* addresses.slice(0, 50);
    })();
    expect(await read(node, { addresses: twice, addressesPerCall: 40, pageSize: 16, readAhead: 3 })).toEqual(reference);
    // Whole pages, one address a request: the same UTXOs.
    const sorted = (rs: UtxoRecord[]) => rs.map((r) => r.utxoID).sort();
    expect(sorted(await read(node, { addresses }))).toEqual(sorted(reference));
    expect(sorted(await read(node, { addresses, addressesPerCall: 1, pageSize: 1 }))).toEqual(sorted(reference));
  });

  it('keeps at most readAhead + 1 requests in flight', async () => {
    const { node, addresses } = network(200);
    await read(node, { addresses, addressesPerCall: 10, pageSize: 4, readAhead: 3 });
    expect(node.maxInFlight).toBeGreaterThan(1);
    expect(node.maxInFlight).toBeLessThanOrEqual(4);
  });

  it('keeps a UTXO shared by owners in different batches in the first batch only', async () => {
    const { node, addresses, shared } = network(120);
    expect(shared).toBeGreaterThan(0);
    const records = await read(node, { addresses, addressesPerCall: 7, pageSize: 3, readAhead: 4 });
    const multi = records.filter((r) => r.owners.addresses.length > 1);
    expect(multi.length).toBe(shared);
    expect(new Set(records.map((r) => r.utxoID)).size).toBe(records.length);
  });

  it('reports a failed request when its page is due, after the records before it', async () => {
    const { node, addresses } = network(100);
    const all = await read(node, { addresses, addressesPerCall: 10, pageSize: 1000, readAhead: 1 });
    const fifth = new Set(addresses.slice(40, 50));
    node.failOn = (asked) => (asked.some((a) => fifth.has(a)) ? new Error('node down') : undefined);
    const got: UtxoRecord[] = [];
    const failed = (async () => {
      for await (const r of streamUtxos(node.service(), 'avm.getUTXOs', 'X', { addresses, addressesPerCall: 10, pageSize: 1000, readAhead: 8 })) got.push(r);
    })();
    await expect(failed).rejects.toThrow('node down');
    // Batch by batch: what a sequential read yields before the fifth batch (the first owner's decides).
    const before = all.filter((r) => Math.min(...r.owners.addresses.map((o) => addresses.indexOf(o))) < 40);
    expect(got.map((r) => r.utxoID)).toEqual(before.map((r) => r.utxoID));
  });

  it('refuses a full page without a cursor after yielding it', async () => {
    const { node, addresses } = network(40);
    const service = node.service();
    const broken = {
      call: async (method: string, args: Record<string, unknown>) => {
        const reply = (await service.call(method, args)) as { endIndex?: unknown };
        delete reply.endIndex;
        return reply;
      },
    } as unknown as AvaxService;
    const got: UtxoRecord[] = [];
    const reading = (async () => {
      for await (const r of streamUtxos(broken, 'avm.getUTXOs', 'X', { addresses, pageSize: 5 })) got.push(r);
    })();
    await expect(reading).rejects.toThrow('full page without endIndex');
    expect(got.length).toBe(5);
  });
});

describe('ShortIdIndex', () => {
  it('keeps each ID once at the position of its first add, through growth', () => {
    const index = new ShortIdIndex();
    const reference = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const id = bytes(`id ${i % 15_000}`, 20);
      const key = Buffer.from(id).toString('hex');
      if (!reference.has(key)) reference.set(key, reference.size);
      expect(index.add(id)).toBe(reference.get(key));
    }
    expect(index.size).toBe(15_000);
    for (const [key, position] of reference) {
      expect(index.positionOf(Buffer.from(key, 'hex'))).toBe(position);
      expect(Buffer.from(index.at(position)).toString('hex')).toBe(key);
    }
    expect(index.positionOf(bytes('absent', 20))).toBeUndefined();
    expect(() => index.add(new Uint8Array(19))).toThrow('20 bytes');
    expect(() => index.at(15_000)).toThrow(RangeError);
  });
});
