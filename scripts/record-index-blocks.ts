/**
 * Records test/fixtures/vectors/avalanchego-v1.14.0/index-blocks.json: every P- and X-Chain block
 * of a local avalanchego v1.14.0 (`--index-enabled`) after transfers, atomic export/import both
 * ways, a subnet and a delegation — each as the index serves it (hex container) and as
 * `getBlockByHeight {encoding: json}` does. test/unit/blockIndex.test.ts checks the container
 * decoder against the JSON. Run: npx tsx scripts/record-index-blocks.ts
 */
import { writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { AvaxService } from '../src/chains/avax/api.js';
import { formatAddress } from '../src/keys/address.js';
import { startLocalAvalanche } from '../test/rigs/avalancheLocal.js';
import { EWOQ_KEY } from '../src/dev/localKeys.js';
import { sendAvax } from '../src/chains/platform/transfer.js';
import { issueMoreTxTypes } from '../test/helpers/avaxTxTypes.js';
import { LOCAL_STAKERS_PUBLISHED } from '../test/helpers/validators.js';

const net = await startLocalAvalanche({ indexEnabled: true });
try {
  const fresh = Array.from({ length: 4 }, () => randomBytes(20));
  await sendAvax(net.node.uri, 'X', EWOQ_KEY, [{ to: formatAddress('X', 'local', fresh[0]!), amount: 1_000_000_000n }]);
  await sendAvax(net.node.uri, 'P', EWOQ_KEY, [{ to: formatAddress('P', 'local', fresh[1]!), amount: 2_000_000_000n, locktime: 2_000_000_000n }]);
  await issueMoreTxTypes(net.node.uri, EWOQ_KEY, { subnet: fresh[2]!, delegationRewards: fresh[3]!, nodeId: LOCAL_STAKERS_PUBLISHED[0]!.nodeID });
  const chains = {
    P: { head: await net.pchain.height(), json: (h: number) => net.pchain.blockJson(h) },
    X: { head: await net.xchain.height(), json: (h: number) => net.xchain.blockJson(h) },
  };
  const out: Record<string, unknown> = { stakingAssetID: await net.pchain.stakingAssetID(), hrp: 'local' };
  for (const [chain, { head, json }] of Object.entries(chains)) {
    const index = new AvaxService(`${net.node.uri}/ext/index/${chain}/block`);
    const { containers } = await index.call<{ containers: Array<{ bytes: string; index: string }> }>('index.getContainerRange', {
      startIndex: 0,
      numToFetch: head,
      encoding: 'hex',
    });
    out[chain] = await Promise.all(
      containers.map(async (c) => ({ index: Number(c.index), height: Number(c.index) + 1, container: c.bytes, json: await json(Number(c.index) + 1) })),
    );
  }
  writeFileSync(new URL('../test/fixtures/vectors/avalanchego-v1.14.0/index-blocks.json', import.meta.url), `${JSON.stringify(out, null, 1)}\n`);
} finally {
  await net.stop();
}
