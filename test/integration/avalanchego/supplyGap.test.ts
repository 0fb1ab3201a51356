import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { formatAddress } from '../../../src/keys/address.js';
import type { PlanInput } from '../../../src/plan/index.js';
import { localAvalanchePlan, runSealingEpochs, useLocalAvalanche } from '../../rigs/avalancheLocal.js';
import { EWOQ_KEY, shortIdOfKey } from '../../../src/dev/localKeys.js';
import { sendAvax } from '../../../src/chains/platform/transfer.js';
import { reviewFigures } from '../../helpers/reviewFigures.js';
import { createTestWorker, startTemporal, uniqueTaskQueue } from '../../rigs/temporal.js';
import { runPlan } from '../../helpers/run.js';
import { localGenesisStakers } from '../../helpers/validators.js';

/**
 * The supply gap on a real avalanchego v1.14.0 local network: a plan that exports only the ewoq
 * owner leaves the local genesis's third owner and a freshly funded one behind. The node's own
 * figures are read here over plain JSON-RPC, not through the project's clients.
 */

/** One JSON-RPC call, by hand. */
async function nodeCall<T>(url: string, method: string, params: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: unknown };
  if (body.result === undefined) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result;
}

/** The local genesis's C-Chain allocation (wei), from the upstream genesis file the network starts from. */
const LOCAL_C_GENESIS_WEI = Object.values(
  (
    JSON.parse(
      (JSON.parse(readFileSync(new URL('../../fixtures/vectors/avalanchego-v1.14.0/genesis_local.json', import.meta.url), 'utf8')) as { cChainGenesis: string })
        .cChainGenesis,
    ) as {
      alloc: Record<string, { balance: string }>;
    }
  ).alloc,
).reduce((sum, a) => sum + BigInt(a.balance), 0n);

describe("avalanchego v1.14.0 local network: the export against the node's own supply", () => {
  const local = useLocalAvalanche();

  it('states the gap to getCurrentSupply, and fails naming the funded owners a plan leaves out', async () => {
    const net = local();
    const P = `${net.node.uri}/ext/bc/P`;
    const X = `${net.node.uri}/ext/bc/X`;
    const avax = (await nodeCall<{ assetID: string }>(P, 'platform.getStakingAssetID')).assetID;
    const xBalance = async (address: string) => BigInt((await nodeCall<{ balance: string }>(X, 'avm.getBalance', { address, assetID: avax })).balance);
    const pBalance = async (address: string) => BigInt((await nodeCall<{ balance: string }>(P, 'platform.getBalance', { addresses: [address] })).balance);
    // A fresh owner, funded by a real X-Chain transaction, that the plan does not list.
    const fresh = formatAddress('X', 'local', randomBytes(20));
    const before = await xBalance(net.ewoqX);
    await sendAvax(net.node.uri, 'X', EWOQ_KEY, [{ to: fresh, amount: 1_234_000_000n }]);
    const xFee = before - (await xBalance(net.ewoqX)) - 1_234_000_000n;
    expect(xFee).toBeGreaterThan(0n);

    const env = await startTemporal();
    onTestFinished(() => env.teardown());
    const plan = (name: string, maxSupplyGap?: string) =>
      localAvalanchePlan(net.node, {
        name,
        // Only ewoq: the local genesis's owner local1ur873… (P and X) and the fresh one are left out.
        chains: { C: { partitions: 1 }, P: { addresses: [net.ewoqP], maxSupplyGap }, X: { addresses: [net.ewoqX] } },
        genesis: { primary: { networkId: 88_888, validators: localGenesisStakers(formatAddress('X', 'custom', shortIdOfKey(EWOQ_KEY))) } },
        rehearsal: { enabled: false },
      });
    const run = async (p: PlanInput) => {
      const taskQueue = uniqueTaskQueue(p.name);
      const worker = await createTestWorker(env, { taskQueue, artifactsDir: join(net.dir, 'artifacts') });
      return runSealingEpochs(net.sender, runPlan(env, worker, p, { taskQueue }));
    };

    // Allowed a large gap, the run completes and states it.
    const allowed = await run(plan('gap-allowed', '100000000000000000'));
    const gap = allowed.verification.supplyGap!;
    const supply = BigInt((await nodeCall<{ supply: string }>(P, 'platform.getCurrentSupply')).supply);
    const validators = (
      await nodeCall<{ validators: Array<{ potentialReward?: string; delegators?: Array<{ potentialReward?: string }> | null }> }>(
        P,
        'platform.getCurrentValidators',
      )
    ).validators;
    const rewards = validators.reduce(
      (sum, v) => sum + BigInt(v.potentialReward ?? '0') + (v.delegators ?? []).reduce((s, d) => s + BigInt(d.potentialReward ?? '0'), 0n),
      0n,
    );
    expect(gap).toMatchObject({
      judged: true,
      ok: true,
      nodeSupply: supply.toString(),
      potentialRewards: rewards.toString(),
      burnedFees: null,
      maxGap: '100000000000000000',
    });
    // The node's supply less its unminted rewards, plus the C-Chain genesis it never counted, less what was exported.
    expect(BigInt(gap.gap!)).toBe(supply - rewards + LOCAL_C_GENESIS_WEI / 1_000_000_000n - BigInt(gap.exported!));
    // And that is exactly what the left-out owners hold plus the fee the X transfer burned.
    const leftOut = 'local1ur873jhz9qnaqv5qthk5sn3e8nj3e0kmggalnu';
    const heldOutside = (await pBalance(`P-${leftOut}`)) + (await xBalance(`X-${leftOut}`)) + (await xBalance(fresh));
    expect(heldOutside).toBeGreaterThan(1_234_000_000n);
    expect(BigInt(gap.gap!)).toBe(heldOutside + xFee);
    const check = allowed.verification.checks.find((c) => c.name === `supply-gap-${avax}`)!;
    expect(check.ok).toBe(true);
    const report = JSON.parse(readFileSync(join(allowed.artifactsDir, 'reports', 'regenesis.json'), 'utf8')) as { verification: { supplyGap?: unknown } };
    expect(report.verification.supplyGap).toEqual(gap);
    const review = readFileSync(join(allowed.artifactsDir, 'reports', 'review.html'), 'utf8');
    expect(reviewFigures(review)).toMatchObject({
      'supplyGap.gap': gap.gap,
      'supplyGap.potentialRewards': rewards.toString(),
      'supplyGap.exported': gap.exported,
    });

    // With the default limit (0) the same plan fails verification, naming who holds the gap.
    const refused = await run(plan('gap-refused')).then(
      () => 'completed',
      (err: Error) => err.message,
    );
    expect(refused).toMatch(new RegExp(`supply-gap-${avax}: gap ${gap.gap} ABOVE the limit 0 \\(plan\\.chains\\.P\\.maxSupplyGap\\)`));
    expect(refused).toMatch(new RegExp(`largest owners not exported: [PX]-${leftOut} \\(P \\d+, X \\d+\\), ${fresh} \\(P 0, X 1234000000\\)`));
  });
});
