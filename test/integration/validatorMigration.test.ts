import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonRpcClient } from '../../src/chains/evm/rpc.js';
import { formatAddress } from '../../src/keys/address.js';
import type { RegenesisStatus } from '../../src/contract/run.js';
import type { Hex } from '../../src/state/hex.js';
import { toolPath } from '../../src/tools.js';
import { EWOQ_KEY } from '../../src/dev/localKeys.js';
import { sendAvax } from '../../src/chains/platform/transfer.js';
import { Sender } from '../helpers/cChain.js';
import { MigrationRig, NEW_NETWORK_ID } from '../rigs/migrationRig.js';
import { failureMessages } from '../helpers/run.js';
import { uniqueTaskQueue } from '../rigs/temporal.js';
import { LOCAL_STAKERS, LOCAL_STAKERS_PUBLISHED, localStakingFiles } from '../helpers/validators.js';
import { WorkerProcesses } from '../rigs/workers.js';
import { notBootstrapped } from '../../src/nodes/avalanchegoReadiness.js';
import { waitBootstrapped } from '../../src/dev/validatorNetwork.js';

/**
 * A real five-validator avalanchego v1.14.0 network (the local network's five identities, sybil
 * protection on) and an API node, each validator with its own `regenesis agent` process. The
 * coordinator exports from the API node, and the agents halt the old validators and start the new
 * network; nothing here stands in for a node, an agent or Temporal.
 *
 * Every validator and its agent run on a host of their own (a network namespace with its own
 * address), their nodes bound to every interface as many operators run them; the API node on a
 * sixth host. The agents share no directory with the coordinator: they fetch the genesis from the
 * object store's API, and reach Temporal and each other only at the hosts' addresses.
 */

