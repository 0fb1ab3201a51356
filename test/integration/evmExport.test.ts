import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnvilHeadMovedError, anvilStateDump, exportAnvilState } from '../../src/chains/evm/anvilExport.js';
import { accountRangePages, MissingPreimageError, partitionBounds } from '../../src/chains/evm/gethExport.js';
import { probeNodeKind } from '../../src/chains/evm/nodeKind.js';
import { rehearseGethGenesis } from '../../src/rehearsal/evm.js';
import { JsonRpcClient } from '../../src/chains/evm/rpc.js';
import { startAnvil, type AnvilNode } from '../rigs/anvil.js';
import { fillChain, type FillSummary } from '../../src/dev/fill.js';
import { runGeth, startGethDev, type GethNode } from '../../src/nodes/geth.js';
import type { AccountRecord } from '../../src/state/account.js';
import { toWord, type Hex } from '../../src/state/hex.js';
import { EMPTY_CODE_HASH, keccak256Hex, keccakReady } from '../../src/state/keccak.js';
import { computeStateRoot, storageRoot } from '../../src/state/stateRoot.js';

interface Block {
  number: Hex;
  stateRoot: Hex;
}

const ZERO_WORD = toWord('0x0');

async function head(rpc: JsonRpcClient): Promise<number> {
  return Number(BigInt(await rpc.call<Hex>('eth_blockNumber')));
}

async function blockAt(rpc: JsonRpcClient, n: number): Promise<Block> {
  return rpc.call<Block>('eth_getBlockByNumber', [`0x${n.toString(16)}`, false]);
}

async function waitForBlock(rpc: JsonRpcClient, n: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await head(rpc)) < n) {
    if (Date.now() > deadline) throw new Error(`block ${n} not reached within ${timeoutMs} ms`);
    await sleep(200);
  }
}

async function exportRange(
  rpc: JsonRpcClient,
  blockNumber: number,
  range: { start: Hex; end: Hex | null },
  extra: { pageSize?: number; preimages?: Map<Hex, Hex> } = {},
): Promise<{ records: AccountRecord[]; pages: Array<{ first?: Hex; next: Hex | null; count: number }> }> {
  const records: AccountRecord[] = [];
  const pages: Array<{ first?: Hex; next: Hex | null; count: number }> = [];
  for await (const page of accountRangePages(rpc, { blockNumber, ...range, ...extra })) {
    records.push(...page.records);
    pages.push({ first: page.records[0]?.key, next: page.next, count: page.records.length });
  }
  return { records, pages };
}

async function exportAll(rpc: JsonRpcClient, blockNumber: number, partitions: number, extra: { pageSize?: number; preimages?: Map<Hex, Hex> } = {}) {
  const all: AccountRecord[] = [];
  for (const bounds of partitionBounds(partitions)) {
    const { records } = await exportRange(rpc, blockNumber, bounds, extra);
    for (const r of records) {
      expect(r.key >= bounds.start).toBe(true);
      if (bounds.end) expect(r.key < bounds.end).toBe(true);
    }
    all.push(...records);
  }
  return all;
}

function expectStrictlySorted(records: AccountRecord[]): void {
  for (let i = 1; i < records.length; i++) {
    if (!(records[i - 1]!.key < records[i]!.key)) throw new Error(`records not strictly increasing at ${i}: ${records[i]!.key}`);
  }
  expect(new Set(records.map((r) => r.address)).size).toBe(records.length);
}

function totals(records: AccountRecord[]) {
  return {
    accounts: records.length,
    contracts: records.filter((r) => r.code !== undefined).length,
    slots: records.reduce((n, r) => n + Object.keys(r.storage ?? {}).length, 0),
  };
}

