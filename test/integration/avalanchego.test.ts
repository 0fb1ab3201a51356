import { sha256 } from '@noble/hashes/sha2.js';
import { getCreateAddress, Wallet } from 'ethers';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExchangeChain } from '../../src/chains/exchange/xchain.js';
import { accountRangePages, partitionBounds } from '../../src/chains/evm/gethExport.js';
import { JsonRpcClient } from '../../src/chains/evm/rpc.js';
import { avaxEndpoints, AvaxService, type AvaxEndpoints } from '../../src/chains/avax/api.js';
import { parseValidatorsAt, PlatformChain, type ValidatorRecord } from '../../src/chains/platform/pchain.js';
import { decodeCheckedHex, decodeUtxo, UtxoTotals, type UtxoRecord } from '../../src/chains/avax/utxo.js';
import { startAvalancheLocal, type AvalancheNode } from '../../src/nodes/avalanchego.js';
import { deployCode, STORE_RUNTIME } from '../../src/dev/fill.js';
import { BlockTimestampEpochSource, evmBlockReader } from '../../src/epoch/blockTimestampSource.js';
import { ProposerVmEpochSource } from '../../src/epoch/proposervmSource.js';
import { formatAddress, shortIdFromAddress } from '../../src/keys/address.js';
import type { AccountRecord } from '../../src/state/account.js';
import { toQuantity, toWord, type Hex } from '../../src/state/hex.js';
import { keccakReady } from '../../src/state/keccak.js';
import { computeStateRoot } from '../../src/state/stateRoot.js';
import type { PlanInput } from '../../src/plan.js';
import type { RegenesisResult } from '../../workflows/messages.js';
import { parsePrimaryGenesis } from '../../src/genesis/primary/index.js';
import { EWOQ_EVM, EWOQ_KEY, sendAvax, shortIdOfKey } from '../helpers/avaxTransfers.js';
import { cHead, Sender, type CBlock } from '../helpers/cChain.js';
import { localGenesisStakers } from '../helpers/validators.js';
import { recordHistory } from '../helpers/histories.js';
import { failureMessages, runPlan } from '../helpers/run.js';
import { createTestWorker, startTemporal, uniqueTaskQueue } from '../helpers/temporal.js';

/**
 * A real single-node avalanchego v1.14.0 local network: P-Chain validators and UTXOs, X-Chain
 * UTXOs and assets, proposervm epochs on P/X/C, and the C-Chain (coreth) exported through the
 * same debug_accountRange path as geth, down to the state root.
 */

const VECTORS = join(import.meta.dirname, '../fixtures/vectors/avalanchego-v1.14.0');
const genesisLocal = JSON.parse(readFileSync(join(VECTORS, 'genesis_local.json'), 'utf8')) as {
  allocations: Array<{ avaxAddr: string; initialAmount: number; unlockSchedule?: Array<{ amount: number; locktime?: number }> }>;
  initialStakedFunds: string[];
  initialStakers: Array<{ nodeID: string; rewardAddress: string; delegationFee: number; signer: { publicKey: string; proofOfPossession: string } }>;
};
const expectedStakers = JSON.parse(readFileSync(join(VECTORS, 'expected.json'), 'utf8')) as Array<{
  certFile: string;
  nodeID: string;
  blsPublicKey: string;
  proofOfPossession: string;
}>;

