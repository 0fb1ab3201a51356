import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { ValidatorRecord } from '../../src/chains/platform/validatorRecord.js';
import { parseStakeOutputs, type StakeOutput } from '../../src/chains/platform/stake.js';
import type { UtxoRecord } from '../../src/chains/avax/utxo.js';
import {
  allocationsFromExports,
  buildPrimaryGenesis,
  parseJson,
  PrimaryGenesisError,
  splitStakeWeights,
  type CarriedAllocations,
} from '../../src/genesis/primary/index.js';
import { shortIdFromAddress } from '../../src/keys/address.js';
import type { PChainExport, PrimaryGenesisManifest, XChainExport } from '../../src/manifests.js';
import { crossChainChecks } from '../../src/verify/crossChainSupply.js';

/**
 * The primary genesis of a new network, carried from a P/X export. The export simulated here is
 * what avalanchego serves after loading its own genesis_local.json (seen on a v1.14.0 node): the
 * unlocks of unstaked allocations as P-Chain UTXOs, initial amounts as X-Chain UTXOs, and the
 * staked allocation as five validators' stake outputs owned by its address.
 */

const VECTORS = new URL('../fixtures/vectors/avalanchego-v1.14.0/', import.meta.url);
const local = parseJson(readFileSync(new URL('genesis_local.json', VECTORS), 'utf8')) as {
  allocations: Array<{ avaxAddr: string; initialAmount: number | bigint; unlockSchedule: Array<{ amount: number | bigint; locktime?: number | bigint }> }>;
  initialStakedFunds: string[];
  initialStakers: Array<{ nodeID: string; rewardAddress: string; delegationFee: number; signer: { publicKey: string; proofOfPossession: string } }>;
};
const AVAX = '2fombhL7aGPwj3KH4bfrmJwW6PVnMobf9Y2fn9GwxiAAJyFDbe';
const OTHER_ASSET = '2JVSBoinj9C2J33VntvzYtVJNZdN2NKiwwKjcumHUWEb5DbBrm';
const START = 1_900_000_000;
const onChain = (chain: 'P' | 'X', address: string): string => `${chain}-${address.slice(2)}`;
const sole = (address: string) => ({ locktime: '0', threshold: 1, addresses: [address] });

let n = 0;
function utxo(chain: 'P' | 'X', address: string, amount: bigint, extra: Partial<UtxoRecord> = {}): UtxoRecord {
  n += 1;
  return {
    utxoID: `utxo${n}`,
    txID: `tx${n}`,
    outputIndex: 0,
    assetID: AVAX,
    chain,
    typeID: 7,
    type: 'secp256k1fx.TransferOutput',
    amount: amount.toString(),
    owners: sole(onChain(chain, address)),
    ...extra,
  };
}

function validator(nodeID: string, weight: bigint, stake: StakeOutput[] | null): ValidatorRecord {
  return {
    nodeID,
    height: 0,
    weight: weight.toString(),
    publicKey: null,
    details: stake === null ? 'missing' : 'current',
    txID: stake === null ? null : `stake-${nodeID}`,
    startTime: null,
    endTime: null,
    stake: weight.toString(),
    delegatorCount: 0,
    delegatorWeight: '0',
    delegationFee: null,
    delegationShares: null,
    signer: null,
    validationRewardOwner: null,
    delegationRewardOwner: null,
    potentialReward: null,
    accruedDelegateeReward: null,
    stakeOutputs: stake,
    delegators: [],
  };
}

const stakeOutput = (address: string, amount: bigint): StakeOutput => ({
  assetID: AVAX,
  amount: amount.toString(),
  stakeableLocktime: '0',
  owners: sole(onChain('P', address)),
});

