import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Wallet } from 'ethers';
import { JsonRpcClient } from '../../src/chains/evm/rpc.js';
import { formatAddress } from '../../src/keys/address.js';
import type { PlanInput } from '../../src/plan/index.js';
import type { RegenesisStatus } from '../../src/contract/run.js';
import { CANARY_KEY_ENV } from '../../src/launch/transferCheck.js';
import { localMigrationPlan } from '../../src/dev/migrationPlan.js';
import { keccakReady } from '../../src/state/keccak.js';
import type { Hex } from '../../src/state/hex.js';
import { toolPath } from '../../src/tools.js';
import type { Activities } from '../../activities/index.js';
import { startVersityGw, type VersityGw } from './versitygw.js';
import { HostNetwork } from './hostNetwork.js';
import { portOf } from '../../src/nodes/processContext.js';
import { approveUpdate, statusQuery, type RegenesisResult } from '../../workflows/messages.js';
import { approval, approvers } from '../helpers/approvers.js';
import { AgentProcesses, type AgentSpec } from '../../src/dev/agentProcesses.js';
import { EWOQ_KEY, shortIdOfKey } from '../../src/dev/localKeys.js';
import { Sender } from '../helpers/cChain.js';
import { createTestWorker, startTemporal, uniqueTaskQueue } from './temporal.js';
import { LOCAL_STAKERS, localGenesisStakers } from '../helpers/validators.js';
import { killNodesUnder, startValidatorNetwork, type CustomGenesis, type ValidatorNetwork } from '../../src/dev/validatorNetwork.js';
import { writePrefilledGenesis } from './prefilledGenesis.js';
import type { WorkerProcesses } from './workers.js';
import { emergencyRegenesisWorkflow, regenesisWorkflow } from '../../workflows/index.js';

export const NEW_NETWORK_ID = 88_888;

/**
 * Everything a validator-migration test stands on, all real: a Temporal dev server, five
 * avalanchego validators and an API node (the old network), one `regenesis agent` process per
 * validator, and a C-Chain sender that keeps blocks coming so epochs seal.
 */
export class MigrationRig {
  root = '';
  env!: TestWorkflowEnvironment;
  net!: ValidatorNetwork;
  agents!: AgentProcesses;
  sender!: Sender;

  /** With `objectStore`: the coordinator publishes to a real VersityGW and the agents share no directory with it. */
  objectStore?: VersityGw;

  /** With `gatedHalts`: every agent halts its validator only for a run its approver (operator-1) signed. */
  approverKeysFile?: string;

  /**
   * With `hosts`: every validator and its agent on a host of its own (a network namespace with its
   * own address, nodes bound to every interface), the API node on a sixth; Temporal and the object
   * store on the machine's address on the hosts' bridge. Implies `objectStore`.
   */
  hosts?: HostNetwork;

