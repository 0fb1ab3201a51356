import type { WorkflowHandle } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { renderRun, type RunSnapshot } from './progress.js';
import { readSnapshot } from './snapshot.js';

export type WatchMode = 'tty' | 'lines' | 'json';

export interface WatchOptions {
  mode: WatchMode;
  intervalMs?: number;
  write?: (text: string) => void;
}

/** How `watch` prints when not told: redrawn in place on a terminal, plain lines in a pipe or a log. */
export function watchModeOf(json: boolean | undefined, stream: { isTTY?: boolean } = process.stdout): WatchMode {
  if (json) return 'json';
  return stream.isTTY ? 'tty' : 'lines';
}

/**
 * Follows a run until it closes: on a terminal the view is redrawn in place; in plain mode each
 * new line is printed once (a partition's bar at most every 10 s, so a log stays readable); in JSON
 * mode one object per change. Returns the last reading.
 */
export async function watchRun(handle: WorkflowHandle, workflowId: string, options: WatchOptions): Promise<RunSnapshot> {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const interval = options.intervalMs ?? 1000;
  let previous: RunSnapshot | undefined;
  let drawn = 0;
  const printed = new Set<string>();
  let lastBars = 0;
  let lastJson = '';
  for (;;) {
    const snapshot = await readSnapshot(handle, workflowId);
    const lines = renderRun(snapshot, previous);
    if (options.mode === 'tty') {
      // Up to the first line drawn last time, clear to the end, draw again.
      write(`${drawn > 0 ? `\x1b[${drawn}F\x1b[J` : ''}${lines.join('\n')}\n`);
      drawn = lines.length;
    } else if (options.mode === 'json') {
      const json = JSON.stringify({ workflowId, execution: snapshot.execution, status: snapshot.status, partitions: snapshot.partitions });
      if (json !== lastJson) write(`${JSON.stringify({ at: new Date(snapshot.at).toISOString(), ...JSON.parse(json) })}\n`);
      lastJson = json;
    } else {
      const barsDue = snapshot.at - lastBars >= 10_000;
      for (const line of lines) {
        const isBar = line.startsWith('    C ');
        if (isBar ? !barsDue : printed.has(line)) continue;
        printed.add(line);
        write(`${line}\n`);
      }
      if (barsDue && lines.some((l) => l.startsWith('    C '))) lastBars = snapshot.at;
    }
    if (snapshot.execution !== 'RUNNING') return snapshot;
    previous = snapshot;
    await sleep(interval);
  }
}