/** The local network's state after genesis, as a P/X export reads it. */
function localExport() {
  const staked = new Set(local.initialStakedFunds);
  const pUtxos: UtxoRecord[] = [];
  const xUtxos: UtxoRecord[] = [];
  let stakedTotal = 0n;
  for (const a of local.allocations) {
    if (BigInt(a.initialAmount) > 0n) xUtxos.push(utxo('X', a.avaxAddr, BigInt(a.initialAmount)));
    for (const u of a.unlockSchedule) {
      if (staked.has(a.avaxAddr)) stakedTotal += BigInt(u.amount);
      else
        pUtxos.push(
          utxo('P', a.avaxAddr, BigInt(u.amount), u.locktime ? { typeID: 22, type: 'stakeable.LockOut', stakeableLocktime: String(u.locktime) } : {}),
        );
    }
  }
  const weight = stakedTotal / BigInt(local.initialStakers.length);
  const validators = local.initialStakers.map((s) => validator(s.nodeID, weight, [stakeOutput(local.initialStakedFunds[0]!, weight)]));
  return { pUtxos, xUtxos, validators };
}

async function* each<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

async function carry(exported: ReturnType<typeof localExport>, hrp = 'custom', stakeOwnerBalances?: 'refuse' | 'move-to-x'): Promise<CarriedAllocations> {
  return allocationsFromExports({
    ...(stakeOwnerBalances ? { stakeOwnerBalances } : {}),
    assetID: AVAX,
    hrp,
    startTime: START,
    pUtxos: each(exported.pUtxos),
    xUtxos: each(exported.xUtxos),
    validators: each(exported.validators),
  });
}

async function refusal(exported: ReturnType<typeof localExport>): Promise<string> {
  const err = await carry(exported).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PrimaryGenesisError);
  return (err as Error).message;
}