  /**
   * `prefilledAccounts`: the old network starts from the local genesis with that many extra C-Chain
   * accounts (prefilledGenesis.ts: network ID 54321 instead of the built-in local network).
   */
  static async start(
    prefix: string,
    options: { objectStore?: boolean; gatedHalts?: boolean; hosts?: boolean; prefilledAccounts?: number } = {},
  ): Promise<MigrationRig> {
    const rig = new MigrationRig();
    await keccakReady();
    rig.root = mkdtempSync(join(tmpdir(), `${prefix}-`));
    // The operator's canary key for the post-launch transfers: ewoq, funded in the local genesis
    // and so in every genesis exported from it. Workers read it from the file, never from a plan.
    writeFileSync(rig.canaryKeyFile, `${EWOQ_KEY}\n`, { mode: 0o600 });
    if (options.gatedHalts) {
      rig.approverKeysFile = join(rig.root, 'approver-keys.json');
      writeFileSync(rig.approverKeysFile, JSON.stringify({ required: 1, approvers: approvers('operator-1') }));
    }
    process.env[CANARY_KEY_ENV] = rig.canaryKeyFile;
    try {
      if (options.hosts) rig.hosts = HostNetwork.create(6);
      const ip = rig.hosts?.coordinatorIp;
      if (options.objectStore || rig.hosts) rig.objectStore = await startVersityGw(ip ? { host: ip } : {});
      // The SDK checks its dev server at 127.0.0.1 whatever address it binds, so with hosts it binds
      // every interface of the machine and the agents are given the bridge address.
      rig.env = await startTemporal(ip ? { ip: '0.0.0.0' } : {});
      const hosts = rig.hosts ? { validators: rig.hosts.hosts.slice(0, 5), api: rig.hosts.hosts[5]! } : undefined;
      rig.net = await startValidatorNetwork(join(rig.root, 'old'), LOCAL_STAKERS, hosts, rig.prefilledGenesis(options.prefilledAccounts));
      const temporalPort = portOf(rig.env.address);
      rig.agents = new AgentProcesses(rig.root, ip ? `${ip}:${temporalPort}` : rig.env.address);
      await Promise.all([1, 2, 3, 4, 5].map((i) => rig.agents.start(rig.agentSpec(i))));
      const rpc = new JsonRpcClient(rig.net.api.cChainRpcUrl, { timeoutMs: 60_000 });
      rig.sender = new Sender(rpc, new Wallet(EWOQ_KEY), BigInt(await rpc.call<Hex>('eth_chainId')));
      return rig;
    } catch (err) {
      // A rig that did not come up stops what it started: the caller never gets it to stop.
      await rig.stop();
      throw err;
    }
  }

  /** The old network's genesis file with `accounts` extra C-Chain accounts; none without. */
  private prefilledGenesis(accounts: number | undefined): CustomGenesis | undefined {
    if (accounts === undefined) return undefined;
    const file = join(this.root, 'old-genesis.json');
    writePrefilledGenesis(file, accounts);
    // The six nodes build the genesis state at once as they start, before they answer: 102 s for a
    // million accounts for one node alone on an idle two-core machine, so allow 20 minutes a million.
    return { file, bootstrapTimeoutMs: 180_000 + Math.ceil(accounts / 1_000_000) * 1_200_000 };
  }

  async stop(): Promise<void> {
    delete process.env[CANARY_KEY_ENV];
    await this.agents?.stopAll();
    if (this.root) await killNodesUnder(this.root);
    await this.env?.teardown();
    await this.objectStore?.stop();
    this.hosts?.destroy();
    if (this.root) rmSync(this.root, { recursive: true, force: true });
  }

  get canaryKeyFile(): string {
    return join(this.root, 'canary.key');
  }

  get artifactsDir(): string {
    return join(this.root, 'artifacts');
  }

  /** Validator `i`'s host (1-based): its node binary, the old node's data, its keys, its work dir. */
  agentSpec(i: number, overrides: Partial<AgentSpec> = {}): AgentSpec {
    return {
      name: `v${i}`,
      nodeBinary: toolPath('avalanchego'),
      dataDir: this.net.validators[i - 1]!.dataDir,
      staking: LOCAL_STAKERS[i - 1]!,
      workDir: join(this.root, `agent${i}`),
      ...(this.hosts ? { launcher: this.hosts.hosts[i - 1]!.launcher } : {}),
      // Validators on other hosts: nothing shared with the coordinator but the object store.
      ...(this.objectStore ? {} : { artifactsDir: this.artifactsDir }),
      env: {
        ...(this.objectStore ? this.objectStore.env() : {}),
        ...(this.approverKeysFile ? { REGENESIS_AGENT_APPROVER_KEYS_FILE: this.approverKeysFile } : {}),
      },
      ...overrides,
    };
  }

