import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { Wallet } from 'ethers';
import type { Activities } from '../../activities/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonRpcClient } from '../../src/chains/evm/rpc.js';
import { formatAddress } from '../../src/keys/address.js';
import type { Hex } from '../../src/state/hex.js';
import { cHead } from '../helpers/cChain.js';
import { superviseNode } from '../rigs/supervisedNode.js';
import { LiveLoad } from '../helpers/liveLoad.js';
import { MigrationRig } from '../rigs/migrationRig.js';

/**
 * The freeze is the halt, on a real five-validator avalanchego network with its agents: the old
 * network takes C-Chain transfers, contract writes and X-Chain sends from before its epoch until
 * it refuses them, and everything it accepted is in the new network. Every expectation is read by
 * the test from the nodes themselves: the old network's API node (which keeps serving the halted
 * state) and the new network's validators.
 */

const xBalance = async (uri: string, address: string): Promise<bigint> =>
  BigInt((await new JsonRpcClient(`${uri}/ext/bc/X`).call<{ balance: string }>('avm.getBalance', [{ address, assetID: 'AVAX' }])).balance);

const account = async (rpc: JsonRpcClient, address: string) => ({
  balance: BigInt(await rpc.call<Hex>('eth_getBalance', [address, 'latest'])),
  nonce: BigInt(await rpc.call<Hex>('eth_getTransactionCount', [address, 'latest'])),
});

/**
 * A coordinator that lies about the final stage: the C genesis it writes at the halt has one
 * account's nonce raised, and its verification of that genesis says every check passed. Only the
 * agents, each checking the file against its own node, stand between it and the new network.
 */
function compromisedFinalStage(artifactsDir: string) {
  return (real: Activities): Activities => ({
    ...real,
    async buildGenesis(input) {
      if (!input.runKey.endsWith('.final')) return real.buildGenesis(input);
      const [first, ...rest] = input.partitionPaths;
      const lines = readFileSync(join(artifactsDir, input.runKey, first!), 'utf8').split('\n');
      const account = JSON.parse(lines[0]!) as { nonce: string };
      lines[0] = JSON.stringify({ ...account, nonce: `0x${(BigInt(account.nonce) + 1n).toString(16)}` });
      const tampered = 'exports/C-tampered/part-0.jsonl';
      mkdirSync(join(artifactsDir, input.runKey, 'exports', 'C-tampered'), { recursive: true });
      writeFileSync(join(artifactsDir, input.runKey, tampered), lines.join('\n'));
      // By path only: the partitions' own sha256s would name the untampered bodies.
      const { partitions: _bySha256, ...byPath } = input;
      return real.buildGenesis({ ...byPath, partitionPaths: [tampered, ...rest] });
    },
    async verifyEvm(input) {
      const report = await real.verifyEvm(input);
      if (!input.runKey.endsWith('.final')) return report;
      return { ...report, ok: true, checks: report.checks.map((c) => ({ ...c, ok: true })) };
    },
  });
}

