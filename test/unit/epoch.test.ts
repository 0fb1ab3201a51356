import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BlockTimestampEpochSource,
  evmBlockReader,
  findFirstBlockAtOrAfter,
  type BlockHeader,
  type BlockReader,
} from '../../src/epoch/blockTimestampSource.js';
import { assertEpochDuration, blockSealsEpoch, epochEndTime, initialEpoch, nextEpoch, type Epoch } from '../../src/epoch/lp181.js';
import type { EpochStatus, SealedEpoch } from '../../src/epoch/source.js';
import { mulberry32Fraction as prng } from '../../src/dev/mulberry32.js';

/** A chain given by a timestamp function, so long chains need no arrays; counts every read. */
function chainReader(headHeight: number, timestampAt: (n: number) => number) {
  const reads = new Map<number, number>();
  let total = 0;
  const reader: BlockReader = {
    async head() {
      return { number: headHeight, timestamp: timestampAt(headHeight) };
    },
    async block(n: number) {
      if (n < 0 || n > headHeight) throw new Error(`no block ${n}`);
      reads.set(n, (reads.get(n) ?? 0) + 1);
      total++;
      return { number: n, timestamp: timestampAt(n) };
    },
  };
  return {
    reader,
    reads,
    get total() {
      return total;
    },
  };
}

function arrayReader(timestamps: number[]) {
  return chainReader(timestamps.length - 1, (n) => {
    const t = timestamps[n];
    if (t === undefined) throw new Error(`no block ${n}`);
    return t;
  });
}

/** The rule applied block by block, written independently of the source under test. */
function bruteForce(timestamps: number[], anchorHeight: number, duration: number, target: number): EpochStatus {
  const head = timestamps.length - 1;
  let epoch = { number: 0, startTime: timestamps[anchorHeight]!, pChainHeight: null as number | null };
  let sealed: SealedEpoch | undefined;
  for (let h = anchorHeight + 1; h <= head; h++) {
    const t = timestamps[h]!;
    if (t >= epoch.startTime + duration) {
      if (epoch.number === target) {
        sealed = { ...epoch, sealingHeight: h, sealingTimestamp: t, sealingPChainHeight: null };
      }
      epoch = { number: epoch.number + 1, startTime: t, pChainHeight: null };
    }
  }
  return {
    current: epoch,
    headHeight: head,
    headTimestamp: timestamps[head]!,
    durationSeconds: duration,
    ...(sealed ? { sealed } : {}),
  };
}

describe('LP-181 rules', () => {
  const epoch: Epoch = { pChainHeight: 1000, number: 5, startTime: 1_700_000_000 };
  const D = 120;

  it('stays in the epoch within the duration (seed: parent at +1 min)', () => {
    const next = nextEpoch({ timestamp: epoch.startTime + 60, pChainHeight: 1050, epoch }, D);
    expect(next).toEqual(epoch);
    expect(next).not.toBe(epoch);
  });

  it('advances past the duration and carries the parent P-Chain height (seed: parent at +3 min)', () => {
    const parentTimestamp = epoch.startTime + 180;
    const next = nextEpoch({ timestamp: parentTimestamp, pChainHeight: 1100, epoch }, D);
    expect(next).toEqual({ number: 6, pChainHeight: 1100, startTime: parentTimestamp });
  });

  it('seals at exactly start + D and not one second before (seed: start 1000, D 120)', () => {
    const sealingEpoch = { number: 10, startTime: 1000 };
    expect(blockSealsEpoch(1120, sealingEpoch, 120)).toBe(true);
    expect(blockSealsEpoch(1119, sealingEpoch, 120)).toBe(false);
    expect(blockSealsEpoch(1119.999, sealingEpoch, 120)).toBe(false);
    expect(epochEndTime(sealingEpoch, 120)).toBe(1120);
  });

  it("advances when the parent sits exactly on the boundary (>=, not the sketch's strict After)", () => {
    const start = { number: 10, startTime: 1000, pChainHeight: 7 };
    expect(nextEpoch({ timestamp: 1120, pChainHeight: 9, epoch: start }, 120)).toEqual({
      number: 11,
      startTime: 1120,
      pChainHeight: 9,
    });
    expect(nextEpoch({ timestamp: 1119, pChainHeight: 9, epoch: start }, 120)).toEqual(start);
  });

  it('starts the initial epoch at the anchor, which cannot seal it', () => {
    const first = initialEpoch({ timestamp: 0, pChainHeight: null });
    expect(first).toEqual({ number: 0, startTime: 0, pChainHeight: null });
    expect(blockSealsEpoch(0, first, 1e-9)).toBe(false);
  });

  it.each([0, -1, -120, Number.NaN, Number.POSITIVE_INFINITY])('rejects duration %s naming durationSeconds', (bad) => {
    expect(() => assertEpochDuration(bad)).toThrow(/durationSeconds/);
    expect(() => blockSealsEpoch(1120, { startTime: 1000 }, bad)).toThrow(/durationSeconds/);
    expect(() => nextEpoch({ timestamp: 1120, pChainHeight: 1, epoch }, bad)).toThrow(/durationSeconds/);
    expect(() => new BlockTimestampEpochSource(arrayReader([0, 1]).reader, { durationSeconds: bad })).toThrow(/durationSeconds/);
  });

  it('rejects a duration that is not a number', () => {
    expect(() => assertEpochDuration('120')).toThrow(/durationSeconds/);
  });

  it('rejects non-finite or negative timestamps naming the field', () => {
    expect(() => blockSealsEpoch(Number.NaN, { startTime: 0 }, 1)).toThrow(/blockTimestamp/);
    expect(() => blockSealsEpoch(5, { startTime: -1 }, 1)).toThrow(/startTime/);
  });
});