/** Compares records with what the node serves at `block` through the plain eth_ API. */
async function spotCheck(rpc: JsonRpcClient, records: AccountRecord[], block: number, maxSlots = 5): Promise<number> {
  const tag = `0x${block.toString(16)}`;
  const calls: Array<{ method: string; params: unknown[]; expected: string; norm: (v: string) => string; what: string }> = [];
  for (const r of records) {
    calls.push({
      method: 'eth_getBalance',
      params: [r.address, tag],
      expected: BigInt(r.balance).toString(),
      norm: (v) => BigInt(v).toString(),
      what: `${r.address} balance`,
    });
    calls.push({
      method: 'eth_getTransactionCount',
      params: [r.address, tag],
      expected: BigInt(r.nonce).toString(),
      norm: (v) => BigInt(v).toString(),
      what: `${r.address} nonce`,
    });
    calls.push({ method: 'eth_getCode', params: [r.address, tag], expected: r.code ?? '0x', norm: (v) => v.toLowerCase(), what: `${r.address} code` });
    for (const [slot, value] of Object.entries(r.storage ?? {}).slice(0, maxSlots)) {
      calls.push({ method: 'eth_getStorageAt', params: [r.address, slot, tag], expected: value, norm: toWord, what: `${r.address} slot ${slot}` });
    }
  }
  for (let i = 0; i < calls.length; i += 100) {
    const chunk = calls.slice(i, i + 100);
    const results = (await rpc.batch(chunk)) as string[];
    for (const [j, c] of chunk.entries()) expect(c.norm(results[j]!), c.what).toBe(c.expected);
  }
  return calls.length;
}

/** Every n-th record plus the named addresses. */
function sample(records: AccountRecord[], addresses: Hex[], every = 25): AccountRecord[] {
  const byAddress = new Map(records.map((r) => [r.address, r]));
  const picked = records.filter((_, i) => i % every === 0);
  for (const a of addresses) {
    const r = byAddress.get(a);
    if (r && !picked.includes(r)) picked.push(r);
  }
  return picked;
}

/**
 * Checks the fill's own bookkeeping against the export: storage exactly, special accounts.
 * `createdStaysEmpty`: anvil keeps the created-and-destroyed account as an empty account in its trie.
 */
function checkFillInvariants(records: AccountRecord[], fill: FillSummary, createdStaysEmpty = false): void {
  const byAddress = new Map(records.map((r) => [r.address, r]));
  const t = totals(records);
  // + the sender, the emptied account and the self-destruct beneficiary
  expect(t.accounts).toBeGreaterThanOrEqual(fill.accounts + fill.contracts + 3);
  expect(t.contracts).toBeGreaterThanOrEqual(fill.contracts);
  expect(t.slots).toBeGreaterThanOrEqual(fill.slots);
  for (const a of fill.fundedAddresses) expect(byAddress.has(a), a).toBe(true);
  for (const [address, slots] of Object.entries(fill.storage)) {
    expect(byAddress.get(address as Hex)?.storage ?? {}, `storage of ${address}`).toEqual(slots);
  }
  if (fill.zeroedSlot) expect(byAddress.get(fill.zeroedSlot.contract)?.storage?.[fill.zeroedSlot.slot]).toBeUndefined();
  const emptied = byAddress.get(fill.emptiedAccount);
  expect(emptied).toMatchObject({ balance: '0x0', nonce: '0x1' });
  const created = byAddress.get(fill.selfDestructed.created);
  if (createdStaysEmpty && created) {
    expect(created).toEqual({ key: created.key, address: created.address, balance: '0x0', nonce: '0x0', codeHash: EMPTY_CODE_HASH });
  } else {
    expect(created).toBeUndefined();
  }
  expect(byAddress.get(fill.selfDestructed.beneficiary)?.balance).toBe(`0x${fill.selfDestructed.value.toString(16)}`);
}

/** The simplest geth genesis for a state: enough for `geth init` and a node to boot block 0. */
function writeGenesis(path: string, records: AccountRecord[], config: Record<string, unknown>): void {
  const alloc: Record<string, unknown> = {};
  for (const r of records) {
    const entry: Record<string, unknown> = { balance: r.balance, nonce: r.nonce };
    if (r.code) entry.code = r.code;
    if (r.storage) entry.storage = r.storage;
    alloc[r.address] = entry;
  }
  writeFileSync(path, JSON.stringify({ config, alloc, gasLimit: '0x1c9c380', difficulty: '0x0', timestamp: '0x0', extraData: '0x' }));
}

const BLOB = {
  cancun: { target: 3, max: 6, baseFeeUpdateFraction: 3338477 },
  prague: { target: 6, max: 9, baseFeeUpdateFraction: 5007716 },
};

function pragueConfig(chainId: number): Record<string, unknown> {
  const config: Record<string, unknown> = { chainId };
  for (const fork of ['homestead', 'eip150', 'eip155', 'eip158', 'byzantium', 'constantinople', 'petersburg', 'istanbul', 'berlin', 'london']) {
    config[`${fork}Block`] = 0;
  }
  return { ...config, terminalTotalDifficulty: 0, shanghaiTime: 0, cancunTime: 0, pragueTime: 0, blobSchedule: BLOB };
}

