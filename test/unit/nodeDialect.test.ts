import { afterEach, describe, expect, it } from 'vitest';
import { cChainNodeEndpoints, probeNodeDialect } from '../../src/chains/avax/api.js';
import { startRecordedNode } from '../rigs/recordedNode.js';

/** The node family is read from the node (info.getNodeVersion), never inferred from a URL alone. */
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function nodeAnswering(version: string | undefined, prefix = '/ext') {
  const n = await startRecordedNode({
    [`${prefix}/info`]: version === undefined ? {} : { 'info.getNodeVersion': { version, databaseVersion: 'v1.4.5', rpcProtocolVersion: '42' } },
  });
  close = n.close;
  return cChainNodeEndpoints(`${n.baseUrl}${prefix}/bc/C/rpc`)!;
}

describe('node family probe', () => {
  it('reads avalanchego and luxd from their own version strings', async () => {
    expect(await probeNodeDialect(await nodeAnswering('avalanchego/1.14.0'))).toEqual({ dialect: 'avalanchego', version: 'avalanchego/1.14.0' });
    await close?.();
    // An older luxd serves /ext like avalanchego: only the node can tell them apart.
    expect((await probeNodeDialect(await nodeAnswering('luxd/1.36.148'))).dialect).toBe('luxd');
  });

  it('refuses a node that names neither, or does not say', async () => {
    await expect(probeNodeDialect(await nodeAnswering('geth/1.16.7'))).rejects.toThrow(
      /info\.getNodeVersion at .*\/ext\/info: "geth\/1\.16\.7" names neither avalanchego nor luxd/,
    );
    await close?.();
    await expect(probeNodeDialect(await nodeAnswering(undefined))).rejects.toThrow(/can't find service "info\.getNodeVersion"/);
  });

  it("keeps the plan's family when one is given, with the URL's prefix", async () => {
    const endpoints = cChainNodeEndpoints('http://127.0.0.1:9630/ext/bc/C/rpc', 'luxd')!;
    expect(endpoints.dialect.xChainService).toBe('xvm');
    expect(endpoints.chain('X')).toBe('http://127.0.0.1:9630/ext/bc/X');
  });
});