describe('BlockTimestampEpochSource', () => {
  it('reports the current epoch and no seal while the target is open', async () => {
    const { reader } = arrayReader([1000, 1010, 1020, 1119]);
    const status = await new BlockTimestampEpochSource(reader, { durationSeconds: 120 }).status(0);
    expect(status).toEqual({
      current: { number: 0, startTime: 1000, pChainHeight: null },
      headHeight: 3,
      headTimestamp: 1119,
      durationSeconds: 120,
    });
    expect('sealed' in status).toBe(false);
  });

  it('reports a future target as not sealed', async () => {
    const { reader } = arrayReader([0, 100, 200, 300, 400]);
    const status = await new BlockTimestampEpochSource(reader, { durationSeconds: 100 }).status(50);
    expect(status.sealed).toBeUndefined();
    expect(status.current.number).toBe(4);
  });

  it('seals with the head exactly on the boundary, and the head starts the next epoch', async () => {
    const { reader } = arrayReader([1000, 1010, 1120]);
    const status = await new BlockTimestampEpochSource(reader, { durationSeconds: 120 }).status(0);
    expect(status.sealed).toEqual({
      number: 0,
      startTime: 1000,
      pChainHeight: null,
      sealingHeight: 2,
      sealingTimestamp: 1120,
      sealingPChainHeight: null,
    });
    expect(status.current).toEqual({ number: 1, startTime: 1120, pChainHeight: null });
  });

  it('picks the first of many blocks sharing the sealing timestamp', async () => {
    const { reader } = arrayReader([0, 5, 5, 5, 10, 10, 10, 10, 10, 15, 19, 19]);
    const status = await new BlockTimestampEpochSource(reader, { durationSeconds: 10 }).status(0);
    expect(status.sealed?.sealingHeight).toBe(4);
    expect(status.current).toEqual({ number: 1, startTime: 10, pChainHeight: null });
  });

  it('handles a genesis timestamp of 0: block 1 seals epoch 0 iff D <= its timestamp', async () => {
    const sealedAt7 = await new BlockTimestampEpochSource(arrayReader([0, 7]).reader, { durationSeconds: 7 }).status(0);
    expect(sealedAt7.sealed?.sealingHeight).toBe(1);
    const openAt8 = await new BlockTimestampEpochSource(arrayReader([0, 7]).reader, { durationSeconds: 8 }).status(0);
    expect(openAt8.sealed).toBeUndefined();
    expect(openAt8.current).toEqual({ number: 0, startTime: 0, pChainHeight: null });
  });

  it('counts epochs from a configurable anchor block', async () => {
    const timestamps = [0, 500, 900, 1000, 1050, 1100, 1150, 1200];
    const source = new BlockTimestampEpochSource(arrayReader(timestamps).reader, { durationSeconds: 100, anchorHeight: 3 });
    expect(source.anchorHeight).toBe(3);
    const status = await source.status(1);
    expect(status).toEqual(bruteForce(timestamps, 3, 100, 1));
    expect(status.sealed).toMatchObject({ number: 1, startTime: 1100, sealingHeight: 7, sealingTimestamp: 1200 });
  });

  it('finds an epoch far in the past on a long chain with O(E log G) reads, each block read once', async () => {
    const head = 1_000_000;
    const chain = chainReader(head, (n) => n); // one block per second from t=0
    const status = await new BlockTimestampEpochSource(chain.reader, { durationSeconds: 1000 }).status(3);
    expect(status.sealed).toEqual({
      number: 3,
      startTime: 3000,
      pChainHeight: null,
      sealingHeight: 4000,
      sealingTimestamp: 4000,
      sealingPChainHeight: null,
    });
    expect(status.current).toEqual({ number: 1000, startTime: 1_000_000, pChainHeight: null });
    // 1000 sealed epochs, each found in about 2·log2(1000) ≈ 20 reads.
    expect(chain.total).toBeLessThan(25_000);
    expect(Math.max(...chain.reads.values())).toBe(1);
  });

  it('needs only a handful of reads when epochs are long', async () => {
    const chain = chainReader(1_000_000, (n) => 1_600_000_000 + n * 2);
    const status = await new BlockTimestampEpochSource(chain.reader, { durationSeconds: 500_000 }).status(1);
    expect(status.sealed?.sealingHeight).toBe(500_000);
    expect(status.current.number).toBe(4);
    expect(chain.total).toBeLessThan(200);
  });

  it('matches a brute-force linear walk on 150 random chains', async () => {
    const random = prng(0x181);
    const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
    let sealedSeen = 0;
    for (let c = 0; c < 150; c++) {
      const length = int(1, 300);
      const duration = random() < 0.15 ? int(1, 40) + 0.5 : int(1, 40);
      const timestamps = [random() < 0.3 ? 0 : int(0, 2_000_000_000)];
      for (let i = 1; i < length; i++) {
        const r = random();
        const gap = r < 0.35 ? 0 : r < 0.8 ? int(1, 5) : r < 0.95 ? int(0, duration * 3) : int(duration, duration * 40);
        timestamps.push(timestamps[i - 1]! + gap);
      }
      const anchorHeight = random() < 0.5 ? 0 : int(0, length - 1);
      const epochs = bruteForce(timestamps, anchorHeight, duration, -1).current.number;
      const targets = new Set([0, epochs, epochs + 1, int(0, epochs + 2)]);
      for (let t = 0; t < epochs; t += Math.max(1, Math.floor(epochs / 5))) targets.add(t);
      for (const target of targets) {
        const chain = arrayReader(timestamps);
        const source = new BlockTimestampEpochSource(chain.reader, { durationSeconds: duration, anchorHeight });
        const context = JSON.stringify({ c, duration, anchorHeight, target, timestamps });
        const status = await source.status(target);
        expect(status, context).toEqual(bruteForce(timestamps, anchorHeight, duration, target));
        if (chain.reads.size > 0) expect(Math.max(...chain.reads.values()), context).toBe(1);
        if (status.sealed) sealedSeen++;
      }
    }
    // The generator must actually exercise sealed epochs, not only open ones.
    expect(sealedSeen).toBeGreaterThan(150);
  });

  it('is JSON-friendly', async () => {
    const status = await new BlockTimestampEpochSource(arrayReader([0, 10, 20, 30]).reader, { durationSeconds: 10 }).status(1);
    expect(JSON.parse(JSON.stringify(status))).toEqual(status);
  });

  it.each([-1, 1.5, Number.NaN])('rejects targetEpoch %s naming the field', async (bad) => {
    const source = new BlockTimestampEpochSource(arrayReader([0, 1]).reader, { durationSeconds: 1 });
    await expect(source.status(bad)).rejects.toThrow(/targetEpoch/);
  });

  it('rejects a bad anchorHeight and an anchor above the head', async () => {
    expect(() => new BlockTimestampEpochSource(arrayReader([0]).reader, { durationSeconds: 1, anchorHeight: -1 })).toThrow(/anchorHeight/);
    const source = new BlockTimestampEpochSource(arrayReader([0, 1]).reader, { durationSeconds: 1, anchorHeight: 5 });
    await expect(source.status(0)).rejects.toThrow(/anchorHeight 5/);
  });

  it('refuses decreasing timestamps it runs into instead of picking an arbitrary block', async () => {
    const source = new BlockTimestampEpochSource(arrayReader([0, 10, 300, 5, 20, 200]).reader, { durationSeconds: 100 });
    await expect(source.status(0)).rejects.toThrow(/timestamps decrease: block 3/);
  });

  it('refuses a reader that answers with the wrong block', async () => {
    const reader: BlockReader = {
      head: async () => ({ number: 4, timestamp: 400 }),
      block: async (n) => ({ number: n + 1, timestamp: n * 100 }),
    };
    await expect(new BlockTimestampEpochSource(reader, { durationSeconds: 100 }).status(0)).rejects.toThrow(/asked for block 0, got block 1/);
  });
});

