import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The machine's processes as /proc shows them: what the tests use to check, without asking the
 * product, that the processes they started are gone. Linux only.
 */
export interface ProcessEntry {
  pid: number;
  ppid: number;
  /** Clock ticks after boot: with the pid, names one process even once the pid is reused. */
  startTime: number;
  zombie: boolean;
  command: string;
  /** Undefined when /proc does not let us read it (another user's process). */
  cwd?: string;
  environ?: string[];
}

function readEntry(pid: number): ProcessEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in parentheses may itself hold spaces and parentheses: fields follow the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return {
      pid,
      ppid: Number(fields[1]),
      startTime: Number(fields[19]),
      zombie: fields[0] === 'Z',
      command,
      cwd: attempt(() => readlinkSync(`/proc/${pid}/cwd`)),
      environ: attempt(() => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')),
    };
  } catch {
    return undefined; // exited while we read it
  }
}

function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

export function listProcesses(): ProcessEntry[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => readEntry(Number(name)) ?? []);
}

/** Every process below `pid` in the tree (children, their children, …), `pid` itself excluded. */
export function descendantsOf(pid: number, table: readonly ProcessEntry[] = listProcesses()): ProcessEntry[] {
  const children = new Map<number, ProcessEntry[]>();
  for (const p of table) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const found: ProcessEntry[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

/** Whether this very process (pid and start time) still runs; a zombie holds nothing and counts as gone. */
export function stillRunning(p: Pick<ProcessEntry, 'pid' | 'startTime'>): boolean {
  const now = readEntry(p.pid);
  return now !== undefined && now.startTime === p.startTime && !now.zombie;
}

export const describeProcess = (p: ProcessEntry): string => `pid ${p.pid}: ${p.command.slice(0, 300)}`;
