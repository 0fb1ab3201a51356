import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AgentConfig } from '../../src/agent/config.js';
import type { FoundNode } from '../../src/agent/nodeDiscovery.js';
import { restartProblems } from '../../src/agent/restartCheck.js';

/** Preflight's dry run of a restart, on files of its own: nothing here starts or stops a node. */
describe('what would keep an agent from restarting its node', () => {
  const dir = mkdtempSync(join(tmpdir(), 'restart-check-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const binary = join(dir, 'bin', 'avalanchego');
  mkdirSync(join(dir, 'bin'));
  writeFileSync(binary, '#!/bin/sh\n');
  chmodSync(binary, 0o755);

  const config = (overrides: Partial<AgentConfig> = {}): AgentConfig =>
    ({ mode: 'process', nodeBinary: binary, workDir: join(dir, 'agent', 'work'), ...overrides }) as AgentConfig;
  const node = (argv: string[], overrides: { cwd?: string; configError?: string } = {}): FoundNode =>
    ({
      pid: 1,
      uri: 'http://127.0.0.1:9650',
      stakingAddress: '127.0.0.1:9651',
      argv,
      view: { pid: 1, argv, cwd: overrides.cwd ?? dir },
      settings: {
        dataDir: dir,
        dataDirFrom: 'flag',
        contextFile: join(dir, 'process.json'),
        contextFileFrom: 'default',
        envFlags: [],
        configValues: {},
        configError: overrides.configError,
      },
    }) as unknown as FoundNode;

  it('finds nothing wrong with a node it can run again, by path, relative to the old process, or on PATH', async () => {
    expect(await restartProblems(config(), node([binary, '--data-dir=/x']))).toEqual([]);
    expect(await restartProblems(config(), node(['./bin/avalanchego']))).toEqual([]);
    expect(await restartProblems(config(), node(['sh', '--version']))).toEqual([]);
  });

  it('names a command it could not run, a node binary that is not executable, and a work directory it cannot create', async () => {
    const plain = join(dir, 'not-executable');
    writeFileSync(plain, '');
    const blocked = join(dir, 'file-in-the-way');
    writeFileSync(blocked, '');
    const problems = await restartProblems(config({ nodeBinary: plain, workDir: join(blocked, 'work') }), node(['./gone/avalanchego']));
    expect(problems).toEqual([
      expect.stringMatching(/the old node's command "\.\/gone\/avalanchego" is not an executable file/),
      expect.stringMatching(new RegExp(`--node-binary ${plain} is not an executable file`)),
      expect.stringMatching(new RegExp(`--work-dir ${blocked}/work cannot be written`)),
    ]);
  });

  it('names an unreadable config file and an inline key that is not base64, never the key', async () => {
    const problems = await restartProblems(
      config(),
      node([binary, '--staking-signer-key-file-content=not*base64!'], { configError: '/etc/node.json: EACCES' }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/config file cannot be read \(\/etc\/node\.json: EACCES\)/),
      expect.stringMatching(/--staking-signer-key-file-content: not base64/),
    ]);
    expect(problems.join()).not.toContain('not*base64!');
  });

  it('leaves the node binary to the host in command mode: its own commands start the nodes', async () => {
    expect(await restartProblems(config({ mode: 'command', nodeBinary: join(dir, 'nowhere') }), node(['./gone/avalanchego']))).toEqual([]);
  });
});
