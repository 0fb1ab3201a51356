import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../artifacts/atomicFile.js';
import { checkRunKey } from '../artifacts/layout.js';

/** The agent's directory for one run: every record there is written whole (temp file + rename). */
export async function runDir(workDir: string, runKey: string): Promise<string> {
  const dir = join(workDir, checkRunKey(runKey));
  await mkdir(dir, { recursive: true, mode: 0o750 });
  return dir;
}

export async function readRecord<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function writeRecord(path: string, record: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(record, null, 2)}\n`, 0o640);
}
