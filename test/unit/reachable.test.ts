import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reachableAddresses, reachableUri } from '../../src/agent/reachable.js';

/**
 * What an agent reports as its node's addresses. The node's answer to `info.getNodeIP` is played by
 * a local JSON-RPC endpoint here; validatorMigration.test.ts shows the same on real nodes bound to
 * every interface on hosts of their own.
 */
describe('the addresses an agent reports for its node', () => {
  let server: Server;
  let port: number;
  let calls = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      calls += 1;
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on('end', () => {
        const { id, method } = JSON.parse(body) as { id: number; method: string };
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify(
            method === 'info.getNodeIP'
              ? { jsonrpc: '2.0', id, result: { ip: '10.9.8.7:9651' } }
              : { jsonrpc: '2.0', id, error: { code: -32601, message: 'no' } },
          ),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '::', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('puts the public IP the node tells its peers in place of a wildcard the node is bound to, asking the node once', async () => {
    for (const bound of [`[::]`, '0.0.0.0']) {
      const before = calls;
      const reported = await reachableAddresses({ uri: `http://${bound}:${port}`, stakingAddress: `${bound}:9651` });
      expect(reported).toEqual({ uri: `http://10.9.8.7:${port}`, stakingAddress: '10.9.8.7:9651' });
      expect(calls - before).toBe(1);
    }
  });

  it('keeps an address the node is bound to, and asks the node nothing', async () => {
    const before = calls;
    expect(await reachableAddresses({ uri: `http://127.0.0.1:${port}`, stakingAddress: '127.0.0.1:9651' })).toEqual({
      uri: `http://127.0.0.1:${port}`,
      stakingAddress: '127.0.0.1:9651',
    });
    expect(await reachableUri('http://10.1.2.3:9650')).toBe('http://10.1.2.3:9650');
    expect(calls).toBe(before);
  });

  it('keeps the bound port of each listener: only the host part comes from the node', async () => {
    const reported = await reachableAddresses({ uri: `http://[::]:${port}`, stakingAddress: '[::]:19651' });
    expect(reported.stakingAddress).toBe('10.9.8.7:19651');
  });
});
