import { describe, expect, it } from 'vitest';
import { burnedInBlock } from '../../src/chains/avax/burnedFees.js';
import { quoteBigIntegers } from '../../src/chains/evm/rpc.js';
import type { ExchangeChain } from '../../src/chains/exchange/xchain.js';
import { cChainGenesisAllocOf, cChainIdOf } from '../../src/chains/platform/cChainGenesis.js';
import type { PlatformChain } from '../../src/chains/platform/pchain.js';
import type { UtxoRecord } from '../../src/chains/avax/utxo.js';
import type { DiscoveredAddresses, PChainExport, XChainExport } from '../../src/manifests.js';
import { parsePlan } from '../../src/plan/index.js';
import { planSchema } from '../../src/plan/schema.js';
import { findMissingOwners } from '../../src/verify/missingOwners.js';
import { judgeSupplyGap } from '../../src/verify/supplyGap.js';
import { planFor } from '../helpers/plans.js';
import { primaryPlanInput } from '../helpers/primaryPlan.js';

const AVAX = '2fombhL7aGPwj3KH4bfrmJwW6PVnMobf9Y2fn9GwxiAAJyFDbe';
const OTHER = '2JVSBoinj9C2J33VntvzYtVJNZdN2NKiwwKjcumHUWEb5DbBrm';
const E9 = 1_000_000_000n;
const assets = (amount: bigint, extra: Array<{ assetID: string; amount: string; nonFungibleUtxos: number }> = []) => [
  { assetID: AVAX, amount: amount.toString(), locked: '0', stakeableLocked: '0', utxos: 1, nonFungibleUtxos: 0 },
  ...extra.map((e) => ({ ...e, locked: '0', stakeableLocked: '0', utxos: 1 })),
];

/** Exports of a network whose node says supply 1,000 + rewards 50, with 200 nAVAX in its C-Chain genesis. */
function exports(options: { p?: bigint; x?: bigint; staked?: bigint; cGenesisWei?: bigint | null; otherOnX?: boolean } = {}) {
  const pChain = {
    pChainHeight: 7,
    headBefore: 7,
    headAfter: 7,
    stakingAssetID: AVAX,
    currentSupply: '1050',
    potentialRewards: '50',
    ...(options.cGenesisWei === null ? {} : { cChainGenesisAlloc: (options.cGenesisWei ?? 200n * E9).toString() }),
    validators: { path: 'exports/P/validators.jsonl', sha256: 'a', count: 1, totalWeight: (options.staked ?? 300n).toString() },
    utxos: { path: 'exports/P/utxos.jsonl', sha256: 'b', count: 1, assets: assets(options.p ?? 400n) },
  } as PChainExport;
  const xChain = {
    pChainHeight: 7,
    headBefore: 7,
    headAfter: 7,
    utxos: {
      path: 'exports/X/utxos.jsonl',
      sha256: 'c',
      count: 1,
      assets: assets(options.x ?? 250n, options.otherOnX ? [{ assetID: OTHER, amount: '77', nonFungibleUtxos: 0 }] : []),
    },
    assets: { path: 'exports/X/assets.jsonl', sha256: 'd', count: 1 },
  } as XChainExport;
  return { pChain, xChain };
}
// Reachable: 1,050 − 50 + 200 = 1,200; exported P 400 + X 250 + staked 300 + C 250 = 1,200.
const C_WEI = 250n * E9;

