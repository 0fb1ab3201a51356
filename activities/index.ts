import type { ObjectStoreConfig } from '../src/artifacts/objectStoreConfig.js';
import type { ArtifactStore } from '../src/artifacts/store.js';
import { compensationActivities } from './compensation.js';
import { epochStatus, finalHeads, freezeBlock, haltedPChainHeight, oldValidators } from './chain.js';
import { exportActivities } from './export.js';
import { genesisActivities } from './genesis.js';
import { keyActivities } from './keys.js';
import { operatorActivities } from './operator.js';
import { platformActivities } from './platform.js';
import { postLaunchActivities } from './postLaunch.js';
import { preflightEvm } from './preflight.js';
import { rehearsalActivities } from './rehearse.js';
import { reportActivities } from './report.js';
import { verifyActivities } from './verify.js';

export interface ActivityDeps {
  store: ArtifactStore;
  /** Where the `local` operator finds its devnets (REGENESIS_DEVNET_ROOT). */
  devnetRoot: string;
  /** Where each published run is copied, content-addressed, for hosts that do not share the store (REGENESIS_S3_*). */
  objectStore?: ObjectStoreConfig;
}

/** All activities of a worker, bound to its artifact store, devnet root and object store. */
export function createActivities({ store, devnetRoot, objectStore }: ActivityDeps) {
  return {
    preflightEvm,
    epochStatus,
    freezeBlock,
    haltedPChainHeight,
    finalHeads,
    oldValidators,
    ...exportActivities(store),
    ...platformActivities(store),
    ...genesisActivities(store),
    ...verifyActivities(store),
    ...rehearsalActivities(store),
    ...reportActivities(store, objectStore),
    ...operatorActivities(store, devnetRoot),
    ...compensationActivities(store, devnetRoot),
    ...keyActivities(),
    ...postLaunchActivities(store),
  };
}

export type Activities = ReturnType<typeof createActivities>;
