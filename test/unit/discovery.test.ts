import { describe, expect, it } from 'vitest';
import type { ApplicationFailure } from '@temporalio/common';
import { asFailure } from '../../activities/failures.js';
import { collectAddresses, discoverOwners } from '../../src/chains/avax/discovery.js';
import { InvalidOwnerError } from '../../src/chains/avax/ownerSet.js';
import { formatAddress } from '../../src/keys/address.js';
import type { ExchangeChain } from '../../src/chains/exchange/xchain.js';
import type { PlatformChain } from '../../src/chains/platform/pchain.js';

/** Shapes as avalanchego v1.14.0 answers them (`getBlockByHeight` / `avm.getTx`, encoding json). */
const AVAX = '2fombhL7aGPwj3KH4bfrmJwW6PVnMobf9Y2fn9GwxiAAJyFDbe';
const output = (address: string, amount: number) => ({ assetID: AVAX, fxID: 'spdx', output: { addresses: [address], amount, locktime: 0, threshold: 1 } });
const pBlock = {
  time: 1795257883,
  height: 1,
  txs: [
    {
      unsignedTx: {
        outputs: [output('P-local1g65uqn6t77p656w64023nh8nd9updzmxyymev2', 1000), output('P-local18jma8ppw3nhx5r4ap8clazz0dps7rv5u00z96u', 9)],
        inputs: [{ txID: 'in', outputIndex: 0, assetID: AVAX, fxID: 'spdx', input: { amount: 1100, signatureIndices: [0] } }],
        memo: '0x',
      },
      credentials: [],
    },
  ],
};
const xGenesisAsset = {
  unsignedTx: {
    symbol: 'AVAX',
    initialStates: [{ fxIndex: 0, outputs: [{ addresses: ['X-local1ur873jhz9qnaqv5qthk5sn3e8nj3e0kmggalnu'], amount: 1, locktime: 0, threshold: 1 }] }],
  },
};

describe('owner discovery', () => {
  it('collects every X-/P- address under an `addresses` key, whatever the transaction type', () => {
    const found: string[] = [];
    collectAddresses([pBlock, xGenesisAsset, { memo: 'P-local1notunderaddresses', addresses: ['0xnot-bech32'] }], (a) => found.push(a));
    expect(found).toEqual([
      'local1g65uqn6t77p656w64023nh8nd9updzmxyymev2',
      'local18jma8ppw3nhx5r4ap8clazz0dps7rv5u00z96u',
      'local1ur873jhz9qnaqv5qthk5sn3e8nj3e0kmggalnu',
    ]);
  });

  it('walks validators, P blocks to the pinned height, the X genesis and X blocks; refuses beyond its bound', async () => {
    const asked: string[] = [];
    const pchain = {
      async *validatorSet(height: number) {
        asked.push(`validators@${height}`);
        yield { validationRewardOwner: { addresses: ['P-local18jma8ppw3nhx5r4ap8clazz0dps7rv5u00z96u'] } };
      },
      blockJson: async (h: number) => {
        asked.push(`P${h}`);
        return pBlock;
      },
    } as unknown as PlatformChain;
    const xchain = {
      txJson: async (id: string) => {
        asked.push(`tx ${id}`);
        return xGenesisAsset;
      },
      height: async () => 2,
      blockJson: async (h: number) => {
        asked.push(`X${h}`);
        return { height: h, txs: null };
      },
    } as unknown as ExchangeChain;
    const found = await discoverOwners({ pchain, xchain, pChainHeight: 3, stakingAssetID: AVAX });
    expect(asked).toEqual(['validators@3', 'P1', 'P2', 'P3', `tx ${AVAX}`, 'X1', 'X2']);
    expect({ ...found, owners: [...found.owners] }).toEqual({
      owners: ['local18jma8ppw3nhx5r4ap8clazz0dps7rv5u00z96u', 'local1g65uqn6t77p656w64023nh8nd9updzmxyymev2', 'local1ur873jhz9qnaqv5qthk5sn3e8nj3e0kmggalnu'],
      pBlocks: 3,
      xBlocks: 2,
      burned: { P: 3n * (1100n - 1009n), X: 0n },
      requests: 5,
    });
    // Three owners: a bound of three holds them, one fewer refuses.
    expect((await discoverOwners({ pchain, xchain, pChainHeight: 3, stakingAssetID: AVAX, limit: 3 })).owners.size).toBe(3);
    await expect(discoverOwners({ pchain, xchain, pChainHeight: 3, stakingAssetID: AVAX, limit: 2 })).rejects.toThrow(
      /more than 2 owners; list the addresses in the plan instead/,
    );
  });

  it("stops on a block naming another network's owner, or no owner, as the node's fault that no retry mends", async () => {
    const block = (address: string) => ({
      ...pBlock,
      txs: [{ ...pBlock.txs[0]!, unsignedTx: { ...pBlock.txs[0]!.unsignedTx, outputs: [output(address, 5)] } }],
    });
    const chainWith = (second: string) =>
      ({
        async *validatorSet() {
          yield { validationRewardOwner: { addresses: ['P-local18jma8ppw3nhx5r4ap8clazz0dps7rv5u00z96u'] } };
        },
        blockJson: async (h: number) => (h === 1 ? pBlock : block(second)),
      }) as unknown as PlatformChain;
    const avaxOwner = formatAddress('P', 'avax', new Uint8Array(20).fill(3));
    for (const [second, message] of [
      [avaxOwner, /has HRP "avax", the owners found before it "local"/],
      ['P-local1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq', /is not valid bech32/],
    ] as const) {
      const refused = discoverOwners({ pchain: chainWith(second), pChainHeight: 2, stakingAssetID: AVAX });
      await expect(refused).rejects.toThrow(InvalidOwnerError);
      const err = await refused.catch((e: unknown) => e);
      expect((err as Error).message).toMatch(message);
      // The activity reports it as such: a non-retryable failure an operator can act on.
      const reported = asFailure(err, 'address discovery') as ApplicationFailure;
      expect(reported).toMatchObject({ type: 'NodeReplyInvalid', nonRetryable: true });
      expect(reported.message).toMatch(/^address discovery: the node named an owner that cannot be one: owner: /);
    }
  });
});
