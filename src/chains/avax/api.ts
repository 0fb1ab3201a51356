import { JsonRpcClient, RpcResponseError, RpcTransportError, type JsonRpcClientOptions } from '../evm/rpc.js';
import { AVALANCHEGO, DIALECTS, LUXD, type DialectName, type NodeDialect } from '../../network/dialect.js';
import { cChainNodeOf } from './cChainUrl.js';

/**
 * The JSON-RPC side of an Avalanche-family node's own APIs (info, platform, avm/xvm, proposervm),
 * as opposed to the C-Chain's Ethereum API. These services (gorilla/rpc json2) take one object as
 * params — `[{...}]` and `{...}` are both accepted, a JSON-RPC batch is not — and answer numbers
 * as decimal strings.
 */

/** Where one service of a node lives: `<base><prefix>/bc/<chain>[/<suffix>]` or `<base><prefix>/info`. */
export interface AvaxEndpoints {
  readonly baseUrl: string;
  readonly dialect: NodeDialect;
  /** The prefix in use (`/ext`, `/v1`), resolved once per node. */
  readonly prefix: string;
  chain(chain: string, suffix?: string): string;
  info(): string;
}

function trimBase(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

export function avaxEndpoints(baseUrl: string, dialect: NodeDialect = AVALANCHEGO, prefix = dialect.apiPrefixes[0] ?? '/ext'): AvaxEndpoints {
  const base = trimBase(baseUrl);
  return {
    baseUrl: base,
    dialect,
    prefix,
    chain: (chain, suffix) => `${base}${prefix}/bc/${chain}${suffix ? `/${suffix.replace(/^\/+/, '')}` : ''}`,
    info: () => `${base}${prefix}/info`,
  };
}

/**
 * The API of the avalanchego/luxd node behind a C-Chain RPC URL (`…/ext/bc/C/rpc` or
 * `…/v1/bc/C/rpc`); undefined when the URL is not one.
 */
export function cChainNodeEndpoints(rpcUrl: string, dialect?: DialectName): AvaxEndpoints | undefined {
  const node = cChainNodeOf(rpcUrl);
  if (!node) return undefined;
  // Without a dialect (known from the plan or a probe), /v1 can only be luxd and /ext is read as avalanchego.
  return avaxEndpoints(node.baseUrl, dialect ? DIALECTS[dialect] : node.prefix === '/v1' ? LUXD : AVALANCHEGO, node.prefix);
}

/**
 * Which node family serves these endpoints, from `info.getNodeVersion` ("avalanchego/1.14.0",
 * "luxd/1.36.148": each client names itself, version/constants.go). Anything else is refused.
 */
export async function probeNodeDialect(endpoints: AvaxEndpoints, options: JsonRpcClientOptions = {}): Promise<{ dialect: DialectName; version: string }> {
  const reply = await new AvaxService(endpoints.info(), { timeoutMs: 10_000, ...options }).call<{ version?: unknown }>('info.getNodeVersion');
  const version = typeof reply?.version === 'string' ? reply.version : '';
  const client = version.split('/')[0];
  // avalanchego named itself "avalanche" before v1.11.
  if (client === 'avalanchego' || client === 'avalanche') return { dialect: 'avalanchego', version };
  if (client === 'luxd') return { dialect: 'luxd', version };
  throw new Error(`info.getNodeVersion at ${endpoints.info()}: "${version.slice(0, 60)}" names neither avalanchego nor luxd`);
}

/**
 * Picks the first of the dialect's API prefixes on which the node answers `info.getNetworkID`
 * (newer luxd serves `/v1`, older builds `/ext`). One prefix needs no probe.
 */
export async function resolveEndpoints(baseUrl: string, dialect: NodeDialect = AVALANCHEGO, options: JsonRpcClientOptions = {}): Promise<AvaxEndpoints> {
  if (dialect.apiPrefixes.length <= 1) return avaxEndpoints(baseUrl, dialect);
  const failures: string[] = [];
  for (const prefix of dialect.apiPrefixes) {
    const endpoints = avaxEndpoints(baseUrl, dialect, prefix);
    try {
      await new JsonRpcClient(endpoints.info(), { timeoutMs: 10_000, ...options }).call('info.getNetworkID', [{}]);
      return endpoints;
    } catch (err) {
      failures.push(`${prefix}: ${(err as Error).message}`);
    }
  }
  throw new Error(`${dialect.name} node at ${baseUrl} answers on none of ${dialect.apiPrefixes.join(', ')} (${failures.join('; ')})`);
}

/** A client for one node service; `call` sends its argument object as the single param. */
export class AvaxService {
  readonly rpc: JsonRpcClient;
  constructor(
    readonly url: string,
    options: JsonRpcClientOptions = {},
  ) {
    this.rpc = new JsonRpcClient(url, options);
  }

  get endpoint(): string {
    return this.rpc.endpoint;
  }

  call<T>(method: string, args: Record<string, unknown> = {}, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<T> {
    return this.rpc.call<T>(method, [args], options);
  }
}

/**
 * True when the node does not serve `method` at all: gorilla/rpc answers an unknown method with
 * code -32000 "rpc: can't find method", other JSON-RPC servers with -32601, and a route the node
 * never registered (the X-Chain's `/proposervm` in avalanchego v1.14.0) is an HTTP 404.
 */
export function isMethodMissing(err: unknown): boolean {
  if (err instanceof RpcTransportError) return err.status === 404;
  if (err instanceof RpcResponseError) {
    return err.code === -32601 || /can't find method|method not found|does not exist\/is not available/i.test(err.rpcMessage);
  }
  return false;
}

/** Decimal-string (or number) → bigint, refusing anything else; `what` names the field. */
export function parseUint(value: unknown, what: string): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value);
  throw new Error(`${what}: expected an unsigned integer, got ${JSON.stringify(value)?.slice(0, 80)}`);
}

/** Like parseUint, for values that must fit a JS number (heights, times, counts). */
export function parseSafeUint(value: unknown, what: string): number {
  const big = parseUint(value, what);
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${what}: ${big} does not fit in 2^53`);
  return Number(big);
}

/** A non-empty string field of a reply (IDs, NodeIDs, addresses). */
export function parseString(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new Error(`${what}: expected a string, got ${JSON.stringify(value)?.slice(0, 80)}`);
  return value;
}

/** A 0x-hex field of a reply (BLS keys and signatures), lower-cased so equal bytes compare equal. */
export function parseHex(value: unknown, what: string): string {
  if (typeof value !== 'string' || !/^0x([0-9a-fA-F]{2})+$/.test(value))
    throw new Error(`${what}: expected 0x-hex, got ${JSON.stringify(value)?.slice(0, 80)}`);
  return value.toLowerCase();
}
