import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAlloc } from '../../src/dev/syntheticAlloc.js';
import { exportActivities } from '../../activities/export.js';
import { AtomicFile } from '../../src/artifacts/atomicFile.js';
import { LocalArtifactStore } from '../../src/artifacts/store.js';
import { JsonRpcClient } from '../../src/chains/evm/rpc.js';
import { deployCode, STORE_RUNTIME } from '../../src/dev/fill.js';
import { DeltaSourceError, modifiedAccounts } from '../../src/export/delta.js';
import { exportPartition } from '../../src/export/partition.js';
import { buildEvmGenesis } from '../../src/genesis/buildEvmGenesis.js';
import { postMergeChainConfig } from '../../src/genesis/chainConfig.js';
import type { DeltaManifest, PartitionManifest } from '../../src/manifests.js';
import { gethInit, startGethDev, type GethNode } from '../../src/nodes/geth.js';
import type { AccountRecord } from '../../src/state/account.js';
import { toQuantity, toWord, type Hex } from '../../src/state/hex.js';
import { accountLine, readAccountFile } from '../../src/state/jsonl.js';
import { EMPTY_CODE_HASH, keccak256Hex, keccakReady } from '../../src/state/keccak.js';
import { stateRootOfFiles } from '../../src/state/stateRoot.js';
import { sha256OfFile } from '../helpers/run.js';

// The C-Chain delta on a real geth: stage 1 exported in full at F, a few blocks of changes up to H,
// then only what changed exported and merged. The merged partitions must be, byte for byte, what a
// full export at H writes, and their state root block H's.

/** geth's --dev account (go-ethereum cmd/utils DeveloperKey): the node unlocks it on a datadir of ours too. */
const DEV_KEY = '0xb71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291';
const ACCOUNTS = 10_000;
const PARTITIONS = 4;
const byKey = (a: AccountRecord, b: AccountRecord) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

function plainAccount(address: Hex, balance: bigint): AccountRecord {
  return { key: keccak256Hex(address), address, balance: toQuantity(balance), nonce: '0x0', codeHash: EMPTY_CODE_HASH };
}

/**
 * geth --dev (archive, preimages) on a genesis of the bench's synthetic state plus `extra`: tens of
 * thousands of accounts in seconds, on a chain that then mines a block every second.
 */
async function startSyntheticDevGeth(dir: string, extra: AccountRecord[]): Promise<GethNode> {
  const alloc = await generateAlloc({ accounts: ACCOUNTS, seed: 17, partitions: 1 }, join(dir, 'alloc'));
  const records = [...(await readAccountFile(alloc.files[0]!.path)), ...extra].sort(byKey);
  const allocPath = join(dir, 'alloc.jsonl');
  writeFileSync(allocPath, records.map(accountLine).join(''));
  const genesisPath = join(dir, 'genesis.json');
  const header = { config: postMergeChainConfig(31_338), timestamp: Math.floor(Date.now() / 1000), gasLimit: 30_000_000 };
  await buildEvmGenesis([allocPath], header, await AtomicFile.create(genesisPath));
  const dataDir = join(dir, 'datadir');
  await gethInit({ dataDir, genesisPath, preimages: true, logPath: join(dir, 'geth-init.log') });
  return startGethDev({ dataDir, periodSeconds: 1 });
}

interface Receipt {
  status: Hex;
  blockNumber: Hex;
  contractAddress: Hex | null;
}

/**
 * Sends from the node's unlocked account and waits for every receipt; returns them in order. Nonces
 * are set here: geth --dev may hand out a nonce twice while a new block resets its pool.
 */