describe('allocations carried from a P/X export', () => {
  it("gives every owner what it held, on the same chain, under the new network's HRP", async () => {
    const carried = await carry(localExport());
    const byOwner = new Map(carried.allocations.map((a) => [Buffer.from(shortIdFromAddress(a.utxoAddress)).toString('hex'), a]));
    expect(carried.allocations.map((a) => a.utxoAddress.startsWith('X-custom1'))).toEqual([true, true, true]);
    for (const original of local.allocations) {
      const a = byOwner.get(Buffer.from(shortIdFromAddress(original.avaxAddr)).toString('hex'))!;
      expect(a.initialAmount).toBe(BigInt(original.initialAmount));
      const unlocked = a.unlockSchedule.reduce((s, u) => s + BigInt(u.amount), 0n);
      expect(unlocked).toBe(original.unlockSchedule.reduce((s, u) => s + BigInt(u.amount), 0n));
      if (!local.initialStakedFunds.includes(original.avaxAddr)) {
        // Unstaked owners keep each unlock with its lock.
        expect(a.unlockSchedule).toEqual(
          original.unlockSchedule.map((u) => (u.locktime ? { amount: BigInt(u.amount), locktime: BigInt(u.locktime) } : { amount: BigInt(u.amount) })),
        );
      }
    }
    // The stake's owner is the one initially staked address, so the new stakers stake what was staked.
    expect(carried.initialStakedFunds.map((a) => shortIdFromAddress(a))).toEqual(local.initialStakedFunds.map((a) => shortIdFromAddress(a)));
    expect(carried.carried).toEqual({ pChainUtxos: '40000000000000000', xChainUtxos: '310000000000000000', staked: '10000000000000000', movedToX: '0' });
  });

  it("builds a genesis whose stakers the node gives the old validators' weights", async () => {
    const carried = await carry(localExport(), 'local');
    const genesis = buildPrimaryGenesis({
      dialect: 'avalanchego',
      networkID: 12345,
      allocations: carried.allocations,
      startTime: START,
      initialStakeDuration: 31_536_000,
      initialStakeDurationOffset: 5400,
      initialStakedFunds: carried.initialStakedFunds,
      validators: local.initialStakers.map((s) => ({ nodeID: s.nodeID, rewardAddress: s.rewardAddress, delegationFee: s.delegationFee, signer: s.signer })),
      cChainGenesis: '{"config":{"chainId":43112}}',
      message: '',
    });
    const staked = genesis.allocations.filter((a) => genesis.initialStakedFunds.includes((a as { avaxAddr: string }).avaxAddr));
    const weights = splitStakeWeights(
      staked.map((a) => ({ unlockAmounts: a.unlockSchedule.map((u) => u.amount) })),
      genesis.initialStakers.length,
    );
    expect(weights).toEqual(carried.stakeByNode.map((s) => BigInt(s.weight)));
  });

  it('refuses what a genesis cannot hold, naming the record', async () => {
    const base = localExport;
    let e = base();
    e.pUtxos.push(
      utxo('P', local.allocations[1]!.avaxAddr, 5n, {
        owners: { locktime: '0', threshold: 2, addresses: [onChain('P', local.allocations[0]!.avaxAddr), onChain('P', local.allocations[1]!.avaxAddr)] },
      }),
    );
    expect(await refusal(e)).toMatch(/P-Chain UTXO utxo\d+: owned 2-of-2: a genesis allocation has exactly one owner/);

    e = base();
    e.xUtxos.push(utxo('X', local.allocations[1]!.avaxAddr, 7n, { assetID: OTHER_ASSET }));
    expect(await refusal(e)).toMatch(new RegExp(`X-Chain UTXO utxo\\d+: holds asset ${OTHER_ASSET}.*only the staking asset ${AVAX}`));

    e = base();
    e.xUtxos.push(
      utxo('X', local.allocations[1]!.avaxAddr, 7n, { owners: { ...sole(onChain('X', local.allocations[1]!.avaxAddr)), locktime: String(START + 1) } }),
    );
    expect(await refusal(e)).toMatch(/X-Chain UTXO utxo\d+: is locked until \d+, after the new genesis starts/);

    e = base();
    e.pUtxos.push(
      utxo('P', local.allocations[1]!.avaxAddr, 7n, { owners: { ...sole(onChain('P', local.allocations[1]!.avaxAddr)), locktime: String(START + 1) } }),
    );
    expect(await refusal(e)).toMatch(/P-Chain UTXO utxo\d+: is locked \(not stakeable\) until \d+, after the new genesis starts/);

    e = base();
    e.pUtxos.push(utxo('P', local.initialStakedFunds[0]!, 9n));
    expect(await refusal(e)).toMatch(/P-Chain UTXOs of P-custom1\w+: this address also owns stake/);

    e = base();
    e.validators[0]!.weight = (BigInt(e.validators[0]!.weight) + 1n).toString();
    expect(await refusal(e)).toMatch(
      new RegExp(`validator ${local.initialStakers[0]!.nodeID}: its staking transactions hold \\d+, its weight at P-Chain height 0 is \\d+`),
    );

    e = base();
    e.validators[1] = validator(e.validators[1]!.nodeID, BigInt(e.validators[1]!.weight), null);
    expect(await refusal(e)).toMatch(/has no staking details at P-Chain height 0 \(missing\)/);
  });

  it('names every record it cannot carry in one refusal, in the order of the passes', async () => {
    const e = localExport();
    e.xUtxos.push(utxo('X', local.allocations[1]!.avaxAddr, 7n, { assetID: OTHER_ASSET }));
    e.pUtxos.push(
      utxo('P', local.allocations[1]!.avaxAddr, 5n, {
        owners: { locktime: '0', threshold: 2, addresses: [onChain('P', local.allocations[0]!.avaxAddr), onChain('P', local.allocations[1]!.avaxAddr)] },
      }),
    );
    e.validators[0]!.weight = (BigInt(e.validators[0]!.weight) + 1n).toString();
    e.pUtxos.push(utxo('P', local.initialStakedFunds[0]!, 9n));
    const err = (await carry(e).catch((x: unknown) => x)) as PrimaryGenesisError;
    expect(err).toBeInstanceOf(PrimaryGenesisError);
    expect(err.issues.map((i) => i.field)).toEqual([
      expect.stringMatching(/^X-Chain UTXO utxo\d+$/),
      expect.stringMatching(/^P-Chain UTXO utxo\d+$/),
      `validator ${local.initialStakers[0]!.nodeID}`,
      expect.stringMatching(/^P-Chain UTXOs of P-custom1\w+$/),
    ]);
    expect(err.message.split('; ')).toHaveLength(4);
  });
});

