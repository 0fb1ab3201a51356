import { describe, expect, it } from 'vitest';
import { avaxEndpoints, type AvaxService } from '../../src/chains/avax/api.js';
import { PlatformChain, STAKE_READS_IN_FLIGHT } from '../../src/chains/platform/pchain.js';
import type { ValidatorRecord } from '../../src/chains/platform/validatorRecord.js';

/**
 * The validator set's stake outputs (one platform.getTx per validator and delegator) are read
 * several at a time; the records, and the first failure, are those of a read one after another.
 * Reply shapes as avalanchego v1.14.0 serves them (getValidatorsAt, getCurrentValidators, getTx json).
 */

const NODES = Array.from({ length: 7 }, (_, i) => `NodeID-${'ABCDEFG'[i]}${'1'.repeat(30)}`);
const AVAX = '2fombhL7aGPwj3KH4bfrmJwW6PVnMobf9Y2fn9GwxiAAJyFDbe';

function fakeNode(options: { failTx?: string } = {}) {
  const state = { inFlight: 0, maxInFlight: 0, getTx: 0 };
  const validators = NODES.map((nodeID, i) => ({
    nodeID,
    txID: `tx-${nodeID}`,
    startTime: '1',
    endTime: '2',
    weight: String(1000 + i),
    delegators: Array.from({ length: i % 3 }, (_, k) => ({
      txID: `tx-${nodeID}-d${k}`,
      nodeID,
      startTime: '1',
      endTime: '2',
      weight: '25',
      rewardOwner: { locktime: '0', threshold: '1', addresses: [`P-local1d${i}${k}`] },
    })),
  }));
  const call = async (method: string, args: Record<string, unknown> = {}): Promise<unknown> => {
    switch (method) {
      case 'platform.getValidatorsAt':
        return { validators: Object.fromEntries(validators.map((v) => [v.nodeID, { weight: v.weight }])) };
      case 'platform.getHeight':
        return { height: '9' };
      case 'platform.getCurrentValidators': {
        const wanted = new Set(args.nodeIDs as string[]);
        return { validators: validators.filter((v) => wanted.has(v.nodeID)) };
      }
      case 'platform.getTx': {
        const txID = args.txID as string;
        state.getTx += 1;
        state.inFlight += 1;
        state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
        try {
          // Replies out of order: a later staker's read may finish first.
          await new Promise((resolve) => setTimeout(resolve, txID.length % 4));
          if (txID === options.failTx) throw new Error(`getTx ${txID} failed`);
          return { tx: { unsignedTx: { stake: [{ assetID: AVAX, output: { addresses: [`P-local1${txID}`], amount: '5', locktime: '0', threshold: '1' } }] } } };
        } finally {
          state.inFlight -= 1;
        }
      }
      default:
        throw new Error(`unexpected ${method}`);
    }
  };
  const pchain = new PlatformChain(avaxEndpoints('http://127.0.0.1:1'), { detailsBatch: 4 });
  Object.defineProperty(pchain, 'service', { value: { call } as unknown as AvaxService });
  return { pchain, state };
}

async function collect(pchain: PlatformChain): Promise<ValidatorRecord[]> {
  const out: ValidatorRecord[] = [];
  for await (const r of pchain.validatorSet(9, { stakeOutputs: true })) out.push(r);
  return out;
}

describe('validator set stake outputs', () => {
  it('reads every staker’s outputs, several at a time, into its own record', async () => {
    const { pchain, state } = fakeNode();
    const records = await collect(pchain);
    expect(records.map((r) => r.nodeID)).toEqual([...NODES].sort());
    for (const r of records) {
      expect(r.stakeOutputs?.[0]?.owners.addresses).toEqual([`P-local1${r.txID}`]);
      for (const d of r.delegators) expect(d.stakeOutputs?.[0]?.owners.addresses).toEqual([`P-local1${d.txID}`]);
    }
    const stakers = records.reduce((n, r) => n + 1 + r.delegators.length, 0);
    expect(state.getTx).toBe(stakers);
    expect(state.maxInFlight).toBeGreaterThan(1);
    expect(state.maxInFlight).toBeLessThanOrEqual(STAKE_READS_IN_FLIGHT);
  });

  it('reports the first failing read in staker order, after the batches before it', async () => {
    const { pchain } = fakeNode({ failTx: `tx-${NODES[5]}-d1` });
    const got: string[] = [];
    const reading = (async () => {
      for await (const r of pchain.validatorSet(9, { stakeOutputs: true })) got.push(r.nodeID);
    })();
    await expect(reading).rejects.toThrow(`getTx tx-${NODES[5]}-d1 failed`);
    // Batches of 4 NodeIDs: the first batch is whole, the failing one yields nothing.
    expect(got).toEqual(NODES.slice(0, 4));
  });
});