const work = mkdtempSync(join(tmpdir(), 'evm-export-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('geth --dev export through debug_accountRange', () => {
  let geth: GethNode | undefined;
  let rpc: JsonRpcClient;
  let fill: FillSummary;
  let blockB: number;
  let exported: Promise<AccountRecord[]> | undefined;
  /** Every account at block B over 4 partitions, read once by whichever test needs it first. */
  const recordsAtB = (): Promise<AccountRecord[]> => (exported ??= exportAll(rpc, blockB, 4));

  beforeAll(async () => {
    await keccakReady();
    geth = await startGethDev({ dataDir: join(work, 'geth'), periodSeconds: 1 });
    rpc = new JsonRpcClient(geth.rpcUrl);
    fill = await fillChain(geth.rpcUrl, { seed: 7 });
    console.info(
      `geth fill: ${fill.transactions} txs, ${fill.accounts} accounts, ${fill.contracts} contracts, ${fill.slots} slots in ${fill.elapsedMs} ms, last block ${fill.lastBlock}`,
    );
    await waitForBlock(rpc, fill.lastBlock + 1);
    blockB = await head(rpc);
    // The chain moves on: the export below reads historical state, not the head.
    await waitForBlock(rpc, blockB + 2);
  });

  afterAll(async () => {
    await geth?.stop();
  });

  it('identifies the node as geth', async () => {
    expect(await probeNodeKind(rpc)).toBe('geth');
  });

  it('exports every account at block B over 4 partitions; the state root matches', async () => {
    const started = Date.now();
    const records = await recordsAtB();
    const elapsed = Date.now() - started;
    expectStrictlySorted(records);
    checkFillInvariants(records, fill);
    const root = await computeStateRoot(records);
    expect(root).toBe((await blockAt(rpc, blockB)).stateRoot);
    expect((await blockAt(rpc, await head(rpc))).stateRoot).not.toBe(root);
    const checked = await spotCheck(
      rpc,
      sample(records, [fill.emptiedAccount, fill.selfDestructed.beneficiary, ...fill.contractAddresses.slice(0, 3)]),
      blockB,
    );
    console.info(`geth export at block ${blockB}: ${JSON.stringify(totals(records))} in ${elapsed} ms, ${checked} RPC spot checks`);
  });

  it('resumes from any page cursor with the same records', async () => {
    const range = partitionBounds(4)[1]!;
    const full = await exportRange(rpc, blockB, range, { pageSize: 37 });
    expect(full.pages.length).toBeGreaterThan(2);
    const cursor = full.pages[1]!.next!;
    const resumed = await exportRange(rpc, blockB, { start: cursor, end: range.end }, { pageSize: 37 });
    expect(resumed.records).toEqual(full.records.filter((r) => r.key >= cursor));
    expect(full.pages.at(-1)!.next).toBeNull();
  });

  it('rehearses the export as a geth genesis: block 0 root equals the source root', async () => {
    const records = await recordsAtB();
    const genesisPath = join(work, 'genesis-geth.json');
    writeGenesis(genesisPath, records, pragueConfig(424242));
    const expectedRoot = await computeStateRoot(records);
    const samples = sample(records, fill.contractAddresses.slice(0, 2), 40);
    const result = await rehearseGethGenesis({ genesisPath, workDir: join(work, 'rehearsal'), expectedRoot, samples });
    expect(result.mismatches).toEqual([]);
    expect(result.block0Root).toBe((await blockAt(rpc, blockB)).stateRoot);
    expect(result.rootMatches).toBe(true);
    expect(result.sampled).toBe(samples.length);
  });
});