describe('P-Chain balances of stake owners', () => {
  it("move to the owner's X-Chain allocation when the plan says so, and only if unlocked", async () => {
    const e = localExport();
    const stakeOwner = local.initialStakedFunds[0]!;
    e.pUtxos.push(utxo('P', stakeOwner, 9n), utxo('P', stakeOwner, 4n, { typeID: 22, type: 'stakeable.LockOut', stakeableLocktime: '1633824000' }));
    const carried = await carry(e, 'custom', 'move-to-x');
    const allocation = carried.allocations.find((a) => Buffer.from(shortIdFromAddress(a.utxoAddress)).equals(Buffer.from(shortIdFromAddress(stakeOwner))))!;
    expect(allocation.initialAmount).toBe(13n);
    // Its unlocks are the stake alone: the node stakes every one of them.
    expect(allocation.unlockSchedule.reduce((s, u) => s + BigInt(u.amount), 0n)).toBe(BigInt(carried.carried.staked));
    expect(carried.carried.movedToX).toBe('13');

    e.pUtxos.push(utxo('P', stakeOwner, 5n, { typeID: 22, type: 'stakeable.LockOut', stakeableLocktime: String(START + 10) }));
    await expect(carry(e, 'custom', 'move-to-x')).rejects.toThrow(/P-Chain UTXOs of P-custom1\w+: 5 locked until \d+ cannot move to the X-Chain/);
  });
});

describe('stake outputs of a staking transaction (platform.getTx, json)', () => {
  it('reads transfer and stakeable-locked outputs, and refuses a transaction without stake', () => {
    const reply = {
      tx: {
        unsignedTx: {
          stake: [
            {
              assetID: AVAX,
              fxID: 'spdx',
              output: { addresses: ['P-local1g65uqn6t77p656w64023nh8nd9updzmxyymev2'], amount: 2000000000000000, locktime: 0, threshold: 1 },
            },
            {
              assetID: AVAX,
              fxID: 'spdx',
              output: {
                locktime: 1_900_000_000,
                output: { addresses: ['P-local1g65uqn6t77p656w64023nh8nd9updzmxyymev2'], amount: 5, locktime: 0, threshold: 1 },
              },
            },
          ],
        },
      },
    };
    expect(parseStakeOutputs(reply, 'tx1')).toEqual([
      {
        assetID: AVAX,
        amount: '2000000000000000',
        stakeableLocktime: '0',
        owners: { locktime: '0', threshold: 1, addresses: ['P-local1g65uqn6t77p656w64023nh8nd9updzmxyymev2'] },
      },
      {
        assetID: AVAX,
        amount: '5',
        stakeableLocktime: '1900000000',
        owners: { locktime: '0', threshold: 1, addresses: ['P-local1g65uqn6t77p656w64023nh8nd9updzmxyymev2'] },
      },
    ]);
    expect(() => parseStakeOutputs({ tx: { unsignedTx: { outputs: [] } } }, 'tx2')).toThrow(
      /platform\.getTx\(tx2\)\.tx\.unsignedTx\.stake: not a staking transaction/,
    );
  });
});

