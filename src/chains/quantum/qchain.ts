import { RpcResponseError } from '../evm/rpc.js';
import { AvaxService, isMethodMissing, parseSafeUint, parseUint, type AvaxEndpoints } from '../avax/api.js';

/**
 * Q-Chain adapter (luxd's quantum VM). What luxd serves, from its source (luxfi/chains quantumvm,
 * service.go, 2026-08; earlier luxfi/node vms/qvm):
 * - The JSON-RPC handler is the chain's `/rpc` route: `<prefix>/bc/Q/rpc` (newer builds also name
 *   the alias prefix `chain`: `<prefix>/chain/Q/rpc`).
 * - The service was registered as `qvm` and renamed `quantumvm` (luxfi/chains 7bc8b5c, 2026-04):
 *   a node answers one of them, and which one is probed and recorded, never assumed.
 * - `getConfig` {} → {txFee, createAssetTxFee, quantumVerificationFee, maxParallelTxs,
 *   quantumAlgorithmVersion, coronaKeySize, quantumStampEnabled, coronaEnabled, parallelBatchSize};
 *   `getHealth` {} → {healthy, version, quantumEnabled, coronaEnabled, pendingTxCount, parallelWorkers}.
 * - The VM keeps no state that a genesis could carry (user transactions are refused, LP-0130) and
 *   does not parse its genesis bytes; luxfi/genesis writes `qChainGenesis` as a JSON string whose
 *   default is {"version":1,"message":"Lux Chain Genesis"}. A regenesis therefore carries the
 *   Q-Chain as that document with the source's configuration recorded in it.
 */

export const QUANTUM_SERVICES = ['quantumvm', 'qvm'] as const;
export type QuantumService = (typeof QUANTUM_SERVICES)[number];

export interface QuantumConfig {
  txFee: string;
  createAssetTxFee: string;
  quantumVerificationFee: string;
  maxParallelTxs: number;
  quantumAlgorithmVersion: number;
  coronaKeySize: number;
  quantumStampEnabled: boolean;
  coronaEnabled: boolean;
  parallelBatchSize: number;
}

export interface QuantumHealth {
  healthy: boolean;
  version: string;
  quantumEnabled: boolean;
  coronaEnabled: boolean;
  pendingTxCount: number;
}

export interface QChainExport {
  /** The route that answered, relative to the node (`/ext/bc/Q/rpc`). */
  route: string;
  service: QuantumService;
  config: QuantumConfig;
  health: QuantumHealth;
}

function bool(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw new Error(`${what}: expected true or false, got ${JSON.stringify(value)?.slice(0, 40)}`);
  return value;
}

export function parseQuantumConfig(reply: unknown, what: string): QuantumConfig {
  const r = (reply ?? {}) as Record<string, unknown>;
  return {
    txFee: parseUint(r.txFee, `${what}.txFee`).toString(),
    createAssetTxFee: parseUint(r.createAssetTxFee, `${what}.createAssetTxFee`).toString(),
    quantumVerificationFee: parseUint(r.quantumVerificationFee, `${what}.quantumVerificationFee`).toString(),
    maxParallelTxs: parseSafeUint(r.maxParallelTxs, `${what}.maxParallelTxs`),
    quantumAlgorithmVersion: parseSafeUint(r.quantumAlgorithmVersion, `${what}.quantumAlgorithmVersion`),
    coronaKeySize: parseSafeUint(r.coronaKeySize, `${what}.coronaKeySize`),
    quantumStampEnabled: bool(r.quantumStampEnabled, `${what}.quantumStampEnabled`),
    coronaEnabled: bool(r.coronaEnabled, `${what}.coronaEnabled`),
    parallelBatchSize: parseSafeUint(r.parallelBatchSize, `${what}.parallelBatchSize`),
  };
}

function parseHealth(reply: unknown, what: string): QuantumHealth {
  const r = (reply ?? {}) as Record<string, unknown>;
  if (typeof r.version !== 'string') throw new Error(`${what}.version: expected a string`);
  return {
    healthy: bool(r.healthy, `${what}.healthy`),
    version: r.version,
    quantumEnabled: bool(r.quantumEnabled, `${what}.quantumEnabled`),
    coronaEnabled: bool(r.coronaEnabled, `${what}.coronaEnabled`),
    pendingTxCount: parseSafeUint(r.pendingTxCount, `${what}.pendingTxCount`),
  };
}

/** gorilla/rpc names an unregistered service "can't find service", a missing method "can't find method". */
function serviceMissing(err: unknown): boolean {
  return isMethodMissing(err) || (err instanceof RpcResponseError && /can't find service/i.test(err.rpcMessage));
}

export class QuantumChain {
  constructor(
    private readonly endpoints: AvaxEndpoints,
    private readonly options: { timeoutMs?: number } = {},
  ) {}

  /** Reads the Q-Chain's service name, configuration and health, trying each route and service name. */
  async export(): Promise<QChainExport> {
    const tried: string[] = [];
    for (const alias of ['bc', 'chain']) {
      const route = `${this.endpoints.prefix}/${alias}/Q/rpc`;
      const rpc = new AvaxService(`${this.endpoints.baseUrl}${route}`, { timeoutMs: this.options.timeoutMs ?? 30_000 });
      for (const service of QUANTUM_SERVICES) {
        let health: unknown;
        try {
          health = await rpc.call<unknown>(`${service}.getHealth`);
        } catch (err) {
          if (!serviceMissing(err)) throw err;
          tried.push(`${route} ${service}.getHealth: ${(err as Error).message}`);
          continue;
        }
        const what = `${route} ${service}`;
        const config = parseQuantumConfig(await rpc.call<unknown>(`${service}.getConfig`), `${what}.getConfig`);
        return { route, service, config, health: parseHealth(health, `${what}.getHealth`) };
      }
    }
    throw new Error(`no Q-Chain (quantumvm/qvm) service on ${this.endpoints.baseUrl}: ${tried.join('; ')}`);
  }
}

/**
 * The Q-Chain genesis of the new network: luxfi/genesis's document ({version, message}) with the
 * exported configuration beside it. Fixed key order, so the same export gives the same string.
 */
export function qChainGenesis(exported: QChainExport, message = 'Lux Chain Genesis'): string {
  return JSON.stringify({ version: 1, message, quantumvm: exported.config });
}
