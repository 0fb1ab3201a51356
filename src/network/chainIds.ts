/**
 * LP-018 (seed 002): the canonical EVM chain ID per brand × environment, and the network mode
 * derived from a Network's two data fields. The EVM chain ID is the EIP-155 replay-protection
 * root: one reused across brand × env would let a transaction signed for one network replay on
 * another, so a regenesis plan may only use the ID its own brand × env owns.
 */

export const ENVIRONMENTS = ['mainnet', 'testnet', 'devnet', 'localnet'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export const BRANDS = ['lux', 'hanzo', 'zoo', 'spc', 'pars', 'osage'] as const;
export type Brand = (typeof BRANDS)[number];

/** LP-018 table header: the Lux primary network ID each environment runs on. */
export const ENVIRONMENT_NETWORK_IDS: Readonly<Record<Environment, number>> = {
  mainnet: 1,
  testnet: 2,
  devnet: 3,
  localnet: 1337,
};

/** "{1,2,3,1337} RESERVED for Lux primaries" (LP-018, canonical Network CR). */
export const LUX_PRIMARY_NETWORK_IDS: readonly number[] = Object.values(ENVIRONMENT_NETWORK_IDS);

/**
 * LP-018 "Per-network EVM chainID per env" (luxfi/genesis configs/lp182_chain_id_map.go).
 * `null` is the table's TBD: no canonical ID yet, but the IDs owned by other cells stay forbidden.
 */
export const EVM_CHAIN_IDS: Readonly<Record<Brand, Readonly<Record<Environment, number | null>>>> = {
  lux: { mainnet: 96369, testnet: 96368, devnet: 96370, localnet: 31337 }, // Lux primary EVM (C-Chain)
  hanzo: { mainnet: 36963, testnet: 36962, devnet: 36964, localnet: null }, // Hanzo L2
  zoo: { mainnet: 200200, testnet: 200201, devnet: 200202, localnet: null }, // Zoo L2
  spc: { mainnet: 36911, testnet: 36910, devnet: 36912, localnet: null }, // SPC L2
  pars: { mainnet: 7070, testnet: 494950, devnet: 494951, localnet: null }, // Pars sovereign / independent
  osage: { mainnet: null, testnet: null, devnet: null, localnet: null }, // Osage: all TBD
};

export interface ChainIdOwner {
  brand: Brand;
  env: Environment;
}

export function isBrand(value: string): value is Brand {
  return (BRANDS as readonly string[]).includes(value);
}

export function evmChainIdFor(brand: Brand, env: Environment): number | null {
  return EVM_CHAIN_IDS[brand][env];
}

/** The brand × env cell that owns an EVM chain ID, if any. */
export function ownerOfChainId(chainId: number): ChainIdOwner | undefined {
  for (const brand of BRANDS) {
    for (const env of ENVIRONMENTS) {
      if (EVM_CHAIN_IDS[brand][env] === chainId) return { brand, env };
    }
  }
  return undefined;
}

/**
 * Refuses an EVM chain ID that the LP-018 map assigns to another brand × env, and, where the map
 * gives this brand × env its own ID, any other ID. Brands outside the map (private devnets) may
 * use any ID no cell owns. `field` names the value in the error.
 */
export function assertChainIdAllowed(input: { brand: string; env: Environment; chainId: number }, field = 'plan.genesis.chainId'): void {
  const { brand, env, chainId } = input;
  if (!ENVIRONMENTS.includes(env)) {
    throw new Error(`${field}: unknown environment ${JSON.stringify(env)} (expected one of ${ENVIRONMENTS.join(', ')})`);
  }
  if (!Number.isSafeInteger(chainId) || chainId <= 0) {
    throw new Error(`${field}: an EVM chain ID is a positive integer, got ${chainId}`);
  }
  const owner = ownerOfChainId(chainId);
  if (owner && (owner.brand !== brand || owner.env !== env)) {
    throw new Error(
      `${field}: chain ID ${chainId} belongs to ${owner.brand} ${owner.env} in the LP-018 map; ` +
        `reusing it for ${brand} ${env} would allow cross-network transaction replay`,
    );
  }
  if (isBrand(brand)) {
    const canonical = EVM_CHAIN_IDS[brand][env];
    if (canonical !== null && canonical !== chainId) {
      throw new Error(`${field}: ${brand} ${env} has chain ID ${canonical} in the LP-018 map, got ${chainId}`);
    }
  }
}

export type NetworkMode = 'L2' | 'anchored' | 'independent';

/**
 * LP-018 mode-derivation table (mode is derived, never configured):
 *   networkID ∈ {1,2,3,1337}, validators = 0  → L2 (chains served by the Lux primary's set)
 *   networkID ∈ {1,2,3,1337}, validators > 0  → Anchored (the primary itself or a sovereign L1 on it)
 *   networkID ∉ {1,2,3,1337}, validators > 0  → Independent (own primary)
 * "networkID == 0 or validators < 0 are invalid; the operator rejects." The table has no row for
 * an unreserved network ID with zero validators: nobody would validate its chains, so it is
 * refused as well rather than given a mode.
 */
export function networkMode(input: { networkId: number; validators: number }): NetworkMode {
  const { networkId, validators } = input;
  if (!Number.isInteger(networkId) || networkId <= 0 || networkId > 0xffffffff) {
    throw new Error(`networkID: must be a uint32 other than 0, got ${networkId}`);
  }
  if (!Number.isInteger(validators) || validators < 0) {
    throw new Error(`validators: must be a non-negative integer, got ${validators}`);
  }
  if (LUX_PRIMARY_NETWORK_IDS.includes(networkId)) return validators === 0 ? 'L2' : 'anchored';
  if (validators > 0) return 'independent';
  throw new Error(
    `validators: network ${networkId} is not a Lux primary (1, 2, 3, 1337) and has 0 validators, ` +
      'so no validator set would serve its chains (LP-018 defines no such mode)',
  );
}
