import { mkdtempSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { AtomicFile } from '../../src/artifacts/atomicFile.js';
import { walkPages } from '../../src/chains/avax/blockWalk.js';
import { discoverOwners, type DiscoveryInput, type DiscoveryResult } from '../../src/chains/avax/discovery.js';
import { discardOwnerLog, type DiscoveryCursor } from '../../src/chains/avax/discoveryLog.js';
import type { ExchangeChain } from '../../src/chains/exchange/xchain.js';
import type { PlatformChain } from '../../src/chains/platform/pchain.js';
import { formatAddress } from '../../src/keys/address.js';

/**
 * A fake node whose blocks each name a fresh owner (and some a shared one) and burn a fee, with
 * every block request counted: resuming must give the uninterrupted result and re-read at most
 * the page that was in flight.
 */
const AVAX = '2fombhL7aGPwj3KH4bfrmJwW6PVnMobf9Y2fn9GwxiAAJyFDbe';
const P_HEIGHT = 300;
const X_HEAD = 90;
const PAGE = 32;
const CONCURRENCY = 4;

function ownerOf(chain: 'P' | 'X', h: number): string {
  const id = new Uint8Array(20);
  new DataView(id.buffer).setUint32(0, h);
  id[19] = chain === 'P' ? 1 : 2;
  return formatAddress(chain, 'local', id);
}

function fakeNode(fault?: { chain: 'P' | 'X'; height: number }) {
  const reads = new Map<string, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  const block = (chain: 'P' | 'X') => async (h: number) => {
    if (h < 1 || h > (chain === 'P' ? P_HEIGHT : X_HEAD)) throw new Error(`${chain} block ${h} beyond the walk's end`);
    reads.set(`${chain}${h}`, (reads.get(`${chain}${h}`) ?? 0) + 1);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await sleep(h % 3);
    inFlight -= 1;
    if (fault && fault.chain === chain && fault.height === h) {
      fault = undefined;
      throw new Error(`node fault at ${chain}${h}`);
    }
    const shared = ownerOf(chain, 1_000_000 + (h % 7));
    return {
      height: h,
      txs: [
        {
          unsignedTx: {
            outputs: [{ assetID: AVAX, output: { addresses: [ownerOf(chain, h), shared], amount: 100 } }],
            inputs: [{ assetID: AVAX, input: { amount: 100 + h } }],
          },
        },
      ],
    };
  };
  const pBlock = block('P');
  const xBlock = block('X');
  const pchain = {
    async *validatorSet() {
      yield { validationRewardOwner: { addresses: [ownerOf('P', 0)] } };
    },
    blockJson: pBlock,
  } as unknown as PlatformChain;
  const xchain = {
    txJson: async () => ({ unsignedTx: { initialStates: [{ outputs: [{ addresses: [ownerOf('X', 0)] }] }] } }),
    height: async () => X_HEAD,
    blockJson: xBlock,
  } as unknown as ExchangeChain;
  const input = (more: Partial<DiscoveryInput>): DiscoveryInput => ({
    pchain,
    xchain,
    pChainHeight: P_HEIGHT,
    stakingAssetID: AVAX,
    pages: {
      P: walkPages(pBlock, AVAX, { pageSize: PAGE, concurrency: CONCURRENCY }),
      X: walkPages(xBlock, AVAX, { pageSize: PAGE, concurrency: CONCURRENCY }),
    },
    ...more,
  });
  const reReads = (): number => [...reads.values()].reduce((sum, n) => sum + n - 1, 0);
  return { input, reads, reReads, maxInFlight: () => maxInFlight };
}

const expectedBurn = (n: number): bigint => BigInt((n * (n + 1)) / 2);

/** A result with its owners listed, to compare as a whole. */
const listed = (result: DiscoveryResult) => ({ ...result, owners: [...result.owners] });

describe('owner discovery: parallel walk and checkpoint', () => {
  it('reads several blocks at a time, never more than the bound, and finds what one-by-one finds', async () => {
    const node = fakeNode();
    const found = await discoverOwners(node.input({}));
    expect(node.maxInFlight()).toBeGreaterThan(1);
    expect(node.maxInFlight()).toBeLessThanOrEqual(CONCURRENCY);
    expect(node.reReads()).toBe(0);
    expect(found.pBlocks).toBe(P_HEIGHT);
    expect(found.xBlocks).toBe(X_HEAD);
    expect(found.burned).toEqual({ P: expectedBurn(P_HEIGHT), X: expectedBurn(X_HEAD) });
    // one fresh owner a block, 7 shared per chain, the reward owner and the X genesis owner
    expect(found.owners.size).toBe(P_HEIGHT + X_HEAD + 14 + 2);
    const sequential = await discoverOwners({ ...node.input({}), pages: undefined });
    expect([...sequential.owners]).toEqual([...found.owners]);
    expect(sequential.burned).toEqual(found.burned);
  });

  it('stopped after three pages, a retry resumes from the checkpoint: same result, at most the page in flight read again', async () => {
    const whole = listed(await discoverOwners(fakeNode().input({})));
    const dir = mkdtempSync(join(tmpdir(), 'discovery-'));
    const logPath = join(dir, 'addresses.found.jsonl');
    const node = fakeNode();
    const stop = new AbortController();
    let last: DiscoveryCursor | undefined;
    let pages = 0;
    const checkpoint = (c: DiscoveryCursor): void => {
      last = c;
      if (++pages === 3) stop.abort();
    };
    const first = discoverOwners(node.input({ logPath, signal: stop.signal, checkpoint }));
    await expect(first).rejects.toThrow();
    expect(last?.next).toEqual({ P: 3 * PAGE + 1, X: 1 });
    expect(existsSync(AtomicFile.partialPath(logPath))).toBe(true);

    const resumed = listed(await discoverOwners(node.input({ logPath, resume: last })));
    expect(resumed).toMatchObject({
      owners: whole.owners,
      burned: whole.burned,
      pBlocks: whole.pBlocks,
      xBlocks: whole.xBlocks,
      resumedFrom: { P: 3 * PAGE + 1, X: 1 },
    });
    expect(node.reReads()).toBeLessThanOrEqual(CONCURRENCY);
    // The log is dropped once the result is returned.
    expect(existsSync(AtomicFile.partialPath(logPath))).toBe(false);
  });

  it('a node fault mid-page on the X-Chain: the retry keeps every P block and the X pages before it', async () => {
    const whole = listed(await discoverOwners(fakeNode().input({})));
    const logPath = join(mkdtempSync(join(tmpdir(), 'discovery-')), 'addresses.found.jsonl');
    const node = fakeNode({ chain: 'X', height: 2 * PAGE + 10 });
    let last: DiscoveryCursor | undefined;
    await expect(discoverOwners(node.input({ logPath, checkpoint: (c) => (last = c) }))).rejects.toThrow(/node fault at X74/);
    expect(last).toMatchObject({ next: { P: P_HEIGHT + 1, X: 2 * PAGE + 1 }, xHead: X_HEAD });
    const resumed = listed(await discoverOwners(node.input({ logPath, resume: last })));
    expect(resumed).toMatchObject({ owners: whole.owners, burned: whole.burned, pBlocks: P_HEIGHT, xBlocks: X_HEAD });
    expect([...node.reads.keys()].filter((k) => k.startsWith('P') && node.reads.get(k)! > 1)).toEqual([]);
    expect(node.reReads()).toBeLessThanOrEqual(PAGE);
  });

  it('with keepLog the log outlives success: a retry after the owners were found reads no block again', async () => {
    const logPath = join(mkdtempSync(join(tmpdir(), 'discovery-')), 'addresses.found.jsonl');
    const node = fakeNode();
    let last: DiscoveryCursor | undefined;
    const done = listed(await discoverOwners(node.input({ logPath, keepLog: true, checkpoint: (c) => (last = c) })));
    expect(existsSync(AtomicFile.partialPath(logPath))).toBe(true);
    const again = listed(await discoverOwners(node.input({ logPath, keepLog: true, resume: last })));
    expect(again).toMatchObject({ owners: done.owners, burned: done.burned, requests: 0 });
    expect(node.reReads()).toBe(0);
    await discardOwnerLog(logPath);
    expect(existsSync(AtomicFile.partialPath(logPath))).toBe(false);
  });

  it('a cursor the log no longer backs (partial file gone) is not trusted: discovery starts over', async () => {
    const whole = listed(await discoverOwners(fakeNode().input({})));
    const logPath = join(mkdtempSync(join(tmpdir(), 'discovery-')), 'addresses.found.jsonl');
    const stale: DiscoveryCursor = { next: { P: 200, X: 1 }, burned: { P: '5', X: '0' }, bytes: 4096, owners: 60 };
    const node = fakeNode();
    const found = listed(await discoverOwners(node.input({ logPath, resume: stale })));
    expect(found.resumedFrom).toBeUndefined();
    expect(found).toMatchObject({ owners: whole.owners, burned: whole.burned });
  });

  it('a log that cannot be read back (a line that is no owner) is not trusted either: discovery starts over', async () => {
    const logPath = join(mkdtempSync(join(tmpdir(), 'discovery-')), 'addresses.found.jsonl');
    const node = fakeNode();
    let last: DiscoveryCursor | undefined;
    const done = listed(await discoverOwners(node.input({ logPath, keepLog: true, checkpoint: (c) => (last = c) })));
    // The first owner's line, same length, no longer an owner.
    const partial = AtomicFile.partialPath(logPath);
    const text = readFileSync(partial, 'utf8');
    writeFileSync(
      partial,
      text.replace(/^"([a-z]+)1/, (_m, hrp: string) => `"${hrp.toUpperCase()}1`),
    );
    expect(readFileSync(partial, 'utf8')).not.toBe(text);
    const again = listed(await discoverOwners(fakeNode().input({ logPath, resume: last })));
    expect(again.resumedFrom).toBeUndefined();
    expect(again).toMatchObject({ owners: done.owners, burned: done.burned });
  });
});
