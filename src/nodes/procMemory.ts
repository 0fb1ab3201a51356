import { readFileSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Memory as the Linux kernel counts it (/proc): a process's resident and peak resident set, and
 * what a host has left for a new process. Elsewhere these read as absent (processes) or fall back
 * to what Node reports (hosts), so callers never fail on a figure they only report.
 */

/** A process's resident memory now (VmRSS) and at its peak so far (VmHWM), bytes. */
export interface ProcessMemory {
  residentBytes: number;
  peakResidentBytes: number;
}

/** The host's memory (MemTotal), and what it can give a new process without swapping (MemAvailable), bytes. */
export interface HostMemory {
  totalBytes: number;
  availableBytes: number;
  /**
   * The memory limit of this process's control group, when it has one (a systemd MemoryMax, a
   * container's limit): a process it starts inherits the group, and cannot use more whatever the
   * host has free.
   */
  limitBytes?: number;
}

/** `<name>: <n> kB` of a /proc status or meminfo text, in bytes; undefined when the line is missing. */
function kilobytesField(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(text);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** /proc/<pid>/status's VmRSS and VmHWM; undefined when the process is gone or the kernel has no /proc. */
export function processMemory(pid: number | 'self'): ProcessMemory | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const residentBytes = kilobytesField(status, 'VmRSS');
  const peakResidentBytes = kilobytesField(status, 'VmHWM');
  // A zombie has no memory lines: nothing to report.
  if (residentBytes === undefined || peakResidentBytes === undefined) return undefined;
  return { residentBytes, peakResidentBytes };
}

/**
 * /proc/meminfo's MemTotal and MemAvailable. MemAvailable, not MemFree: the kernel's own estimate
 * of what a new process can have, page cache it would drop included. Without /proc, Node's figures.
 */
export function hostMemory(): HostMemory {
  const limit = cgroupMemoryLimit();
  const withLimit = limit === undefined ? {} : { limitBytes: limit };
  try {
    const info = readFileSync('/proc/meminfo', 'utf8');
    const totalBytes = kilobytesField(info, 'MemTotal');
    const availableBytes = kilobytesField(info, 'MemAvailable');
    if (totalBytes !== undefined && availableBytes !== undefined) return { totalBytes, availableBytes, ...withLimit };
  } catch {
    // not Linux: below
  }
  return { totalBytes: totalmem(), availableBytes: freemem(), ...withLimit };
}

/** A v1 limit this high is the kernel's "no limit" (page-rounded 2^63 - 1). */
const V1_UNLIMITED = 2 ** 62;

/**
 * The lowest memory limit on the path of this process's control group up to its hierarchy's root:
 * cgroup v2 `memory.max` (`max`: none) or v1 `memory.limit_in_bytes` (near 2^63: none), read from
 * `/proc/self/cgroup` and the cgroup file system at `root`. Undefined without one, or without
 * cgroups.
 */
export function cgroupMemoryLimit(root = '/sys/fs/cgroup', selfCgroup = '/proc/self/cgroup'): number | undefined {
  let entries: string[][];
  try {
    // `id:controllers:path`: v1 names the memory controller; v2 has id 0 and no controllers.
    entries = readFileSync(selfCgroup, 'utf8')
      .split('\n')
      .map((line) => line.split(':'));
  } catch {
    return undefined;
  }
  const v1 = entries.find(([, controllers]) => controllers?.split(',').includes('memory'));
  const v2 = entries.find(([id, controllers]) => id === '0' && controllers === '');
  const found = v1
    ? { base: join(root, 'memory'), path: v1[2] ?? '/', file: 'memory.limit_in_bytes' }
    : v2 && { base: root, path: v2[2] ?? '/', file: 'memory.max' };
  if (!found) return undefined;
  let lowest: number | undefined;
  for (let dir = found.path; ; dir = dirname(dir)) {
    const limit = limitIn(join(found.base, dir, found.file));
    if (limit !== undefined && (lowest === undefined || limit < lowest)) lowest = limit;
    if (dir === '/' || dir === '.' || dir === '') break;
  }
  return lowest;
}

/** A limit file's bytes; undefined for none (`max`, v1's near-2^63) or a file that is not there. */
function limitIn(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
  const bytes = Number(text);
  return text === 'max' || !Number.isFinite(bytes) || bytes >= V1_UNLIMITED ? undefined : bytes;
}
