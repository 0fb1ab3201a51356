import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonRpcClient } from '../../src/chains/evm/rpc.js';
import { formatAddress } from '../../src/keys/address.js';
import type { AvalancheNode } from '../../src/nodes/avalanchego.js';
import type { PlanInput } from '../../src/plan.js';
import { keccakReady } from '../../src/state/keccak.js';
import type { Hex } from '../../src/state/hex.js';
import { toolPath } from '../../src/tools.js';
import { approveUpdate, statusQuery, type RegenesisResult } from '../../workflows/messages.js';
import { AgentProcesses, type AgentSpec } from '../helpers/agents.js';
import { localGenesisStakers, LOCAL_STAKERS_PUBLISHED } from '../helpers/validators.js';
import { WorkerProcesses } from '../helpers/workers.js';
import { EWOQ_KEY, sendAvax, shortIdOfKey } from '../helpers/avaxTransfers.js';
import { Sender } from '../helpers/cChain.js';
import { failureMessages } from '../helpers/run.js';
import { createTestWorker, startTemporal, uniqueTaskQueue } from '../helpers/temporal.js';
import { killNodesUnder, LOCAL_STAKERS, localStakingFiles, startValidatorNetwork, type ValidatorNetwork } from '../helpers/validatorNetwork.js';

/**
 * A real five-validator avalanchego v1.14.0 network (the local network's five identities, sybil
 * protection on) and an API node, each validator with its own `regenesis agent` process. The
 * coordinator exports from the API node, and the agents halt the old validators and start the new
 * network; nothing here stands in for a node, an agent or Temporal.
 */

const expected = LOCAL_STAKERS_PUBLISHED;
const NEW_NETWORK_ID = 88_888;
const EPOCH_SECONDS = 30;

/** sha256 of every file under a directory, by relative path: the test's own view of a data directory. */
function treeHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out[relative(dir, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.parentPath.includes(`${'/'}db`))
    .map((e) => join(e.parentPath, e.name));
}

