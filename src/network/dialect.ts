import { HRPS } from './hrp.js';
import { POP_DST, SIGNATURE_DST } from '../keys/bls.js';
import type { DialectName } from './dialectName.js';

export type { DialectName } from './dialectName.js';

/**
 * The two node families the coordinator talks to, as data. Everything that differs between them
 * lives here so that no other module branches on a product name. Values another module owns (BLS
 * DSTs in keys/bls.ts, HRPs in hrp.ts) are looked up there, not copied: one place to change each.
 */

/**
 * How a primary genesis names an allocation's two addresses:
 * - avaxAddr: avalanchego (`ethAddr`, `avaxAddr`)
 * - luxAddr:  older luxd, luxfi/node genesis/unparsed_config.go (`ethAddr`, `luxAddr`)
 * - utxoAddr: newer luxd, luxfi/genesis AllocationJSON (`evmAddr`, `utxoAddr`)
 */
export type AllocationStyle = 'avaxAddr' | 'luxAddr' | 'utxoAddr';

export interface AllocationFields {
  /** The 0x EVM address field. */
  evm: 'ethAddr' | 'evmAddr';
  /** The bech32 X/P address field. */
  utxo: 'avaxAddr' | 'luxAddr' | 'utxoAddr';
}

export const ALLOCATION_FIELDS: Readonly<Record<AllocationStyle, AllocationFields>> = {
  avaxAddr: { evm: 'ethAddr', utxo: 'avaxAddr' },
  luxAddr: { evm: 'ethAddr', utxo: 'luxAddr' },
  utxoAddr: { evm: 'evmAddr', utxo: 'utxoAddr' },
};

export interface NodeDialect {
  name: DialectName;
  /** HTTP API prefixes, newest first (`/ext/bc/P`, `/v1/bc/P`). */
  apiPrefixes: readonly string[];
  /** JSON-RPC service name of the X-Chain (`avm.getUTXOs` / `xvm.getUTXOs`). */
  xChainService: 'avm' | 'xvm';
  /** Field naming a subnet/net in P-Chain replies, newest first. */
  subnetFields: readonly ('subnetID' | 'netID')[];
  /** Allocation field styles its primary genesis accepts, newest first. */
  allocationStyles: readonly AllocationStyle[];
  defaultPort: number;
  /** DST of BLS proofs of possession over the 48-byte public key. */
  popDst: string;
  /** DST of ordinary BLS signatures. */
  signatureDst: string;
  /** bech32 HRP per network ID; unknown IDs use "custom". */
  hrps: Readonly<Record<number, string>>;
}

export const AVALANCHEGO: NodeDialect = {
  name: 'avalanchego',
  apiPrefixes: ['/ext'],
  xChainService: 'avm',
  subnetFields: ['subnetID'],
  allocationStyles: ['avaxAddr'],
  defaultPort: 9650,
  popDst: POP_DST.avalanchego,
  signatureDst: SIGNATURE_DST.avalanchego,
  hrps: HRPS.avalanchego,
};

export const LUXD: NodeDialect = {
  name: 'luxd',
  // Newer luxd moved the API under /v1; older builds (and the vectors' luxfi/node) serve /ext.
  apiPrefixes: ['/v1', '/ext'],
  xChainService: 'xvm',
  subnetFields: ['netID', 'subnetID'],
  allocationStyles: ['utxoAddr', 'luxAddr'],
  defaultPort: 9630,
  popDst: POP_DST.luxd,
  signatureDst: SIGNATURE_DST.luxd,
  hrps: HRPS.luxd,
};

export const DIALECTS: Readonly<Record<DialectName, NodeDialect>> = { avalanchego: AVALANCHEGO, luxd: LUXD };

export function dialectOf(style: AllocationStyle): DialectName {
  return style === 'avaxAddr' ? 'avalanchego' : 'luxd';
}

const STYLE_MARKERS: readonly (readonly [AllocationStyle, readonly string[]])[] = [
  ['avaxAddr', ['avaxAddr']],
  ['luxAddr', ['luxAddr']],
  ['utxoAddr', ['utxoAddr', 'evmAddr']],
];

/**
 * Which allocation field style a primary genesis JSON uses. Refuses a document that uses no style
 * (no allocations or no address field) or several at once, naming the allocations involved: a
 * writer that guessed would silently drop one set of addresses.
 */
export function detectAllocationStyle(genesis: unknown, field = 'genesis'): AllocationStyle {
  const allocations = (genesis as { allocations?: unknown } | null)?.allocations;
  if (!Array.isArray(allocations) || allocations.length === 0) {
    throw new Error(`${field}.allocations: missing or empty, so the allocation field style (avaxAddr / luxAddr / utxoAddr+evmAddr) cannot be told`);
  }
  const seen = new Map<AllocationStyle, number[]>();
  allocations.forEach((allocation, i) => {
    if (allocation === null || typeof allocation !== 'object') {
      throw new Error(`${field}.allocations[${i}]: expected an object`);
    }
    const styles = STYLE_MARKERS.filter(([, keys]) => keys.some((k) => k in allocation)).map(([s]) => s);
    if (styles.length === 0) {
      throw new Error(`${field}.allocations[${i}]: has none of avaxAddr, luxAddr, utxoAddr/evmAddr`);
    }
    if (styles.length > 1) {
      throw new Error(`${field}.allocations[${i}]: mixes ${styles.join(' and ')} fields; one style per genesis`);
    }
    const at = seen.get(styles[0]!) ?? [];
    at.push(i);
    seen.set(styles[0]!, at);
  });
  if (seen.size > 1) {
    const detail = [...seen].map(([s, at]) => `${s} at allocations[${at.slice(0, 3).join(', ')}${at.length > 3 ? ', …' : ''}]`);
    throw new Error(`${field}.allocations: ambiguous field style (${detail.join('; ')}); one style per genesis`);
  }
  return [...seen.keys()][0]!;
}
