// Replays every recorded workflow history in a directory against the current workflow code and
// exits non-zero on any determinism error. Used by the replay test and runnable by hand:
//   npx tsx scripts/replay-histories.ts test/fixtures/histories
import { Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workflowsPath } from '../src/worker.js';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: replay-histories.ts DIR');
  process.exit(2);
}
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();
const histories = files.map((f) => ({ workflowId: f, history: JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown }));
let failures = 0;
for await (const result of Worker.runReplayHistories({ workflowsPath }, histories)) {
  if (result.error) {
    failures += 1;
    console.log(`FAIL ${result.workflowId}: ${result.error.message}`);
  } else {
    console.log(`ok   ${result.workflowId}`);
  }
}
console.log(`${files.length - failures} replayed, ${failures} failed`);
process.exit(failures === 0 && files.length > 0 ? 0 : 1);
