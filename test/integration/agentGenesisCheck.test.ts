import { Wallet } from 'ethers';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyActivities } from '../../activities/keys.js';
import type { AgentConfig } from '../../src/agent/config.js';
import type { RatificationRequest } from '../../src/agent/genesisCheck.js';
import { signGenesis } from '../../src/agent/identity.js';
import { managedNode } from '../../src/agent/managedNode.js';
import { stageGenesis } from '../../src/agent/newNode.js';
import { haltOldNode, resumeOldNode, type OldNodeRecord } from '../../src/agent/oldNode.js';
import { JsonRpcClient } from '../../src/chains/evm/rpc.js';
import { startAvalancheLocal } from '../../src/nodes/avalanchego.js';
import { processMemory } from '../../src/nodes/procMemory.js';
import type { ManagedProcess } from '../../src/nodes/process.js';
import { accountRangePages } from '../../src/chains/evm/gethExport.js';
import type { AccountRecord } from '../../src/state/account.js';
import { agentConfigFor, startLocalAvalanche, type LocalAvalanche } from '../rigs/avalancheLocal.js';
import { EWOQ_KEY } from '../../src/dev/localKeys.js';
import { Sender, type CBlock } from '../helpers/cChain.js';
import { parseCHead } from '../../src/chains/avax/heads.js';
import { liveNode } from '../../src/nodes/processContext.js';
import { writeRatifiableGenesis, type RatifiableGenesis } from '../helpers/ratifiableGenesis.js';
import { killNodesUnder } from '../../src/dev/validatorNetwork.js';
import { LOCAL_STAKERS_PUBLISHED, localStakingFiles } from '../helpers/validators.js';

/**
 * A validator's agent on a real avalanchego v1.14.0 node (coreth C-Chain): the heads it records
 * as it halts the node, and its check of a genesis against that node before it signs. The genesis
 * C-Chain alloc is exported from the node itself, so the root the agent recomputes (coreth account
 * encoding) must be the one coreth committed to in its block header.
 */

const NETWORK = 88888;
const runKey = 'run-halt';
// The agent speaks for local staker 2 (the node itself runs with ephemeral keys: only the agent's files matter here).
const me = LOCAL_STAKERS_PUBLISHED[1]!;

/**
 * Whether the test's own node process has exited within `ms`: the agent sees the process gone as
 * soon as it is reaped, a moment before this process handles the child's exit event.
 */
const exitedWithin = (proc: ManagedProcess, ms: number): Promise<boolean> => Promise.race([proc.exited.then(() => true), sleep(ms).then(() => false)]);

