import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startAvalancheLocal, type AvalancheNode } from '../nodes/avalanchego.js';
import type { NodeHost, StakingFiles } from '../nodes/avalanchegoFlags.js';
import { notBootstrapped } from '../nodes/avalanchegoReadiness.js';
import { alive } from '../nodes/pidFile.js';

/**
 * A real multi-validator avalanchego network on loopback for tests and the demo: the five
 * identities of avalanchego's built-in local network (network ID 12345, sybil protection on, or
 * another genesis naming the same stakers), bootstrapping from the first, plus a non-validator API
 * node that serves the exports.
 */

/**
 * The five identities of avalanchego's built-in local network (public test keys, local networks
 * only) in `dir` as staker{i}.crt/.key and signer{i}.key: the repository's test vectors, or
 * avalanchego's own staking/local folder in the Go module cache once the bootstrap has built it.
 */
export function localStakers(dir: string): StakingFiles[] {
  return [1, 2, 3, 4, 5].map((i) => ({
    certFile: join(dir, `staker${i}.crt`),
    keyFile: join(dir, `staker${i}.key`),
    signerKeyFile: join(dir, `signer${i}.key`),
  }));
}

/** avalanchego v1.14.0's staking/local folder in the Go module cache (the bootstrap's build put it there). */
export function upstreamLocalStakersDir(): string {
  const modCache = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
  const dir = join(modCache, 'github.com', 'ava-labs', 'avalanchego@v1.14.0', 'staking', 'local');
  if (!existsSync(join(dir, 'staker1.key')))
    throw new Error(`${dir}: avalanchego's local staking keys are not there; run scripts/bootstrap.sh (it builds avalanchego v1.14.0)`);
  return dir;
}

export interface ValidatorNetwork {
  validators: AvalancheNode[];
  api: AvalancheNode;
}

/** Waits until every node serves P, X and C. */
export async function waitBootstrapped(uris: readonly string[], timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const missing = (await Promise.all(uris.map(async (u) => [u, await notBootstrapped(u)] as const))).filter(([, m]) => m.length > 0);
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`not bootstrapped within ${timeoutMs} ms: ${missing.map(([u, m]) => `${u} (${m.join(', ')})`).join('; ')}`);
    await sleep(500);
  }
}

/**
 * A network started from a genesis file of its own rather than the built-in local genesis (its
 * networkID must not be a standard one), and how long its nodes may take to bootstrap: a node
 * builds its genesis state before it answers, which takes minutes for a million accounts.
 */
export interface CustomGenesis {
  file: string;
  bootstrapTimeoutMs?: number;
}

/**
 * Where each node runs: with `hosts`, validator i on `hosts.validators[i-1]` and the API node on
 * `hosts.api` (hosts of their own, each bound to every interface there); otherwise all on loopback.
 */
export interface NetworkHosts {
  validators: readonly NodeHost[];
  api: NodeHost;
}

export async function startValidatorNetwork(
  root: string,
  stakers: readonly StakingFiles[],
  hosts?: NetworkHosts,
  genesis?: CustomGenesis,
): Promise<ValidatorNetwork> {
  const network = genesis ? { genesisFile: genesis.file, ...(genesis.bootstrapTimeoutMs ? { startTimeoutMs: genesis.bootstrapTimeoutMs } : {}) } : {};
  const start = (i: number, extra: Partial<Parameters<typeof startAvalancheLocal>[0]>) =>
    startAvalancheLocal({
      dataDir: join(root, `validator${i}`),
      waitFor: 'listening',
      ...network,
      ...(hosts ? { host: hosts.validators[i - 1] } : {}),
      ...extra,
    });
  const first = await start(1, { staking: stakers[0] });
  const beacon = [{ nodeId: first.nodeId, ip: first.stakingAddress }];
  const others = await Promise.all([2, 3, 4, 5].map((i) => start(i, { staking: stakers[i - 1], bootstrappers: beacon })));
  const api = await startAvalancheLocal({
    dataDir: join(root, 'api'),
    waitFor: 'listening',
    sybilProtection: true,
    bootstrappers: beacon,
    ...network,
    ...(hosts ? { host: hosts.api } : {}),
  });
  const validators = [first, ...others];
  await waitBootstrapped(
    [...validators, api].map((n) => n.uri),
    genesis?.bootstrapTimeoutMs,
  );
  return { validators, api };
}

/**
 * Stops every node under `root` that wrote a process context (the test's own nodes, old nodes the
 * agents restarted, new nodes they started): whoever started them, nothing outlives the test.
 */
export async function killNodesUnder(root: string): Promise<void> {
  const pids: number[] = [];
  const walk = (dir: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries) {
      const path = join(dir, name);
      if (name === 'process.json' || name.endsWith('.pid')) {
        try {
          const text = readFileSync(path, 'utf8');
          const pid = name === 'process.json' ? (JSON.parse(text) as { pid: number }).pid : Number.parseInt(text, 10);
          if (Number.isSafeInteger(pid) && pid > 1) pids.push(pid);
        } catch {
          // half-written or not ours
        }
      } else if (statSync(path, { throwIfNoEntry: false })?.isDirectory() && name !== 'db' && name !== 'chainData') {
        walk(path);
      }
    }
  };
  walk(root);
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (pids.some(alive) && Date.now() < deadline) await sleep(200);
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
}
