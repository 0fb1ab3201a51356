import type { StakingFiles } from '../../src/nodes/avalanchegoFlags.js';
import { localStakers } from '../../src/dev/validatorNetwork.js';

export { killNodesUnder, startValidatorNetwork, waitBootstrapped, type ValidatorNetwork } from '../../src/dev/validatorNetwork.js';

/** The five local stakers from the repository's vectors (test/fixtures/vectors, with provenance). */
export const LOCAL_STAKERS: StakingFiles[] = localStakers(new URL('../fixtures/vectors/avalanchego-v1.14.0/', import.meta.url).pathname);

export function localStakingFiles(i: number): StakingFiles {
  return LOCAL_STAKERS[i - 1]!;
}
