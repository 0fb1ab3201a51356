import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP server that answers JSON-RPC from recorded replies, the way a gorilla/rpc node
 * (avalanchego, luxd) does: an unknown route is a 404, an unknown service or method an HTTP 200
 * with error -32000 "rpc: can't find service|method …". For nodes this machine cannot run.
 */
export interface RecordedRoutes {
  [route: string]: { [method: string]: unknown };
}

export async function startRecordedNode(routes: RecordedRoutes): Promise<{ baseUrl: string; calls: string[]; close(): Promise<void> }> {
  const calls: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const route = routes[req.url ?? ''];
      if (!route || req.method !== 'POST') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
        return;
      }
      const request = JSON.parse(body) as { id: unknown; method: string };
      calls.push(`${req.url} ${request.method}`);
      const reply =
        request.method in route
          ? { jsonrpc: '2.0', result: route[request.method], id: request.id }
          : {
              jsonrpc: '2.0',
              error: {
                code: -32000,
                message: Object.keys(route).some((m) => m.split('.')[0] === request.method.split('.')[0])
                  ? `rpc: can't find method "${request.method}"`
                  : `rpc: can't find service "${request.method}"`,
              },
              id: request.id,
            };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
