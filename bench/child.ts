import { writeFileSync } from 'node:fs';
import { peakRssMb, runBundle, runExport, runGenerate, runGenesis, runHistory, runReadBack, runRoot } from './phases.js';
import { runPxExport } from './pxExport.js';

/**
 * Entry point of one benchmark phase in its own process: `child.ts <task JSON> <result path>`.
 * Writes `{ result, self }` to the result path, where `self` is this process's own peak RSS and
 * CPU time (getrusage), so the parent's figure is the phase's alone.
 */

async function main(): Promise<void> {
  const [taskJson, resultPath] = process.argv.slice(2);
  if (!taskJson || !resultPath) throw new Error('usage: child.ts <task JSON> <result path>');
  const task = JSON.parse(taskJson) as { phase: string };
  let result: unknown;
  switch (task.phase) {
    case 'generate':
      result = await runGenerate(task as Parameters<typeof runGenerate>[0]);
      break;
    case 'root':
      result = await runRoot(task as Parameters<typeof runRoot>[0]);
      break;
    case 'genesis':
      result = await runGenesis(task as Parameters<typeof runGenesis>[0]);
      break;
    case 'readback':
      result = await runReadBack(task as Parameters<typeof runReadBack>[0]);
      break;
    case 'export':
      result = await runExport(task as Parameters<typeof runExport>[0]);
      break;
    case 'bundle':
      result = await runBundle(task as Parameters<typeof runBundle>[0]);
      break;
    case 'history':
      result = await runHistory(task as Parameters<typeof runHistory>[0]);
      break;
    case 'pxexport':
      result = await runPxExport(task as Parameters<typeof runPxExport>[0]);
      break;
    default:
      throw new Error(`unknown bench phase ${task.phase}`);
  }
  const usage = process.resourceUsage();
  const self = { peakRssMb: peakRssMb(), cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6 };
  writeFileSync(resultPath, JSON.stringify({ result, self }));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
