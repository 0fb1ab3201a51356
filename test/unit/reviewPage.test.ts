import { describe, expect, it } from 'vitest';
import { avax, renderReviewPage, type ReviewInput } from '../../src/report/reviewPage.js';
import { reviewChart, reviewFigures as figures } from '../helpers/reviewFigures.js';

const sha = (c: string) => c.repeat(64);

function report(over: Partial<ReviewInput> = {}): ReviewInput {
  return {
    plan: { name: 'annual <2026>', chainId: 43112 },
    freeze: {
      height: 1234,
      hash: `0x${sha('a')}`,
      stateRoot: `0x${sha('b')}`,
      timestamp: 1_700_000_000,
      epoch: { number: 7, startTime: 1_699_999_000, durationSeconds: 30, pChainHeight: 55 },
    },
    genesis: {
      path: 'genesis/c.json',
      sha256: sha('c'),
      bytes: 10,
      stateRoot: `0x${sha('b')}`,
      stats: { accounts: 12, contracts: 2, storageSlots: 9, totalBalance: '5000000000000000000000', codeBytes: 100 },
    },
    verification: {
      ok: true,
      samples: 3,
      samplesPath: 's.jsonl',
      checks: [
        { name: 'stateRoot', ok: true, detail: 'root equal' },
        { name: 'supply', ok: true, detail: '5000 AVAX' },
      ],
    },
    rehearsal: null,
    ...over,
  };
}

describe('review page', () => {
  it('shows an EVM genesis: the sha256 to approve, the freeze, both roots and the supply, escaping what it prints', () => {
    const html = renderReviewPage(report());
    const f = figures(html);
    expect(f['genesis.sha256']).toBe(sha('c'));
    expect(f['freeze.height']).toBe('1234');
    expect(f['freeze.epoch']).toBe('7');
    expect(f['freeze.stateRoot']).toBe(`0x${sha('b')}`);
    expect(f['supply.c']).toBe('5000000000000000000000');
    expect(f['plan.name']).toBe('annual <2026>');
    expect(html).not.toContain('annual <2026>'); // escaped, never markup
    expect(html).toContain(`--genesis-sha256 ${sha('c')}`);
    expect(html).not.toMatch(/<script|https?:\/\//); // self-contained: nothing to run, nothing to fetch
    expect(html.match(/data-check="/g)).toHaveLength(2);
  });

  it('shows a primary genesis: what approvers approve is the primary file, with supply and validator charts', () => {
    const primary = {
      path: 'genesis/primary.json',
      sha256: sha('d'),
      bytes: 20,
      networkID: 1337,
      dialect: 'avalanchego' as const,
      hrp: 'custom',
      mode: 'independent' as const,
      startTime: 1_700_100_000,
      assetID: '2fombhL7aGPwj3KH4bfrmJwW6PVnMobf9Y2fn9GwxiAAJyFDbe',
      allocations: 3,
      initialStakedFunds: 1,
      allocated: { xChain: '300', pChain: '200', staked: '2000' },
      carried: { pChainUtxos: '200', xChainUtxos: '250', staked: '2000', movedToX: '50' },
      stakers: [{ nodeID: 'NodeID-new1', publicKey: null, weight: '2000' }],
      previousStake: [
        { nodeID: 'NodeID-old1', weight: '1500' },
        { nodeID: 'NodeID-old2', weight: '500' },
      ],
      cChainGenesis: { path: 'genesis/c.json', sha256: sha('c') },
    };
    const html = renderReviewPage(report({ primaryGenesis: primary }));
    const f = figures(html);
    expect(f['genesis.sha256']).toBe(sha('d'));
    expect(f['allocated.staked']).toBe('2000');
    expect(f.movedToX).toBe('50');
    // Bars carry the exact amounts; the C-Chain bar is in nAVAX (wei / 1e9).
    expect(reviewChart(html, 'supply')).toEqual([
      ['P-Chain UTXOs', '200'],
      ['X-Chain UTXOs', '250'],
      ['Staked', '2000'],
      ['C-Chain balances', '5000000000000'],
    ]);
    expect(html).not.toMatch(/<script|https?:\/\//);
    expect([...html.matchAll(/data-old="([^"]+)"/g)].map((m) => m[1])).toEqual(['NodeID-old1', 'NodeID-old2']);
    expect([...html.matchAll(/data-new="([^"]+)"/g)].map((m) => m[1])).toEqual(['NodeID-new1']);
  });

  it('reads amounts in AVAX with thousands separators beside the exact nAVAX, and shows NodeIDs whole', () => {
    expect(avax('310000000000000000')).toBe('310,000,000 AVAX');
    expect(avax('1500000001')).toBe('1.500000001 AVAX');
    expect(avax('50')).toBe('0.00000005 AVAX');
    expect(avax('0')).toBe('0 AVAX');
    const nodeId = 'NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg';
    const html = renderReviewPage(report({ primaryGenesis: primaryWith(nodeId, '310000000000000000') }));
    expect(html).toContain('<span data-figure="allocated.staked">310000000000000000</span> nAVAX (310,000,000 AVAX)');
    expect(html).toContain(`>${nodeId}</text>`);
    expect(reviewChart(html, 'new')).toEqual([[nodeId, '310000000000000000']]);
  });

  it('says what a two-stage launch does after the approval, its delta limits, the downtime and the chain IDs', () => {
    const launch = {
      operator: 'agents' as const,
      approvalsRequired: 2,
      stages: 2 as const,
      headsSettleSeconds: 5,
      deltaLimits: { accountsChanged: 100_000, validatorSetMayChange: false },
    };
    const f = figures(renderReviewPage(report({ plan: { name: 'n', chainId: 43112, launch }, sourceChainId: 43112 })));
    expect(f['launch.stages']).toMatch(/^Two stages: right after the last approval every validator of the old network is halted/);
    expect(f['launch.deltaLimits']).toBe('≤ 100,000 C-Chain accounts changed; validator set may not change');
    expect(f['launch.downtime']).toMatch(/^heads settle 5s \+ delta export/);
    expect(f['launch.chainIds']).toBe('43112 → 43112');
    expect(f['launch.chainIdReused']).toMatch(/keeps the old EVM chain ID/);

    const single = figures(renderReviewPage(report({ plan: { name: 'n', chainId: 43113, launch: { ...launch, stages: 1 } }, sourceChainId: 43112 })));
    expect(single['launch.stages']).toMatch(/^One stage: .* not carried/);
    expect(single['launch.deltaLimits']).toBeUndefined();
    expect(single['launch.chainIdReused']).toBeUndefined();
    expect(figures(renderReviewPage(report()))['launch.stages']).toBeUndefined();
  });
});

function primaryWith(nodeID: string, weight: string): NonNullable<ReviewInput['primaryGenesis']> {
  return {
    path: 'genesis/primary.json',
    sha256: sha('d'),
    bytes: 20,
    networkID: 1337,
    dialect: 'avalanchego',
    hrp: 'custom',
    mode: 'independent',
    startTime: 1_700_100_000,
    assetID: '2fombhL7aGPwj3KH4bfrmJwW6PVnMobf9Y2fn9GwxiAAJyFDbe',
    allocations: 1,
    initialStakedFunds: 1,
    allocated: { xChain: '0', pChain: '0', staked: weight },
    carried: { pChainUtxos: '0', xChainUtxos: '0', staked: weight },
    stakers: [{ nodeID, publicKey: null, weight }],
    previousStake: [{ nodeID, weight }],
    cChainGenesis: { path: 'genesis/c.json', sha256: sha('c') },
  } as NonNullable<ReviewInput['primaryGenesis']>;
}