describe('a five-validator avalanchego network migrated by its validator agents', () => {
  let root: string;
  let env: TestWorkflowEnvironment;
  let net: ValidatorNetwork;
  let agents: AgentProcesses;
  let sender: Sender;
  const artifactsDir = (): string => join(root, 'artifacts');
  const agentSpec = (i: number, overrides: Partial<AgentSpec> = {}): AgentSpec => ({
    name: `v${i}`,
    nodeBinary: toolPath('avalanchego'),
    dataDir: net.validators[i - 1]!.dataDir,
    staking: LOCAL_STAKERS[i - 1]!,
    workDir: join(root, `agent${i}`),
    artifactsDir: artifactsDir(),
    ...overrides,
  });

  beforeAll(async () => {
    await keccakReady();
    root = mkdtempSync(join(tmpdir(), 'migration-it-'));
    env = await startTemporal();
    net = await startValidatorNetwork(join(root, 'old'));
    agents = new AgentProcesses(root, env.address);
    await Promise.all([1, 2, 3, 4, 5].map((i) => agents.start(agentSpec(i))));
    const rpc = new JsonRpcClient(net.api.cChainRpcUrl, { timeoutMs: 60_000 });
    sender = new Sender(rpc, new Wallet(EWOQ_KEY), BigInt(await rpc.call<Hex>('eth_chainId')));
  });

  afterAll(async () => {
    await agents?.stopAll();
    if (root) await killNodesUnder(root);
    await env?.teardown();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  function plan(name: string, agentTimeoutSeconds = 60): PlanInput {
    return {
      name,
      chains: { C: { rpcUrl: net.api.cChainRpcUrl, partitions: 2, pageSize: 64 }, P: { addresses: [], discoverAddresses: true }, X: { addresses: [] } },
      target: { epoch: 'current' },
      epoch: { source: 'proposervm', durationSeconds: EPOCH_SECONDS, pollSeconds: 2 },
      genesis: {
        chainId: 43112,
        // The launch waits for it with a durable timer: avalanchego refuses a genesis that starts later.
        startTime: { afterFreezeSeconds: 75 },
        primary: {
          networkId: NEW_NETWORK_ID,
          stakeOwnerBalances: 'move-to-x',
          validators: localGenesisStakers(formatAddress('X', 'custom', shortIdOfKey(EWOQ_KEY))),
        },
      },
      rehearsal: { enabled: true },
      launch: { approvals: { required: 1 }, operator: { kind: 'agents', agentTimeoutSeconds, healthTimeoutSeconds: 180 } },
    };
  }

  /**
   * Starts a run and plays its humans: C-Chain transactions until the epoch seals (coreth makes
   * blocks only for transactions), then the approval of the genesis it shows. `onPhase` sees every
   * phase change (e.g. to look at the halted network, or to kill a worker). The coordinator's worker
   * runs in this process, or as `regenesis worker` processes when `workers` is given.
   */
  async function run(
    p: PlanInput,
    options: { onPhase?: (phase: string) => void | Promise<void>; workers?: WorkerProcesses; taskQueue?: string } = {},
  ): Promise<{ result: RegenesisResult; handle: WorkflowHandle }> {
    const taskQueue = options.taskQueue ?? uniqueTaskQueue(p.name);
    const workflowId = `${p.name}-${Date.now()}`;
    const handle = await env.client.workflow.start('regenesisWorkflow', { taskQueue, workflowId, args: [p] });
    const drive = async (): Promise<void> => {
      let phase = '';
      const deadline = Date.now() + 15 * 60_000;
      for (;;) {
        const desc = await handle.describe();
        if (desc.status.name !== 'RUNNING') return;
        const status = await handle.query(statusQuery).catch(() => undefined);
        if (!status) {
          await sleep(1_000); // no worker answers queries while a killed one is being replaced
          continue;
        }
        if (status.phase !== phase) {
          phase = status.phase;
          await options.onPhase?.(phase);
        }
        if (!status.freeze) await sender.send([{ to: Wallet.createRandom().address, value: 1n, gasLimit: 21_000n }]);
        if (phase === 'approve' && (status.approvals?.approvers.length ?? 0) === 0) {
          await handle.executeUpdate(approveUpdate, { args: [{ approver: 'operator-1', genesisSha256: status.genesisSha256! }] });
        }
        if (Date.now() > deadline) throw new Error(`run ${workflowId} still in ${phase} after 15 minutes`);
        await sleep(2_000);
      }
    };
    if (options.workers) {
      const [result] = await Promise.all([handle.result(), drive()]);
      return { result: result as RegenesisResult, handle };
    }
    const worker = await createTestWorker(env, { taskQueue, artifactsDir: artifactsDir() });
    const [result] = await worker.runUntil(Promise.all([handle.result(), drive()]));
    return { result: result as RegenesisResult, handle };
  }

  it('(d) refuses, before anything is exported, a staker without its agent and an agent whose signer key is not the staker\'s', async () => {
    // Staker 5's host configured with staker 4's identity: nobody answers on staker 5's queue.
    await agents.stop('v5');
    await agents.start(agentSpec(5, { name: 'v5-misconfigured', staking: LOCAL_STAKERS[3]! }));
    const missing = await run(plan('missing-agent', 5)).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failureMessages(missing)).toMatch(
      new RegExp(`agent ${expected[4]!.nodeID} did not identify itself within 5s: no agent answers on task queue regenesis-agent-${expected[4]!.nodeID}`),
    );
    await agents.stop('v5-misconfigured');

    // Staker 5's certificate with staker 4's BLS signer key.
    await agents.start(agentSpec(5, { name: 'v5-wrong-signer', staking: { ...LOCAL_STAKERS[4]!, signerKeyFile: localStakingFiles(4).signerKeyFile } }));
    const wrongKey = await run(plan('wrong-signer')).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failureMessages(wrongKey)).toMatch(new RegExp(`agent ${expected[4]!.nodeID}: its signer key's BLS public key ${expected[3]!.blsPublicKey} is not the genesis staker's ${expected[4]!.blsPublicKey}`));
    await agents.stop('v5-wrong-signer');
    await agents.start(agentSpec(5));
    // Refused before the export: no artifact, no node halted.
    expect(existsSync(artifactsDir()) ? readdirSync(artifactsDir()) : []).toEqual([]);
    for (const v of net.validators) expect(v.process.hasExited()).toBe(false);
  });

  it('(b) a new node that cannot start rolls the run back: the old five validators restart on untouched data and produce blocks', async () => {
    // Validator 3's host gets a node binary that runs the old network but refuses any genesis file.
    const wrapper = join(root, 'refusing-avalanchego.sh');
    writeFileSync(wrapper, `#!/bin/sh\ncase "$*" in *--genesis-file*) echo "disk failure (injected)" >&2; exit 1;; esac\nexec ${toolPath('avalanchego')} "$@"\n`);
    chmodSync(wrapper, 0o755);
    await agents.stop('v3');
    await agents.start(agentSpec(3, { name: 'v3-refusing', nodeBinary: wrapper }));

    let halted: Array<Record<string, string>> | undefined;
    const { result } = await run(plan('refused-start'), {
      onPhase: (phase) => {
        // Every old validator is down once the launch phase begins: the data as the halt left it.
        if (phase === 'launch') halted = net.validators.map((v) => treeHashes(v.dataDir));
      },
    });
    expect(result.status).toBe('RolledBack');
    if (result.status !== 'RolledBack') return;
    expect(result.failedPhase, result.reason).toBe('launch');
    expect(result.reason).toMatch(new RegExp(`agent ${expected[2]!.nodeID} .*could not start the new node: .*exited while starting`));
    expect(result.compensations).toEqual(['stop-new-network', 'resume-old-network', 'stop-rehearsal', 'discard-artifacts']);
    expect(halted).toBeDefined();
    for (const v of net.validators) expect(v.process.hasExited(), `the test's old node ${v.nodeId} was halted`).toBe(true);

    // Each agent hashed its data directory when the node stopped and again just before restarting
    // it: byte-identical, and equal to what the test read itself while the network was down.
    for (const [i, v] of net.validators.entries()) {
      const record = JSON.parse(readFileSync(join(root, `agent${i + 1}`, result.runKey, 'old-node.json'), 'utf8')) as {
        halted: { dataDigest: string; files: number };
        resumed: { dataDigest: string; dataUnchanged: boolean };
      };
      expect(record.resumed.dataUnchanged, v.nodeId).toBe(true);
      expect(record.resumed.dataDigest).toBe(record.halted.dataDigest);
      expect(Object.keys(halted![i]!).length).toBe(record.halted.files);
    }
    // The old network produces blocks again: a C-Chain transfer through the API node is accepted.
    const rpc = new JsonRpcClient(net.api.cChainRpcUrl);
    const before = BigInt(await rpc.call<Hex>('eth_blockNumber'));
    await sender.send([{ to: Wallet.createRandom().address, value: 1n, gasLimit: 21_000n }]);
    expect(BigInt(await rpc.call<Hex>('eth_blockNumber'))).toBeGreaterThan(before);
    // And what the test read while the network was down is still what the files held then.
    expect(halted!.every((h) => Object.keys(h).length > 0)).toBe(true);

    await agents.stop('v3-refusing');
    await agents.start(agentSpec(3));
  });

  it('(a, c) exports at the epoch, ratifies by the agents\' signatures, halts, launches at genesis time, through a SIGKILLed coordinator worker and agent: the new network serves the export and produces blocks', async () => {
    // Validator 4's host starts nodes slowly (8 s before the new node runs), which gives a certain
    // moment to SIGKILL its agent while "start new node" is in flight.
    const started = join(root, 'slow-node-starts');
    const slow = join(root, 'slow-avalanchego.sh');
    writeFileSync(slow, `#!/bin/sh\ncase "$*" in *--genesis-file*) echo start >> ${started}; sleep 8;; esac\nexec ${toolPath('avalanchego')} "$@"\n`);
    chmodSync(slow, 0o755);
    await agents.stop('v4');
    await agents.start(agentSpec(4, { name: 'v4-slow', nodeBinary: slow }));
    const killAgentMidStart = (async () => {
      while (!existsSync(started)) await sleep(50);
      await agents.stop('v4-slow', 'SIGKILL');
      await agents.start(agentSpec(4, { name: 'v4-slow-restarted', nodeBinary: slow }));
    })();

    const workers = new WorkerProcesses(root, { TEMPORAL_ADDRESS: env.address });
    workers.prepare();
    const taskQueue = uniqueTaskQueue('migrate');
    workers.start({ taskQueue, artifactsDir: artifactsDir() });
    let workerKilled = false;
    const { result, handle } = await run(plan('migrate'), {
      workers,
      taskQueue,
      onPhase: async (phase) => {
        // The coordinator's worker dies while the agents halt the old validators; another takes over.
        if (phase !== 'migrate-validators') return;
        await workers.stopAll();
        workerKilled = true;
        workers.start({ taskQueue, artifactsDir: artifactsDir() });
      },
    });
    await killAgentMidStart;
    await workers.stopAll();
    expect(workerKilled).toBe(true);
    if (result.status !== 'Completed') throw new Error(`rolled back in ${result.failedPhase}: ${result.reason}`);
    const launch = result.launch!;
    const genesis = result.primaryGenesis!;
    // Ratified by all five agents, weighed by the genesis's own stake (exact, as decimal strings).
    expect(launch.ratification.signers.sort()).toEqual(expected.map((s) => s.nodeID).sort());
    const total = genesis.stakers.reduce((sum, s) => sum + BigInt(s.weight), 0n);
    expect(launch.ratification).toMatchObject({ signedWeight: total.toString(), totalWeight: total.toString() });
    expect(result.agents!.map((a) => [a.nodeId, a.blsPublicKey])).toEqual(expected.map((s) => [s.nodeID, s.blsPublicKey]));

    // The new network, read by the test itself: network ID, five connected validators at their
    // genesis weights and BLS keys, on every node.
    const nodes = launch.newNetwork.nodes!;
    expect(nodes).toHaveLength(5);
    for (const node of nodes) {
      const info = new JsonRpcClient(`${node.uri}/ext/info`);
      expect(Number((await info.call<{ networkID: string }>('info.getNetworkID', [{}])).networkID)).toBe(NEW_NETWORK_ID);
      expect((await info.call<{ nodeID: string }>('info.getNodeID', [{}])).nodeID).toBe(node.nodeId);
      expect((await info.call<{ peers: unknown[] }>('info.peers', [{}])).peers).toHaveLength(4);
    }
    const platform = new JsonRpcClient(`${nodes[0]!.uri}/ext/bc/P`);
    const served = (await platform.call<{ validators: Array<{ nodeID: string; weight: string; signer: { publicKey: string } }> }>('platform.getCurrentValidators', [{}])).validators;
    expect(served.map((v) => [v.nodeID, v.weight, v.signer.publicKey]).sort()).toEqual(
      genesis.stakers.map((s) => [s.nodeID, s.weight, expected.find((e) => e.nodeID === s.nodeID)!.blsPublicKey]).sort(),
    );
    // Balances and the C root equal the export (checked before the commit point, reported).
    const post = JSON.parse(readFileSync(join(result.artifactsDir, 'reports', 'post-launch.json'), 'utf8')) as { ok: boolean; mismatches: string[]; block0Root: string; owners: number };
    expect(post.mismatches).toEqual([]);
    expect(post).toMatchObject({ ok: true, block0Root: result.freeze.stateRoot });
    expect(post.owners).toBeGreaterThan(0);

    // The new network produces blocks: a C-Chain and an X-Chain transfer are accepted.
    const cRpc = new JsonRpcClient(`${nodes[2]!.uri}/ext/bc/C/rpc`, { timeoutMs: 60_000 });
    const newSender = new Sender(cRpc, new Wallet(EWOQ_KEY), BigInt(await cRpc.call<Hex>('eth_chainId')));
    await newSender.send([{ to: Wallet.createRandom().address, value: 1n, gasLimit: 21_000n }]);
    expect(BigInt(await cRpc.call<Hex>('eth_blockNumber'))).toBeGreaterThan(0n);
    const recipient = formatAddress('X', 'custom', randomBytes(20));
    await sendAvax(nodes[1]!.uri, 'X', EWOQ_KEY, [{ to: recipient, amount: 1_000n }]);

    // (e) Nothing secret left the hosts: no staking key or BLS signer key in the run's history
    // (payloads decoded by the client), its artifacts, or any agent's or node's log.
    const history = JSON.stringify(await handle.fetchHistory());
    const texts = [history, ...filesUnder(artifactsDir()), ...filesUnder(root).filter((f) => f.endsWith('.log'))].map((f) => (f === history ? f : readFileSync(f).toString('latin1')));
    for (const s of LOCAL_STAKERS) {
      const signer = readFileSync(s.signerKeyFile);
      const tlsKeyBody = readFileSync(s.keyFile, 'utf8').split('\n').filter((l) => !l.startsWith('-----') && l.length > 0);
      for (const text of texts) {
        expect(text).not.toContain(signer.toString('hex'));
        expect(text).not.toContain(signer.toString('base64'));
        expect(text).not.toContain(signer.toString('latin1'));
        for (const line of tlsKeyBody.slice(1, 4)) expect(text).not.toContain(line);
      }
    }
    expect(texts.length).toBeGreaterThan(10);

    // (c) No step with an effect ran twice: one halt and one start per agent in the history, and
    // validator 4's slow node was spawned once although its agent died while starting it (the
    // restarted agent found it starting and waited for it).
    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = (name: string) => events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === name).length;
    expect(scheduled('agentHaltOldNode')).toBe(5);
    expect(scheduled('agentStartNewNode')).toBe(5);
    const attempts = events.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 1);
    expect(Math.max(...attempts), 'the start on the killed agent was retried').toBeGreaterThanOrEqual(2);
    expect(readFileSync(started, 'utf8').trim().split('\n')).toEqual(['start']);
    for (let i = 1; i <= 5; i++) {
      const spawns = readFileSync(join(root, `agent${i}`, result.runKey, 'new-node.log'), 'utf8').split('\n').filter((l) => l.startsWith('# '));
      expect(spawns, `agent ${i}`).toHaveLength(1);
    }
  });
});
