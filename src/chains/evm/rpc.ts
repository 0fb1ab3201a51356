import { credentialHeadersFor } from './rpcCredentials.js';

/**
 * A small JSON-RPC 2.0 client over fetch. Errors are split by what a caller can do about them:
 * `RpcResponseError` means the node understood the request and refused it (retrying the same call
 * gives the same answer), `RpcTransportError` means the request or its answer got lost on the way
 * (connection refused/reset, timeout, HTTP 5xx/429, a body that is not a complete JSON-RPC reply), which
 * is usually worth retrying with backoff. Endpoint URLs may embed credentials (`https://user:pass@host`);
 * they are sent as an Authorization header and never appear in messages.
 */

export interface RpcCall {
  method: string;
  params?: readonly unknown[];
}

export interface JsonRpcClientOptions {
  /** Per-request deadline covering connect, headers and body. Default 30 s. */
  timeoutMs?: number;
  /** Extra HTTP headers (e.g. an API key header). */
  headers?: Record<string, string>;
  /**
   * Whether to accept compressed replies (gzip). Default: not for endpoints on this machine or a
   * private network (see `isNearbyHost`), where compressing costs the node more CPU than the bytes
   * cost to carry (measured: ~15% of geth's CPU serving debug_accountRange on loopback, and the
   * inflating on our side); yes for anything else.
   */
  compression?: boolean;
  /**
   * Read integer literals too long for a JS number (16 digits and more) as decimal strings, not
   * as doubles that lost their last digits. avalanchego's JSON block and transaction encodings
   * serve amounts as bare numbers (10^16 nAVAX in the local genesis); every amount parser here
   * accepts decimal strings.
   */
  bigIntegersAsStrings?: boolean;
}

/** Quotes bare integer literals of 16+ digits outside strings; everything else is kept byte for byte. */
export function quoteBigIntegers(text: string): string {
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < text.length) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      for (i += 1; i < text.length && text.charCodeAt(i) !== 0x22; i += text.charCodeAt(i) === 0x5c /* \ */ ? 2 : 1);
      i += 1;
    } else if ((ch >= 0x30 && ch <= 0x39) || ch === 0x2d /* - */) {
      let end = i + 1;
      while (end < text.length && /[0-9.eE+-]/.test(text[end]!)) end += 1;
      if (end - i >= 16 && /^\d+$/.test(text.slice(i, end))) {
        out += `${text.slice(copied, i)}"${text.slice(i, end)}"`;
        copied = end;
      }
      i = end;
    } else i += 1;
  }
  return out + text.slice(copied);
}