describe('geth genesis config', () => {
  it('boots with the minimal config {chainId, terminalTotalDifficulty: 0}', async () => {
    await keccakReady();
    const eoa: Hex = '0x00000000000000000000000000000000000000aa';
    const contract: Hex = '0x00000000000000000000000000000000000000bb';
    // An empty account (what anvil leaves behind): a genesis keeps it in the trie.
    const empty: Hex = '0x00000000000000000000000000000000000000cc';
    const code: Hex = '0x6001600055';
    const records: AccountRecord[] = [
      { key: keccak256Hex(eoa), address: eoa, balance: '0xde0b6b3a7640000', nonce: '0x0', codeHash: EMPTY_CODE_HASH },
      { key: keccak256Hex(empty), address: empty, balance: '0x0', nonce: '0x0', codeHash: EMPTY_CODE_HASH },
      {
        key: keccak256Hex(contract),
        address: contract,
        balance: '0x0',
        nonce: '0x1',
        codeHash: keccak256Hex(code),
        code,
        storage: { [toWord('0x1')]: toWord('0x2a') },
      },
    ];
    records.sort((a, b) => (a.key < b.key ? -1 : 1));
    const genesisPath = join(work, 'genesis-minimal.json');
    writeGenesis(genesisPath, records, { chainId: 424243, terminalTotalDifficulty: 0 });
    const expectedRoot = await computeStateRoot(records);
    const result = await rehearseGethGenesis({ genesisPath, workDir: join(work, 'rehearsal-minimal'), expectedRoot, samples: records });
    expect(result).toEqual({ block0Root: expectedRoot, rootMatches: true, sampled: 3, mismatches: [] });
  });

  it('fails loudly when geth init rejects the genesis', async () => {
    const genesisPath = join(work, 'genesis-bad.json');
    // cancunTime without its blobSchedule entry: geth init exits non-zero.
    writeFileSync(genesisPath, JSON.stringify({ config: { ...pragueConfig(424244), blobSchedule: {} }, alloc: {}, gasLimit: '0x1c9c380', difficulty: '0x0' }));
    await expect(rehearseGethGenesis({ genesisPath, workDir: join(work, 'rehearsal-bad'), expectedRoot: `0x${'00'.repeat(32)}`, samples: [] })).rejects.toThrow(
      /geth init exited with 1.*blobSchedule/s,
    );
  });
});

describe('geth without preimage recording', () => {
  let geth: GethNode | undefined;
  let rpc: JsonRpcClient;
  let genesisPreimages: Map<Hex, Hex>;

  beforeAll(async () => {
    await keccakReady();
    // geth's developer genesis is DeveloperGenesisBlock(gasLimit, faucet): `geth --dev dumpgenesis`
    // prints it without the faucet, which the running node names as eth_accounts[0]. Read from the
    // node itself, so nothing stops a node to open its locked database.
    const dumped = await runGeth(['--dev', 'dumpgenesis']);
    expect(dumped.exitCode, dumped.output).toBe(0);
    const alloc = (JSON.parse(dumped.stdout) as { alloc: Record<string, unknown> }).alloc;
    geth = await startGethDev({ dataDir: join(work, 'geth-nopre'), periodSeconds: 1, archive: false, preimages: false });
    rpc = new JsonRpcClient(geth.rpcUrl);
    const [faucet] = await rpc.call<string[]>('eth_accounts');
    genesisPreimages = new Map(
      [...Object.keys(alloc), faucet!].map((a) => {
        const address = `0x${a.replace(/^0x/, '').toLowerCase()}` as Hex;
        return [keccak256Hex(address), address];
      }),
    );
    await waitForBlock(rpc, 3);
  });

  afterAll(async () => {
    await geth?.stop();
  });

  it('refuses accounts without an address preimage, naming the key and the flag', async () => {
    const at = await head(rpc);
    const err = await exportAll(rpc, at, 1).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MissingPreimageError);
    const missing = err as MissingPreimageError;
    expect(missing.kind).toBe('account');
    expect(missing.message).toContain(missing.key);
    expect(missing.message).toContain('--cache.preimages');
    expect(genesisPreimages.has(missing.key)).toBe(true); // even genesis accounts come without address
  });

  it('exports block 0 when the genesis alloc supplies the addresses', async () => {
    expect(genesisPreimages.size).toBeGreaterThanOrEqual(20);
    const records = await exportAll(rpc, 0, 2, { preimages: genesisPreimages });
    expectStrictlySorted(records);
    expect(records.length).toBe(genesisPreimages.size);
    expect(await computeStateRoot(records)).toBe((await blockAt(rpc, 0)).stateRoot);
  });

  it('refuses storage whose slot preimages are missing (system contracts written by later blocks)', async () => {
    const at = await head(rpc);
    const err = await exportAll(rpc, at, 1, { preimages: genesisPreimages }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MissingPreimageError);
    expect((err as MissingPreimageError).kind).toBe('storage');
    expect((err as MissingPreimageError).message).toContain('--cache.preimages');
  });

  it('refuses supplied preimages that do not hash to their key', async () => {
    const wrong = new Map<Hex, Hex>([[`0x${'11'.repeat(32)}`, `0x${'22'.repeat(20)}`]]);
    await expect(exportAll(rpc, 0, 1, { preimages: wrong })).rejects.toThrow(/does not hash to/);
  });
});

