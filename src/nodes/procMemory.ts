import { readFileSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';

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
  try {
    const info = readFileSync('/proc/meminfo', 'utf8');
    const totalBytes = kilobytesField(info, 'MemTotal');
    const availableBytes = kilobytesField(info, 'MemAvailable');
    if (totalBytes !== undefined && availableBytes !== undefined) return { totalBytes, availableBytes };
  } catch {
    // not Linux: below
  }
  return { totalBytes: totalmem(), availableBytes: freemem() };
}