export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Base class so callers can catch both kinds with one `instanceof`. */
export abstract class RpcError extends Error {
  abstract readonly retryable: boolean;
  constructor(
    message: string,
    readonly method: string,
    readonly endpoint: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The node answered with a JSON-RPC error object. */
export class RpcResponseError extends RpcError {
  override readonly name = 'RpcResponseError';
  /**
   * -32005 is the de-facto "limit exceeded / rate limited" code of public providers; every other
   * JSON-RPC error is an answer about the request itself and repeats on retry.
   */
  readonly retryable: boolean;
  constructor(
    readonly code: number,
    readonly rpcMessage: string,
    method: string,
    endpoint: string,
    readonly data?: unknown,
  ) {
    super(`${method} failed at ${endpoint}: ${rpcMessage} (code ${code})`, method, endpoint);
    this.retryable = code === -32005;
  }
}

/** The request or its reply did not make it: nothing was learnt about the call itself. */
export class RpcTransportError extends RpcError {
  override readonly name = 'RpcTransportError';
  readonly retryable: boolean;
  constructor(
    message: string,
    method: string,
    endpoint: string,
    readonly status?: number,
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(message, method, endpoint, options);
    this.retryable = options?.retryable ?? true;
  }
}

/**
 * The URL with user-info removed and query values masked, for messages and logs. Path segments are
 * kept: they identify the endpoint (and some providers put keys there, which the operator chose to
 * put in the config; the user:pass form is the one we promise never to print).
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    const hadCredentials = u.username !== '' || u.password !== '';
    u.username = '';
    u.password = '';
    for (const key of [...u.searchParams.keys()]) u.searchParams.set(key, '***');
    const text = u.toString();
    return hadCredentials ? text.replace('://', '://***@') : text;
  } catch {
    return '<unparsable url>';
  }
}

/**
 * Loopback, private-network and link-local addresses, and names that only resolve inside a private
 * network (single-label service names, `.local`, `.internal`, `.svc`, `.cluster.local`).
 */
export function isNearbyHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(host);
  if (v4) {
    const a = Number(v4[1]);
    const b = Number(v4[2]);
    return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
  }
  if (host.includes(':')) return host === '::1' || /^f[cd][0-9a-f]{2}:/.test(host) || /^fe[89ab][0-9a-f]:/.test(host);
  return !host.includes('.') || /\.(local|internal|svc|cluster\.local)$/.test(host);
}

interface JsonRpcReply {
  jsonrpc?: string;
  id?: unknown;
  result?: unknown;
  error?: { code?: unknown; message?: unknown; data?: unknown };
}

function describeCause(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // undici wraps the socket error (ECONNREFUSED, ECONNRESET, ...) in `cause`.
  const cause = (err as { cause?: unknown }).cause;
  const code = cause && typeof cause === 'object' && 'code' in cause ? String((cause as { code: unknown }).code) : '';
  return code ? `${err.message} (${code})` : err.message;
}

export class JsonRpcClient {
  /** The endpoint as safe to print. */
  readonly endpoint: string;
  private readonly url: string;
  private readonly headers: Record<string, string>;
  /** The credential values this client sends, never to be repeated in its messages. */
  private readonly secrets: string[];
  private readonly timeoutMs: number;
  private readonly bigIntegersAsStrings: boolean;
  private nextId = 1;

