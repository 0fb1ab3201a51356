import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** One JSON-RPC call, as the gate's predicate sees it. */
export interface RpcCall {
  method?: string;
  params?: unknown[];
}

/**
 * A JSON-RPC proxy in front of a node that can hold some calls: with the export's page calls held, a
 * test knows the export is in flight (not merely about to start or just done) for as long as it
 * needs, whatever the machine's speed.
 */
export interface RpcGate {
  /** The proxy's URL: what the plan names as the chain's RPC endpoint. */
  url: string;
  /** Holds the calls `matches` picks from now on, until `open`. */
  close(matches: (call: RpcCall) => boolean): void;
  /** Resolves once a held call has arrived: its caller is waiting on the gate. */
  held(): Promise<void>;
  /** Lets every held call (and every later one) through. */
  open(): void;
  stop(): Promise<void>;
}

/** The request body, whole: a JSON-RPC call is small. */
async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The JSON-RPC calls of a body (one call or a batch); none for a body that is not JSON. */
function callsOf(body: string): RpcCall[] {
  try {
    const parsed = JSON.parse(body) as RpcCall | RpcCall[];
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    return [];
  }
}

/** Starts the proxy on a loopback port the OS picks, forwarding to `target`. */
export async function startRpcGate(target: string): Promise<RpcGate> {
  let gated: ((call: RpcCall) => boolean) | undefined;
  let release = Promise.resolve();
  let opener = () => {};
  let arrived = () => {};
  let arrival = new Promise<void>((resolve) => (arrived = resolve));
  /** Forwards one request, after the gate when it is held; a caller gone meanwhile is let go. */
  const forward = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await bodyOf(req);
    if (gated && callsOf(body).some(gated)) {
      arrived();
      await release;
    }
    const reply = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).catch(() => undefined);
    if (!reply) return void res.writeHead(502).end();
    res.writeHead(reply.status, { 'content-type': 'application/json' }).end(Buffer.from(await reply.arrayBuffer()));
  };
  const server: Server = createServer((req, res) => {
    forward(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: (matches) => {
      gated = matches;
      release = new Promise((resolve) => (opener = resolve));
      arrival = new Promise((resolve) => (arrived = resolve));
    },
    held: () => arrival,
    open: () => {
      gated = undefined;
      opener();
    },
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** `promise`, or a failure naming `what` after `ms`: a run that never reaches its held call fails in minutes. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const timeout = new AbortController();
  try {
    return await Promise.race([
      promise,
      sleep(ms, undefined, { signal: timeout.signal }).then(() => Promise.reject(new Error(`${what} after ${ms / 1000} s`))),
    ]);
  } finally {
    timeout.abort();
  }
}