async function send(rpc: JsonRpcClient, from: Hex, txs: Array<{ to?: Hex; value?: bigint; data?: Hex; gas?: bigint }>): Promise<Receipt[]> {
  const hashes: Hex[] = [];
  // Every earlier transaction of the test is mined before the next call: the latest count is exact.
  let nonce = BigInt(await rpc.call<Hex>('eth_getTransactionCount', [from, 'latest']));
  for (const tx of txs) {
    const request = { from, to: tx.to, value: toQuantity(tx.value ?? 0n), data: tx.data, gas: toQuantity(tx.gas ?? 200_000n), nonce: toQuantity(nonce++) };
    hashes.push(await rpc.call<Hex>('eth_sendTransaction', [request]));
  }
  const receipts: Receipt[] = [];
  for (const hash of hashes) {
    let receipt = await rpc.call<Receipt | null>('eth_getTransactionReceipt', [hash]);
    for (let i = 0; !receipt && i < 300; i++) {
      await sleep(100);
      receipt = await rpc.call<Receipt | null>('eth_getTransactionReceipt', [hash]);
    }
    if (receipt?.status !== '0x1') throw new Error(`transaction ${hash} failed or was not mined: ${JSON.stringify(receipt)}`);
    receipts.push(receipt);
  }
  return receipts;
}

const blockOf = (receipts: Receipt[]): number => Math.max(...receipts.map((r) => Number(BigInt(r.blockNumber))));
const head = async (rpc: JsonRpcClient): Promise<number> => Number(BigInt(await rpc.call<Hex>('eth_blockNumber')));

/** Waits until `n` is below the head: its state is then historical, as a freeze or halt height is. */
async function pastBlock(rpc: JsonRpcClient, n: number): Promise<void> {
  while ((await head(rpc)) <= n) await sleep(200);
}

async function stateRootAt(rpc: JsonRpcClient, n: number): Promise<Hex> {
  return (await rpc.call<{ stateRoot: Hex }>('eth_getBlockByNumber', [toQuantity(BigInt(n)), false])).stateRoot;
}

/** A single storage write: STORE_RUNTIME takes (slot, value) pairs of 32 bytes each. */
const storeCall = (pairs: Array<[number, number]>): Hex =>
  `0x${pairs.map(([s, v]) => toWord(toQuantity(BigInt(s))).slice(2) + toWord(toQuantity(BigInt(v))).slice(2)).join('')}`;