const WARP_PRECOMPILE = '0x0200000000000000000000000000000000000005';
const EPOCH_SECONDS = 30; // upgrade.Default.GraniteEpochDuration: every local network's D

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('avalanchego v1.14.0 single-node local network', () => {
  let dir: string;
  let node: AvalancheNode;
  let endpoints: AvaxEndpoints;
  let pchain: PlatformChain;
  let xchain: ExchangeChain;
  let cRpc: JsonRpcClient;
  let sender: Sender;
  let ewoqX: string;
  let ewoqP: string;

  beforeAll(async () => {
    await keccakReady();
    dir = mkdtempSync(join(tmpdir(), 'avalanchego-it-'));
    node = await startAvalancheLocal({ dataDir: join(dir, 'node') });
    endpoints = avaxEndpoints(node.uri);
    pchain = new PlatformChain(endpoints);
    xchain = new ExchangeChain(endpoints);
    cRpc = new JsonRpcClient(node.cChainRpcUrl, { timeoutMs: 60_000 });
    const chainId = BigInt(await cRpc.call<Hex>('eth_chainId'));
    const wallet = new Wallet(EWOQ_KEY);
    sender = new Sender(cRpc, wallet, chainId);
    const shortId = shortIdOfKey(EWOQ_KEY);
    ewoqX = formatAddress('X', 'local', shortId);
    ewoqP = formatAddress('P', 'local', shortId);
  });

  afterAll(async () => {
    await node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('starts on loopback and bootstraps P, X and C', async () => {
    expect(new URL(node.uri).hostname).toBe('127.0.0.1');
    expect(node.stakingAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(node.networkId).toBe(12345);
    expect(node.nodeId).toMatch(/^NodeID-/);
    expect(node.startupMs).toBeLessThan(60_000);
    const info = new AvaxService(endpoints.info());
    for (const chain of ['P', 'X', 'C']) {
      expect(await info.call<{ isBootstrapped: boolean }>('info.isBootstrapped', { chain })).toEqual({ isBootstrapped: true });
    }
    expect(await cRpc.call<string>('web3_clientVersion')).toMatch(/^v0\./); // coreth's version
    // The well-known key is the one the genesis funds, on every chain.
    expect(new Wallet(EWOQ_KEY).address.toLowerCase()).toBe(EWOQ_EVM);
    expect(genesisLocal.allocations.map((a) => a.avaxAddr)).toContain(ewoqX);
    console.log(`avalanchego local node up in ${node.startupMs} ms at ${node.uri} (${node.nodeId})`);
  });

  it('(a) reads the P-Chain validator set pinned to a height, with signers and reward owners', async () => {
    const height = await pchain.height();
    // The raw reply of v1.14.0 is a bare NodeID map; the parser also takes the older wrapped form.
    const raw = await pchain.service.call<Record<string, unknown>>('platform.getValidatorsAt', { height: String(height) });
    expect(Object.keys(raw).every((k) => k.startsWith('NodeID-'))).toBe(true);
    expect(raw).not.toHaveProperty('validators');
    const wrapped = parseValidatorsAt({ validators: Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, (v as { weight: string }).weight])) });
    expect([...wrapped.keys()].sort()).toEqual(Object.keys(raw).sort());

    const records: ValidatorRecord[] = await collect(pchain.validatorSet(height));
    expect(records.map((r) => r.nodeID)).toEqual(expectedStakers.map((s) => s.nodeID).sort());
    const stakerByNode = new Map(genesisLocal.initialStakers.map((s) => [s.nodeID, s]));
    const rewardAddress = `P-${genesisLocal.initialStakers[0]!.rewardAddress.slice(2)}`;
    for (const r of records) {
      const expected = expectedStakers.find((s) => s.nodeID === r.nodeID)!;
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
    const first = await pchain.exportValidators(join(dir, 'exports/P/validators.jsonl'), height);
    const again = await pchain.exportValidators(join(dir, 'exports/P/validators-again.jsonl'), height);
    expect(first.records).toBe(5);
    expect(first.set).toMatchObject({ height, validators: 5, missingDetails: 0, mismatchedDetails: 0 });
    expect(first.set.totalWeight).toBe(records.reduce((n, r) => n + BigInt(r.weight), 0n).toString());
    expect(again.sha256).toBe(first.sha256);
    expect(readFileSync(first.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l))).toEqual(records);
  });

  it('(a) reads the X- and P-Chain UTXO balances of the pre-funded address, paginated', async () => {
    const avax = await xchain.assetDescription('AVAX');
    expect(avax).toMatchObject({ name: 'Avalanche', symbol: 'AVAX', denomination: 9 });
    const assets = await xchain.exportAssetDescriptions(join(dir, 'exports/X/assets.jsonl'), [avax.assetID]);
    expect(assets.records).toBe(1);

    // X: the genesis initialAmount of the ewoq allocation, as one UTXO.
    const allocation = genesisLocal.allocations.find((a) => a.avaxAddr === ewoqX)!;
    const x = await xchain.exportUtxos(join(dir, 'exports/X/utxos.jsonl'), [ewoqX]);
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
    const page = await pchain.service.call<{ utxos: string[]; endIndex: { utxo: string } }>('platform.getUTXOs', { addresses: [ewoqP], limit: 1, encoding: 'hex' });
    const decoded: UtxoRecord = decodeUtxo(decodeCheckedHex(page.utxos[0]!), 'P', { chain: 'P', hrp: 'local' });
    expect(decoded.utxoID).toBe(page.endIndex.utxo);

    // Every genesis allocation address at once, X and P, in batches of two addresses.
    const xAddresses = genesisLocal.allocations.map((a) => a.avaxAddr);
    const pAddresses = xAddresses.map((a) => `P-${a.slice(2)}`);
    const xAllocated = genesisLocal.allocations.reduce((n, a) => n + BigInt(a.initialAmount), 0n);
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

  let filled: { contracts: Hex[]; storage: Record<Hex, Record<Hex, Hex>>; funded: Hex[] } | undefined;

  it('(c) C-Chain serves debug_accountRange with preimages; the exported state hashes to the block root', async () => {
    // State built by real transactions from the pre-funded key: contracts with storage (one slot
    // written then zeroed), funded fresh accounts.
    const base = Number(BigInt(await cRpc.call<Hex>('eth_getTransactionCount', [EWOQ_EVM, 'pending'])));
    const contracts: Hex[] = [];
    const storage: Record<Hex, Record<Hex, Hex>> = {};
    const txs: Array<{ to?: string; data?: string; value?: bigint; gasLimit: bigint }> = [];
    for (let c = 0; c < 4; c++) {
      txs.push({ data: deployCode(`${STORE_RUNTIME}${c.toString(16).padStart(64, '0')}` as Hex), gasLimit: 300_000n });
      contracts.push(getCreateAddress({ from: EWOQ_EVM, nonce: base + c }).toLowerCase() as Hex);
    }
    contracts.forEach((address, c) => {
      const slots: Record<Hex, Hex> = {};
      let data = '0x';
      for (let i = 0; i < 20; i++) {
        const key = toWord(toQuantity(BigInt(c * 1000 + i)));
        const value = toWord(toQuantity(BigInt(i + 1) * 0x1_0000_0001n));
        slots[key] = value;
        data += key.slice(2) + value.slice(2);
      }
      storage[address] = slots;
      txs.push({ to: address, data, gasLimit: 30_000n * 20n + 100_000n });
    });
    const zeroed = Object.keys(storage[contracts[0]!]!)[0] as Hex;
    txs.push({ to: contracts[0], data: `0x${zeroed.slice(2)}${'00'.repeat(32)}`, gasLimit: 100_000n });
    delete storage[contracts[0]!]![zeroed];
    const funded: Hex[] = [];
    for (let i = 0; i < 24; i++) {
      const to = Wallet.createRandom().address.toLowerCase() as Hex;
      funded.push(to);
      txs.push({ to, value: 10n ** 15n * BigInt(i + 1), gasLimit: 21_000n });
    }
    await sender.send(txs);
    filled = { contracts, storage, funded };

    const head = await cHead(cRpc);
    const blockNumber = Number(BigInt(head.number));
    const records: AccountRecord[] = [];
    let pages = 0;
    for (const bounds of partitionBounds(2)) {
      for await (const page of accountRangePages(cRpc, { blockNumber, ...bounds, pageSize: 7 })) {
        records.push(...page.records);
        pages += 1;
      }
    }
    expect(pages).toBeGreaterThan(4);
    const byAddress = new Map(records.map((r) => [r.address, r]));
    for (const a of [EWOQ_EVM, WARP_PRECOMPILE, ...contracts, ...funded]) expect(byAddress.has(a as Hex), a).toBe(true);
    for (const [address, slots] of Object.entries(storage)) expect(byAddress.get(address as Hex)?.storage).toEqual(slots);
    expect(byAddress.get(WARP_PRECOMPILE)).toMatchObject({ code: '0x01', nonce: '0x1' });
    // coreth's account encoding has a fifth field, so the geth-format root differs and the coreth
    // one is exact.
    expect(await computeStateRoot(records, 'coreth')).toBe(head.stateRoot);
    expect(await computeStateRoot(records)).not.toBe(head.stateRoot);

    // Pruning is off: the genesis state is still there, and hashes to block 0's root.
    const genesis = await cRpc.call<CBlock>('eth_getBlockByNumber', ['0x0', false]);
    const atGenesis: AccountRecord[] = [];
    for await (const page of accountRangePages(cRpc, { blockNumber: 0, start: `0x${'00'.repeat(32)}`, end: null })) atGenesis.push(...page.records);
    expect(atGenesis.map((r) => r.address).sort()).toEqual([WARP_PRECOMPILE, EWOQ_EVM].sort());
    expect(await computeStateRoot(atGenesis, 'coreth')).toBe(genesis.stateRoot);
    console.log(`C-Chain block ${blockNumber}: ${records.length} accounts in ${pages} pages, root ${head.stateRoot} recomputed`);
  });

  it('(b) epoch sources: proposervm on P and C, block timestamps on X (no /proposervm route)', async () => {
    const cReader = evmBlockReader(node.cChainRpcUrl);
    const pGenesis = await new AvaxService(endpoints.chain('P', 'proposervm')).call<{ startTime: string }>('proposervm.getCurrentEpoch');
    const pSource = new ProposerVmEpochSource({
      endpoints,
      chain: 'P',
      reader: pchain.blockReader({ genesisTimestamp: Number(pGenesis.startTime) }),
      durationSeconds: EPOCH_SECONDS,
    });
    const xSource = new ProposerVmEpochSource({ endpoints, chain: 'X', reader: xchain.blockReader(), durationSeconds: EPOCH_SECONDS });
    const cSource = new ProposerVmEpochSource({ endpoints, chain: 'C', reader: cReader, durationSeconds: EPOCH_SECONDS });

    // P: no P-Chain transaction, no P-Chain block: the node predicts epoch 1 from the genesis time.
    const p = await pSource.status(1);
    expect(p).toMatchObject({ kind: 'proposervm', chain: 'P', headHeight: 0, current: { number: 1, pChainHeight: 0 } });
    expect(p.sealed).toBeUndefined();

    // X: the route is missing (HTTP 404), so the source falls back and says so.
    const x = await xSource.status(1);
    expect(x.kind).toBe('block-timestamp');
    expect(x.fallbackReason).toMatch(/404/);
    expect(x).toMatchObject({ chain: 'X', headHeight: 0, current: { number: 1, pChainHeight: null } });

    // C: the fill above made blocks, so epoch 1 is running or sealed; keep the chain moving with a
    // transaction every two seconds until the current epoch seals, asking the node on the way.
    const start = await cSource.status(1);
    expect(start.kind).toBe('proposervm');
    expect(start.node).toBeDefined();
    const firstBlock = await cReader.block(1);
    const target = start.current.number;
    if (target === 1) expect(start.current.startTime).toBe(firstBlock.timestamp); // epoch 1 starts at the fork block
    const seen: string[] = [];
    let sealedStatus = await cSource.status(target);
    const deadline = Date.now() + 3 * EPOCH_SECONDS * 1000;
    while (!sealedStatus.sealed) {
      if (Date.now() > deadline) throw new Error(`epoch ${target} did not seal: ${seen.join(' | ')}`);
      await sender.send([{ to: funded()[0], value: 1n, gasLimit: 21_000n }]);
      sealedStatus = await cSource.status(target);
      seen.push(`${sealedStatus.headHeight}@${sealedStatus.headTimestamp}→${sealedStatus.current.number}`);
      await sleep(1_500);
    }
    const sealed = sealedStatus.sealed!;
    expect(sealedStatus.current.number).toBe(target + 1);
    expect(sealed.number).toBe(target);
    expect(sealed.startTime).toBe(start.current.startTime);
    expect(sealed.sealingTimestamp).toBe(sealedStatus.current.startTime);
    expect(sealed.sealingTimestamp).toBeGreaterThanOrEqual(sealed.startTime + EPOCH_SECONDS);
    expect(sealed.sealingPChainHeight).toBe(0); // no P-Chain block exists, every epoch pins height 0
    expect(sealed.pChainHeight).toBe(0);
    const before = await cReader.block(sealed.sealingHeight - 1);
    expect(before.timestamp).toBeLessThan(sealed.startTime + EPOCH_SECONDS);

    // A fresh source (nothing remembered) walks the timestamps and must agree, and so must the
    // plain timestamp source anchored at the fork block (its numbering starts at 0 there).
    const fresh = await new ProposerVmEpochSource({ endpoints, chain: 'C', reader: cReader, durationSeconds: EPOCH_SECONDS }).status(target);
    expect(fresh.sealed).toMatchObject({
      number: target,
      startTime: sealed.startTime,
      sealingHeight: sealed.sealingHeight,
      sealingTimestamp: sealed.sealingTimestamp,
      sealingPChainHeight: 0,
    });
    const plain = await new BlockTimestampEpochSource(cReader, { durationSeconds: EPOCH_SECONDS, anchorHeight: 1 }).status(target - 1);
    expect(plain.sealed?.sealingHeight).toBe(sealed.sealingHeight);
    console.log(
      `epochs: P ${JSON.stringify(p.node)}; X fallback (${x.fallbackReason?.slice(0, 80)}); ` +
        `C epoch ${target} sealed by block ${sealed.sealingHeight} at ${sealed.sealingTimestamp}, current ${JSON.stringify(sealedStatus.node)}`,
    );
  });

  /** coreth makes blocks only for transactions: keeps some coming so the run's epoch can seal. */
  async function runSealingEpochs(running: Promise<RegenesisResult>): Promise<Extract<RegenesisResult, { status: 'Completed' }>> {
    let done = false;
    const settled = running.finally(() => (done = true));
    while (!done) {
      await sender.send([{ to: Wallet.createRandom().address, value: 1n, gasLimit: 21_000n }]);
      await Promise.race([settled, sleep(4_000)]).catch(() => undefined);
    }
    const result = await running;
    if (result.status !== 'Completed') throw new Error(`rolled back in ${result.failedPhase}: ${result.reason}`);
    return result;
  }

  function funded(): Hex[] {
    if (!filled) throw new Error('the C-Chain fill test did not run');
    return filled.funded;
  }

  it('(d) the regenesis workflow exports the C-Chain from coreth: genesis root equals the freeze block\'s', async () => {
    expect(filled, 'runs after (c), which builds the state').toBeDefined();
    const env = await startTemporal();
    try {
      const taskQueue = uniqueTaskQueue('coreth');
      const worker = await createTestWorker(env, { taskQueue, artifactsDir: join(dir, 'artifacts') });
      const plan: PlanInput = {
        name: 'coreth',
        chains: { C: { rpcUrl: node.cChainRpcUrl, partitions: 2, pageSize: 16 }, P: { addresses: [ewoqP] }, X: { addresses: [ewoqX] } },
        // The epoch in progress, read from the node's proposervm: the run waits for it to seal.
        target: { epoch: 'current' },
        epoch: { source: 'proposervm', durationSeconds: EPOCH_SECONDS, pollSeconds: 2 },
        genesis: { chainId: 43112, startTime: { afterFreezeSeconds: 3600 } },
        rehearsal: { enabled: false },
      };
      const result = await runSealingEpochs(runPlan(env, worker, plan, { taskQueue }));
      // Frozen at the sealing block of an epoch the node reported, pinned to its P-Chain height.
      const epoch = result.freeze.epoch!;
      expect(epoch.number).toBeGreaterThanOrEqual(1);
      expect(result.freeze.timestamp).toBeGreaterThanOrEqual(epoch.startTime + EPOCH_SECONDS);
      // Pinned: a real P-Chain height (0 on a local network whose P-Chain has made no block yet).
      expect(epoch.pChainHeight).toEqual(expect.any(Number));
      expect(epoch.pChainHeight).toBeLessThanOrEqual(await pchain.height());
      // Detected as coreth from web3_clientVersion; its root is the coreth one (isMultiCoin).
      const frozen = await cRpc.call<CBlock>('eth_getBlockByNumber', [`0x${result.freeze.height.toString(16)}`, false]);
      expect(result.freeze.stateRoot).toBe(frozen.stateRoot);
      expect(result.genesis.stateRoot).toBe(result.freeze.stateRoot);
      expect(result.verification.ok).toBe(true);

      // The P-Chain beside it, pinned to the same height: its validator set at that height and the
      // UTXOs of the pre-funded address, as the node serves them.
      const p = result.pChain!;
      expect(p.pChainHeight).toBe(epoch.pChainHeight);
      const atHeight = await pchain.validatorsAt(epoch.pChainHeight!);
      expect(p.validators.count).toBe(atHeight.size);
      const weights = readFileSync(join(result.artifactsDir, p.validators.path), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { nodeID: string; weight: string });
      expect(weights.map((v) => v.nodeID)).toEqual([...atHeight.keys()].sort());
      for (const v of weights) expect(v.weight).toBe(atHeight.get(v.nodeID)!.weight.toString());
      expect(p.utxos.assets).toEqual((await pchain.balances([ewoqP])).assets);
      expect(p.utxos.count).toBeGreaterThan(0);
      // The X-Chain likewise: the pre-funded address's UTXOs per asset, and those assets described.
      const x = result.xChain!;
      expect(x.pChainHeight).toBe(epoch.pChainHeight);
      expect(x.utxos.assets).toEqual((await xchain.balances([ewoqX])).assets);
      const described = readFileSync(join(result.artifactsDir, x.assets.path), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { assetID: string; symbol: string });
      expect(described.map((a) => a.assetID)).toEqual(x.utxos.assets.map((a) => a.assetID).sort());
      expect(described.map((a) => a.symbol)).toContain('AVAX');
      const report = JSON.parse(readFileSync(join(result.artifactsDir, 'reports', 'regenesis.json'), 'utf8')) as { pChain?: unknown; xChain?: unknown };
      expect(report.pChain).toEqual(p);
      expect(report.xChain).toEqual(x);
      for (const address of filled!.contracts) {
        expect(readFileSync(join(result.artifactsDir, 'genesis', 'C-genesis.json'), 'utf8')).toContain(address.slice(2));
      }

      // Rehearsing a coreth genesis on geth would compare two different roots: refused up front.
      const again = `${taskQueue}-rehearse`;
      const refusing = await createTestWorker(env, { taskQueue: again, artifactsDir: join(dir, 'artifacts') });
      const refused = await runPlan(env, refusing, { ...plan, rehearsal: { enabled: true } }, { taskQueue: again }).catch((err: unknown) => err);
      expect(failureMessages(refused)).toMatch(/plan\.rehearsal\.enabled: a coreth \(Avalanche C-Chain\) source cannot be rehearsed on geth/);
    } finally {
      await env.teardown();
    }
  });

  it('(e) P, X and C exported at one epoch become a primary genesis that a fresh avalanchego serves back', async () => {
    expect(filled, 'runs after (c), which builds the state').toBeDefined();
    // New owners funded by real X- and P-Chain transactions, one P output time-locked for ten
    // minutes: locked at the epoch, expired when the new genesis starts an hour after it.
    const fresh = [randomBytes(20), randomBytes(20)];
    const locktime = BigInt(Math.floor(Date.now() / 1000) + 600);
    await sendAvax(node.uri, 'X', EWOQ_KEY, [
      { to: formatAddress('X', 'local', fresh[0]!), amount: 1_000_000_000n },
      { to: formatAddress('X', 'local', fresh[1]!), amount: 2_500_000_000n },
    ]);
    // The genesis validators' stake owner also gets a P-Chain balance, as stakers' change would.
    const stakeOwner = genesisLocal.initialStakedFunds[0]!;
    await sendAvax(node.uri, 'P', EWOQ_KEY, [
      { to: formatAddress('P', 'local', fresh[0]!), amount: 3_000_000_000n },
      { to: formatAddress('P', 'local', fresh[1]!), amount: 4_000_000_000n, locktime },
      { to: `P-${stakeOwner.slice(2)}`, amount: 1_500_000_000n },
    ]);
    // The P-Chain moved: wait (making C-Chain blocks) until the C-Chain's epoch pins the new height.
    const pHeight = await pchain.height();
    expect(pHeight).toBeGreaterThan(0);
    const cProposerVm = new AvaxService(`${node.uri}/ext/bc/C/proposervm`);
    while (Number((await cProposerVm.call<{ pChainHeight: string }>('proposervm.getCurrentEpoch')).pChainHeight) < pHeight) {
      await sender.send([{ to: Wallet.createRandom().address, value: 1n, gasLimit: 21_000n }]);
      await sleep(3_000);
    }
    const owners = [...genesisLocal.allocations.map((a) => a.avaxAddr.slice(2)), ...fresh.map((id) => formatAddress('X', 'local', id).slice(2))];
    const NEW_NETWORK_ID = 88_888;
    const rewardAddress = formatAddress('X', 'custom', shortIdOfKey(EWOQ_KEY));
    const env = await startTemporal();
    try {
      const taskQueue = uniqueTaskQueue('primary');
      const worker = await createTestWorker(env, { taskQueue, artifactsDir: join(dir, 'artifacts') });
      const plan: PlanInput = {
        name: 'primary',
        chains: {
          C: { rpcUrl: node.cChainRpcUrl, partitions: 2, pageSize: 16 },
          // No address listed: every owner is found on the chains (genesis, stake, blocks).
          P: { addresses: [], discoverAddresses: true },
          X: { addresses: [] },
        },
        target: { epoch: 'current' },
        epoch: { source: 'proposervm', durationSeconds: EPOCH_SECONDS, pollSeconds: 2 },
        genesis: {
          chainId: 43112,
          startTime: { afterFreezeSeconds: 3600 },
          primary: {
            networkId: NEW_NETWORK_ID,
            // Its P-Chain balance would otherwise be staked with its stake: it goes to its X allocation.
            stakeOwnerBalances: 'move-to-x',
            // The new validator set: the five local stakers, from their certificates and BLS keys.
            validators: localGenesisStakers(rewardAddress),
          },
        },
        rehearsal: { enabled: true },
      };
      const workflowId = `primary-${Date.now()}`;
      const result = await runSealingEpochs(runPlan(env, worker, plan, { taskQueue, workflowId }));
      await recordHistory(env, env.client.workflow.getHandle(workflowId));

      // Discovery found exactly the owners: the genesis allocations (the staked one as stake owner)
      // and the two funded by transactions, though the plan listed none.
      const discovered = readFileSync(join(result.artifactsDir, result.discoveredAddresses!.path), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string);
      expect(discovered).toEqual([...owners].sort());
      expect(result.discoveredAddresses).toMatchObject({ count: owners.length, pBlocks: pHeight });

      // Every export at the same epoch P-Chain height.
      const pinned = result.freeze.epoch!.pChainHeight!;
      expect(result.pChain!.pChainHeight).toBe(pinned);
      expect(result.xChain!.pChainHeight).toBe(pinned);
      expect(await pchain.height()).toBe(pinned);

      // Supply per asset, from the node (not from the run): P and X UTXOs of every owner plus the
      // stake at the pinned height, against what the written genesis allocates.
      const avax = await pchain.stakingAssetID();
      const amountOf = (assets: Array<{ assetID: string; amount: string }>): bigint => BigInt(assets.find((a) => a.assetID === avax)?.amount ?? '0');
      const atHeight = await pchain.validatorsAt(pinned);
      const staked = [...atHeight.values()].reduce((sum, v) => sum + v.weight, 0n);
      const onNode = amountOf((await pchain.balances(owners.map((o) => `P-${o}`))).assets) + amountOf((await xchain.balances(owners.map((o) => `X-${o}`))).assets) + staked;
      const primary = result.primaryGenesis!;
      const file = parsePrimaryGenesis(readFileSync(join(result.artifactsDir, primary.path), 'utf8')).genesis;
      const allocated = file.allocations.reduce((sum, a) => sum + a.initialAmount + a.unlockSchedule.reduce((s, u) => s + u.amount, 0n), 0n);
      expect(allocated).toBe(onNode);
      expect(file.networkID).toBe(NEW_NETWORK_ID);
      expect(file.initialStakers.map((s) => s.nodeID)).toEqual(expectedStakers.map((s) => s.nodeID));
      // The embedded C-Chain genesis is the exported state, in coreth's format, byte for byte.
      expect(file.cChainGenesis).toBe(readFileSync(join(result.artifactsDir, result.genesis.path), 'utf8'));
      expect(JSON.parse(file.cChainGenesis).config).not.toHaveProperty('terminalTotalDifficulty');
      for (const address of filled!.contracts) expect(file.cChainGenesis).toContain(address.slice(2));

      const checks = new Map(result.verification.checks.map((c) => [c.name, c]));
      expect(checks.get(`supply-${avax}`)?.ok, checks.get(`supply-${avax}`)?.detail).toBe(true);
      expect(checks.get('validator-weights')?.ok, checks.get('validator-weights')?.detail).toBe(true);
      expect(checks.get('state-root')?.ok).toBe(true);
      // The same validators, each with the weight it had at the pinned height.
      expect(primary.stakers.map((s) => [s.nodeID, s.weight])).toEqual(expectedStakers.map((s) => [s.nodeID, atHeight.get(s.nodeID)!.weight.toString()]));
      expect(primary.mode).toBe('independent');
      // The funded owners, re-encoded for the new network: X amount as initialAmount, P with its lock.
      const allocationOf = (id: Uint8Array) => file.allocations.find((a) => (a as { avaxAddr: string }).avaxAddr === formatAddress('X', 'custom', id))!;
      expect(allocationOf(fresh[0]!)).toMatchObject({ initialAmount: 1_000_000_000n, unlockSchedule: [{ amount: 3_000_000_000n }] });
      expect(allocationOf(fresh[1]!)).toMatchObject({ initialAmount: 2_500_000_000n, unlockSchedule: [{ amount: 4_000_000_000n, locktime }] });
      // The stake owner: its stake as the staked unlocks, its P-Chain balance moved to X.
      const staker = allocationOf(shortIdFromAddress(stakeOwner));
      expect(staker.initialAmount).toBe(1_500_000_000n);
      expect(staker.unlockSchedule.reduce((s, u) => s + u.amount, 0n)).toBe(staked);
      expect(primary.carried.movedToX).toBe('1500000000');

      // The rehearsal node loaded it and served the validators, every owner's balances and the root.
      const rehearsal = result.rehearsal!;
      expect(rehearsal.mismatches).toEqual([]);
      expect(rehearsal).toMatchObject({ ok: true, rootMatches: true, block0Root: result.freeze.stateRoot });
      expect(rehearsal.primary).toMatchObject({ networkID: NEW_NETWORK_ID, validators: 5, owners: owners.length });
      expect(pinned).toBe(pHeight);
      expect(rehearsal.sampled).toBeGreaterThan(0);

      const report = JSON.parse(readFileSync(join(result.artifactsDir, 'reports', 'regenesis.json'), 'utf8')) as { primaryGenesis?: { mode: string; sha256: string } };
      expect(report.primaryGenesis).toMatchObject({ mode: 'independent', sha256: primary.sha256 });
    } finally {
      await env.teardown();
    }
  });

  it('(f) a new validator set with a duplicate NodeID stops the run before anything is exported', async () => {
    const env = await startTemporal();
    try {
      const taskQueue = uniqueTaskQueue('bad-stakers');
      const artifactsDir = join(dir, 'artifacts-bad');
      const worker = await createTestWorker(env, { taskQueue, artifactsDir });
      const staker = (s: (typeof expectedStakers)[number]) => ({
        certificate: readFileSync(join(VECTORS, s.certFile), 'utf8'),
        blsPublicKey: s.blsPublicKey,
        proofOfPossession: s.proofOfPossession,
        rewardAddress: formatAddress('X', 'custom', shortIdOfKey(EWOQ_KEY)),
      });
      const plan: PlanInput = {
        name: 'bad-stakers',
        chains: { C: { rpcUrl: node.cChainRpcUrl }, P: { addresses: [ewoqP] }, X: { addresses: [ewoqX] } },
        target: { epoch: 'current' },
        epoch: { source: 'proposervm', durationSeconds: EPOCH_SECONDS, pollSeconds: 2 },
        genesis: { chainId: 43112, startTime: { afterFreezeSeconds: 3600 }, primary: { networkId: 88_888, validators: [staker(expectedStakers[0]!), staker(expectedStakers[0]!)] } },
      };
      const refused = await runPlan(env, worker, plan, { taskQueue }).catch((err: unknown) => err);
      // Like every refusal before the export, the run fails (nothing to roll back), naming the staker.
      expect(failureMessages(refused)).toMatch(/plan\.genesis\.primary\.validators\[1\] \(NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg\)\.nodeID: duplicate NodeID/);
      expect(failureMessages(refused)).toMatch(/signer\.publicKey: BLS public key already used by plan\.genesis\.primary\.validators\[0\]/);
      // Refused before the export: the run wrote nothing.
      expect(existsSync(artifactsDir) ? readdirSync(artifactsDir) : []).toEqual([]);
    } finally {
      await env.teardown();
    }
  });
});
