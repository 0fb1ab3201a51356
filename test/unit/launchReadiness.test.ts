import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentIdentity } from '../../src/agent/identity.js';
import { launchReadiness, MEMORY_HEADROOM } from '../../src/launch/readiness.js';
import { cgroupMemoryLimit, hostMemory, processMemory } from '../../src/nodes/procMemory.js';
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

  it("holds the new node to its agent's cgroup memory limit when that is below the host's free memory", () => {
    const limited = {
      ...agent('NodeID-Limited', { total: 64 * GiB, available: 40 * GiB }, 2 * GiB),
      memory: { totalBytes: 64 * GiB, availableBytes: 40 * GiB, limitBytes: 6 * GiB },
    };
    const r = launchReadiness({ rehearsal, healthTimeoutSeconds: 600, agents: [limited] });
    expect(r.hosts[0]).toMatchObject({ limitBytes: 6 * GiB, forNewNodeBytes: 6 * GiB });
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toContain("6.0 GiB for the new node (its agent's memory limit (cgroup), below the 40.0 GiB available at preflight + 2.0 GiB");
    const roomy = { ...limited, memory: { ...limited.memory, limitBytes: 48 * GiB } };
    expect(launchReadiness({ rehearsal, healthTimeoutSeconds: 600, agents: [roomy] }).hosts[0]!.forNewNodeBytes).toBe(42 * GiB);
  });

  it('says so when memory could not be judged, instead of reporting no warnings alone', () => {
    const noPeak = launchReadiness({ rehearsal: { startSeconds: 5 }, healthTimeoutSeconds: 600, agents: [agent('NodeID-A', { total: GiB, available: GiB })] });
    expect(readinessLines(noPeak)[0]).toBe('Launch readiness: no warnings; memory not judged (no peak memory measured on the worker)');
    const noHosts = launchReadiness({ rehearsal, healthTimeoutSeconds: 600, agents: [agent('NodeID-Old', undefined)] });
    expect(readinessLines(noHosts)[0]).toBe('Launch readiness: no warnings; memory not judged (no agent reported its host memory)');
    const judged = launchReadiness({ rehearsal, healthTimeoutSeconds: 600, agents: [agent('NodeID-B', { total: 64 * GiB, available: 40 * GiB })] });
    expect(readinessLines(judged)[0]).toBe('Launch readiness: no warnings');
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

  it("reads the lowest memory limit on its cgroup's path, v1 or v2, and none where none is set", () => {
    const root = mkdtempSync(join(tmpdir(), 'cgroup-'));
    try {
      const file = (path: string, text: string) => {
        mkdirSync(join(root, path, '..'), { recursive: true });
        writeFileSync(join(root, path), text);
      };
      // v1: the memory hierarchy, a limit on the service's parent lower than its own.
      file('v1/memory/system.slice/memory.limit_in_bytes', String(3 * GiB));
      file('v1/memory/system.slice/agent.service/memory.limit_in_bytes', String(4 * GiB));
      file('v1/memory/memory.limit_in_bytes', '9223372036854771712');
      file('self-v1', '12:pids:/system.slice/agent.service\n4:memory:/system.slice/agent.service\n0::/system.slice/agent.service\n');
      expect(cgroupMemoryLimit(join(root, 'v1'), join(root, 'self-v1'))).toBe(3 * GiB);
      // v2: memory.max, `max` meaning none.
      file('v2/system.slice/memory.max', 'max\n');
      file('v2/system.slice/agent.service/memory.max', `${2 * GiB}\n`);
      file('self-v2', '0::/system.slice/agent.service\n');
      expect(cgroupMemoryLimit(join(root, 'v2'), join(root, 'self-v2'))).toBe(2 * GiB);
      file('v2/system.slice/agent.service/memory.max', 'max\n');
      expect(cgroupMemoryLimit(join(root, 'v2'), join(root, 'self-v2'))).toBeUndefined();
      expect(cgroupMemoryLimit(join(root, 'v2'), join(root, 'no-such-file'))).toBeUndefined();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
