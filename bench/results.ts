import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { gethVersion, memAvailableMb } from './gethTools.js';
import type { BenchResults } from './report.js';

/** bench-results.json: what machine the numbers come from, and the file itself. */

/** The machine and tool versions, so results from different hosts can be told apart. */
export async function machineInfo(): Promise<BenchResults['machine']> {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memTotalMb: Math.round(totalmem() / 2 ** 20),
    memAvailableMb: Math.round(memAvailableMb()),
    node: process.version,
    geth: await gethVersion(),
  };
}

/** Rewritten after every size, so a run that dies at a large size keeps the smaller ones. */
export function writeResults(path: string, results: BenchResults): void {
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}