  /**
   * A plan migrating the five local stakers (their published keys) to network 88888 through their
   * agents. `healthTimeoutSeconds` defaults to localMigrationPlan's.
   */
  plan(name: string, agentTimeoutSeconds = 60, stages?: 1 | 2, healthTimeoutSeconds?: number): PlanInput {
    return localMigrationPlan({
      name,
      cChainRpcUrl: this.net.api.cChainRpcUrl,
      validators: localGenesisStakers(formatAddress('X', 'custom', shortIdOfKey(EWOQ_KEY))),
      approver: approvers('operator-1')[0]!,
      agentTimeoutSeconds,
      ...(stages ? { stages } : {}),
      ...(healthTimeoutSeconds ? { healthTimeoutSeconds } : {}),
    });
  }

  /**
   * Starts a run and plays its humans: C-Chain transactions while it waits for its epoch (coreth
   * makes blocks only for transactions), then the approval of the genesis it shows. `onPhase` sees
   * every phase change. The coordinator's worker runs in this process, or as `regenesis worker`
   * processes when `workers` is given.
   */
  async run(
    p: PlanInput,
    options: {
      onPhase?: (phase: string) => void | Promise<void>;
      workers?: WorkerProcesses;
      taskQueue?: string;
      emergency?: { lastGoodHeight: number };
      /** The in-process worker's activities, from the real ones (a fault a test injects into the coordinator). */
      activities?: (real: Activities) => Activities;
      /** How long the run may take before the rig gives up on it; default 15 minutes. */
      timeoutMinutes?: number;
    } = {},
  ): Promise<{ result: RegenesisResult; handle: WorkflowHandle; atApproval?: RegenesisStatus }> {
    const taskQueue = options.taskQueue ?? uniqueTaskQueue(p.name);
    const workflowId = `${p.name}-${Date.now()}`;
    const handle = options.emergency
      ? await this.env.client.workflow.start(emergencyRegenesisWorkflow, {
          taskQueue,
          workflowId,
          args: [{ plan: p, lastGoodHeight: options.emergency.lastGoodHeight }],
        })
      : await this.env.client.workflow.start(regenesisWorkflow, { taskQueue, workflowId, args: [p] });
    // What the approver saw when the rig approved (readiness warnings, review page).
    let atApproval: RegenesisStatus | undefined;
    const drive = async (): Promise<void> => {
      let phase = '';
      const minutes = options.timeoutMinutes ?? 15;
      const deadline = Date.now() + minutes * 60_000;
      for (;;) {
        if ((await handle.describe()).status.name !== 'RUNNING') return;
        const status = await handle.query(statusQuery).catch(() => undefined);
        if (!status) {
          await sleep(1_000); // no worker answers queries while a killed one is being replaced
          continue;
        }
        if (status.phase !== phase) {
          phase = status.phase;
          await options.onPhase?.(phase);
        }
        // An emergency run halts the validators first: its brief wait-epoch phase reads a fixed
        // height, and a transaction sent then would never be mined.
        if (phase === 'wait-epoch' && !options.emergency) await this.sender.send([{ to: Wallet.createRandom().address, value: 1n, gasLimit: 21_000n }]);
        if (phase === 'approve' && (status.approvals?.approvers.length ?? 0) === 0) {
          atApproval = status;
          await handle.executeUpdate(approveUpdate, { args: [await approval(handle, 'operator-1')] });
        }
        if (Date.now() > deadline) throw new Error(`run ${workflowId} still in ${phase} after ${minutes} minutes`);
        await sleep(2_000);
      }
    };
    if (options.workers) {
      const [result] = await Promise.all([handle.result(), drive()]);
      return { result: result as RegenesisResult, handle, ...(atApproval ? { atApproval } : {}) };
    }
    const worker = await createTestWorker(this.env, {
      taskQueue,
      artifactsDir: this.artifactsDir,
      ...(this.objectStore ? { objectStore: this.objectStore.config() } : {}),
      ...(options.activities ? { activities: options.activities } : {}),
    });
    const [result] = await worker.runUntil(Promise.all([handle.result(), drive()]));
    return { result: result as RegenesisResult, handle, ...(atApproval ? { atApproval } : {}) };
  }
}
