import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { digestOfJson, type DigestPage, type PageSource } from '../../src/chains/avax/blockDigest.js';
import { IndexHeightError, indexPages, type BlockIndex, type IndexStats } from '../../src/chains/avax/blockIndex.js';
import { walkPages } from '../../src/chains/avax/blockWalk.js';
import { digestOfContainer } from '../../src/chains/avax/containerDigest.js';
import { decodeCheckedHex, decodeId } from '../../src/chains/avax/encoding.js';

/**
 * Blocks of a local avalanchego v1.14.0 as its index serves them (hex containers: proposervm
 * blocks around the P/X blocks) and as getBlockByHeight's JSON shows them, recorded by
 * scripts/record-index-blocks.ts: transfers, atomic export and import both ways, a subnet, a
 * delegation. The decoder must find in the bytes what the JSON says.
 */
interface Recorded {
  index: number;
  height: number;
  container: string;
  json: unknown;
}
const FIXTURE = JSON.parse(readFileSync(new URL('../fixtures/vectors/avalanchego-v1.14.0/index-blocks.json', import.meta.url), 'utf8')) as {
  stakingAssetID: string;
  hrp: string;
  P: Recorded[];
  X: Recorded[];
};
const ASSET = decodeId(FIXTURE.stakingAssetID);

const sorted = (d: { height: number; owners: string[]; burned: bigint }) => ({ ...d, owners: [...d.owners].sort() });

/** An index over the recorded containers, counting requests; `from` is the first height it holds. */
function fakeIndex(chain: 'P' | 'X', blocks: Recorded[], from = 1, corrupt = new Set<number>()) {
  let requests = 0;
  const held = blocks.filter((b) => b.height >= from);
  const index = {
    chain,
    async range(start: number, count: number) {
      requests += 1;
      return held
        .slice(start, start + count)
        .map((b, i) => ({ index: start + i, bytes: corrupt.has(b.height) ? new Uint8Array([0, 0, 0, 0, 0, 99]) : decodeCheckedHex(b.container) }));
    },
  } as unknown as BlockIndex;
  return { indexed: { index, firstHeight: from }, requests: () => requests };
}

const jsonOf = (blocks: Recorded[]) => async (h: number) => blocks.find((b) => b.height === h)!.json;

async function collect(source: PageSource, from: number, to: number): Promise<DigestPage[]> {
  const pages: DigestPage[] = [];
  for await (const page of source(from, to)) pages.push(page);
  return pages;
}
const digestsOf = (pages: DigestPage[]) => pages.flatMap((p) => p.blocks).map(sorted);

describe('block index: containers decoded from their bytes', () => {
  for (const chain of ['P', 'X'] as const) {
    it(`every recorded ${chain}-Chain container names the owners and burns the fee its JSON does`, () => {
      const blocks = FIXTURE[chain];
      expect(blocks.length).toBeGreaterThan(2);
      for (const b of blocks) {
        const fromBytes = digestOfContainer(decodeCheckedHex(b.container), chain, FIXTURE.hrp, ASSET);
        expect(sorted(fromBytes), `${chain} height ${b.height}`).toEqual(sorted(digestOfJson(b.height, b.json, FIXTURE.stakingAssetID)));
      }
      // The recording holds owners and fees, so the comparison above compared something.
      expect(blocks.some((b) => digestOfJson(b.height, b.json, FIXTURE.stakingAssetID).burned > 0n)).toBe(true);
    });
  }

  it('the index path gives the walk’s pages in one request per 1024 blocks; a block it cannot decode is read as JSON', async () => {
    const blocks = FIXTURE.P;
    const head = blocks.length;
    const walk = walkPages(jsonOf(blocks), FIXTURE.stakingAssetID);
    const expected = digestsOf(await collect(walk, 1, head));
    const stats: IndexStats = { decoded: 0, fallbacks: 0 };
    const fake = fakeIndex('P', blocks, 1, new Set([2]));
    const pages = await collect(
      indexPages(fake.indexed, { hrp: FIXTURE.hrp, stakingAssetID: FIXTURE.stakingAssetID, blockJson: jsonOf(blocks), walk, stats }),
      1,
      head,
    );
    expect(digestsOf(pages)).toEqual(expected);
    expect(fake.requests()).toBe(1);
    expect(stats).toMatchObject({ decoded: head - 1, fallbacks: 1 });
    expect(pages[0]!.requests).toBe(2);
  });

  it('stops at the height asked for, walks heights below an index that starts late, and refuses an index whose heights disagree', async () => {
    const blocks = FIXTURE.P;
    const walk = walkPages(jsonOf(blocks), FIXTURE.stakingAssetID);
    const late = fakeIndex('P', blocks, 3);
    const to = blocks.length - 1;
    const pages = await collect(indexPages(late.indexed, { hrp: FIXTURE.hrp, stakingAssetID: FIXTURE.stakingAssetID, blockJson: jsonOf(blocks), walk }), 1, to);
    expect(pages.map((p) => [p.from, p.to])).toEqual([
      [1, 2],
      [3, to],
    ]);
    expect(digestsOf(pages)).toEqual(digestsOf(await collect(walk, 1, to)));

    expect(to).toBeGreaterThan(3);
    const wrong = fakeIndex('P', blocks, 1);
    const shifted = { ...wrong.indexed, firstHeight: 2 };
    await expect(
      collect(indexPages(shifted, { hrp: FIXTURE.hrp, stakingAssetID: FIXTURE.stakingAssetID, blockJson: jsonOf(blocks), walk }), 2, to),
    ).rejects.toThrow(IndexHeightError);
  });
});