const expected = LOCAL_STAKERS_PUBLISHED;

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
  let rig: MigrationRig;

  beforeAll(async () => {
    rig = await MigrationRig.start('migration-it', { hosts: true });
    // Validator 2's host runs its node through its own commands (as systemd would), and its agent
    // in command mode: the agent only runs those commands and watches the node.
    const v2 = rig.net.validators[1]!;
    const argv = readFileSync(`/proc/${v2.pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((a) => a !== '');
    const pinned = argv.map((a) =>
      a === '--http-port=0' ? `--http-port=${v2.httpPort}` : a === '--staking-port=0' ? `--staking-port=${v2.stakingAddress.split(':')[1]}` : a,
    );
    const startOld = join(rig.root, 'v2-start-old.sh');
    writeFileSync(startOld, `#!/bin/sh\nnohup ${pinned.map((a) => `'${a}'`).join(' ')} >> '${join(rig.root, 'v2-old-restarts.log')}' 2>&1 &\n`);
    chmodSync(startOld, 0o755);
    await rig.agents.stop('v2');
    await rig.agents.start(
      rig.agentSpec(2, {
        name: 'v2-command',
        commands: {
          halt: 'kill -TERM "$REGENESIS_NODE_PID"',
          startOld: startOld,
          startNew: `echo "# started by the host's command" >> "$REGENESIS_LOG_FILE"; nohup '${toolPath('avalanchego')}' $REGENESIS_NODE_ARGS >> "$REGENESIS_LOG_FILE" 2>&1 &`,
          stopNew: 'kill -TERM "$REGENESIS_NODE_PID"',
          // As `systemctl disable` would: once a run commits, nothing brings the old node back.
          retireOld: `echo "$REGENESIS_RUN_KEY" >> '${join(rig.root, 'v2-retired.log')}'`,
        },
      }),
    );
  });

  afterAll(async () => {
    await rig?.stop();
  });

  it("(d) refuses, before anything is exported, a staker without its agent, an agent whose node is another validator, and an agent whose signer key is not the staker's", async () => {
    const refusal = (name: string, timeout?: number) =>
      rig.run(rig.plan(name, timeout)).then(
        () => undefined,
        (err: unknown) => failureMessages(err),
      );
    try {
      // Nobody answers on staker 5's queue.
      await rig.agents.stop('v5');
      expect(await refusal('missing-agent', 20)).toMatch(
        new RegExp(`agent ${expected[4]!.nodeID} did not identify itself within 20s: no agent answers on task queue regenesis-agent-${expected[4]!.nodeID}`),
      );
      await rig.agents.start(rig.agentSpec(5));

      // On staker 5's host, an agent with staker 4's keys and that host's data directory: it is staker 4, but the node it would halt is not.
      await rig.agents.stop('v4');
      await rig.agents.start(rig.agentSpec(4, { name: 'v4-on-v5-node', dataDir: rig.net.validators[4]!.dataDir, launcher: rig.agentSpec(5).launcher }));
      expect(await refusal('other-node')).toMatch(
        // The node is named where the coordinator reaches it: its host's address, not the wildcard it is bound to.
        new RegExp(
          `agent ${expected[3]!.nodeID}: the node it manages \\(${rig.net.validators[4]!.uri.replaceAll('.', '\\.')}\\) is ${expected[4]!.nodeID}, another validator`,
        ),
      );
      await rig.agents.stop('v4-on-v5-node');
      await rig.agents.start(rig.agentSpec(4));

      // Staker 5's certificate with staker 4's BLS signer key.
      await rig.agents.stop('v5');
      await rig.agents.start(
        rig.agentSpec(5, { name: 'v5-wrong-signer', staking: { ...LOCAL_STAKERS[4]!, signerKeyFile: localStakingFiles(4).signerKeyFile } }),
      );
      expect(await refusal('wrong-signer')).toMatch(
        new RegExp(
          `agent ${expected[4]!.nodeID}: its signer key's BLS public key ${expected[3]!.blsPublicKey} is not the genesis staker's ${expected[4]!.blsPublicKey}`,
        ),
      );

      // Refused before the export: no artifact, no node halted.
      expect(existsSync(rig.artifactsDir) ? readdirSync(rig.artifactsDir) : []).toEqual([]);
      for (const v of rig.net.validators) expect(v.process.hasExited()).toBe(false);
    } finally {
      // Stakers 4 and 5 with their own agents, whatever happened above: the other tests migrate all five.
      for (const name of ['v4-on-v5-node', 'v5-wrong-signer', 'v4', 'v5']) await rig.agents.stop(name).catch(() => undefined);
      await Promise.all([4, 5].map((i) => rig.agents.start(rig.agentSpec(i))));
    }
  });

  it("(d) a genesis file altered after its approval is refused by the agents' staging before any node is halted (single stage)", async () => {
    // A single-stage run stages the approved file itself; a two-stage run stages a final one it writes after the halt.
    const { result } = await rig.run(rig.plan('tampered', 60, 1), {
      onPhase: (phase) => {
        if (phase !== 'approve') return;
        // The approved file changes on its way to the hosts (one byte appended): in the object
        // store the hosts fetch it from, stored under its approved sha256.
        const run = readdirSync(rig.artifactsDir).find((d) => d.startsWith('tampered-'))!;
        const approved = join(rig.artifactsDir, run, 'genesis', 'genesis.json');
        const sha256 = createHash('sha256').update(readFileSync(approved)).digest('hex');
        appendFileSync(rig.objectStore ? join(rig.objectStore.rootDir, rig.objectStore.bucket, 'sha256', sha256) : approved, ' ');
      },
    });
    expect(result.status).toBe('RolledBack');
    if (result.status !== 'RolledBack') return;
    expect(result.failedPhase, result.reason).toBe('ratify');
    expect(result.reason).toMatch(
      rig.objectStore
        ? // Refused by the SDK's check of the checksum the bucket stored, or by the agent's own hash of the body.
          /could not stage the genesis: stage genesis: staged genesis .*genesis\.json \(sha256 [0-9a-f]{64}\) from s3 bucket .*: (Checksum mismatch|.*expected sha256 [0-9a-f]{64}, got [0-9a-f]{64}; refused, nothing written)/
        : /could not stage the genesis: stage genesis: staged genesis .*genesis\.json has sha256 [0-9a-f]{64}, not the approved [0-9a-f]{64}: refused, nothing staged/,
    );
    // Nothing was halted: the rollback had nothing of the network's to undo.
    expect(result.compensations).toEqual(['stop-rehearsal', 'discard-artifacts']);
    for (const v of rig.net.validators) expect(v.process.hasExited(), v.nodeId).toBe(false);
  });

  it('(b) a new node that cannot start rolls the run back: the old five validators restart on untouched data and produce blocks', async () => {
    // Validator 3's host gets a node binary that runs the old network but refuses any genesis file.
    const wrapper = join(rig.root, 'refusing-avalanchego.sh');
    writeFileSync(
      wrapper,
      `#!/bin/sh\ncase "$*" in *--genesis-file*) echo "disk failure (injected)" >&2; exit 1;; esac\nexec ${toolPath('avalanchego')} "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    await rig.agents.stop('v3');
    await rig.agents.start(rig.agentSpec(3, { name: 'v3-refusing', nodeBinary: wrapper }));

    let halted: Array<Record<string, string>> | undefined;
    const { result } = await rig.run(rig.plan('refused-start'), {
      onPhase: (phase) => {
        // Every old validator is down once the launch phase begins: the data as the halt left it.
        if (phase === 'launch') halted = rig.net.validators.map((v) => treeHashes(v.dataDir));
      },
    });
    expect(result.status).toBe('RolledBack');
    if (result.status !== 'RolledBack') return;
    expect(result.failedPhase, result.reason).toBe('launch');
    expect(result.reason).toMatch(new RegExp(`agent ${expected[2]!.nodeID} .*could not start the new node: .*exited while starting`));
    // Two stages: the old network was halted at the approval, and the final stage wrote its own files.
    expect(result.compensations).toEqual(['stop-new-network', 'resume-old-network', 'stop-rehearsal', 'discard-final-artifacts', 'discard-artifacts']);
    expect(halted).toBeDefined();
    for (const v of rig.net.validators) expect(v.process.hasExited(), `the test's old node ${v.nodeId} was halted`).toBe(true);

    // Each agent hashed its data directory when the node stopped and again just before restarting
    // it: byte-identical, and equal to what the test read itself while the network was down.
    for (const [i, v] of rig.net.validators.entries()) {
      const record = JSON.parse(readFileSync(join(rig.root, `agent${i + 1}`, result.runKey, 'old-node.json'), 'utf8')) as {
        halted: { dataDigest: string; files: number };
        resumed: { dataDigest: string; dataUnchanged: boolean };
      };
      expect(record.resumed.dataUnchanged, v.nodeId).toBe(true);
      expect(record.resumed.dataDigest).toBe(record.halted.dataDigest);
      expect(Object.keys(halted![i]!).length).toBe(record.halted.files);
    }
    // The old network produces blocks again: a C-Chain transfer through the API node is accepted.
    const rpc = new JsonRpcClient(rig.net.api.cChainRpcUrl);
    const before = BigInt(await rpc.call<Hex>('eth_blockNumber'));
    await rig.sender.send([{ to: Wallet.createRandom().address, value: 1n, gasLimit: 21_000n }]);
    expect(BigInt(await rpc.call<Hex>('eth_blockNumber'))).toBeGreaterThan(before);
    // A run that rolled back retires nothing: every old node may be resumed again.
    for (let i = 1; i <= 5; i++) expect(existsSync(join(rig.root, `agent${i}`, 'retired.json')), `agent ${i}`).toBe(false);
    // And what the test read while the network was down is still what the files held then.
    expect(halted!.every((h) => Object.keys(h).length > 0)).toBe(true);

    await rig.agents.stop('v3-refusing');
    await rig.agents.start(rig.agentSpec(3));
  });

  it('(e) an agent lost after its node was halted fails the launch within the agent timeout; the rollback resumes the other four without waiting on it, names it, and the operator resumes that host by hand', async () => {
    // Validator 5's host: its agent is killed (by the node binary it runs) as it starts the new node.
    const wrapper = join(rig.root, 'agent-killing-avalanchego.sh');
    writeFileSync(wrapper, `#!/bin/sh\ncase "$*" in *--genesis-file*) kill -9 $PPID; exit 1;; esac\nexec ${toolPath('avalanchego')} "$@"\n`);
    chmodSync(wrapper, 0o755);
    await rig.agents.stop('v5');
    await rig.agents.start(rig.agentSpec(5, { name: 'v5-dying', nodeBinary: wrapper }));
    const lost = expected[4]!.nodeID;

    const { result } = await rig.run(rig.plan('lost-agent', 20));
    expect(result.status, JSON.stringify(result)).toBe('RollbackIncomplete');
    if (result.status !== 'RollbackIncomplete') return;
    expect(result.failedPhase, result.reason).toBe('launch');
    expect(result.reason).toMatch(new RegExp(`agent ${lost} did not start the new node within 20s: (no agent answers|its agent stopped answering)`));
    // Every other host's part of each compensation finished; only the lost host's failed, by name.
    expect(result.failedCompensations.map((c) => c.name)).toEqual(['stop-new-network', 'resume-old-network']);
    for (const c of result.failedCompensations) {
      expect(c.error).toMatch(new RegExp(`failed on 1 of 5 agents: ${lost}: agent ${lost} did not .* within 20s: no agent answers`));
    }
    // The restore is incomplete: both exports stay, the final one being the state the network stopped in.
    expect(result.kept).toEqual(['discard-final-artifacts', 'discard-artifacts']);
    // The four other old validators run again, by their own answers, and the old network makes blocks.
    for (const v of rig.net.validators.slice(0, 4)) expect(await notBootstrapped(v.uri), v.nodeId).toEqual([]);
    const rpc = new JsonRpcClient(rig.net.api.cChainRpcUrl);
    const before = BigInt(await rpc.call<Hex>('eth_blockNumber'));
    await rig.sender.send([{ to: Wallet.createRandom().address, value: 1n, gasLimit: 21_000n }]);
    expect(BigInt(await rpc.call<Hex>('eth_blockNumber'))).toBeGreaterThan(before);

    // The remedy the failure names, on host 5: its old node restarted from what the halt recorded.
    const resumed = await rig.agents.resumeOldNode(rig.agentSpec(5), result.runKey);
    expect(resumed).toMatchObject({ resumed: true, dataUnchanged: true });
    await waitBootstrapped([resumed.uri!]);
    await rig.agents.start(rig.agentSpec(5));
  });

  it("(a, c) exports at the epoch, halts after the approval, launches where the old network stopped, ratified by the agents' checked signatures, through a SIGKILLed coordinator worker and agent: the new network serves the final state and produces blocks", async () => {
    // Validator 4's host starts nodes slowly (8 s before the new node runs), which gives a certain
    // moment to SIGKILL its agent while "start new node" is in flight.
    const started = join(rig.root, 'slow-node-starts');
    const slow = join(rig.root, 'slow-avalanchego.sh');
    writeFileSync(slow, `#!/bin/sh\ncase "$*" in *--genesis-file*) echo start >> ${started}; sleep 8;; esac\nexec ${toolPath('avalanchego')} "$@"\n`);
    chmodSync(slow, 0o755);
    await rig.agents.stop('v4');
    await rig.agents.start(rig.agentSpec(4, { name: 'v4-slow', nodeBinary: slow }));
    const killAgentMidStart = (async () => {
      while (!existsSync(started)) await sleep(50);
      await rig.agents.stop('v4-slow', 'SIGKILL');
      await rig.agents.start(rig.agentSpec(4, { name: 'v4-slow-restarted', nodeBinary: slow }));
    })();

    const workers = new WorkerProcesses(rig.root, {
      TEMPORAL_ADDRESS: rig.env.address,
      REGENESIS_CANARY_KEY_FILE: rig.canaryKeyFile,
      ...rig.objectStore!.env(),
    });
    workers.prepare();
    const taskQueue = uniqueTaskQueue('migrate');
    workers.start({ taskQueue, artifactsDir: rig.artifactsDir });
    // The coordinator's worker dies while the agents halt the old validators (the moment the first
    // agent has recorded its node's command line); another worker takes over.
    let workerKilled = false;
    const killWorkerMidFanOut = (async () => {
      const halting = (): boolean =>
        [1, 2, 3, 4, 5].some((i) => {
          const dir = join(rig.root, `agent${i}`);
          return existsSync(dir) && readdirSync(dir).some((run) => run.startsWith('migrate-') && existsSync(join(dir, run, 'old-node.json')));
        });
      while (!halting()) await sleep(50);
      await workers.stopAll();
      workerKilled = true;
      workers.start({ taskQueue, artifactsDir: rig.artifactsDir });
    })();
    const { result, handle, atApproval } = await rig.run(rig.plan('migrate'), { workers, taskQueue });
    await killWorkerMidFanOut;
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
    expectLaunchReadinessShown(
      atApproval,
      expected.map((s) => s.nodeID),
      result.artifactsDir,
    );

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
    const served = (
      await platform.call<{ validators: Array<{ nodeID: string; weight: string; signer: { publicKey: string } }> }>('platform.getCurrentValidators', [{}])
    ).validators;
    expect(served.map((v) => [v.nodeID, v.weight, v.signer.publicKey]).sort()).toEqual(
      genesis.stakers.map((s) => [s.nodeID, s.weight, expected.find((e) => e.nodeID === s.nodeID)!.blsPublicKey]).sort(),
    );
    // Balances and the C root equal the export (checked before the commit point, reported).
    const post = JSON.parse(readFileSync(join(result.artifactsDir, 'reports', 'post-launch.json'), 'utf8')) as {
      ok: boolean;
      mismatches: string[];
      block0Root: string;
      owners: number;
    };
    expect(post.mismatches).toEqual([]);
    expect(post).toMatchObject({ ok: true, block0Root: result.freeze.stateRoot });
    expect(post.owners).toBeGreaterThan(0);

    // Before the commit point the new network accepted the canary's C- and X-Chain transfers.
    const transfers = launch.newNetwork.transfers!;
    const receipt = await new JsonRpcClient(`${nodes[4]!.uri}/ext/bc/C/rpc`).call<{ status: Hex; blockNumber: Hex }>('eth_getTransactionReceipt', [
      transfers.cChain.txHash,
    ]);
    expect(receipt).toMatchObject({ status: '0x1' });
    expect(Number(BigInt(receipt.blockNumber))).toBe(transfers.cChain.block);
    const xStatus = await new JsonRpcClient(`${nodes[3]!.uri}/ext/bc/X`).call<{ status: string }>('avm.getTxStatus', [{ txID: transfers.xChain.txID }]);
    expect(xStatus.status).toBe('Accepted');

    // And it goes on producing blocks after the commit: more C-Chain and X-Chain transfers.
    const cRpc = new JsonRpcClient(`${nodes[2]!.uri}/ext/bc/C/rpc`, { timeoutMs: 60_000 });
    const newSender = new Sender(cRpc, new Wallet(EWOQ_KEY), BigInt(await cRpc.call<Hex>('eth_chainId')));
    await newSender.send([{ to: Wallet.createRandom().address, value: 1n, gasLimit: 21_000n }]);
    expect(BigInt(await cRpc.call<Hex>('eth_blockNumber'))).toBeGreaterThan(0n);
    const recipient = formatAddress('X', 'custom', randomBytes(20));
    await sendAvax(nodes[1]!.uri, 'X', EWOQ_KEY, [{ to: recipient, amount: 1_000n }]);

    // (e) Nothing secret left the hosts: no staking key or BLS signer key in the run's history
    // (payloads decoded by the client), its artifacts, or any agent's or node's log.
    const history = JSON.stringify(await handle.fetchHistory());
    const texts = [history, ...filesUnder(rig.artifactsDir), ...filesUnder(rig.root).filter((f) => f.endsWith('.log'))].map((f) =>
      f === history ? f : readFileSync(f).toString('latin1'),
    );
    for (const s of LOCAL_STAKERS) {
      const signer = readFileSync(s.signerKeyFile);
      const tlsKeyBody = readFileSync(s.keyFile, 'utf8')
        .split('\n')
        .filter((l) => !l.startsWith('-----') && l.length > 0);
      for (const text of texts) {
        expect(text).not.toContain(signer.toString('hex'));
        expect(text).not.toContain(signer.toString('base64'));
        expect(text).not.toContain(signer.toString('latin1'));
        for (const line of tlsKeyBody.slice(1, 4)) expect(text).not.toContain(line);
      }
    }
    expect(texts.length).toBeGreaterThan(10);

    // One chain accepts transactions: past the commit point every old validator is retired by its
    // agent, on the host's own record (a resume under any run is refused from then on), and the
    // command-mode host's retire command ran once. A rolled-back run before this one retired none.
    expect(launch.oldNetworkRetired).toEqual({ retired: expected.map((s) => s.nodeID).sort(), notRetired: [] });
    for (const [i, v] of rig.net.validators.entries()) {
      const { nodes } = JSON.parse(readFileSync(join(rig.root, `agent${i + 1}`, 'retired.json'), 'utf8')) as { nodes: unknown[] };
      expect(nodes, `agent ${i + 1}`).toEqual([expect.objectContaining({ dataDir: v.dataDir, runKey: result.runKey })]);
    }
    expect(readFileSync(join(rig.root, 'v2-retired.log'), 'utf8')).toBe(`${result.runKey}\n`);

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
      const spawns = readFileSync(join(rig.root, `agent${i}`, result.runKey, 'new-node.log'), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('# '));
      expect(spawns, `agent ${i}`).toHaveLength(1);
    }

    // After the commit the agent keeps its validator running: validator 3's new node dies (as on a
    // crash, or a reboot that brought only the agent's service back) and its agent starts it again
    // on the same ports, where it serves the new network's chain with the others.
    const contextPath = join(rig.root, 'agent3', result.runKey, 'node', 'process.json');
    const before = JSON.parse(readFileSync(contextPath, 'utf8')) as { pid: number; uri: string };
    // Its context names the ports it bound on its host; the test reaches it at the host's address.
    const reachable = nodes.find((n) => n.nodeId === expected[2]!.nodeID)!.uri;
    process.kill(before.pid, 'SIGKILL');
    let after = before;
    for (let waited = 0; after.pid === before.pid || (await notBootstrapped(reachable)).length > 0; waited += 500) {
      if (waited > 120_000) throw new Error(`validator 3's new node was not started again within 120 s (process context: ${JSON.stringify(after)})`);
      await sleep(500);
      after = existsSync(contextPath) ? (JSON.parse(readFileSync(contextPath, 'utf8')) as typeof before) : before;
    }
    expect(after.uri).toBe(before.uri);
    const restarted = new JsonRpcClient(`${reachable}/ext/bc/C/rpc`, { timeoutMs: 60_000 });
    expect(BigInt(await restarted.call<Hex>('eth_chainId'))).toBe(BigInt(await cRpc.call<Hex>('eth_chainId')));
    expect(
      readFileSync(join(rig.root, 'agent3', result.runKey, 'new-node.log'), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('# ')),
    ).toHaveLength(2);
  });
});

