import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonRpcClient, redactUrl, RpcResponseError, RpcTransportError } from '../../src/chains/evm/rpc.js';
import { freePort } from '../../src/nodes/ports.js';

// A scripted HTTP server on loopback: each path answers in one way a real endpoint can fail.
let server: Server;
let base: string;
let lastAuthorization: string | undefined;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => resolve(body));
  });
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = JSON.parse(await readBody(req)) as { id: number; method: string } | Array<{ id: number; method: string }>;
  lastAuthorization = req.headers.authorization;
  const reply = (payload: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
  switch (new URL(req.url ?? '/', 'http://127.0.0.1').pathname) {
    case '/ok':
      if (Array.isArray(body)) {
        // Reply in reverse order: the client must match by id.
        reply(
          body
            .map((c) =>
              c.method === 'bad'
                ? { jsonrpc: '2.0', id: c.id, error: { code: -32601, message: 'the method bad does not exist' } }
                : { jsonrpc: '2.0', id: c.id, result: c.method },
            )
            .reverse(),
        );
      } else {
        reply({ jsonrpc: '2.0', id: body.id, result: body.method });
      }
      return;
    case '/error':
      reply({ jsonrpc: '2.0', id: (body as { id: number }).id, error: { code: -32000, message: 'missing trie node abc', data: 'x' } });
      return;
    case '/limited':
      reply({ jsonrpc: '2.0', id: (body as { id: number }).id, error: { code: -32005, message: 'rate limited' } });
      return;
    case '/500':
      res.writeHead(502).end('<html>bad gateway</html>');
      return;
    case '/403':
      res.writeHead(403).end('forbidden');
      return;
    case '/truncated':
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":1,"result":{"acc');
      return;
    case '/slow':
      setTimeout(() => reply({ jsonrpc: '2.0', id: (body as { id: number }).id, result: 'late' }), 2_000);
      return;
    case '/reset':
      req.socket.destroy();
      return;
    default:
      res.writeHead(404).end();
  }
}

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res));
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function caught(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

describe('JsonRpcClient', () => {
  it('calls and batches, matching replies by id', async () => {
    const rpc = new JsonRpcClient(`${base}/ok`);
    expect(await rpc.call('eth_chainId')).toBe('eth_chainId');
    expect(await rpc.batch([{ method: 'a' }, { method: 'b', params: [1] }, { method: 'c' }])).toEqual(['a', 'b', 'c']);
    const err = await caught(rpc.batch([{ method: 'a' }, { method: 'bad' }]));
    expect(err).toBeInstanceOf(RpcResponseError);
    expect((err as RpcResponseError).method).toBe('bad');
  });

  it('types a JSON-RPC error object as RpcResponseError with code and method', async () => {
    const err = (await caught(new JsonRpcClient(`${base}/error`).call('debug_accountRange', []))) as RpcResponseError;
    expect(err).toBeInstanceOf(RpcResponseError);
    expect(err).toMatchObject({ code: -32000, method: 'debug_accountRange', rpcMessage: 'missing trie node abc', data: 'x', retryable: false });
    const limited = (await caught(new JsonRpcClient(`${base}/limited`).call('eth_call', []))) as RpcResponseError;
    expect(limited.retryable).toBe(true);
  });

  it('types lost requests and broken replies as RpcTransportError', async () => {
    const cases: Array<[string, RegExp, boolean]> = [
      ['/500', /HTTP 502/, true],
      ['/403', /HTTP 403/, false],
      ['/truncated', /unparsable reply/, true],
      ['/reset', /fetch failed|socket|closed/i, true],
    ];
    for (const [path, message, retryable] of cases) {
      const err = await caught(new JsonRpcClient(`${base}${path}`).call('eth_blockNumber'));
      expect(err, path).toBeInstanceOf(RpcTransportError);
      expect((err as RpcTransportError).message, path).toMatch(message);
      expect((err as RpcTransportError).retryable, path).toBe(retryable);
    }
    const refused = await caught(new JsonRpcClient(`http://127.0.0.1:${await freePort()}`).call('eth_blockNumber'));
    expect(refused).toBeInstanceOf(RpcTransportError);
    expect((refused as Error).message).toMatch(/ECONNREFUSED/);
    const slow = await caught(new JsonRpcClient(`${base}/slow`, { timeoutMs: 200 }).call('eth_blockNumber'));
    expect(slow).toBeInstanceOf(RpcTransportError);
    expect((slow as Error).message).toMatch(/within 200 ms/);
  });

  it('sends URL credentials as a header and never prints them', async () => {
    const url = `${base.replace('http://', 'http://alice:s3cret%21@')}/ok?apikey=topsecret`;
    const rpc = new JsonRpcClient(url);
    expect(await rpc.call('x')).toBe('x');
    expect(lastAuthorization).toBe(`Basic ${Buffer.from('alice:s3cret!').toString('base64')}`);
    expect(rpc.endpoint).not.toMatch(/alice|s3cret|topsecret/);
    const failing = new JsonRpcClient(`${base.replace('http://', 'http://alice:s3cret@')}/500`);
    const err = (await caught(failing.call('eth_blockNumber'))) as Error;
    expect(`${err.message} ${String(err.stack)}`).not.toMatch(/alice|s3cret/);
    expect(redactUrl('https://u:p@example.org/v3/path?key=abc')).toBe('https://***@example.org/v3/path?key=***');
  });
});