describe('findFirstBlockAtOrAfter', () => {
  it('checks its bracket', async () => {
    const read = async (n: number): Promise<BlockHeader> => ({ number: n, timestamp: n });
    await expect(findFirstBlockAtOrAfter(read, 5, { after: { number: 6, timestamp: 6 }, upTo: { number: 9, timestamp: 9 } })).rejects.toThrow(
      /no block can reach timestamp 5/,
    );
    await expect(findFirstBlockAtOrAfter(read, 5, { after: { number: 0, timestamp: 0 }, upTo: { number: 9, timestamp: 9 } })).resolves.toEqual({
      number: 5,
      timestamp: 5,
    });
  });
});

describe('evmBlockReader', () => {
  const timestamps = [1000, 1060, 1120, 1121];
  const requests: Array<{ method: string; params: unknown[] }> = [];
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        const { id, method, params } = JSON.parse(raw) as { id: number; method: string; params: unknown[] };
        requests.push({ method, params });
        const reply = (body: object) => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ jsonrpc: '2.0', id, ...body }));
        };
        if (method === 'eth_blockNumber') return reply({ result: `0x${(timestamps.length - 1).toString(16)}` });
        if (method === 'eth_getBlockByNumber') {
          const n = Number(BigInt(params[0] as string));
          const t = timestamps[n];
          if (n === 0xdead) return reply({ error: { code: -32000, message: 'header not found' } });
          return reply({
            result: t === undefined ? null : { number: `0x${n.toString(16)}`, timestamp: `0x${t.toString(16)}`, hash: '0x00' },
          });
        }
        return reply({ error: { code: -32601, message: 'method not found' } });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ext/bc/C/rpc?apikey=secret`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('reads head and blocks over JSON-RPC and drives the source', async () => {
    const reader = evmBlockReader(url);
    expect(await reader.head()).toEqual({ number: 3, timestamp: 1121 });
    expect(await reader.block(1)).toEqual({ number: 1, timestamp: 1060 });
    expect(requests).toContainEqual({ method: 'eth_getBlockByNumber', params: ['0x1', false] });

    const status = await new BlockTimestampEpochSource(reader, { durationSeconds: 120 }).status(0);
    expect(status.sealed).toMatchObject({ sealingHeight: 2, sealingTimestamp: 1120 });
    expect(status.current).toEqual({ number: 1, startTime: 1120, pChainHeight: null });
  });

  it('reports missing blocks and RPC errors without leaking the URL path or query', async () => {
    const reader = evmBlockReader(url);
    const missing = reader.block(9);
    await expect(missing).rejects.toThrow(/block 9 not found/);
    await expect(missing).rejects.not.toThrow(/secret|ext\/bc/);
    const failing = reader.block(0xdead);
    await expect(failing).rejects.toThrow(/RPC error -32000: header not found/);
    await expect(failing).rejects.not.toThrow(/secret/);
  });

  it('rejects a URL that is not absolute without echoing it', () => {
    expect(() => evmBlockReader('/rpc/secret')).toThrow(/^rpcUrl must be an absolute URL$/);
  });
});
