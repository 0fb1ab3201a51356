import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { totalmem } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { AgentIdentity } from '../../src/agent/identity.js';
import { launchReadiness, MEMORY_HEADROOM } from '../../src/launch/readiness.js';
import { hostMemory, processMemory } from '../../src/nodes/procMemory.js';
import { currentDetails, readinessLines } from '../../src/view/details.js';
import type { RegenesisStatus } from '../../src/contract/run.js';

const GiB = 2 ** 30;

/** An agent's preflight answer with the memory fields the readiness reads. */
function agent(nodeId: string, memory: { total: number; available: number } | undefined, oldNodeBytes?: number): AgentIdentity {
  return {
    nodeId,
    blsPublicKey: '0x00',
    nodeVersion: 'avalanchego/1.14.0',
    node: { running: true, uri: 'http://10.0.0.1:9650', nodeId, ...(oldNodeBytes === undefined ? {} : { residentBytes: oldNodeBytes }) },
    ...(memory ? { memory: { totalBytes: memory.total, availableBytes: memory.available } } : {}),
  };
}

describe('launch readiness', () => {
  const rehearsal = { startSeconds: 20, peakResidentBytes: 8 * GiB };

  it('flags a host whose memory, with its old node halted, is short of the rehearsal peak with headroom, and names it', () => {
    const r = launchReadiness({
      rehearsal,
      healthTimeoutSeconds: 600,
      agents: [
        agent('NodeID-Roomy', { total: 32 * GiB, available: 20 * GiB }, 2 * GiB),
        agent('NodeID-Tight', { total: 16 * GiB, available: 7 * GiB }, 2 * GiB),
      ],
    });
    expect(r.hosts.map((h) => [h.nodeId, h.forNewNodeBytes])).toEqual([
      ['NodeID-Roomy', 22 * GiB],
      ['NodeID-Tight', 9 * GiB],
    ]);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toContain('validator NodeID-Tight');
    expect(r.warnings[0]).toContain('9.0 GiB for the new node (7.0 GiB available at preflight + 2.0 GiB its old node frees');
    expect(r.warnings[0]).toContain('peaked at 8.0 GiB');
  });

  it('counts what the old node gives back: the same available memory passes with a large enough old node and fails without one', () => {
    const available = 9 * GiB; // below 8 GiB × 1.25 alone
    const judged = (oldNodeBytes?: number) =>
      launchReadiness({ rehearsal, healthTimeoutSeconds: 600, agents: [agent('NodeID-A', { total: 16 * GiB, available }, oldNodeBytes)] }).warnings;
    expect(judged(2 * GiB)).toEqual([]);
    expect(judged(undefined)).toHaveLength(1);
    expect(judged(0.9 * GiB)).toHaveLength(1);
    // The boundary is the headroom itself.
    expect(judged(rehearsal.peakResidentBytes * MEMORY_HEADROOM - available)).toEqual([]);
    expect(judged(rehearsal.peakResidentBytes * MEMORY_HEADROOM - available - 1)).toHaveLength(1);
  });

  it('leaves out agents that did not report memory, and judges no memory without the rehearsal peak', () => {
    const r = launchReadiness({
      rehearsal: { startSeconds: 5 },
      healthTimeoutSeconds: 600,
      agents: [agent('NodeID-Old', undefined), agent('NodeID-B', { total: GiB, available: 0.1 * GiB })],
    });
    expect(r.hosts.map((h) => h.nodeId)).toEqual(['NodeID-B']);
    expect(r.warnings).toEqual([]);
  });

  it('flags a rehearsal start beyond half the health timeout, and says when it is beyond all of it', () => {
    const judged = (startSeconds: number) => launchReadiness({ rehearsal: { startSeconds }, healthTimeoutSeconds: 60, agents: [] }).warnings;
    expect(judged(30)).toEqual([]);
    expect(judged(31)).toHaveLength(1);
    expect(judged(31)[0]).toContain('less than twice the time it needs');
    expect(judged(102)[0]).toMatch(/took 102s .* get 60s \(plan\.launch\.operator\.healthTimeoutSeconds\): .*would not be healthy in time/);
  });

  it('shows the figures and every warning in the status and the Web UI details', () => {
    const r = launchReadiness({
      rehearsal: { startSeconds: 102, peakResidentBytes: 8 * GiB },
      healthTimeoutSeconds: 60,
      agents: [agent('NodeID-T', { total: 8 * GiB, available: 4 * GiB }, GiB)],
    });
    const lines = readinessLines(r);
    expect(lines[0]).toBe('Launch readiness: 2 warning(s) to weigh before approving');
    expect(lines).toContain('- memory for the new node once the old halts: NodeID-T 5.0 GiB of 8.0 GiB');
    for (const w of r.warnings) expect(lines).toContain(`- ⚠ ${w}`);
    const status = { phase: 'approve', chains: {}, artifacts: [], stepsDone: [], committed: false, launchReadiness: r } as RegenesisStatus;
    expect(currentDetails('wf', status)).toContain('**Launch readiness: 2 warning(s) to weigh before approving**');
  });
});

describe('memory as the kernel counts it', () => {
  it("reads a live process's resident and peak memory, and nothing for a process that is gone", async () => {
    // A child that touches 200 MiB and waits: its resident set must hold them.
    const child = spawn(
      process.execPath,
      ['-e', "globalThis.held = Buffer.alloc(200 * 2 ** 20, 1); process.stdout.write('ready'); setInterval(() => {}, 1000);"],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      await once(child.stdout!, 'data');
      const m = processMemory(child.pid!)!;
      expect(m.residentBytes).toBeGreaterThan(200 * 2 ** 20);
      expect(m.peakResidentBytes).toBeGreaterThanOrEqual(m.residentBytes);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    expect(processMemory(child.pid!)).toBeUndefined();
  });

  it("reads the host's total memory as the OS reports it, and available memory below it", () => {
    const host = hostMemory();
    expect(host.totalBytes).toBe(totalmem());
    expect(host.availableBytes).toBeGreaterThan(0);
    expect(host.availableBytes).toBeLessThan(host.totalBytes);
  });
});