describe('supply across chains', () => {
  const pChain: PChainExport = {
    pChainHeight: 7,
    headBefore: 7,
    headAfter: 7,
    stakingAssetID: AVAX,
    validators: { path: 'v', sha256: '00', count: 1, totalWeight: '100' },
    utxos: { path: 'p', sha256: '00', count: 2, assets: [{ assetID: AVAX, amount: '40', locked: '0', stakeableLocked: '0', utxos: 2, nonFungibleUtxos: 0 }] },
  };
  const xChain: XChainExport = {
    pChainHeight: 7,
    headBefore: 7,
    headAfter: 7,
    utxos: { path: 'x', sha256: '00', count: 1, assets: [{ assetID: AVAX, amount: '25', locked: '0', stakeableLocked: '0', utxos: 1, nonFungibleUtxos: 0 }] },
    assets: { path: 'a', sha256: '00', count: 1 },
  };
  const cStats = { accounts: 1, contracts: 0, storageSlots: 0, totalBalance: '3000000000123', codeBytes: 0 };
  const primary = (over: Partial<PrimaryGenesisManifest> = {}): PrimaryGenesisManifest => ({
    path: 'genesis/genesis.json',
    sha256: '00',
    bytes: 1,
    networkID: 88888,
    dialect: 'avalanchego',
    hrp: 'custom',
    mode: 'independent',
    startTime: START,
    assetID: AVAX,
    allocations: 2,
    initialStakedFunds: 1,
    allocated: { xChain: '25', pChain: '40', staked: '100' },
    carried: { pChainUtxos: '40', xChainUtxos: '25', staked: '100', movedToX: '0' },
    stakers: [{ nodeID: 'NodeID-A', publicKey: null, weight: '100' }],
    previousStake: [{ nodeID: 'NodeID-A', weight: '100' }],
    cChainGenesis: { path: 'genesis/C-genesis.json', sha256: '00' },
    ...over,
  });
  const check = (checks: ReturnType<typeof crossChainChecks>, name: string) => checks.find((c) => c.name === name)!;

  it('counts P + X + staked + C (in nAVAX, dust shown) and passes when the genesis holds the same', () => {
    const checks = crossChainChecks({ pChain, xChain, cExported: cStats, cGenesis: cStats, primary: primary() });
    expect(checks.every((c) => c.ok)).toBe(true);
    // 40 + 25 + 100 + 3000 nAVAX (3,000,000,000,123 wei; 123 wei of dust).
    expect(check(checks, `supply-${AVAX}`).detail).toMatch(/^conserved: exported 3165, genesis 3165 .*dust below 1 n-unit: 123 wei/);
  });

  it('counts what moved from P to X on the chain it came from', () => {
    const checks = crossChainChecks({
      pChain,
      xChain,
      cExported: cStats,
      cGenesis: cStats,
      primary: primary({
        allocated: { xChain: '30', pChain: '35', staked: '100' },
        carried: { pChainUtxos: '40', xChainUtxos: '25', staked: '100', movedToX: '5' },
      }),
    });
    expect(check(checks, `supply-${AVAX}`)).toMatchObject({ ok: true, detail: expect.stringContaining('5 moved from P to X') });
  });

  it('fails naming the chain whose amount moved, assets left behind, and stake that is not carried', () => {
    const moved = crossChainChecks({
      pChain,
      xChain,
      cExported: cStats,
      cGenesis: cStats,
      primary: primary({ allocated: { xChain: '25', pChain: '39', staked: '101' } }),
    });
    expect(check(moved, `supply-${AVAX}`)).toMatchObject({ ok: false, detail: expect.stringMatching(/P 40 → genesis 39, .*staked 100 → genesis 101/) });
    const withOther = {
      ...xChain,
      utxos: {
        ...xChain.utxos,
        assets: [...xChain.utxos.assets, { assetID: OTHER_ASSET, amount: '9', locked: '0', stakeableLocked: '0', utxos: 1, nonFungibleUtxos: 0 }],
      },
    };
    expect(check(crossChainChecks({ pChain, xChain: withOther, cExported: cStats, cGenesis: cStats, primary: primary() }), 'other-assets')).toMatchObject({
      ok: false,
      detail: expect.stringContaining(`X-Chain ${OTHER_ASSET} (9)`),
    });
    const lighter = crossChainChecks({
      pChain,
      xChain,
      cExported: cStats,
      cGenesis: cStats,
      primary: primary({ stakers: [{ nodeID: 'NodeID-A', publicKey: null, weight: '99' }] }),
    });
    expect(check(lighter, 'validator-weights')).toMatchObject({ ok: false, detail: expect.stringContaining('NodeID-A 100 → 99') });
  });
});
