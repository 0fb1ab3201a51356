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
 * A file of a run as the manifest of the activity that wrote it names it: its path relative to the
 * run and, when the manifest carries them, what its body hashes to and how long it is.
 */
export interface ArtifactRef {
  path: string;
  sha256?: string;
  bytes?: number;
}

/**
 * Where a run's artifacts live. Activities write a run's files on their worker's disk (`path`), and
 * every file another activity may read later is handed to `share` once written whole; a reader asks
 * `local` for the file before it opens it. With one local directory (the embedded default) both are
 * no-ops; with an object store (src/artifacts/sharedStore.ts) the file a reader asks for is fetched
 * by its sha256 when this worker's disk does not have it, so no activity assumes the disk of the
 * worker that wrote it.
 */
export interface ArtifactStore {
  runDir(runId: string): string;
  /** Where a file of the run is on this worker's disk (written there; read only after `local`). */
  path(runId: string, relPath: string): string;
  /** Records a file just written whole at `path(runId, file.path)` for workers on other hosts. */
  share(runId: string, file: { path: string; sha256: string; bytes?: number }): Promise<void>;
  /** This worker's path of a file of the run, once the file is on this worker's disk. */
  local(runId: string, file: string | ArtifactRef): Promise<string>;
  /** Hashes every file of the run into manifest.json, on this worker's disk. */
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

  /** One directory is every worker's: a file written whole here is already where its readers look. */
  async share(_runId: string, _file: { path: string; sha256: string; bytes?: number }): Promise<void> {}

  /** The file's path; a missing file fails where the reader opens it, as it always has. */
  async local(runId: string, file: string | ArtifactRef): Promise<string> {
    return this.path(runId, typeof file === 'string' ? file : file.path);
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

/**
 * Makes each file of the run local (ArtifactStore.local), a few at a time; their paths on this
 * worker's disk, in the order given. The one way an activity gets the files it reads.
 */
export async function localFiles(store: ArtifactStore, runId: string, files: ReadonlyArray<string | ArtifactRef>): Promise<string[]> {
  const paths: string[] = new Array(files.length);
  await eachLimited(files, 4, async (file, at) => {
    paths[at] = await store.local(runId, file);
  });
  return paths;
}

/** Runs `work` over `items` (with each one's index), at most `limit` at a time; the first failure fails the whole. */
export async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const at = next++;
      await work(items[at] as T, at);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
