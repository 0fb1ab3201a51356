/**
 * The node families by name, in a leaf module of their own. The dialect table (dialect.ts) is
 * assembled from the values that bls.ts (DSTs) and hrp.ts (HRPs) own, and those modules key their
 * tables by this name: taking it from the table would make each of them import its own importer.
 */
export type DialectName = 'avalanchego' | 'luxd';

/** Every dialect, for flags and schemas that list the choices. */
export const DIALECTS: readonly DialectName[] = ['avalanchego', 'luxd'];