describe("supply gap: the export against the node's own supply", () => {
  it('a gap of zero passes and states each term, the potential rewards on their own', () => {
    const { check, gap } = judgeSupplyGap({ assetID: AVAX, ...exports(), cExportedWei: C_WEI, maxGap: '0' });
    expect(check).toMatchObject({ name: `supply-gap-${AVAX}`, ok: true });
    expect(gap).toMatchObject({
      judged: true,
      ok: true,
      nodeSupply: '1050',
      potentialRewards: '50',
      cChainGenesis: '200',
      burnedFees: null,
      exported: '1200',
      gap: '0',
      maxGap: '0',
    });
    expect(check.detail).toMatch(
      /^gap 0 within the limit 0 \(plan\.chains\.P\.maxSupplyGap\): the node's supply 1050, less 50 of potential rewards \(counted there, not minted yet\), plus the C-Chain genesis allocation 200/,
    );
  });

  it('a gap above the limit fails, naming the gap, the limit and the largest owners found', () => {
    const input = { assetID: AVAX, ...exports({ x: 150n }), cExportedWei: C_WEI, maxGap: '60' };
    const missing = {
      owners: [{ address: 'X-local1ur873jhz9qnaqv5qthk5sn3e8nj3e0kmggalnu', pChain: '0', xChain: '100' }],
      searched: '3 unexported owners looked up',
    };
    const { check, gap } = judgeSupplyGap({ ...input, missing });
    expect(check.ok).toBe(false);
    expect(gap).toMatchObject({ ok: false, gap: '100', maxGap: '60', missingOwners: missing.owners });
    expect(check.detail).toMatch(/^gap 100 ABOVE the limit 60 \(plan\.chains\.P\.maxSupplyGap\)/);
    expect(check.detail).toContain('largest owners not exported: X-local1ur873jhz9qnaqv5qthk5sn3e8nj3e0kmggalnu (P 0, X 100) (3 unexported owners looked up)');
    // Within a larger limit the same export passes.
    expect(judgeSupplyGap({ ...input, maxGap: '100' }).check.ok).toBe(true);
  });

  it('a negative gap fails: the export reached more than the node says exists', () => {
    const { check, gap } = judgeSupplyGap({ assetID: AVAX, ...exports({ p: 401n }), cExportedWei: C_WEI, maxGap: '1000' });
    expect(check.ok).toBe(false);
    expect(gap.gap).toBe('-1');
    expect(check.detail).toMatch(/^NEGATIVE gap -1: the export reached more than the node says exists/);
  });

  it('subtracts the fees discovery counted as burned, and keeps the C-Chain part below 1 nAVAX', () => {
    const discovered = { path: 'exports/addresses.jsonl', sha256: 'e', count: 3, pBlocks: 2, xBlocks: 2, burned: { P: '7', X: '3' } } as DiscoveredAddresses;
    const judged = judgeSupplyGap({ assetID: AVAX, ...exports({ x: 240n }), cExportedWei: C_WEI, discovered, maxGap: '0' });
    expect(judged.gap).toMatchObject({ ok: true, gap: '0', burnedFees: { P: '7', X: '3' } });
    const dusty = judgeSupplyGap({ assetID: AVAX, ...exports({ x: 240n }), cExportedWei: C_WEI - 5n, discovered, maxGap: '0' });
    expect(dusty.gap.gap).toBe('0.000000005');
    expect(dusty.check.ok).toBe(false);
  });

  it('without the C-Chain genesis the node served, the term is said to be unknown, not taken as zero silently', () => {
    const { check } = judgeSupplyGap({ assetID: AVAX, ...exports({ cGenesisWei: null }), cExportedWei: C_WEI, maxGap: '0' });
    expect(check.ok).toBe(false);
    expect(check.detail).toContain('the C-Chain genesis allocation unknown (the node did not serve it)');
  });

  it('states no gap for an X-Chain asset, whose supply the node does not serve', () => {
    const { check, gap } = judgeSupplyGap({ assetID: AVAX, ...exports({ otherOnX: true }), cExportedWei: C_WEI, maxGap: '0' });
    expect(gap.otherAssets).toEqual([{ chain: 'X', assetID: OTHER, exported: '77', why: expect.stringMatching(/the node serves no supply for it/) }]);
    expect(check.detail).toContain(`X-Chain ${OTHER}: exported 77; the node serves no supply for it`);
  });

  it('the plan limit is chains.P.maxSupplyGap, a decimal nAVAX string defaulting to "0"', () => {
    const pChain = planSchema.shape.chains.shape.P.unwrap();
    expect(pChain.parse({ addresses: [] }).maxSupplyGap).toBe('0');
    expect(pChain.parse({ maxSupplyGap: '123456789012345678901' }).maxSupplyGap).toBe('123456789012345678901');
    const plan = primaryPlanInput({ startTime: 1_900_000_000, networkId: 88_888, validators: [] });
    expect(() => parsePlan(planFor(plan, { chains: { P: { maxSupplyGap: '5e9' } } }), 1_800_000_000)).toThrow(/plan\.chains\.P\.maxSupplyGap: a whole amount/);
  });
});

