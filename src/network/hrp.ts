import type { DialectName } from './dialectName.js';

/**
 * bech32 HRPs of X/P addresses per network ID and node family. Plain data without dependencies:
 * plan validation (which runs inside workflows) needs it as much as address encoding does.
 */

export const FALLBACK_HRP = 'custom';

/** avalanchego utils/constants/network_ids.go (v1.14.0); every other ID falls back to "custom". */
export const AVALANCHEGO_HRPS: Readonly<Record<number, string>> = {
  1: 'avax',
  2: 'cascade',
  3: 'denali',
  4: 'everest',
  5: 'fuji',
  10: 'testing',
  12345: 'local',
};

/**
 * luxd's map (github.com/luxfi/constants network_ids.go, which newer luxd imports): the LP-018
 * primary IDs 1/2/3/1337, the legacy IDs that equal the C-Chain chain IDs, and the unit-test ID.
 * Older luxd (luxfi/node b20a7943 utils/constants) also mapped 5→test and 31337→local; those IDs
 * are "custom" now. Every unmapped ID falls back to "custom".
 */
export const LUXD_HRPS: Readonly<Record<number, string>> = {
  0: 'custom',
  1: 'lux',
  2: 'test',
  3: 'dev',
  369: 'testing',
  1337: 'local',
  96368: 'test',
  96369: 'lux',
  96370: 'dev',
};

/** The map of each node family; the dialect table (dialect.ts) refers to it rather than copying it. */
export const HRPS: Readonly<Record<DialectName, Readonly<Record<number, string>>>> = {
  avalanchego: AVALANCHEGO_HRPS,
  luxd: LUXD_HRPS,
};

export function hrpForNetwork(networkId: number, dialect: DialectName): string {
  return HRPS[dialect][networkId] ?? FALLBACK_HRP;
}
