import type { Measured } from './procs.js';
import type { PhaseProcess } from './report.js';

/** How measurements go into bench-results.json: rates per second, and no more digits than mean something. */

export function rate(accounts: number, seconds: number): number {
  return seconds > 0 ? Math.round(accounts / seconds) : 0;
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

export function measuredFields(m: Measured): PhaseProcess {
  return { wallSeconds: round2(m.wallSeconds), cpuSeconds: round2(m.cpuSeconds), peakRssMb: Math.round(m.peakRssMb), load: m.load };
}
