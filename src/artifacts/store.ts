import { readdir, rm, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { sha256File, writeFileAtomic, type WrittenFile } from './atomicFile.js';
import { checkRunKey, RUN_FILES } from './layout.js';

export interface ManifestEntry {
  path: string; // relative to the run directory
  sha256: string;
  bytes: number;
}

export interface Manifest {
  runId: string;
  files: ManifestEntry[];
}

/**
 * Where a run's artifacts live. The local directory is the default; an object store can implement
 * the same contract (paths are relative to a run, every published file is whole and hashed).
 */
export interface ArtifactStore {
  runDir(runId: string): string;
  path(runId: string, relPath: string): string;
  writeManifest(runId: string): Promise<WrittenFile & { manifest: Manifest }>;
  remove(runId: string): Promise<void>;
}

export class LocalArtifactStore implements ArtifactStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The run's own directory; a run ID that could leave the root is refused before any path is built. */
  runDir(runId: string): string {
    return join(this.root, checkRunKey(runId, 'runId'));
  }

  /** Resolves a path inside a run directory, refusing anything that escapes it. */
  path(runId: string, relPath: string): string {
    const dir = this.runDir(runId);
    const full = resolve(dir, relPath);
    if (!full.startsWith(dir + sep)) throw new Error(`artifact path ${JSON.stringify(relPath)} escapes the run directory`);
    return full;
  }

  async listFiles(runId: string): Promise<string[]> {
    const dir = this.runDir(runId);
    const out: string[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const entry of await readdir(d, { withFileTypes: true })) {
        const full = join(d, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.isFile() && !entry.name.endsWith('.partial') && entry.name !== RUN_FILES.manifest) {
          out.push(relative(dir, full));
        }
      }
    };
    await walk(dir);
    return out.sort();
  }

  /** Hashes every published file of the run (never `.partial` ones) into manifest.json. */
  async writeManifest(runId: string): Promise<WrittenFile & { manifest: Manifest }> {
    const files: ManifestEntry[] = [];
    for (const rel of await this.listFiles(runId)) {
      const full = this.path(runId, rel);
      files.push({ path: rel, sha256: await sha256File(full), bytes: (await stat(full)).size });
    }
    const manifest: Manifest = { runId, files };
    const written = await writeFileAtomic(this.path(runId, RUN_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
    return { ...written, manifest };
  }

  async remove(runId: string): Promise<void> {
    await rm(this.runDir(runId), { recursive: true, force: true });
  }
}