describe('an agent on a real avalanchego node', () => {
  let net: LocalAvalanche;
  let cfg: AgentConfig;
  beforeAll(async () => {
    net = await startLocalAvalanche();
    cfg = agentConfigFor(net);
  }, 180_000);
  afterAll(async () => {
    await net?.stop();
  });

  const block = (height: number): Promise<CBlock & { hash: string }> => net.cRpc.call('eth_getBlockByNumber', [`0x${height.toString(16)}`, false]);
  const head = async (): Promise<number> => Number(BigInt(await net.cRpc.call<string>('eth_blockNumber')));

  /** The node's whole C-Chain state at `height`, read from the node, as a genesis staking staker 2. */
  async function genesisAt(height: number, rel: string, rpc = net.cRpc, key = runKey): Promise<RatifiableGenesis> {
    const records: AccountRecord[] = [];
    for await (const page of accountRangePages(rpc, { blockNumber: height, start: `0x${'00'.repeat(32)}`, end: null })) records.push(...page.records);
    return writeRatifiableGenesis({ artifactsDir: cfg.artifactsDir!, runKey: key, rel, networkId: NETWORK, stakers: [1, 2, 3], records });
  }

  async function sign(genesis: RatifiableGenesis, cHeight: number, config = cfg, key = runKey) {
    await stageGenesis(config, { runKey: key, path: genesis.rel, sha256: genesis.sha256 });
    const request: RatificationRequest = {
      runKey: key,
      genesisSha256: genesis.sha256,
      networkId: NETWORK,
      weight: genesis.weights[1]!,
      dialect: 'avalanchego',
      cHeight,
    };
    return signGenesis(config, request);
  }

  const transfer = (to: string) => net.sender.send([{ to, value: 10n ** 18n, gasLimit: 21_000n }]);

  it('records the heads its node had as it stopped, and signs only a genesis of exactly that C state and height', async () => {
    // The agent finds the node it would halt and reads its NodeID (ephemeral here: not the agent's staker).
    const nodeId = (await new JsonRpcClient(`${net.node.uri}/ext/info`).call<{ nodeID: string }>('info.getNodeID', [{}])).nodeID;
    expect(nodeId).not.toBe(me.nodeID);
    const found = await managedNode(cfg);
    expect(found).toEqual({ running: true, uri: net.node.uri, nodeId, restartProblems: [], residentBytes: expect.any(Number) });
    // Its resident memory is that process's, as the kernel counts it (read again here: it moves a little).
    const resident = processMemory(net.node.pid)!.residentBytes;
    const reported = (found as { residentBytes: number }).residentBytes;
    expect(reported).toBeGreaterThan(resident / 2);
    expect(reported).toBeLessThan(resident * 2);

    await transfer(Wallet.createRandom().address);
    const early = await head();
    const earlyGenesis = await genesisAt(early, 'genesis/early.json');

    // While the node runs, the agent checks against the block it reads from it.
    const running = await sign(earlyGenesis, early);
    expect(running.checked).toEqual({ nodeId: me.nodeID, weight: earlyGenesis.weights[1], cHeight: early, cRoot: (await block(early)).stateRoot });

    await transfer(Wallet.createRandom().address);
    const final = await head();
    expect(final).toBeGreaterThan(early);
    const finalGenesis = await genesisAt(final, 'genesis/final.json');
    const [finalBlock, pHeight, xHeight] = [await block(final), await net.pchain.height(), await net.xchain.height()];

    const halted = await haltOldNode(cfg, runKey);
    expect(await exitedWithin(net.node.process, 5_000)).toBe(true);
    expect(halted.lastAccepted).toMatchObject({
      C: { height: final, hash: finalBlock.hash, stateRoot: finalBlock.stateRoot, timestamp: Number(BigInt(finalBlock.timestamp)) },
      P: { height: pHeight },
      X: { height: xHeight },
    });
    const recorded = JSON.parse(readFileSync(join(cfg.workDir, runKey, 'old-node.json'), 'utf8')) as OldNodeRecord;
    expect(recorded.lastAccepted).toEqual(halted.lastAccepted);
    // A retry finds the node halted and keeps what it recorded.
    expect((await haltOldNode(cfg, runKey)).lastAccepted).toEqual(halted.lastAccepted);

    // The genesis of the earlier height verified against the running node; now it would drop a block.
    await expect(sign(earlyGenesis, early)).rejects.toThrow(
      `check c-height: the genesis is of C-Chain height ${early}, below the height ${final} this node had accepted as it stopped`,
    );

    const { signature, checked } = await sign(finalGenesis, final);
    expect(checked).toEqual({ nodeId: me.nodeID, weight: finalGenesis.weights[1], cHeight: final, cRoot: finalBlock.stateRoot });
    const ratification = { genesisSha256: finalGenesis.sha256, blsPublicKey: me.blsPublicKey, signature, dialect: 'avalanchego' as const };
    await expect(keyActivities().verifyRatification({ ...ratification, networkId: NETWORK })).resolves.toBe(true);
    await expect(keyActivities().verifyRatification({ ...ratification, networkId: NETWORK + 1 })).resolves.toBe(false);
  }, 300_000);

  it("in command mode, records the block its node accepted while the host's halt command ran", async () => {
    const other = await startLocalAvalanche();
    try {
      // The host's halt command first gets one more transfer accepted, then stops the node: only a
      // watch that keeps reading until the node is gone sees that block.
      const rpc = other.cRpc;
      const base = BigInt((await rpc.call<{ baseFeePerGas: string }>('eth_getBlockByNumber', ['latest', false])).baseFeePerGas);
      const nonce = Number(BigInt(await rpc.call<string>('eth_getTransactionCount', [new Wallet(EWOQ_KEY).address, 'pending'])));
      const raw = await new Wallet(EWOQ_KEY).signTransaction({
        type: 2,
        chainId: BigInt(await rpc.call<string>('eth_chainId')),
        nonce,
        to: Wallet.createRandom().address,
        value: 1n,
        gasLimit: 21_000n,
        maxFeePerGas: 2n * base + 2_000_000_000n,
        maxPriorityFeePerGas: 2_000_000_000n,
      });
      const before = Number(BigInt(await rpc.call<string>('eth_blockNumber')));
      // The host's halt command: one more block accepted after the agent's first read, then, as a
      // stop command takes a moment, SIGTERM 3 s later (the agent reads every ~100 ms until then).
      const script = join(other.dir, 'halt.mjs');
      const accepted = join(other.dir, 'accepted.json');
      writeFileSync(
        script,
        `const [url, raw, pid, out] = process.argv.slice(2);
const call = async (method, params) => (await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })).json()).result;
const hash = await call('eth_sendRawTransaction', [raw]);
let receipt = null;
while (!receipt) { await new Promise((r) => setTimeout(r, 50)); receipt = await call('eth_getTransactionReceipt', [hash]); }
(await import('node:fs')).writeFileSync(out, JSON.stringify(receipt));
await new Promise((r) => setTimeout(r, 3000));
process.kill(Number(pid), 'SIGTERM');
`,
      );
      const commanded: AgentConfig = {
        ...cfg,
        dataDir: other.node.dataDir,
        workDir: join(other.dir, 'agent'),
        mode: 'command',
        haltCommand: `node ${script} ${other.node.cChainRpcUrl} ${raw} "$REGENESIS_NODE_PID" ${accepted}`,
        startOldCommand: 'true',
        startNewCommand: 'true',
        stopNewCommand: 'true',
      };
      const halted = await haltOldNode(commanded, 'run-command');
      const receipt = JSON.parse(readFileSync(accepted, 'utf8')) as { blockNumber: string; blockHash: string };
      expect(Number(BigInt(receipt.blockNumber))).toBe(before + 1);
      expect(halted.lastAccepted?.C).toMatchObject({ height: before + 1, hash: receipt.blockHash });
      expect(await exitedWithin(other.node.process, 5_000)).toBe(true);
    } finally {
      await other.stop();
    }
  }, 300_000);

  it('carries a validator whose keys are inline flags: its record and every log hold file paths, and the node it restarts is the same validator', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-inline-keys-'));
    const staker = localStakingFiles(2);
    // The operator's own start of the node: staker 2's key and signer key inline, as base64 flags.
    const node = await startAvalancheLocal({ dataDir: join(dir, 'node'), staking: staker, inlineKeys: true, sybilProtection: false });
    const secrets = [readFileSync(staker.keyFile), readFileSync(staker.signerKeyFile)].map((b) => b.toString('base64'));
    const inline: AgentConfig = { ...cfg, dataDir: node.dataDir, workDir: join(dir, 'agent') };
    const nodeId = async (uri: string) => (await new JsonRpcClient(`${uri}/ext/info`).call<{ nodeID: string }>('info.getNodeID', [{}])).nodeID;
    try {
      expect(await nodeId(node.uri)).toBe(me.nodeID);
      const halted = await haltOldNode(inline, 'run-inline');
      expect(halted.argv.filter((a) => a.includes('-file-content'))).toEqual([]);
      const keys = join(inline.workDir, 'keys');
      expect(halted.argv).toEqual(
        expect.arrayContaining([
          `--staking-tls-key-file=${join(keys, 'staking-tls-key-file')}`,
          `--staking-signer-key-file=${join(keys, 'staking-signer-key-file')}`,
        ]),
      );
      expect(readFileSync(join(keys, 'staking-signer-key-file'))).toEqual(readFileSync(staker.signerKeyFile));
      expect(statSync(join(keys, 'staking-tls-key-file')).mode & 0o777).toBe(0o600);

      // Restarted from the record: the same NodeID (same TLS key) and BLS key (same signer key).
      const resumed = await resumeOldNode(inline, 'run-inline');
      expect(await nodeId(resumed.uri!)).toBe(me.nodeID);
      const pop = await new JsonRpcClient(`${resumed.uri}/ext/info`).call<{ nodePOP: { publicKey: string } }>('info.getNodeID', [{}]);
      expect(pop.nodePOP.publicKey).toBe(me.blsPublicKey);
      // No key outside the keys directory: not in the record, nor in the agent's log of the restart,
      // nor in the header of the first node's log (its launcher shows an inline flag's size only).
      const logs = [join(dir, 'node', 'avalanchego.log')];
      const agentFiles = readdirSync(inline.workDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && !e.parentPath.startsWith(keys));
      for (const file of [...agentFiles.map((e) => join(e.parentPath, e.name)), ...logs]) {
        const text = readFileSync(file, 'latin1');
        for (const secret of secrets) expect(text, file).not.toContain(secret);
      }
    } finally {
      await killNodesUnder(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it("reads its stopped node's own database when the halt's last answered read missed a block, and signs the height the node really stopped at, no higher", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-reread-'));
    const node = await startAvalancheLocal({ dataDir: join(dir, 'node') });
    const rpc = new JsonRpcClient(node.cChainRpcUrl);
    const key = 'run-reread';
    const config: AgentConfig = { ...cfg, dataDir: node.dataDir, workDir: join(dir, 'agent') };
    try {
      const sender = new Sender(rpc, new Wallet(EWOQ_KEY), BigInt(await rpc.call<string>('eth_chainId')));
      const headOf = async () => Number(BigInt(await rpc.call<string>('eth_blockNumber')));
      for (let i = 0; i < 2; i++) {
        const before = await headOf();
        await sender.send([{ to: Wallet.createRandom().address, value: 1n, gasLimit: 21_000n }]);
        while ((await headOf()) === before) await sleep(100);
      }
      const last = await headOf();
      const lastGenesis = await genesisAt(last, 'genesis/last.json', rpc, key);
      const [lastBlock, missed] = await Promise.all(
        [last, last - 1].map((h) => rpc.call<CBlock & { hash: string }>('eth_getBlockByNumber', [`0x${h.toString(16)}`, false])),
      );

      const halted = await haltOldNode(config, key);
      expect(halted.lastAccepted?.C?.height).toBe(last);
      // What a halt whose last answered read came one block early records: the block before.
      const recordPath = join(config.workDir, key, 'old-node.json');
      const lagged: OldNodeRecord = {
        ...halted,
        lastAccepted: { ...halted.lastAccepted, C: { ...parseCHead(missed, 'test'), readAt: halted.lastAccepted!.C!.readAt } },
      };
      writeFileSync(recordPath, JSON.stringify(lagged));

      // The genesis of the block the node really accepted last is signed, checked against that
      // block's stateRoot as the node's own database gives it.
      const { checked } = await sign(lastGenesis, last, config, key);
      expect(checked).toEqual({ nodeId: me.nodeID, weight: lastGenesis.weights[1], cHeight: last, cRoot: lastBlock!.stateRoot });
      const reread = JSON.parse(readFileSync(recordPath, 'utf8')) as OldNodeRecord;
      expect(reread.reread?.first?.C?.height).toBe(last - 1);
      expect(reread.lastAccepted?.C).toMatchObject({ height: last, hash: lastBlock!.hash });
      // It answered from its database only: the node is stopped again, and no genesis above that height passes.
      expect(await liveNode(join(node.dataDir, 'process.json'), node.dataDir)).toBeUndefined();
      await expect(sign(lastGenesis, last + 1, config, key)).rejects.toThrow(
        `check c-height: the genesis is of C-Chain height ${last + 1}, above the height ${last} this node had accepted as it stopped, read again from its stopped database`,
      );
      // Resuming compares the directory with what the read left: nothing else touched it.
      expect(await resumeOldNode(config, key)).toMatchObject({ resumed: true, dataUnchanged: true });
      expect(await headOf()).toBe(last);
    } finally {
      await killNodesUnder(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