describe('what the blocks burned, and reading them exactly', () => {
  const input = (amount: number | string, assetID = AVAX) => ({ txID: 't', outputIndex: 0, assetID, fxID: 'spdx', input: { amount, signatureIndices: [0] } });
  const output = (amount: number | string, assetID = AVAX) => ({
    assetID,
    fxID: 'spdx',
    output: { addresses: ['P-local18jma8ppw3nhx5r4ap8clazz0dps7rv5u00z96u'], amount, locktime: 0, threshold: 1 },
  });

  it('counts inputs less outputs, exported outputs and stake of the staking asset, per transaction', () => {
    const block = {
      height: 3,
      txs: [
        // A base transaction: 1,000 in, 990 out.
        { unsignedTx: { inputs: [input(1000)], outputs: [output(990)] }, credentials: [] },
        // A validator: a stakeable-locked input, change, stake.
        {
          unsignedTx: {
            inputs: [{ assetID: AVAX, input: { locktime: 99, input: { amount: '5000', signatureIndices: [0] } } }],
            outputs: [output(1000)],
            stake: [{ assetID: AVAX, output: { locktime: 99, output: { amount: '3995', addresses: [] } } }],
          },
        },
        // An export to another chain and an import from one.
        { unsignedTx: { inputs: [input(700)], outputs: [], exportedOutputs: [output(698)] } },
        { unsignedTx: { inputs: [], outputs: [output(399)], importedInputs: [input(400)] } },
        // Another asset moves without counting; a reward transaction mints without inputs.
        { unsignedTx: { inputs: [input(50, OTHER)], outputs: [output(10, OTHER)] } },
        { unsignedTx: { txID: 'reward' } },
      ],
    };
    expect(burnedInBlock(block, AVAX)).toBe(10n + 5n + 2n + 1n);
    // A proposal block carries one `tx`.
    expect(burnedInBlock({ tx: { unsignedTx: { inputs: [input(9)], outputs: [output(4)] } } }, AVAX)).toBe(5n);
  });

  it('refuses an amount that lost its digits rather than counting it', () => {
    expect(() => burnedInBlock({ txs: [{ unsignedTx: { inputs: [input(2 ** 60)], outputs: [] } }] }, AVAX)).toThrow(/amount: expected an unsigned integer/);
  });

  it('reads integers of 16+ digits as decimal strings, outside strings only', () => {
    const text = '{"amount":10000000000000001,"n":[12345678901234567, 1],"memo":"x:1234567890123456789} \\" 12345678901234567","small":-5,"f":1.5e300}';
    expect(JSON.parse(quoteBigIntegers(text))).toEqual({
      amount: '10000000000000001',
      n: ['12345678901234567', 1],
      memo: 'x:1234567890123456789} " 12345678901234567',
      small: -5,
      f: 1.5e300,
    });
  });

  it('sums the C-Chain genesis allocation from its creation transaction (the local genesis: 50M AVAX to ewoq)', () => {
    const genesis = {
      config: { chainId: 43112 },
      alloc: {
        '8db97C7cEcE249c2b98bDC0226Cc4C2A57BF52FC': { balance: '0x295BE96E64066972000000' },
        '0100000000000000000000000000000000000000': { code: '0x00', balance: '0x0' },
      },
    };
    const reply = { tx: { unsignedTx: { chainName: 'C-Chain', genesisData: Buffer.from(JSON.stringify(genesis)).toString('base64') } } };
    expect(cChainGenesisAllocOf(reply)).toBe(50_000_000n * 10n ** 18n);
    expect(
      cChainIdOf({
        blockchains: [
          { id: 'x-id', name: 'X-Chain' },
          { id: 'c-id', name: 'C-Chain' },
        ],
      }),
    ).toBe('c-id');
    expect(cChainIdOf({ blockchains: [] })).toBeUndefined();
  });
});