  constructor(url: string, options: JsonRpcClientOptions = {}) {
    const u = new URL(url);
    this.endpoint = redactUrl(url);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (!(options.compression ?? !isNearbyHost(u.hostname))) headers['accept-encoding'] = 'identity';
    // Credentials for the endpoint come from the worker's environment (see rpcCredentials.ts).
    Object.assign(headers, credentialHeadersFor(u), options.headers);
    // fetch refuses URLs with credentials, and the header keeps them out of anything that prints URLs.
    if (u.username !== '' || u.password !== '') {
      const user = decodeURIComponent(u.username);
      const pass = decodeURIComponent(u.password);
      headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
      u.username = '';
      u.password = '';
    }
    this.url = u.toString();
    this.headers = headers;
    this.bigIntegersAsStrings = options.bigIntegersAsStrings === true;
    this.secrets = Object.entries(headers)
      .filter(([name]) => name !== 'content-type' && name !== 'accept-encoding')
      .flatMap(([, value]) => [value, value.replace(/^(Bearer|Basic)\s+/i, '')])
      .filter((value) => value.length >= 4);
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  async call<T>(method: string, params: readonly unknown[] = [], options: CallOptions = {}): Promise<T> {
    const id = this.nextId++;
    const body = { jsonrpc: '2.0', id, method, params };
    const reply = await this.post(body, method, options);
    if (Array.isArray(reply) || reply === null || typeof reply !== 'object') {
      throw new RpcTransportError(`${method}: reply is not a JSON-RPC object from ${this.endpoint}`, method, this.endpoint);
    }
    return this.unwrap<T>(reply as JsonRpcReply, method, id);
  }

  /**
   * Sends several calls in one HTTP request and returns their results in the order given. The first
   * failing call (by position) is thrown; replies are matched by id because servers may reorder them.
   */
  async batch(calls: readonly RpcCall[], options: CallOptions = {}): Promise<unknown[]> {
    if (calls.length === 0) return [];
    const label = `batch[${calls.length}](${calls[0]!.method}${calls.length > 1 ? ',…' : ''})`;
    const ids = calls.map(() => this.nextId++);
    const body = calls.map((c, i) => ({ jsonrpc: '2.0', id: ids[i], method: c.method, params: c.params ?? [] }));
    const reply = await this.post(body, label, options);
    if (!Array.isArray(reply)) {
      // A server that rejects the whole batch answers with one error object.
      if (reply && typeof reply === 'object' && (reply as JsonRpcReply).error) {
        this.unwrap(reply as JsonRpcReply, label, (reply as JsonRpcReply).id);
      }
      throw new RpcTransportError(`${label}: reply is not a JSON-RPC array from ${this.endpoint}`, label, this.endpoint);
    }
    const byId = new Map<unknown, JsonRpcReply>();
    for (const r of reply as JsonRpcReply[]) {
      if (r && typeof r === 'object') byId.set(r.id, r);
    }
    return calls.map((c, i) => {
      const r = byId.get(ids[i]);
      if (!r) {
        throw new RpcTransportError(`${c.method}: no reply for id ${ids[i]} in batch of ${calls.length} from ${this.endpoint}`, c.method, this.endpoint);
      }
      return this.unwrap(r, c.method, ids[i]);
    });
  }

  private unwrap<T>(reply: JsonRpcReply, method: string, id: unknown): T {
    if (reply.id !== id) {
      throw new RpcTransportError(`${method}: reply id ${String(reply.id)} does not match request id ${String(id)}`, method, this.endpoint);
    }
    if (reply.error !== undefined && reply.error !== null) {
      const code = typeof reply.error.code === 'number' ? reply.error.code : 0;
      const message = this.withoutSecrets(typeof reply.error.message === 'string' ? reply.error.message : JSON.stringify(reply.error));
      throw new RpcResponseError(code, message, method, this.endpoint, reply.error.data);
    }
    if (!('result' in reply)) {
      throw new RpcTransportError(`${method}: reply has neither result nor error`, method, this.endpoint);
    }
    return reply.result as T;
  }

  /**
   * Misbehaving servers quote the request's headers in their error pages: this client's own
   * credentials are cut out of a reply (whole, before any part of it is kept) for messages.
   */
  private withoutSecrets(text: string): string {
    return this.secrets.reduce((t, secret) => t.split(secret).join('[redacted]'), text);
  }

  private async post(body: unknown, method: string, options: CallOptions): Promise<unknown> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    let text: string;
    let status: number;
    try {
      const res = await fetch(this.url, { method: 'POST', headers: this.headers, body: JSON.stringify(body), signal });
      status = res.status;
      text = await res.text();
    } catch (err) {
      if (options.signal?.aborted) {
        throw new RpcTransportError(`${method}: aborted by caller (${this.endpoint})`, method, this.endpoint, undefined, {
          cause: err,
          retryable: false,
        });
      }
      if (timeout.aborted) {
        throw new RpcTransportError(`${method}: no complete reply within ${timeoutMs} ms from ${this.endpoint}`, method, this.endpoint, undefined, {
          cause: err,
        });
      }
      throw new RpcTransportError(`${method}: ${describeCause(err)} (${this.endpoint})`, method, this.endpoint, undefined, { cause: err });
    }
    if (status < 200 || status >= 300) {
      // JSON-RPC servers answer errors with 200; anything else comes from the HTTP layer (proxy,
      // auth, overload). Only overload-type statuses are worth retrying.
      const retryable = status >= 500 || status === 429 || status === 408;
      const snippet = this.withoutSecrets(text).slice(0, 200).replace(/\s+/g, ' ');
      throw new RpcTransportError(`${method}: HTTP ${status} from ${this.endpoint}: ${snippet}`, method, this.endpoint, status, { retryable });
    }
    try {
      return JSON.parse(this.bigIntegersAsStrings ? quoteBigIntegers(text) : text) as unknown;
    } catch (err) {
      throw new RpcTransportError(
        `${method}: unparsable reply (${text.length} bytes, possibly truncated) from ${this.endpoint}`,
        method,
        this.endpoint,
        status,
        { cause: err },
      );
    }
  }
}
