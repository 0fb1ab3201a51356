import { partitionBounds } from '../chains/evm/gethExport.js';
import type { ExportCursor } from '../contract/exportProgress.js';
import type { RegenesisStatus } from '../contract/run.js';
import { checklistOf } from '../view/checklist.js';
import { finalStageLines } from '../view/details.js';
import { nextStep } from '../view/nextStep.js';

/** One C-Chain export partition in flight, from the cursor its activity last heartbeated. */
export interface PartitionProgress {
  index: number;
  count: number;
  /** Share of the partition's key range behind the cursor, 0..1 (keys are hashes: accounts spread evenly). */
  fraction: number;
  accounts: number;
  bytes: number;
}

/** What `watch` reads at each tick. */
export interface RunSnapshot {
  workflowId: string;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, … */
  execution: string;
  status?: RegenesisStatus;
  partitions: PartitionProgress[];
  /** Unix milliseconds of the reading. */
  at: number;
}

/** Where a heartbeated cursor (`next` key) lies in the partition that contains it. */
export function partitionProgress(cursor: ExportCursor, count: number): PartitionProgress | undefined {
  if (count < 1) return undefined;
  const key = BigInt(cursor.next);
  const bounds = partitionBounds(count).map((b) => ({ start: BigInt(b.start), end: b.end === null ? 1n << 256n : BigInt(b.end) }));
  const index = bounds.findIndex((b) => key >= b.start && key < b.end);
  if (index < 0) return undefined;
  const { start, end } = bounds[index]!;
  const fraction = Number(((key - start) * 10_000n) / (end - start)) / 10_000;
  return { index, count, fraction, accounts: cursor.stats.accounts, bytes: cursor.bytes };
}

/**
 * The run as lines of text: the checklist with ✓ for what is done, the export's progress with a
 * bar, rate and ETA per partition, the epoch being waited for, and the pending human step with the
 * command that does it. `previous` (the last snapshot) gives the rates.
 */
export function renderRun(snapshot: RunSnapshot, previous?: RunSnapshot): string[] {
  const { status } = snapshot;
  const lines = [`${snapshot.workflowId}  ${snapshot.execution}${status ? `  phase ${status.phase}` : ''}`];
  if (!status) return lines;
  lines.push(...checklistLines(status));
  if (status.phase === 'wait-epoch' && status.epoch?.target != null) {
    const e = status.epoch;
    lines.push(
      `  waiting for epoch ${e.target} to seal (current epoch ${e.current ?? '?'}, head block ${e.headHeight ?? '?'}${e.sealsAfter ? `, seals after ${e.sealsAfter}` : ''})`,
    );
  }
  for (const [chain, progress] of Object.entries(status.chains)) {
    lines.push(`  export ${chain}: ${progress.partitionsDone}/${progress.partitionsTotal} partitions done, ${progress.accountsExported} accounts`);
  }
  const seconds = previous ? (snapshot.at - previous.at) / 1000 : 0;
  for (const p of [...snapshot.partitions].sort((a, b) => a.index - b.index)) {
    const before = previous?.partitions.find((q) => q.index === p.index);
    const rate = before && seconds > 0 ? (p.accounts - before.accounts) / seconds : undefined;
    const fractionRate = before && seconds > 0 ? (p.fraction - before.fraction) / seconds : undefined;
    const eta = fractionRate && fractionRate > 0 ? (1 - p.fraction) / fractionRate : undefined;
    lines.push(
      `    C ${p.index + 1}/${p.count} ${bar(p.fraction)} ${(p.fraction * 100).toFixed(1).padStart(5)}%  ${p.accounts} accounts  ${mib(p.bytes)}` +
        `${rate !== undefined ? `  ${Math.round(rate)}/s` : ''}${eta !== undefined ? `  ETA ${duration(eta)}` : ''}`,
    );
  }
  // The Web UI's Markdown lines, as plain text.
  if (status.finalStage) lines.push(...finalStageLines(status.finalStage).map((line) => `  ${line.replace(/\*\*|`/g, '')}`));
  if (status.waitingFor) lines.push(`  waiting for ${status.waitingFor}`);
  const step = nextStep(snapshot.workflowId, status);
  if (step) lines.push(`  next: ${step.what}`, ...step.commands.map((c) => `    $ ${c}`));
  if (status.abortReason) lines.push(`  stopping: ${status.abortReason}`);
  return lines;
}

function checklistLines(status: RegenesisStatus): string[] {
  const { marks, rollback } = checklistOf(status);
  const line = `  ${marks.map((m) => `${m.mark} ${m.phase}`).join('  ')}`;
  return rollback ? [line, `  ${rollback.mark} ${rollback.phase}`] : [line];
}

function bar(fraction: number, width = 20): string {
  const full = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

function duration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)}s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)}m`;
  return `${(seconds / 3600).toFixed(1)}h`;
}