const work = mkdtempSync(join(tmpdir(), 'c-delta-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('C-Chain delta on geth: export what changed between F and H, merge it into the export at F', () => {
  let geth: GethNode | undefined;
  let rpc: JsonRpcClient;
  let dev: Hex;
  let store: LocalArtifactStore;
  let heightF: number;
  let heightH: number;
  let stage1: PartitionManifest[];
  let delta: DeltaManifest;
  /** An empty account of the genesis: touching it deletes it (EIP-161), which the node's difference never reports. */
  const empty = `0x${'e0'.repeat(20)}` as Hex;
  let exportCDelta: ReturnType<typeof exportActivities>['exportCDelta'];

  /** A full export at `height` with the existing exporter, under its own run. */
  const fullExport = async (runKey: string, height: number): Promise<PartitionManifest[]> => {
    const parts: PartitionManifest[] = [];
    for (let index = 0; index < PARTITIONS; index++) {
      parts.push(await exportPartition({ store, runKey, rpcUrl: geth!.rpcUrl, blockNumber: height, index, count: PARTITIONS, pageSize: 256 }));
    }
    return parts;
  };

  const runDelta = (toHeight: number): Promise<DeltaManifest> =>
    new MockActivityEnvironment().run(exportCDelta, {
      // As a run's final stage does: its own run directory, the stage-1 partitions read from the first's.
      runKey: 'final',
      sourceRunKey: 'run',
      rpcUrl: geth!.rpcUrl,
      fromHeight: heightF,
      toHeight,
      partitionPaths: stage1.map((p) => p.path),
    }) as Promise<DeltaManifest>;

  /** The merged partitions against a full export at the same height (run `fullRun`): same bytes, same manifests. */
  const expectSameAsFullExport = (merged: PartitionManifest[], full: PartitionManifest[], fullRun: string): void => {
    expect(merged.map((p) => p.path)).toEqual(full.map((p) => p.path.replace('exports/C/', 'exports/C-final/')));
    merged.forEach((p, i) => {
      expect(sha256OfFile(store.path('final', p.path)), `partition ${i}`).toBe(sha256OfFile(store.path(fullRun, full[i]!.path)));
      expect({ ...p, path: full[i]!.path }).toEqual(full[i]);
    });
  };

  beforeAll(async () => {
    await keccakReady();
    dev = new Wallet(DEV_KEY).address.toLowerCase() as Hex;
    store = new LocalArtifactStore(join(work, 'artifacts'));
    exportCDelta = exportActivities(store).exportCDelta;
    const started = Date.now();
    geth = await startSyntheticDevGeth(join(work, 'geth'), [plainAccount(dev, 10n ** 24n), plainAccount(empty, 0n)]);
    rpc = new JsonRpcClient(geth.rpcUrl);
    const chainReady = Date.now() - started;
    // Before F: a storage contract with three slots, so F's state has one to change.
    const [deployed] = await send(rpc, dev, [{ data: deployCode(STORE_RUNTIME), gas: 300_000n }]);
    const store1 = deployed!.contractAddress!.toLowerCase() as Hex;
    heightF = blockOf(
      await send(rpc, dev, [
        {
          to: store1,
          data: storeCall([
            [1, 11],
            [2, 22],
            [3, 33],
          ]),
        },
      ]),
    );
    await pastBlock(rpc, heightF);
    const exportStarted = Date.now();
    stage1 = await fullExport('run', heightF);
    console.info(
      `geth with ${ACCOUNTS} synthetic accounts up in ${chainReady} ms; stage 1 at F=${heightF}: ` +
        `${stage1.reduce((n, p) => n + p.stats.accounts, 0)} accounts exported in ${Date.now() - exportStarted} ms`,
    );

    // F → H: transfers to existing accounts, a new account, a slot changed, one cleared and one
    // added, and a new contract.
    const existing = (await readAccountFile(store.path('run', stage1[1]!.path))).filter((r) => r.code === undefined).slice(0, 3);
    const receipts = await send(rpc, dev, [
      ...existing.map((r) => ({ to: r.address, value: 1_000_000_007n })),
      { to: `0x${'ab'.repeat(20)}` as Hex, value: 5n * 10n ** 18n },
      {
        to: store1,
        data: storeCall([
          [1, 111],
          [2, 0],
          [4, 44],
        ]),
      },
      { data: deployCode(STORE_RUNTIME), gas: 300_000n },
    ]);
    heightH = blockOf(receipts);
    await pastBlock(rpc, heightH);
  });

  afterAll(async () => {
    await geth?.stop();
  });

  it('exports only the accounts the node reports changed, and merges them into the bytes of a full export at H', async () => {
    const started = Date.now();
    delta = await runDelta(heightH);
    const elapsed = Date.now() - started;
    const fullStarted = Date.now();
    const fullAtH = await fullExport('full-H', heightH);
    const fullElapsed = Date.now() - fullStarted;

    // (i) the node's own count, a small fraction of the state.
    const reported = await new JsonRpcClient(geth!.rpcUrl).call<Hex[]>('debug_getModifiedAccountsByNumber', [heightF, heightH]);
    expect(delta.changedAccounts).toBe(reported.length);
    expect(delta.changedAccounts).toBeGreaterThanOrEqual(7); // dev, 3 transfers, the new account, two contracts
    expect(delta.changedAccounts / delta.totalAccounts).toBeLessThan(0.05);
    expect(delta).toMatchObject({ fromHeight: heightF, toHeight: heightH, deletedAccounts: 0, createdAccounts: 2 });
    expect(delta.keyScan).toBeUndefined();
    expect(sha256OfFile(store.path('final', delta.delta.path))).toBe(delta.delta.sha256);

    // (ii) byte-identical to the full export at H.
    expectSameAsFullExport(delta.partitions, fullAtH, 'full-H');

    // (iii) the state root over the merged export is block H's, as the node reports it.
    const { stateRoot, accounts } = await stateRootOfFiles(delta.partitions.map((p) => store.path('final', p.path)));
    expect(stateRoot).toBe(await stateRootAt(rpc, heightH));
    expect(delta.stateRoot).toBe(stateRoot);
    expect(accounts).toBe(delta.totalAccounts);
    console.info(
      `delta F=${heightF} → H=${heightH}: ${delta.changedAccounts} of ${delta.totalAccounts} accounts changed ` +
        `(${((100 * delta.changedAccounts) / delta.totalAccounts).toFixed(2)}%), delta + merge in ${elapsed} ms, full export at H in ${fullElapsed} ms; ` +
        `partition sha256 ${delta.partitions.map((p) => p.sha256.slice(0, 12)).join(' ')}`,
    );
  });

  it('writes the same bytes when run again', async () => {
    const again = await runDelta(heightH);
    expect(again).toEqual(delta);
  });

  it('finds an account deleted between the heights, which the node does not report, by reading every key at the halt', async () => {
    // A zero-value call touches the empty account: EIP-161 deletes it at the end of the transaction.
    const heightH2 = blockOf(await send(rpc, dev, [{ to: empty, value: 0n, gas: 21_000n }]));
    await pastBlock(rpc, heightH2);
    expect(await rpc.call<Hex[]>('debug_getModifiedAccountsByNumber', [heightF, heightH2])).not.toContain(empty);
    const withDeletion = await runDelta(heightH2);
    const fullAtH2 = await fullExport('full-H2', heightH2);
    expect(fullAtH2.reduce((n, p) => n + p.stats.accounts, 0)).toBe(stage1.reduce((n, p) => n + p.stats.accounts, 0) + 2 - 1);
    expect(withDeletion).toMatchObject({ deletedAccounts: 1, keyScan: { deletionsFound: 1, keys: withDeletion.totalAccounts } });
    expectSameAsFullExport(withDeletion.partitions, fullAtH2, 'full-H2');
    expect(withDeletion.stateRoot).toBe(await stateRootAt(rpc, heightH2));
    const lines = (await readAccountFile(store.path('final', withDeletion.delta.path))) as unknown as Array<{ address: Hex; deleted?: true }>;
    expect(lines.filter((l) => l.deleted).map((l) => l.address)).toEqual([empty]);
  });

  it('refuses heights the node has no blocks for, naming the method and the heights', async () => {
    const beyond = (await head(rpc)) + 1000;
    const err = await modifiedAccounts(rpc, heightF, beyond).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeltaSourceError);
    expect((err as Error).message).toContain(`debug_getModifiedAccountsByNumber(${heightF}, ${beyond})`);
    expect((err as Error).message).toMatch(/end block \d+ not found/);
  });
});