/**
 * Before approving, the approver saw what the rehearsal node needed to start the genesis and, for
 * every new validator, the memory its host has for the new node, as that host's agent read it from
 * its kernel; the report files carry neither (they differ from run to run).
 */
function expectLaunchReadinessShown(status: RegenesisStatus | undefined, nodeIds: string[], artifactsDir: string): void {
  const readiness = status?.launchReadiness;
  expect(readiness, 'launch readiness in the status at approval').toBeDefined();
  expect(readiness!.hosts.map((h) => h.nodeId).sort()).toEqual([...nodeIds].sort());
  for (const host of readiness!.hosts) {
    // The agents share this machine: each reads its memory.
    expect(host.totalBytes).toBe(totalmem());
    expect(host.availableBytes).toBeLessThan(host.totalBytes);
    // Each agent's old avalanchego was running: its resident memory is given back at the halt.
    expect(host.oldNodeBytes).toBeGreaterThan(64 * 2 ** 20);
    expect(host.forNewNodeBytes).toBe(host.availableBytes + host.oldNodeBytes);
  }
  expect(readiness!.rehearsal.startSeconds).toBeGreaterThan(0);
  expect(readiness!.rehearsal.peakResidentBytes).toBeGreaterThan(64 * 2 ** 20);
  expect(readiness!.rehearsal.peakResidentBytes).toBeLessThan(totalmem());
  // The rehearsal is stage 1's: its files are in the run key's directory, beside the final stage's.
  const stage1 = join(artifactsDir, '..', basename(artifactsDir, '.final'));
  const rehearsalFile = JSON.parse(readFileSync(join(stage1, 'reports', 'rehearsal.json'), 'utf8')) as object;
  const reportFile = JSON.parse(readFileSync(join(stage1, 'reports', 'regenesis.json'), 'utf8')) as { rehearsal: object };
  expect(reportFile.rehearsal).toHaveProperty('block0Root');
  expect(rehearsalFile).not.toHaveProperty('node');
  expect(reportFile.rehearsal).not.toHaveProperty('node');
}
