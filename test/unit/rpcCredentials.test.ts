import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRpcCredentials } from '../../src/chains/evm/rpcCredentials.js';
import { JsonRpcClient } from '../../src/chains/evm/rpc.js';

const SECRET = 'Bearer tok-7f3a9c1e55d0';

describe('RPC credentials from the environment', () => {
  it('maps endpoint origins to headers, from the variable and from a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rpc-creds-'));
    try {
      const file = join(dir, 'creds.json');
      writeFileSync(file, JSON.stringify({ 'https://a.example:8545/path': { 'X-Api-Key': 'k1' } }));
      const creds = loadRpcCredentials({
        REGENESIS_RPC_CREDENTIALS_FILE: file,
        REGENESIS_RPC_CREDENTIALS: JSON.stringify({ 'http://10.0.0.5:9650': { Authorization: SECRET } }),
      });
      expect(creds.get('https://a.example:8545')).toEqual({ 'x-api-key': 'k1' });
      expect(creds.get('http://10.0.0.5:9650')).toEqual({ authorization: SECRET });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['not JSON', { REGENESIS_RPC_CREDENTIALS: '{"a":' }, /^REGENESIS_RPC_CREDENTIALS: not valid JSON$/],
    [
      'a bad header name',
      { REGENESIS_RPC_CREDENTIALS: JSON.stringify({ 'http://h:1': { 'bad header': SECRET } }) },
      /REGENESIS_RPC_CREDENTIALS\.http:\/\/h:1\.bad header/,
    ],
    [
      'a value with a newline',
      { REGENESIS_RPC_CREDENTIALS: JSON.stringify({ 'http://h:1': { authorization: `${SECRET}\nx` } }) },
      /REGENESIS_RPC_CREDENTIALS\.http:\/\/h:1\.authorization: not a printable header value/,
    ],
    ['an origin that is no URL', { REGENESIS_RPC_CREDENTIALS: JSON.stringify({ 'rpc-host': { authorization: SECRET } }) }, /"rpc-host" is not an endpoint URL/],
    [
      'a missing file',
      { REGENESIS_RPC_CREDENTIALS_FILE: '/nonexistent/creds.json' },
      /REGENESIS_RPC_CREDENTIALS_FILE: cannot read \/nonexistent\/creds.json \(ENOENT\)/,
    ],
  ])('refuses %s, naming where, never echoing a secret', (_name, env, message) => {
    let error: Error | undefined;
    try {
      loadRpcCredentials(env);
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain('tok-7f3a9c1e55d0');
  });

  it('sends the configured headers to that origin only', async () => {
    const seen: Array<string | undefined> = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: '0x1' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const authorised = new JsonRpcClient(`http://127.0.0.1:${port}`, { headers: { authorization: SECRET } });
      await authorised.call('eth_chainId');
      await new JsonRpcClient(`http://127.0.0.1:${port}`).call('eth_chainId');
      expect(seen).toEqual([SECRET, undefined]);
    } finally {
      server.close();
    }
  });
});

describe('credentials quoted back by a misbehaving endpoint', () => {
  it.each([
    ['an HTTP error page', 502, (auth: string) => `bad gateway; request headers: authorization: ${auth}; x-api-key: k-51d0e8a2`],
    [
      'a JSON-RPC error',
      200,
      (auth: string) => JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code: -32000, message: `denied for ${auth.slice(7)} / k-51d0e8a2` } }),
    ],
  ])('keeps them out of %s in the error message', async (_name, status, body) => {
    const server = createServer((req, res) => res.writeHead(status).end(body(String(req.headers.authorization))));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const client = new JsonRpcClient(`http://127.0.0.1:${port}`, { headers: { authorization: SECRET, 'x-api-key': 'k-51d0e8a2' } });
      const message = await client.call('eth_chainId').then(
        () => 'answered',
        (err: Error) => err.message,
      );
      expect(message).toMatch(/\[redacted\]/);
      expect(message).not.toContain('tok-7f3a9c1e55d0');
      expect(message).not.toContain('k-51d0e8a2');
    } finally {
      server.close();
    }
  });
});
