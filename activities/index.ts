import type { ArtifactStore } from '../src/artifacts/store.js';
import { epochStatus, freezeBlock, preflightEvm } from './chain.js';
import { exportActivities } from './export.js';
import { genesisActivities } from './genesis.js';
import { rehearsalActivities } from './rehearse.js';
import { reportActivities } from './report.js';
import { verifyActivities } from './verify.js';

export interface ActivityDeps {
  store: ArtifactStore;
}

/** All activities of a worker, bound to its artifact store. */
export function createActivities({ store }: ActivityDeps) {
  return {
    preflightEvm,
    epochStatus,
    freezeBlock,
    ...exportActivities(store),
    ...genesisActivities(store),
    ...verifyActivities(store),
    ...rehearsalActivities(store),
    ...reportActivities(store),
  };
}

export type Activities = ReturnType<typeof createActivities>;
