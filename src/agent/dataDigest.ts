import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

/**
 * sha256 over every file under `dir` (relative path, size and bytes, in sorted order): the proof
 * that an old node's data directory is what it was when the node was halted.
 */
export async function digestTree(dir: string): Promise<{ sha256: string; files: number; bytes: number }> {
  const hash = createHash('sha256');
  let files = 0;
  let bytes = 0;
  const walk = async (at: string): Promise<void> => {
    const entries = (await readdir(at, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) {
        await walk(path);
      } else if (entry.isFile()) {
        let size = 0;
        const content = createHash('sha256');
        for await (const chunk of createReadStream(path)) {
          content.update(chunk as Buffer);
          size += (chunk as Buffer).length;
        }
        hash.update(`${relative(dir, path)}\0${size}\0${content.digest('hex')}\n`);
        files += 1;
        bytes += size;
      }
    }
  };
  await walk(dir);
  return { sha256: hash.digest('hex'), files, bytes };
}
