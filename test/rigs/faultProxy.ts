import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A loopback HTTP proxy in front of a node that can make the node look dead, broken or slow, so
 * tests meet the faults operators meet: the node going away mid-export, 5xx answers, JSON-RPC
 * errors, truncated bodies, slow replies. Faults are chosen per request by a rule.
 */
export type Fault =
  | { kind: 'pass' }
  | { kind: 'drop' } // close the connection without an answer
  | { kind: 'http-error'; status: number }
  | { kind: 'rpc-error'; code: number; message: string }
  | { kind: 'truncate' } // send half of the node's answer, then close
  | { kind: 'echo-headers'; status: number } // an error page that quotes the request's headers, credentials first, as misbehaving gateways do
  | { kind: 'delay'; ms: number };

export interface RequestInfo {
  /** Requests seen so far, this one included. */
  count: number;
  /** JSON-RPC method(s) of the body. */
  methods: string[];
}

export class FaultProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private count = 0;
  rule: (info: RequestInfo) => Fault = () => ({ kind: 'pass' });
  port = 0;
  /** When set, the proxy stands for an authenticated endpoint: other requests get HTTP 401. */
  requiredAuthorization?: string;
  /** Requests refused for a missing or wrong Authorization header. */
  unauthorized = 0;

  /** `keepPath`: forward to the request's own path under `target` (a node's whole API), not to `target` itself. */
  constructor(
    private readonly target: string,
    private readonly options: { keepPath?: boolean } = {},
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get requests(): number {
    return this.count;
  }

  async start(port = 0): Promise<void> {
    // A node that fails mid-forward looks to the client like a dropped connection, which it is.
    const server = createServer((req, res) => void this.handle(req, res).catch(() => res.destroy()));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port }, () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and cuts every open connection: from outside, the node is gone. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The node is unreachable for `ms`, then comes back on the same port. */
  async outage(ms: number): Promise<void> {
    const port = this.port;
    await this.stop();
    await new Promise((r) => setTimeout(r, ms));
    await this.start(port);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (this.requiredAuthorization !== undefined && req.headers.authorization !== this.requiredAuthorization) {
      this.unauthorized += 1;
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('unauthorized');
      return;
    }
    this.count += 1;
    const fault = this.rule({ count: this.count, methods: methodsOf(body) });
    switch (fault.kind) {
      case 'drop':
        req.socket.destroy();
        return;
      case 'http-error':
        res.writeHead(fault.status, { 'content-type': 'text/plain' }).end('injected fault');
        return;
      case 'echo-headers': {
        const { authorization, ...rest } = req.headers;
        const quoted = Object.entries({ authorization, ...rest }).map(([name, value]) => `${name}: ${String(value)}`);
        res.writeHead(fault.status, { 'content-type': 'text/plain' }).end(`upstream error for request with ${quoted.join('; ')}`);
        return;
      }
      case 'rpc-error':
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ jsonrpc: '2.0', id: idOf(body), error: { code: fault.code, message: fault.message } }));
        return;
      case 'delay':
        await new Promise((r) => setTimeout(r, fault.ms));
        break;
      default:
        break;
    }
    const answer = await this.forward(req, body);
    if (fault.kind === 'truncate') {
      res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': String(answer.body.length) });
      res.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)));
      req.socket.destroy();
      return;
    }
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  }

  private forward(req: IncomingMessage, body: Buffer): Promise<{ status: number; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const out = request(
        this.options.keepPath ? new URL(req.url ?? '/', this.target) : this.target,
        { method: req.method, headers: { 'content-type': 'application/json', 'content-length': String(body.length) } },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => resolve({ status: answer.statusCode ?? 502, body: Buffer.concat(parts) }));
          answer.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });
  }
}

function methodsOf(body: Buffer): string[] {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    const calls = Array.isArray(parsed) ? parsed : [parsed];
    return calls.map((c) => String((c as { method?: unknown }).method ?? ''));
  } catch {
    return [];
  }
}

function idOf(body: Buffer): unknown {
  try {
    return (JSON.parse(body.toString('utf8')) as { id?: unknown }).id ?? null;
  } catch {
    return null;
  }
}
