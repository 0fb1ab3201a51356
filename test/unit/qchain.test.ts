import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { platformActivities } from '../../activities/platform.js';
import { LocalArtifactStore } from '../../src/artifacts/store.js';
import { pinningMismatch } from '../../src/epoch/pinning.js';
import type { QChainExportManifest } from '../../src/manifests.js';
import { avaxEndpoints } from '../../src/chains/avax/api.js';
import { QuantumChain, qChainGenesis } from '../../src/chains/quantum/qchain.js';
import { buildPrimaryGenesis, parsePrimaryGenesis, PrimaryGenesisError, serializePrimaryGenesis } from '../../src/genesis/primary/index.js';
import { formatAddress } from '../../src/keys/address.js';
import { proofOfPossession, publicKeyFromSecret } from '../../src/keys/bls.js';
import { LUXD } from '../../src/network/dialect.js';
import { startRecordedNode } from '../rigs/recordedNode.js';

/**
 * The Q-Chain adapter against recorded luxd replies (no luxd runs on this machine): which route
 * and service name a node answers on is probed and recorded, the configuration is read field by
 * field, and it becomes the qChainGenesis of a luxd primary genesis.
 */

const recorded = JSON.parse(readFileSync(new URL('../fixtures/luxd/quantumvm.json', import.meta.url), 'utf8')) as { getConfig: unknown; getHealth: unknown };
const replies = (service: string) => ({ [`${service}.getConfig`]: recorded.getConfig, [`${service}.getHealth`]: recorded.getHealth });

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function node(routes: Parameters<typeof startRecordedNode>[0]) {
  const started = await startRecordedNode(routes);
  close = started.close;
  return started;
}

describe('Q-Chain export (recorded luxd replies)', () => {
  it('reads the configuration from a node serving `quantumvm` on /ext/bc/Q/rpc', async () => {
    const n = await node({ '/ext/bc/Q/rpc': replies('quantumvm') });
    const exported = await new QuantumChain(avaxEndpoints(n.baseUrl, LUXD, '/ext')).export();
    expect(exported).toEqual({
      route: '/ext/bc/Q/rpc',
      service: 'quantumvm',
      config: {
        txFee: '1000',
        createAssetTxFee: '10000',
        quantumVerificationFee: '500',
        maxParallelTxs: 100,
        quantumAlgorithmVersion: 1,
        coronaKeySize: 1024,
        quantumStampEnabled: true,
        coronaEnabled: true,
        parallelBatchSize: 10,
      },
      health: { healthy: true, version: '1.0.0', quantumEnabled: true, coronaEnabled: true, pendingTxCount: 0 },
    });
  });

  it("finds an older node's `qvm` service after the newer name is refused, and says which answered", async () => {
    const n = await node({ '/ext/bc/Q/rpc': replies('qvm') });
    const exported = await new QuantumChain(avaxEndpoints(n.baseUrl, LUXD, '/ext')).export();
    expect(exported.service).toBe('qvm');
    expect(n.calls).toEqual(['/ext/bc/Q/rpc quantumvm.getHealth', '/ext/bc/Q/rpc qvm.getHealth', '/ext/bc/Q/rpc qvm.getConfig']);
  });

  it('follows the newer `chain` alias prefix under /v1', async () => {
    const n = await node({ '/v1/chain/Q/rpc': replies('quantumvm') });
    expect((await new QuantumChain(avaxEndpoints(n.baseUrl, LUXD, '/v1')).export()).route).toBe('/v1/chain/Q/rpc');
  });

  it('refuses a node without a Q-Chain, naming every route and service tried', async () => {
    const n = await node({ '/ext/bc/P': {} });
    await expect(new QuantumChain(avaxEndpoints(n.baseUrl, LUXD, '/ext')).export()).rejects.toThrow(
      /no Q-Chain \(quantumvm\/qvm\) service on .*\/ext\/bc\/Q\/rpc quantumvm\.getHealth: .*HTTP 404.*\/ext\/chain\/Q\/rpc qvm\.getHealth/,
    );
  });

  it('refuses a malformed configuration, naming the field', async () => {
    const n = await node({ '/ext/bc/Q/rpc': { ...replies('quantumvm'), 'quantumvm.getConfig': { ...(recorded.getConfig as object), coronaKeySize: -1 } } });
    await expect(new QuantumChain(avaxEndpoints(n.baseUrl, LUXD, '/ext')).export()).rejects.toThrow(
      /\/ext\/bc\/Q\/rpc quantumvm\.getConfig\.coronaKeySize: expected an unsigned integer/,
    );
  });
});

