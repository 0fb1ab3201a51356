import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AgentConfig } from '../../src/agent/config.js';
import { restartServedNode } from '../../src/agent/servedNode.js';
import { stopPid } from '../../src/nodes/pidFile.js';

const dir = mkdtempSync(join(tmpdir(), 'served-node-'));
const started: number[] = [];
afterAll(async () => {
  for (const pid of started) await stopPid(pid, 5_000);
  rmSync(dir, { recursive: true, force: true });
});

const VECTORS = new URL('../fixtures/vectors/avalanchego-v1.14.0/', import.meta.url).pathname;

/** An agent whose old node a committed run retired, and whose new node runs `argv` (never writing a process context). */
function committedAgent(mode: 'process' | 'command', argv: string[]): AgentConfig {
  const config: AgentConfig = {
    nodeBinary: process.execPath,
    dataDir: join(dir, mode, 'old'),
    stakingCertFile: join(VECTORS, 'staker2.crt'),
    stakingKeyFile: join(VECTORS, 'staker2.key'),
    signerKeyFile: join(VECTORS, 'signer2.key'),
    workDir: join(dir, mode, 'work'),
    artifactsDir: join(dir, 'artifacts'),
    mode,
    temporalAddress: '127.0.0.1:7233',
    namespace: 'default',
  };
  mkdirSync(join(config.workDir, 'run-1', 'node'), { recursive: true });
  writeFileSync(join(config.workDir, 'retired.json'), JSON.stringify({ nodes: [{ dataDir: config.dataDir, runKey: 'run-1', at: new Date().toISOString() }] }));
  writeFileSync(join(config.workDir, 'run-1', 'new-node.json'), JSON.stringify({ argv }));
  return config;
}

describe("the agent's supervision of its new node after the commit (src/agent/servedNode.ts)", () => {
  // A node that is slow to bind: it runs but writes no process context.
  const slow = [process.execPath, '-e', 'setTimeout(() => {}, 60_000)'];

  it('starts the node it serves once, and not again while that process is still starting', async () => {
    const config = committedAgent('process', slow);
    const first = await restartServedNode(config);
    expect(first).toMatchObject({ restarted: true, runKey: 'run-1' });
    if (first.restarted) started.push(first.pid);
    expect(await restartServedNode(config)).toEqual({ restarted: false });
  });

  it('leaves the node alone in command mode (the host runs it) and when no run retired its old node', async () => {
    expect(await restartServedNode(committedAgent('command', slow))).toEqual({ restarted: false });
    const config = committedAgent('process', slow);
    rmSync(join(config.workDir, 'retired.json'));
    expect(await restartServedNode(config)).toEqual({ restarted: false });
  });
});
