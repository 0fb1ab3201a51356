import { publishRun } from './objectStore.js';
import { s3ClientFor, type ObjectStoreConfig } from './objectStoreConfig.js';
import { MANIFEST_FILE, type ArtifactStore } from './store.js';

/**
 * Copies a run's published files from the local artifact store to the object store: each body under
 * its sha256 (one already there is not sent again), the manifest among them, then the run's index.
 * What validators' agents fetch is addressed by content, so a copy can never be read half-written
 * or stand in for another file.
 */
export function runCopier(store: ArtifactStore, config: ObjectStoreConfig): (runKey: string, paths: readonly string[]) => Promise<void> {
  const client = s3ClientFor(config);
  return async (runKey, paths) => {
    const files = [...paths, MANIFEST_FILE].map((rel) => ({ rel, localPath: store.path(runKey, rel) }));
    await publishRun(client, config.bucket, runKey, files);
  };
}
