import { sha256 } from '@noble/hashes/sha2.js';
import { Wallet } from 'ethers';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AvaxService } from '../../../src/chains/avax/api.js';
import { decodeCheckedHex } from '../../../src/chains/avax/encoding.js';
import { decodeUtxo, type UtxoRecord } from '../../../src/chains/avax/utxo.js';
import { UtxoTotals } from '../../../src/chains/avax/utxoTotals.js';
import type { ValidatorRecord } from '../../../src/chains/platform/validatorRecord.js';
import { parseValidatorsAt } from '../../../src/chains/platform/validatorsAt.js';
import { LOCAL_GENESIS, useLocalAvalanche } from '../../rigs/avalancheLocal.js';
import { EWOQ_EVM, EWOQ_KEY, shortIdOfKey } from '../../../src/dev/localKeys.js';
import { LOCAL_STAKERS_PUBLISHED } from '../../helpers/validators.js';

/**
 * A fresh single-node avalanchego v1.14.0 local network, read as its genesis left it: the P-Chain
 * validator set with signers and reward owners, and the X- and P-Chain UTXOs of the genesis
 * allocations. Nothing here sends a transaction, so every balance is the genesis one whatever the
 * order the tests run in.
 */

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('avalanchego v1.14.0 local network: genesis state on P and X', () => {
  const local = useLocalAvalanche();

  it('starts on loopback and bootstraps P, X and C', async () => {
    const net = local();
    const { node } = net;
    expect(new URL(node.uri).hostname).toBe('127.0.0.1');
    expect(node.stakingAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(node.networkId).toBe(12345);
    expect(node.nodeId).toMatch(/^NodeID-/);
    expect(node.startupMs).toBeLessThan(60_000);
    const info = new AvaxService(net.endpoints.info());
    for (const chain of ['P', 'X', 'C']) {
      expect(await info.call<{ isBootstrapped: boolean }>('info.isBootstrapped', { chain })).toEqual({ isBootstrapped: true });
    }
    expect(await net.cRpc.call<string>('web3_clientVersion')).toMatch(/^v0\./); // coreth's version
    // The well-known key is the one the genesis funds, on every chain.
    expect(new Wallet(EWOQ_KEY).address.toLowerCase()).toBe(EWOQ_EVM);
    expect(LOCAL_GENESIS.allocations.map((a) => a.avaxAddr)).toContain(net.ewoqX);
    console.log(`avalanchego local node up in ${node.startupMs} ms at ${node.uri} (${node.nodeId})`);
  });

  it('reads the P-Chain validator set pinned to a height, with signers and reward owners', async () => {
    const net = local();
    const { pchain } = net;
    const height = await pchain.height();
    // The raw reply of v1.14.0 is a bare NodeID map; the parser also takes the older wrapped form.
    const raw = await pchain.service.call<Record<string, unknown>>('platform.getValidatorsAt', { height: String(height) });
    expect(Object.keys(raw).every((k) => k.startsWith('NodeID-'))).toBe(true);
    expect(raw).not.toHaveProperty('validators');
    const wrapped = parseValidatorsAt({ validators: Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, (v as { weight: string }).weight])) });
    expect([...wrapped.keys()].sort()).toEqual(Object.keys(raw).sort());

    const records: ValidatorRecord[] = await collect(pchain.validatorSet(height));
    expect(records.map((r) => r.nodeID)).toEqual(LOCAL_STAKERS_PUBLISHED.map((s) => s.nodeID).sort());
    const stakerByNode = new Map(LOCAL_GENESIS.initialStakers.map((s) => [s.nodeID, s]));
    const rewardAddress = `P-${LOCAL_GENESIS.initialStakers[0]!.rewardAddress.slice(2)}`;
    for (const r of records) {
      const expected = LOCAL_STAKERS_PUBLISHED.find((s) => s.nodeID === r.nodeID)!;
      expect(r.height).toBe(height);
      expect(r.details).toBe('current');
      expect(r.publicKey).toBe(expected.blsPublicKey);
      expect(r.signer).toEqual({ publicKey: expected.blsPublicKey, proofOfPossession: expected.proofOfPossession });
      expect(BigInt(r.weight)).toBe(BigInt(r.stake!) + BigInt(r.delegatorWeight!));
      expect(r.delegationShares).toBe(stakerByNode.get(r.nodeID)!.delegationFee);
      expect(r.validationRewardOwner).toEqual({ locktime: '0', threshold: 1, addresses: [rewardAddress] });
      expect(r.delegationRewardOwner).toEqual({ locktime: '0', threshold: 1, addresses: [rewardAddress] });
      expect(r.endTime! > r.startTime!).toBe(true);
      expect(r.delegators).toEqual([]);
    }

    // Streamed to JSONL: the same set gives the same bytes.
    const first = await pchain.exportValidators(join(net.dir, 'exports/P/validators.jsonl'), height);
    const again = await pchain.exportValidators(join(net.dir, 'exports/P/validators-again.jsonl'), height);
    expect(first.records).toBe(5);
    expect(first.set).toMatchObject({ height, validators: 5, missingDetails: 0, mismatchedDetails: 0 });
    expect(first.set.totalWeight).toBe(records.reduce((n, r) => n + BigInt(r.weight), 0n).toString());
    expect(again.sha256).toBe(first.sha256);
    expect(
      readFileSync(first.path, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(records);
  });

  it('reads the X- and P-Chain UTXO balances of the pre-funded address, paginated', async () => {
    const net = local();
    const { pchain, xchain, ewoqX, ewoqP } = net;
    const avax = await xchain.assetDescription('AVAX');
    expect(avax).toMatchObject({ name: 'Avalanche', symbol: 'AVAX', denomination: 9 });
    const assets = await xchain.exportAssetDescriptions(join(net.dir, 'exports/X/assets.jsonl'), [avax.assetID]);
    expect(assets.records).toBe(1);

    // X: the genesis initialAmount of the ewoq allocation, as one UTXO.
    const allocation = LOCAL_GENESIS.allocations.find((a) => a.avaxAddr === ewoqX)!;
    const x = await xchain.exportUtxos(join(net.dir, 'exports/X/utxos.jsonl'), [ewoqX]);
    expect(x.assets).toEqual([
      { assetID: avax.assetID, amount: String(allocation.initialAmount), locked: '0', stakeableLocked: '0', utxos: 1, nonFungibleUtxos: 0 },
    ]);
    const xBalance = await xchain.service.call<{ balance: string }>('avm.getBalance', { address: ewoqX, assetID: 'AVAX' });
    expect(x.assets[0]!.amount).toBe(xBalance.balance);

    // P: the allocation's unlock schedule, one UTXO per entry, compared with the node's own sum.
    const pAll = await collect(pchain.utxos([ewoqP]));
    const pPaged = await collect(pchain.utxos([ewoqP], { pageSize: 1 }));
    expect(pPaged).toEqual(pAll);
    const schedule = allocation.unlockSchedule ?? [];
    expect(pAll.map((u) => u.amount).sort()).toEqual(schedule.map((s) => String(s.amount)).sort());
    const pBalance = await pchain.service.call<{ balance: string; utxoIDs: Array<{ txID: string; outputIndex: number }> }>('platform.getBalance', {
      addresses: [ewoqP],
    });
    const p = await pchain.balances([ewoqP]);
    expect(p.assets).toHaveLength(1);
    expect(p.assets[0]!.amount).toBe(pBalance.balance);
    expect(pAll.map((u) => `${u.txID}:${u.outputIndex}`).sort()).toEqual(pBalance.utxoIDs.map((u) => `${u.txID}:${u.outputIndex}`).sort());
    for (const u of pAll) expect(u.owners).toEqual({ locktime: expect.any(String), threshold: 1, addresses: [ewoqP] });

    // The UTXO ID the decoder derives is the one the node pages by.
    const page = await pchain.service.call<{ utxos: string[]; endIndex: { utxo: string } }>('platform.getUTXOs', {
      addresses: [ewoqP],
      limit: 1,
      encoding: 'hex',
    });
    const decoded: UtxoRecord = decodeUtxo(decodeCheckedHex(page.utxos[0]!), 'P', { chain: 'P', hrp: 'local' });
    expect(decoded.utxoID).toBe(page.endIndex.utxo);

    // Every genesis allocation address at once, X and P, in batches of two addresses.
    const xAddresses = LOCAL_GENESIS.allocations.map((a) => a.avaxAddr);
    const pAddresses = xAddresses.map((a) => `P-${a.slice(2)}`);
    const xAllocated = LOCAL_GENESIS.allocations.reduce((n, a) => n + BigInt(a.initialAmount), 0n);
    const xTotals = await xchain.balances(xAddresses, { addressesPerCall: 2 });
    expect(xTotals.assets[0]!.amount).toBe(xAllocated.toString());
    const pNode = await pchain.service.call<{ balance: string }>('platform.getBalance', { addresses: pAddresses });
    const pTotals = await pchain.balances(pAddresses, { addressesPerCall: 2, pageSize: 1 });
    expect(pTotals.assets[0]!.amount).toBe(pNode.balance);
    console.log(`X ${ewoqX}: ${x.assets[0]!.amount} nAVAX in 1 UTXO; P ${ewoqP}: ${p.assets[0]!.amount} nAVAX in ${pAll.length} UTXOs`);

    // The local genesis has no stakeable.LockOut UTXO left (its locktimes are past), so that output
    // type is checked on bytes built by hand from the node's own layout.
    const lockOut = Buffer.concat([
      Buffer.from('0000', 'hex'), // codec version
      Buffer.alloc(32, 7), // txID
      Buffer.from('00000003', 'hex'), // output index
      Buffer.from(decodeCheckedHex(page.utxos[0]!)).subarray(38, 70), // AVAX asset ID of the real UTXO
      Buffer.from('00000016', 'hex'), // stakeable.LockOut
      Buffer.from('00000000ffffffff', 'hex'), // locked until 2^32 - 1
      Buffer.from('00000007', 'hex'), // secp256k1fx.TransferOutput
      Buffer.from('00000000000003e8', 'hex'), // 1000
      Buffer.from('0000000000000000' + '00000001' + '00000001', 'hex'),
      Buffer.from(shortIdOfKey(EWOQ_KEY)),
    ]);
    const withChecksum = `0x${Buffer.concat([lockOut, Buffer.from(sha256(lockOut)).subarray(-4)]).toString('hex')}`;
    const locked = decodeUtxo(decodeCheckedHex(withChecksum), 'P', { chain: 'P', hrp: 'local' });
    expect(locked).toMatchObject({ type: 'stakeable.LockOut', typeID: 22, amount: '1000', stakeableLocktime: '4294967295', outputIndex: 3 });
    expect(locked.owners).toEqual({ locktime: '0', threshold: 1, addresses: [ewoqP] });
    const totals = new UtxoTotals(BigInt(p.asOf));
    totals.add(locked);
    expect(totals.totals()).toEqual([{ assetID: decoded.assetID, amount: '1000', locked: '1000', stakeableLocked: '1000', utxos: 1, nonFungibleUtxos: 0 }]);
  });
});