describe('the owner search behind a gap over the limit', () => {
  const OWNERS = {
    exported: 'local18jma8ppw3nhx5r4ap8clazz0dps7rv5u00z96u',
    genesis: 'local1ur873jhz9qnaqv5qthk5sn3e8nj3e0kmggalnu',
    rewards: 'local1g65uqn6t77p656w64023nh8nd9updzmxyymev2',
  };
  /** UTXO records as the node serves them (what balanceByOwner reads). */
  const utxo = (address: string, amount: bigint, assetID = AVAX) =>
    ({ assetID, amount: amount.toString(), owners: { locktime: '0', threshold: 1, addresses: [address] } }) as unknown as UtxoRecord;
  const held: Record<string, UtxoRecord[]> = {
    [`P-${OWNERS.genesis}`]: [utxo(`P-${OWNERS.genesis}`, 10n ** 16n)],
    [`X-${OWNERS.genesis}`]: [utxo(`X-${OWNERS.genesis}`, 2n * 10n ** 16n)],
    [`X-${OWNERS.rewards}`]: [utxo(`X-${OWNERS.rewards}`, 5n), utxo(`X-${OWNERS.rewards}`, 99n, OTHER)],
  };
  const asked: string[] = [];
  const utxos = (addresses: Iterable<string>) =>
    (async function* () {
      const list = [...addresses];
      asked.push(...list);
      for (const a of list) yield* held[a] ?? [];
    })();
  const pchain = {
    blockJson: async (h: number) => ({
      height: h,
      txs: [{ unsignedTx: { outputs: [{ assetID: AVAX, output: { addresses: [`P-${OWNERS.exported}`], amount: 1 } }] } }],
    }),
    utxos,
  } as unknown as PlatformChain;
  const xchain = {
    txJson: async () => ({ unsignedTx: { initialStates: [{ outputs: [{ addresses: [`X-${OWNERS.genesis}`, `X-${OWNERS.exported}`] }] }] } }),
    height: async () => 500,
    blockJson: async (h: number) => ({ height: h, txs: h === 500 ? [{ unsignedTx: { outputs: [{ output: { addresses: [`X-${OWNERS.rewards}`] } }] } }] : [] }),
    utxos,
  } as unknown as ExchangeChain;
  const validators = (async function* () {
    yield { nodeID: 'NodeID-A', validationRewardOwner: { addresses: [`P-${OWNERS.rewards}`] } };
  })();

  it('ranks the unexported owners it can see by their P + X balance, never the exported ones, within its bounds', async () => {
    const found = await findMissingOwners({
      pchain,
      xchain,
      stakingAssetID: AVAX,
      pChainHeight: 3,
      validators,
      exported: new Set([OWNERS.exported]),
      limits: { recentBlocks: 10 },
    });
    expect(found.owners).toEqual([
      { address: `X-${OWNERS.genesis}`, pChain: (10n ** 16n).toString(), xChain: (2n * 10n ** 16n).toString() },
      { address: `X-${OWNERS.rewards}`, pChain: '0', xChain: '5' },
    ]);
    expect(found.searched).toBe(
      '2 unexported owners looked up: 1 from the validator set, 1 from the X-Chain genesis, 0 from the last 3 P- and 10 X-Chain blocks',
    );
    expect(asked.some((a) => a.endsWith(OWNERS.exported))).toBe(false);
  });
});
