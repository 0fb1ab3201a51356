import { publishRun } from './objectStore.js';
import { s3ClientFor, type ObjectStoreConfig } from './objectStoreConfig.js';
import type { WrittenFile } from './atomicFile.js';
import { RUN_FILES } from './layout.js';
import type { ArtifactStore, Manifest } from './store.js';

/**
 * Copies a run's published files from the local artifact store to the object store: each body under
 * its sha256 (one already there is not sent again), the manifest among them, then the run's index.
 * The hashes are the manifest's, computed just before: nothing is read twice to be hashed, and an
 * upload whose bytes no longer match its hash is refused by the server. What validators' agents
 * fetch is addressed by content, so a copy can never be read half-written or stand in for another file.
 */
export function runCopier(store: ArtifactStore, config: ObjectStoreConfig): (runKey: string, manifest: WrittenFile & { manifest: Manifest }) => Promise<void> {
  const client = s3ClientFor(config);
  return async (runKey, written) => {
    const entries = [...written.manifest.files, { path: RUN_FILES.manifest, sha256: written.sha256, bytes: written.bytes }];
    const files = entries.map(({ path, sha256, bytes }) => ({ rel: path, localPath: store.path(runKey, path), known: { sha256, bytes } }));
    await publishRun(client, config.bucket, runKey, files, config.mirrorUrl);
  };
}