describe('C-Chain delta from a node without debug_getModifiedAccountsByNumber', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    // Answers every call as a node without the debug namespace does (geth: -32601).
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const { id, method } = JSON.parse(body) as { id: number; method: string };
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32601, message: `the method ${method} does not exist/is not available` } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('fails the activity as UnsupportedNode, naming the method and the heights', async () => {
    const { exportCDelta } = exportActivities(new LocalArtifactStore(join(work, 'artifacts-unsupported')));
    const err = await new MockActivityEnvironment()
      .run(exportCDelta, { runKey: 'run', rpcUrl: url, fromHeight: 5, toHeight: 9, partitionPaths: ['exports/C/part-000.jsonl'] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('UnsupportedNode');
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as Error).message).toMatch(/debug_getModifiedAccountsByNumber\(5, 9\) at .*: the node does not serve it/);
  });

  it('refuses the merged export as its own input before asking the node anything', async () => {
    const { exportCDelta } = exportActivities(new LocalArtifactStore(join(work, 'artifacts-unsupported')));
    const partitionPaths = ['exports/C/part-000.jsonl', 'exports/C-final/part-001.jsonl'];
    const err = await new MockActivityEnvironment()
      .run(exportCDelta, { runKey: 'run', rpcUrl: url, fromHeight: 5, toHeight: 9, partitionPaths })
      .catch((e: unknown) => e);
    expect((err as ApplicationFailure).type).toBe('InvalidPlan');
    expect((err as Error).message).toContain('partitionPaths[1] exports/C-final/part-001.jsonl is where the merged export is written');
  });
});
