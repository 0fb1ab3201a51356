import { describe, expect, it } from 'vitest';
import type { ChainHeads } from '../../src/chains/avax/heads.js';
import { haltProofIssues } from '../../src/launch/haltProof.js';

const at = (height: number, p = 40, x: number | undefined = 12): ChainHeads => ({
  c: { height, hash: `0x${height.toString(16).padStart(64, '0')}`, stateRoot: `0x${'aa'.repeat(32)}`, timestamp: 1_700_000_000 + height },
  p,
  ...(x === undefined ? {} : { x }),
});

describe('the halt proof', () => {
  it('holds when the API node stands still and every validator is at or behind it', () => {
    const api = at(20);
    const validators = [
      { nodeId: 'NodeID-A', heads: { c: { height: 20, hash: api.c.hash }, p: 40, x: 12 } },
      // Halted first: the others accepted one more block without it.
      { nodeId: 'NodeID-B', heads: { c: { height: 19, hash: at(19).c.hash }, p: 39 } },
      // Its agent predates the reading: nothing to hold against the API node.
      { nodeId: 'NodeID-C', heads: {} },
    ];
    expect(haltProofIssues(api, at(20), validators)).toEqual([]);
  });

  it('names every chain that moved between the two reads', () => {
    const issues = haltProofIssues(at(20, 40, 12), at(21, 41, 13), []);
    expect(issues).toHaveLength(3);
    expect(issues[0]).toMatch(/C-Chain moved after the halt: .* from 20 .* to 21/);
    expect(issues[1]).toMatch(/P-Chain moved after the halt: .* from 40 to 41/);
    expect(issues[2]).toMatch(/X-Chain moved after the halt: .* from 12 to 13/);
  });

  it('sees a C block replaced at the same height (a reorg under the API node)', () => {
    const moved = { ...at(20), c: { ...at(20).c, hash: `0x${'bb'.repeat(32)}` as const } };
    expect(haltProofIssues(at(20), moved, [])).toEqual([expect.stringMatching(/C-Chain moved after the halt/)]);
  });

  it('refuses a validator ahead of the API node on any chain, naming it', () => {
    const api = at(20);
    const issues = haltProofIssues(api, api, [{ nodeId: 'NodeID-A', heads: { c: { height: 21, hash: at(21).c.hash }, p: 41, x: 13 } }]);
    expect(issues).toEqual([
      "validator NodeID-A accepted C-Chain block 21, beyond the API node's last accepted 20",
      "validator NodeID-A accepted P-Chain height 41, beyond the API node's 40",
      "validator NodeID-A accepted X-Chain height 13, beyond the API node's 12",
    ]);
  });

  it("refuses a validator whose block at the API node's height is another block", () => {
    const api = at(20);
    const issues = haltProofIssues(api, api, [{ nodeId: 'NodeID-B', heads: { c: { height: 20, hash: `0x${'cc'.repeat(32)}` } } }]);
    expect(issues).toEqual([expect.stringMatching(/^validator NodeID-B's C-Chain block 20 is 0xcccc.*; the API node's is 0x0+14$/)]);
  });
});