describe('anvil export through anvil_dumpState', () => {
  let anvil: AnvilNode | undefined;
  let rpc: JsonRpcClient;
  let fill: FillSummary;

  beforeAll(async () => {
    await keccakReady();
    anvil = await startAnvil({ logPath: join(work, 'anvil.log') });
    rpc = new JsonRpcClient(anvil.rpcUrl);
    // No zeroed slot: anvil keeps zeroed slots in its trie, which would make its roots diverge
    // (covered separately below).
    fill = await fillChain(anvil.rpcUrl, { seed: 11, zeroSlot: false });
    console.info(
      `anvil fill: ${fill.transactions} txs, ${fill.accounts} accounts, ${fill.contracts} contracts, ${fill.slots} slots in ${fill.elapsedMs} ms, last block ${fill.lastBlock}`,
    );
  });

  afterAll(async () => {
    await anvil?.stop();
  });

  it('identifies the node as anvil', async () => {
    expect(await probeNodeKind(rpc)).toBe('anvil');
  });

  it('exports the head state; the state root matches the head block', async () => {
    const at = await head(rpc);
    expect(at).toBe(fill.lastBlock);
    const started = Date.now();
    const records = await exportAnvilState(rpc, { blockNumber: at });
    const elapsed = Date.now() - started;
    expectStrictlySorted(records);
    checkFillInvariants(records, fill, true);
    expect(await computeStateRoot(records)).toBe((await blockAt(rpc, at)).stateRoot);
    const checked = await spotCheck(rpc, sample(records, [fill.emptiedAccount, ...fill.contractAddresses.slice(0, 3)]), at);
    console.info(`anvil export at block ${at}: ${JSON.stringify(totals(records))} in ${elapsed} ms, ${checked} RPC spot checks`);
  });

  it('refuses any block but the head', async () => {
    const at = await head(rpc);
    await expect(exportAnvilState(rpc, { blockNumber: at - 1 })).rejects.toBeInstanceOf(AnvilHeadMovedError);
  });

  it('drops a zeroed slot that anvil keeps in its trie, and reports it', async () => {
    const contract = fill.contractAddresses[1]!;
    const slot = Object.keys(fill.storage[contract]!)[0] as Hex;
    const before = await head(rpc);
    const hash = await rpc.call<Hex>('eth_sendTransaction', [{ from: fill.from, to: contract, data: `0x${slot.slice(2)}${'00'.repeat(32)}`, gas: '0x30000' }]);
    // anvil answers eth_sendTransaction before the automined block is its head.
    type Receipt = { status: Hex; blockNumber: Hex };
    let receipt = await rpc.call<Receipt | null>('eth_getTransactionReceipt', [hash]);
    while (!receipt) {
      await sleep(50);
      receipt = await rpc.call<Receipt | null>('eth_getTransactionReceipt', [hash]);
    }
    expect(receipt.status).toBe('0x1');
    const at = Number(BigInt(receipt.blockNumber));
    expect(at).toBe(before + 1);
    await waitForBlock(rpc, at);
    const dump = await anvilStateDump(rpc, { blockNumber: at });
    expect(dump.droppedZeroSlots).toEqual([{ address: contract, slot }]);
    const byAddress = new Map(dump.records.map((r) => [r.address, r]));
    const record = byAddress.get(contract)!;
    expect(record.storage?.[slot]).toBeUndefined();
    expect(Object.keys(record.storage!).length).toBe(Object.keys(fill.storage[contract]!).length - 1);
    // anvil's root now covers a zero leaf, so it differs from the root of the exported state ...
    expect(await computeStateRoot(dump.records)).not.toBe((await blockAt(rpc, at)).stateRoot);
    // ... and only that contract's storage root disagrees with what anvil proves.
    const tag = `0x${at.toString(16)}`;
    const proofs = (await rpc.batch(dump.records.map((r) => ({ method: 'eth_getProof', params: [r.address, [], tag] })))) as Array<{
      storageHash: Hex;
    }>;
    const disagree = dump.records.filter((r, i) => storageRoot(r.storage) !== proofs[i]!.storageHash).map((r) => r.address);
    expect(disagree).toEqual([contract]);
    expect(toWord(await rpc.call<Hex>('eth_getStorageAt', [contract, slot, tag]))).toBe(ZERO_WORD);
  });
});