describe('a two-stage regenesis of a live network (the freeze is the halt)', () => {
  let rig: MigrationRig;

  beforeAll(async () => {
    // Validators as on other hosts: the agents share no directory with the coordinator and fetch
    // what they stage from a real S3-compatible object store, by sha256; and each halts its node
    // only for a run the approver it lists signed (the approvals travel with the halt request).
    rig = await MigrationRig.start('freeze-is-halt', { objectStore: true, gatedHalts: true });
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it('(d) a final genesis that is not the halted state gets no signature: every agent refuses it, the run rolls back naming the agent and the check, and the old network takes transactions again', async () => {
    const { result } = await rig.run(rig.plan('compromised'), { activities: compromisedFinalStage(rig.artifactsDir) });
    expect(result.status).toBe('RolledBack');
    if (result.status !== 'RolledBack') return;
    expect(result.failedPhase, result.reason).toBe('ratify');
    expect(result.reason).toMatch(
      /agent NodeID-\w+ .*genesis refused by check c-root: the C-Chain alloc root 0x[0-9a-f]{64} recomputed from the staged genesis is not 0x[0-9a-f]{64}, the stateRoot of this node's C-Chain block \d+/,
    );
    expect(result.compensations).toEqual(['resume-old-network', 'stop-rehearsal', 'discard-final-artifacts', 'discard-artifacts']);
    // The old validators are back: a C-Chain transfer through the API node is accepted.
    const rpc = new JsonRpcClient(rig.net.api.cChainRpcUrl, { timeoutMs: 60_000 });
    const before = BigInt(await rpc.call<Hex>('eth_blockNumber'));
    await rig.sender.send([{ to: Wallet.createRandom().address, value: 1n, gasLimit: 21_000n }]);
    expect(BigInt(await rpc.call<Hex>('eth_blockNumber'))).toBeGreaterThan(before);
  });

  it('(c) old validators that a supervisor brings back after the halt never lead to a launch: their own agents refuse to start the new nodes, the run rolls back, and the old network takes transactions', async () => {
    // Validators 2-5 run under a supervisor that restarts the node whenever it exits (systemd's Restart=always).
    const supervised = await Promise.all([1, 2, 3, 4].map((i) => superviseNode(rig.net.validators[i]!, rig.root)));
    try {
      const { result } = await rig.run(rig.plan('supervised'));
      expect(result.status, JSON.stringify(result)).toBe('RolledBack');
      if (result.status !== 'RolledBack') return;
      expect(result.failedPhase, result.reason).toBe('launch');
      const back = new Set(rig.net.validators.slice(1).map((v) => v.nodeId));
      const named = /agent (NodeID-\w+) .*the old node of .* runs again \(pid \d+, http:\/\/127\.0\.0\.1:\d+\) after this run halted it/.exec(result.reason);
      expect(named, result.reason).not.toBeNull();
      expect(back.has(named![1]!)).toBe(true);
      // Every supervised node was halted by its agent and came back by itself.
      for (const s of supervised) expect(s.restarts()).toBeGreaterThanOrEqual(1);
      expect(result.compensations).toEqual(['stop-new-network', 'resume-old-network', 'stop-rehearsal', 'discard-final-artifacts', 'discard-artifacts']);
      const rpc = new JsonRpcClient(rig.net.api.cChainRpcUrl, { timeoutMs: 60_000 });
      const before = BigInt(await rpc.call<Hex>('eth_blockNumber'));
      await rig.sender.send([{ to: Wallet.createRandom().address, value: 1n, gasLimit: 21_000n }]);
      expect(BigInt(await rpc.call<Hex>('eth_blockNumber'))).toBeGreaterThan(before);
    } finally {
      await Promise.all(supervised.map((s) => s.release()));
    }
  });

  it('(a) carries every transaction the old network accepted up to its halt, under load: C transfers, contract writes and X sends', async () => {
    const oldC = new JsonRpcClient(rig.net.api.cChainRpcUrl, { timeoutMs: 30_000 });
    const load = new LiveLoad(oldC, rig.net.api.uri, BigInt(await oldC.call<Hex>('eth_chainId')));
    await rig.sender.send([{ to: load.wallet.address, value: 10n ** 21n, gasLimit: 21_000n }]);
    await load.start();
    const { result } = await rig.run(rig.plan('freeze-halt'), {
      onPhase: async (phase) => {
        // Stage 1 is exported: the approval waits until the old network has taken one more X send,
        // so there is a tail after it on every chain the load writes (C transfers come every 1.5 s).
        if (phase === 'approve') await load.untilXAcceptedAfter(Date.now());
        // The old network is down for good once the final genesis is being ratified.
        if (phase === 'ratify') await load.stop();
      },
    });
    await load.stop();
    if (result.status !== 'Completed') throw new Error(`rolled back in ${result.failedPhase}: ${result.reason}`);
    const stage = result.launch!.finalStage!;

    // Where the old network stopped, read by the test from its API node: after the stage-1 freeze,
    // so there is a tail a single-stage run would have dropped.
    const last = await cHead(oldC);
    const lastHeight = Number(BigInt(last.number));
    expect(lastHeight).toBe(stage.heads!.c.height);
    expect(lastHeight).toBeGreaterThan(stage.delta!.fromHeight);
    const tail = lastHeight - stage.delta!.fromHeight;
    // The load was accepted up to the halt: the last block came within a few seconds of it.
    expect(Math.floor(Date.parse(stage.haltedAt) / 1000) - Number(BigInt(last.timestamp))).toBeLessThanOrEqual(6);

    // The new network's block 0 state is the old network's last accepted state.
    const nodes = result.launch!.newNetwork.nodes!;
    const newC = new JsonRpcClient(`${nodes[1]!.uri}/ext/bc/C/rpc`, { timeoutMs: 30_000 });
    const block0 = await newC.call<{ stateRoot: Hex }>('eth_getBlockByNumber', ['0x0', false]);
    expect(block0.stateRoot).toBe(last.stateRoot);

    // Every C account the load touched: balance and nonce as the old network ended; the counter too.
    const receipts = await Promise.all(load.cTxs.map((h) => oldC.call<{ blockNumber: Hex } | null>('eth_getTransactionReceipt', [h])));
    const acceptedAfterFreeze = receipts.filter((r) => r && Number(BigInt(r.blockNumber)) > stage.delta!.fromHeight).length;
    expect(acceptedAfterFreeze, 'C transactions the old network accepted after the stage-1 freeze').toBeGreaterThan(0);
    for (const address of [load.wallet.address, ...load.cRecipients]) {
      expect(await account(newC, address), address).toEqual(await account(oldC, address));
    }
    const slot0 = (rpc: JsonRpcClient) => rpc.call<Hex>('eth_getStorageAt', [load.counter!, '0x0', 'latest']);
    expect(BigInt(await slot0(oldC))).toBeGreaterThan(0n);
    expect(await slot0(newC)).toBe(await slot0(oldC));

    // Every X address the load sent to holds on the new network what it held when the old one stopped.
    const accepted = load.xSends.filter((s) => s.acceptedAt !== undefined);
    expect(accepted.length).toBeGreaterThan(0);
    for (const send of load.xSends) {
      const before = await xBalance(rig.net.api.uri, formatAddress('X', 'local', send.to));
      expect(await xBalance(nodes[2]!.uri, formatAddress('X', 'custom', send.to))).toBe(before);
    }
    // What a single-stage run would have launched: stage 1's own X export, which lacks the sends
    // accepted after it was read, while the new network has them.
    const stage1X = readFileSync(join(rig.artifactsDir, result.runKey, 'exports', 'X', 'utxos.jsonl'), 'utf8');
    const xAfterStage1 = accepted.filter((s) => !stage1X.includes(formatAddress('X', 'local', s.to).slice(2))).length;
    expect(xAfterStage1, 'X sends the old network accepted after stage 1 was exported').toBeGreaterThan(0);

    // Every agent staged the final genesis from the object store (it has no --artifacts-dir): the
    // bucket holds it under its sha256, and each host's staged file hashes to it.
    const store = rig.objectStore!;
    const client = store.client();
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket: store.bucket, Key: `sha256/${stage.genesisSha256}` }));
      expect(head.ContentLength).toBeGreaterThan(0);
    } finally {
      client.destroy();
    }
    for (let i = 1; i <= 5; i++) {
      const staged = readFileSync(join(rig.root, `agent${i}`, result.runKey, 'genesis.json'));
      expect(createHash('sha256').update(staged).digest('hex'), `agent ${i}`).toBe(stage.genesisSha256);
    }

    // Downtime: the first halt to the new network's first block, by that block's own timestamp.
    const block1 = await newC.call<{ timestamp: Hex }>('eth_getBlockByNumber', ['0x1', false]);
    expect(stage.downtimeSeconds).toBe(Number(BigInt(block1.timestamp)) - Math.floor(Date.parse(stage.haltedAt) / 1000));
    // Its parts: every phase from the halt to the first block, adding up to it (block times are whole seconds).
    const parts = stage.downtimeParts!;
    expect(parts.map((p) => p.phase)).toEqual(['halt', 'final-heads', 'delta-export', 'final-genesis', 'final-verify', 'ratify', 'launch', 'post-verify']);
    expect(Math.abs(parts.reduce((sum, p) => sum + p.seconds, 0) - stage.downtimeSeconds!)).toBeLessThanOrEqual(1.5);
    const freezeBlock = await oldC.call<{ timestamp: Hex }>('eth_getBlockByNumber', [`0x${stage.delta!.fromHeight.toString(16)}`, false]);
    console.log(
      JSON.stringify({
        freezeAt: new Date(Number(BigInt(freezeBlock.timestamp)) * 1000).toISOString(),
        lastBlockAt: new Date(Number(BigInt(last.timestamp)) * 1000).toISOString(),
        haltedAt: stage.haltedAt,
        pending: await oldC.call<Hex>('eth_getTransactionCount', [load.wallet.address, 'pending']),
        mined: await oldC.call<Hex>('eth_getTransactionCount', [load.wallet.address, 'latest']),
        stage1FreezeHeight: stage.delta!.fromHeight,
        haltHeight: lastHeight,
        tailBlocks: tail,
        cTransactionsSent: load.cTxs.length,
        cTransactionsAccepted: receipts.filter((r) => r).length,
        cTransactionsAfterFreeze: acceptedAfterFreeze,
        xSendsAccepted: accepted.length,
        xSendsAfterStage1: xAfterStage1,
        accountsChanged: stage.delta!.accountsChanged,
        downtimeSeconds: stage.downtimeSeconds,
        downtimeParts: Object.fromEntries(parts.map((p) => [p.phase, p.seconds])),
        oldLastBlockToNewFirstBlock: Number(BigInt(block1.timestamp)) - Number(BigInt(last.timestamp)),
      }),
    );
  });
});
