import { MockActivityEnvironment } from '@temporalio/testing';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { platformActivities } from '../../../activities/platform.js';
import { RUN_FILES } from '../../../src/artifacts/layout.js';
import { LocalArtifactStore } from '../../../src/artifacts/store.js';
import { openBlockIndex } from '../../../src/chains/avax/blockIndex.js';
import { discoverOwners, type DiscoveryResult } from '../../../src/chains/avax/discovery.js';
import type { DiscoveryCursor } from '../../../src/chains/avax/discoveryLog.js';
import { discoverySources } from '../../../src/chains/avax/discoverySources.js';
import { formatAddress } from '../../../src/keys/address.js';
import type { DiscoveredAddresses } from '../../../src/manifests.js';
import { useLocalAvalanche } from '../../rigs/avalancheLocal.js';
import { EWOQ_KEY } from '../../../src/dev/localKeys.js';
import { sendAvax } from '../../../src/chains/platform/transfer.js';
import { issueMoreTxTypes } from '../../helpers/avaxTxTypes.js';
import { LOCAL_STAKERS_PUBLISHED } from '../../helpers/validators.js';

/** A result with its owners listed, to compare as a whole. */
const listed = (result: DiscoveryResult) => ({ ...result, owners: [...result.owners] });

/**
 * Owner discovery on a real avalanchego v1.14.0 started with `--index-enabled`: the blocks read
 * from the index (1024 a request, decoded from their bytes) name the same owners and burn the same
 * fees as the blocks walked one `getBlockByHeight` at a time, over transfers, atomic export and
 * import both ways, a subnet and a delegation.
 */
describe('avalanchego v1.14.0 --index-enabled: owner discovery from the block index', () => {
  const local = useLocalAvalanche({ indexEnabled: true });

  it('index and walk find the same owners and burned fees; the index in one request per 1024 blocks', async () => {
    const net = local();
    const fresh = Array.from({ length: 6 }, () => randomBytes(20));
    await sendAvax(net.node.uri, 'X', EWOQ_KEY, [{ to: formatAddress('X', 'local', fresh[0]!), amount: 1_000_000_000n }]);
    await sendAvax(net.node.uri, 'P', EWOQ_KEY, [
      { to: formatAddress('P', 'local', fresh[1]!), amount: 2_000_000_000n },
      { to: formatAddress('P', 'local', fresh[2]!), amount: 3_000_000_000n, locktime: BigInt(Math.floor(Date.now() / 1000) + 600) },
    ]);
    await issueMoreTxTypes(net.node.uri, EWOQ_KEY, { subnet: fresh[3]!, delegationRewards: fresh[4]!, nodeId: LOCAL_STAKERS_PUBLISHED[0]!.nodeID });
    await sendAvax(net.node.uri, 'X', EWOQ_KEY, [{ to: formatAddress('X', 'local', fresh[5]!), amount: 4_000_000_000n }]);

    const pChainHeight = await net.pchain.height();
    const xHead = await net.xchain.height();
    const stakingAssetID = await net.pchain.stakingAssetID();
    const chains = { pchain: net.pchain, xchain: net.xchain, stakingAssetID };
    const viaIndex = await discoverySources(net.endpoints, chains);
    expect(viaIndex.read).toEqual({ P: 'index', X: 'index' });
    const indexed = listed(await discoverOwners({ ...chains, pChainHeight, pages: viaIndex.pages }));
    const viaWalk = await discoverySources(net.endpoints, chains, { index: false });
    expect(viaWalk.read).toEqual({ P: 'walk', X: 'walk' });
    const walked = listed(await discoverOwners({ ...chains, pChainHeight, pages: viaWalk.pages }));

    expect(indexed.owners).toEqual(walked.owners);
    expect(indexed.burned).toEqual(walked.burned);
    expect([indexed.pBlocks, indexed.xBlocks]).toEqual([pChainHeight, xHead]);
    expect([walked.pBlocks, walked.xBlocks]).toEqual([pChainHeight, xHead]);
    // Every owner the transactions named, though only the blocks name the subnet's.
    for (const [i, id] of fresh.entries()) expect(indexed.owners, `fresh owner ${i}`).toContain(formatAddress('P', 'local', id).slice(2));
    expect(indexed.burned.P).toBeGreaterThan(0n);
    expect(indexed.burned.X).toBeGreaterThan(0n);
    // Every block decoded from its bytes (no JSON fallback), one request per chain for all of them.
    expect(viaIndex.stats.P).toEqual({ decoded: pChainHeight, fallbacks: 0 });
    expect(viaIndex.stats.X).toEqual({ decoded: xHead, fallbacks: 0 });
    expect(indexed.requests).toBe(2);
    expect(walked.requests).toBe(pChainHeight + xHead);

    // Stopped after two pages of a walk in pages of 2, a retry from the checkpoint ends as the rest did.
    const logPath = join(net.dir, 'addresses.found.jsonl');
    const small = await discoverySources(net.endpoints, chains, { index: false, walk: { pageSize: 2 } });
    const stop = new AbortController();
    let cursor: DiscoveryCursor | undefined;
    let pages = 0;
    const checkpoint = (c: DiscoveryCursor): void => {
      cursor = c;
      if (++pages === 2) stop.abort();
    };
    await expect(discoverOwners({ ...chains, pChainHeight, pages: small.pages, logPath, signal: stop.signal, checkpoint })).rejects.toThrow();
    const resumed = listed(await discoverOwners({ ...chains, pChainHeight, pages: small.pages, logPath, resume: cursor }));
    expect(resumed).toMatchObject({ owners: walked.owners, burned: walked.burned, resumedFrom: { P: 5, X: 1 } });
    expect(resumed.requests).toBe(pChainHeight - 4 + xHead);

    // The activity takes the index path on its own and leaves the owners file, not the log.
    const store = new LocalArtifactStore(join(net.dir, 'artifacts'));
    const { discoverAddresses } = platformActivities(store);
    const manifest = (await new MockActivityEnvironment().run(discoverAddresses, {
      runKey: 'run-d',
      rpcUrl: net.node.cChainRpcUrl,
      pChainHeight,
      withX: true,
    })) as DiscoveredAddresses;
    expect(manifest).toMatchObject({
      count: walked.owners.length,
      pBlocks: pChainHeight,
      xBlocks: xHead,
      read: { P: 'index', X: 'index' },
      requests: 2,
      burned: { P: walked.burned.P.toString(), X: walked.burned.X.toString() },
    });
    expect(
      readFileSync(store.path('run-d', manifest.path), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as string),
    ).toEqual(walked.owners);
    expect(existsSync(`${store.path('run-d', RUN_FILES.discoveryLog)}.partial`)).toBe(false);

    // Where the node serves no index route (HTTP 404), discovery walks.
    expect(await openBlockIndex({ ...net.endpoints, prefix: '/ext/no-such-api' }, 'P', 'local', stakingAssetID)).toBeUndefined();
  });
});