describe('the Q-Chain export activity', () => {
  it('writes what the node served, pinned like the P and X exports (and a moved P-Chain is caught)', async () => {
    const n = await node({ '/ext/bc/Q/rpc': replies('quantumvm'), '/ext/bc/P': { 'platform.getHeight': { height: '42' } } });
    const dir = mkdtempSync(join(tmpdir(), 'qchain-'));
    try {
      const { exportQChain } = platformActivities(new LocalArtifactStore(dir));
      const activity = new MockActivityEnvironment();
      const pinned = (await activity.run(exportQChain, { runKey: 'run-q', rpcUrl: `${n.baseUrl}/ext/bc/C/rpc`, pChainHeight: 42 })) as QChainExportManifest;
      expect(pinned).toMatchObject({ pChainHeight: 42, route: '/ext/bc/Q/rpc', service: 'quantumvm', path: 'exports/Q/config.json' });
      const file = JSON.parse(readFileSync(join(dir, 'run-q', pinned.path), 'utf8')) as { config: { coronaKeySize: number } };
      expect(file.config.coronaKeySize).toBe(1024);
      expect(JSON.parse(pinned.qChainGenesis).quantumvm).toEqual(file.config);
      expect(pinningMismatch(42, [{ chain: 'Q', ...pinned }])).toBeUndefined();
      const moved = (await activity.run(exportQChain, { runKey: 'run-q2', rpcUrl: `${n.baseUrl}/ext/bc/C/rpc`, pChainHeight: 41 })) as QChainExportManifest;
      expect(pinningMismatch(41, [{ chain: 'Q', ...moved }])).toMatch(/pinned to the epoch's P-Chain height 41: Q at 42/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('qChainGenesis in a luxd primary genesis', () => {
  const secret = new Uint8Array(readFileSync(new URL('../fixtures/vectors/avalanchego-v1.14.0/signer1.key', import.meta.url)));
  const shortId = new Uint8Array(20).fill(7);
  const input = (q: string) => ({
    dialect: 'luxd' as const,
    networkID: 96369,
    allocations: [{ evmAddress: `0x${'00'.repeat(20)}`, utxoAddress: formatAddress('X', 'lux', shortId), initialAmount: 0, unlockSchedule: [{ amount: 5n }] }],
    startTime: 1_900_000_000,
    initialStakeDuration: 31_536_000,
    initialStakeDurationOffset: 5400,
    initialStakedFunds: [formatAddress('X', 'lux', shortId)],
    validators: [
      {
        nodeID: 'NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg',
        rewardAddress: formatAddress('X', 'lux', shortId),
        delegationFee: 20_000,
        signer: { publicKey: publicKeyFromSecret(secret), proofOfPossession: proofOfPossession(secret, 'luxd') },
      },
    ],
    cChainGenesis: '{"config":{"chainId":96369}}',
    qChainGenesis: q,
    message: '',
  });

  it('carries the exported configuration, after cChainGenesis as luxfi/genesis orders it, and reads back', async () => {
    const n = await node({ '/ext/bc/Q/rpc': replies('quantumvm') });
    const q = qChainGenesis(await new QuantumChain(avaxEndpoints(n.baseUrl, LUXD, '/ext')).export());
    expect(JSON.parse(q)).toMatchObject({ version: 1, message: 'Lux Chain Genesis', quantumvm: { coronaKeySize: 1024, quantumAlgorithmVersion: 1 } });
    const text = serializePrimaryGenesis(buildPrimaryGenesis(input(q)));
    expect(text.indexOf('"cChainGenesis"')).toBeLessThan(text.indexOf('"qChainGenesis"'));
    expect(text.indexOf('"qChainGenesis"')).toBeLessThan(text.indexOf('"message"'));
    const back = parsePrimaryGenesis(text);
    expect(back.genesis.qChainGenesis).toBe(q);
    expect(serializePrimaryGenesis(back.genesis)).toBe(text);
  });

  it('is refused on avalanchego, which has no Q-Chain', () => {
    const q = '{"version":1}';
    expect(() => buildPrimaryGenesis({ ...input(q), dialect: 'avalanchego', networkID: 12345 })).toThrow(PrimaryGenesisError);
    expect(() => buildPrimaryGenesis({ ...input(q), dialect: 'avalanchego', networkID: 12345 })).toThrow(
      /input\.qChainGenesis: only luxd networks have a Q-Chain/,
    );
  });
});
