import { getCreateAddress, Wallet } from 'ethers';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll } from 'vitest';
import { avaxEndpoints, type AvaxEndpoints } from '../../src/chains/avax/api.js';
import { JsonRpcClient } from '../../src/chains/evm/rpc.js';
import { ExchangeChain } from '../../src/chains/exchange/xchain.js';
import { PlatformChain } from '../../src/chains/platform/pchain.js';
import { deployCode, STORE_RUNTIME } from '../../src/dev/fill.js';
import { formatAddress } from '../../src/keys/address.js';
import { startAvalancheLocal, type AvalancheNode } from '../../src/nodes/avalanchego.js';
import type { AvalancheNodeConfig } from '../../src/nodes/avalanchegoFlags.js';
import type { AgentConfig } from '../../src/agent/config.js';
import { toolPath } from '../../src/tools.js';
import type { PlanInput } from '../../src/plan/index.js';
import { toQuantity, toWord, type Hex } from '../../src/state/hex.js';
import { keccakReady } from '../../src/state/keccak.js';
import type { RegenesisResult } from '../../workflows/messages.js';
import { EWOQ_EVM, EWOQ_KEY, shortIdOfKey } from '../../src/dev/localKeys.js';
import { Sender } from '../helpers/cChain.js';
import { planFor, type PlanOverrides } from '../helpers/plans.js';

/** upgrade.Default.GraniteEpochDuration: the proposervm epoch length D of every local network. */
export const EPOCH_SECONDS = 30;

/** The upstream local genesis a local network starts from (test/fixtures/vectors, with provenance). */
export const LOCAL_GENESIS = JSON.parse(readFileSync(new URL('../fixtures/vectors/avalanchego-v1.14.0/genesis_local.json', import.meta.url), 'utf8')) as {
  allocations: Array<{ avaxAddr: string; initialAmount: number; unlockSchedule?: Array<{ amount: number; locktime?: number }> }>;
  initialStakedFunds: string[];
  initialStakers: Array<{ nodeID: string; rewardAddress: string; delegationFee: number; signer: { publicKey: string; proofOfPossession: string } }>;
};

/**
 * A real single-node avalanchego v1.14.0 local network (network ID 12345, the upstream local
 * genesis) in a temp directory of its own, with what the tests reach it through: the P-, X- and
 * C-Chain APIs, a C-Chain sender holding the pre-funded ewoq key, and that key's X and P addresses.
 */
export interface LocalAvalanche {
  dir: string;
  node: AvalancheNode;
  endpoints: AvaxEndpoints;
  pchain: PlatformChain;
  xchain: ExchangeChain;
  cRpc: JsonRpcClient;
  sender: Sender;
  ewoqX: string;
  ewoqP: string;
  /** Stops the node and removes the directory. */
  stop(): Promise<void>;
}

export async function startLocalAvalanche(options: Pick<AvalancheNodeConfig, 'indexEnabled'> = {}): Promise<LocalAvalanche> {
  await keccakReady();
  const dir = mkdtempSync(join(tmpdir(), 'avalanchego-it-'));
  const node = await startAvalancheLocal({ dataDir: join(dir, 'node'), ...options }).catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  const stop = async (): Promise<void> => {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const endpoints = avaxEndpoints(node.uri);
  const cRpc = new JsonRpcClient(node.cChainRpcUrl, { timeoutMs: 60_000 });
  const chainId = await cRpc.call<Hex>('eth_chainId').catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  const shortId = shortIdOfKey(EWOQ_KEY);
  return {
    dir,
    node,
    endpoints,
    pchain: new PlatformChain(endpoints),
    xchain: new ExchangeChain(endpoints),
    cRpc,
    sender: new Sender(cRpc, new Wallet(EWOQ_KEY), BigInt(chainId)),
    ewoqX: formatAddress('X', 'local', shortId),
    ewoqP: formatAddress('P', 'local', shortId),
    stop,
  };
}

/**
 * A local network for the enclosing `describe`: started before its first test, stopped after its
 * last. The returned function gives the running network inside a test.
 */
export function useLocalAvalanche(options: Pick<AvalancheNodeConfig, 'indexEnabled'> = {}): () => LocalAvalanche {
  let net: LocalAvalanche | undefined;
  beforeAll(async () => {
    net = await startLocalAvalanche(options);
  });
  afterAll(() => net?.stop());
  return () => {
    if (!net) throw new Error('the local avalanchego network did not start');
    return net;
  };
}

/**
 * A run of the local network's API node, frozen at the sealing block of the epoch its proposervm
 * reports (the run waits for it): what every avalanchego run here shares, under the test's `layers`.
 */
export function localAvalanchePlan(node: Pick<AvalancheNode, 'cChainRpcUrl'>, ...layers: PlanOverrides[]): PlanInput {
  return planFor(
    {
      chains: { C: { rpcUrl: node.cChainRpcUrl } },
      target: { epoch: 'current' },
      epoch: { source: 'proposervm', durationSeconds: EPOCH_SECONDS, pollSeconds: 2 },
      genesis: { chainId: 43112, startTime: { afterFreezeSeconds: 3600 } },
    },
    ...layers,
  );
}

/** C-Chain state built by {@link fillCChain}: the contracts with their final storage, and the funded accounts. */
export interface CChainFill {
  contracts: Hex[];
  storage: Record<Hex, Record<Hex, Hex>>;
  funded: Hex[];
}

/**
 * Builds C-Chain state with real transactions from the pre-funded key: four storage contracts of
 * twenty slots each (the first contract's first slot written, then zeroed again), and 24 fresh
 * accounts funded with distinct amounts.
 */
export async function fillCChain(net: Pick<LocalAvalanche, 'cRpc' | 'sender'>): Promise<CChainFill> {
  const base = Number(BigInt(await net.cRpc.call<Hex>('eth_getTransactionCount', [EWOQ_EVM, 'pending'])));
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
  await net.sender.send(txs);
  return { contracts, storage, funded };
}

/**
 * Awaits a regenesis run that must complete. coreth makes blocks only for transactions, so one
 * 1-wei transfer every few seconds keeps the chain moving until the run's epoch has sealed.
 */
export async function runSealingEpochs(sender: Sender, running: Promise<RegenesisResult>): Promise<Extract<RegenesisResult, { status: 'Completed' }>> {
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

/**
 * A validator agent's configuration for the rig's node, speaking for local staker `staker` (the node
 * itself runs with ephemeral keys: only the agent's key files matter to what is tested), in process
 * mode, with its work and artifact directories under the rig's.
 */
export function agentConfigFor(net: LocalAvalanche, staker = 2): AgentConfig {
  const vectors = new URL('../fixtures/vectors/avalanchego-v1.14.0/', import.meta.url).pathname;
  return {
    nodeBinary: toolPath('avalanchego'),
    dataDir: net.node.dataDir,
    stakingCertFile: join(vectors, `staker${staker}.crt`),
    stakingKeyFile: join(vectors, `staker${staker}.key`),
    signerKeyFile: join(vectors, `signer${staker}.key`),
    workDir: join(net.dir, 'agent'),
    artifactsDir: join(net.dir, 'artifacts'),
    mode: 'process',
    temporalAddress: '127.0.0.1:7233',
    namespace: 'default',
  };
}
