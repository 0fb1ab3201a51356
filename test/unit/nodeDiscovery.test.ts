import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { AgentConfig } from '../../src/agent/config.js';
import { managedNode } from '../../src/agent/managedNode.js';
import { withNewNodeConfig } from '../../src/agent/newNodeConfig.js';
import { searchNode } from '../../src/agent/nodeDiscovery.js';
import { haltOldNode, resumeOldNode } from '../../src/agent/oldNode.js';
import { alive } from '../../src/nodes/pidFile.js';
import { liveNode, readProcessContext } from '../../src/nodes/processContext.js';

/**
 * A stand-in for a node, run as a real process: it answers the few API calls the agent makes and
 * writes its process-context file where the test says (FAKE_CONTEXT) or, restarted from a recorded
 * command line, where its --process-context-file says. Where that file is, and which data directory
 * the process has, the agent must work out on its own from argv, environment, config file and HOME.
 */
const FAKE_NODE = `
if (process.argv.includes('--help')) {
  // As avalanchego lists its flags: one per line.
  for (const f of ['config-file', 'config-file-content', 'data-dir', 'http-port', 'process-context-file']) console.log('      --' + f + ' string    ' + f);
  process.exit(0);
}
import { createServer } from 'node:http';
import { renameSync, writeFileSync } from 'node:fs';
const flag = (name) => {
  for (let i = process.argv.length - 1; i >= 2; i--) {
    const a = process.argv[i];
    if (a.startsWith('--' + name + '=')) return a.slice(name.length + 3);
    if (a === '--' + name) return process.argv[i + 1];
  }
};
const contextFile = process.env.FAKE_CONTEXT ?? flag('process-context-file');
const answers = { 'info.getNodeVersion': { version: 'avalanchego/1.14.0' }, 'info.getNodeID': { nodeID: 'NodeID-fake' }, 'info.isBootstrapped': { isBootstrapped: true }, eth_blockNumber: '0x0' };
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const { id, method } = JSON.parse(body || '{}');
    const reply = method in answers ? { result: answers[method] } : { error: { code: -32601, message: 'no ' + method } };
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ jsonrpc: '2.0', id, ...reply }));
  });
});
server.listen(Number(flag('http-port') ?? 0), '127.0.0.1', () => {
  writeFileSync(contextFile + '.tmp', JSON.stringify({ pid: process.pid, uri: 'http://127.0.0.1:' + server.address().port, stakingAddress: '127.0.0.1:9651' }));
  renameSync(contextFile + '.tmp', contextFile);
});
process.on('SIGTERM', () => process.exit(0));
`;

const made: string[] = [];
const started: number[] = [];

/** A directory of the test's own, holding the fake node's script. */
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'node-discovery-'));
  made.push(dir);
  writeFileSync(join(dir, 'fake-node.mjs'), FAKE_NODE);
  return dir;
}

interface Start {
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Where the fake writes its process context. */
  context: string;
}

/** Starts the fake node and resolves with its pid once its process-context file names it. */
async function startFake(dir: string, start: Start): Promise<number> {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(dir, 'nohome'), FAKE_CONTEXT: start.context, ...start.env };
  const child = spawn(process.execPath, [join(dir, 'fake-node.mjs'), ...(start.args ?? [])], { env, cwd: start.cwd ?? dir, stdio: 'ignore' });
  const pid = child.pid!;
  started.push(pid);
  for (let i = 0; i < 100; i++) {
    if ((await readProcessContext(start.context))?.pid === pid) return pid;
    await sleep(50);
  }
  throw new Error(`the fake node wrote no context to ${start.context}`);
}

/** An agent of `dataDir`; the key files are never read by what these tests call. */
function agentConfig(dir: string, dataDir: string): AgentConfig {
  return {
    nodeBinary: process.execPath,
    dataDir,
    stakingCertFile: '/dev/null',
    stakingKeyFile: '/dev/null',
    signerKeyFile: '/dev/null',
    workDir: join(dir, 'work'),
    artifactsDir: join(dir, 'artifacts'),
    mode: 'process',
    temporalAddress: '127.0.0.1:7233',
    namespace: 'default',
  };
}

/** A JSON config file as an operator would write one. */
function configFile(dir: string, name: string, body: Record<string, unknown>): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(body));
  return path;
}

describe('the agent finds its node however the node was given its data directory', () => {
  afterAll(() => {
    for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });

  const ways: Array<[string, (dir: string, data: string) => Omit<Start, 'context'> & { context?: string }, string]> = [
    ['--data-dir=<dir>', (_, data) => ({ args: [`--data-dir=${data}`] }), 'flag'],
    ['--data-dir <dir>', (_, data) => ({ args: ['--log-level', 'info', '--data-dir', data] }), 'flag'],
    ["a relative --data-dir, from the process's working directory", (dir) => ({ args: ['--data-dir=node-data'], cwd: dir }), 'flag'],
    ['AVAGO_DATA_DIR', (_, data) => ({ env: { AVAGO_DATA_DIR: data } }), 'env'],
    ['--config-file with "data-dir"', (dir, data) => ({ args: ['--config-file', configFile(dir, 'node.json', { 'data-dir': data })] }), 'config-file'],
    ['AVAGO_CONFIG_FILE with "data-dir"', (dir, data) => ({ env: { AVAGO_CONFIG_FILE: configFile(dir, 'node.json', { 'data-dir': data }) } }), 'config-file'],
    [
      '--config-file-content (base64 JSON)',
      (_, data) => ({ args: [`--config-file-content=${Buffer.from(JSON.stringify({ 'data-dir': data })).toString('base64')}`] }),
      'config-file',
    ],
    ["the default $HOME/.avalanchego of the process's own HOME", (dir) => ({ env: { HOME: join(dir, 'home') } }), 'default'],
  ];

  for (const [way, setup, from] of ways) {
    it(`by ${way}`, async () => {
      const dir = scratch();
      const data = from === 'default' ? join(dir, 'home', '.avalanchego') : join(dir, 'node-data');
      mkdirSync(data, { recursive: true });
      const start = setup(dir, data);
      const pid = await startFake(dir, { ...start, context: join(data, 'process.json') });
      const search = await searchNode(data);
      expect(search.found).toMatchObject({ pid, settings: { dataDir: data, dataDirFrom: from, contextFile: join(data, 'process.json') } });
      // The pid check of a context file accepts it too; another data directory's node is not it.
      expect((await liveNode(join(data, 'process.json'), data))?.pid).toBe(pid);
      expect(await liveNode(join(data, 'process.json'), join(dir, 'other'))).toBeUndefined();
      expect((await searchNode(join(dir, 'other'))).found).toBeUndefined();
    });
  }

  it('finds a process-context file wherever the flag, the environment or the config file puts it', async () => {
    const dir = scratch();
    const data = join(dir, 'node-data');
    mkdirSync(data, { recursive: true });
    const cases: Array<[Omit<Start, 'context'>, string]> = [
      [{ args: [`--data-dir=${data}`, `--process-context-file=${join(dir, 'a.json')}`] }, join(dir, 'a.json')],
      [{ args: [`--data-dir=${data}`], env: { AVAGO_PROCESS_CONTEXT_FILE: join(dir, 'b.json') } }, join(dir, 'b.json')],
      [{ args: ['--config-file', configFile(dir, 'c-node.json', { 'data-dir': data, 'process-context-file': join(dir, 'c.json') })] }, join(dir, 'c.json')],
      // avalanchego's own variable for the data directory, in a path the node expands.
      [{ args: [`--data-dir=${data}`, '--process-context-file=$AVALANCHEGO_DATA_DIR/d.json'] }, join(data, 'd.json')],
    ];
    for (const [start, context] of cases) {
      const pid = await startFake(dir, { ...start, context });
      expect((await searchNode(data)).found).toMatchObject({ pid, settings: { contextFile: context } });
      process.kill(pid, 'SIGKILL');
      while (alive(pid)) await sleep(20);
    }
  });

  it("applies avalanchego's precedence: flag over environment over config file", async () => {
    const dir = scratch();
    const [a, b, c] = [join(dir, 'a'), join(dir, 'b'), join(dir, 'c')];
    for (const d of [a, b, c]) mkdirSync(d, { recursive: true });
    const config = configFile(dir, 'node.json', { 'data-dir': c });
    const flagWins = await startFake(dir, {
      args: [`--data-dir=${a}`, `--config-file=${config}`],
      env: { AVAGO_DATA_DIR: b },
      context: join(a, 'process.json'),
    });
    expect((await searchNode(a)).found?.pid).toBe(flagWins);
    process.kill(flagWins, 'SIGKILL');
    const envWins = await startFake(dir, { args: [`--config-file=${config}`], env: { AVAGO_DATA_DIR: b }, context: join(b, 'process.json') });
    expect((await searchNode(b)).found).toMatchObject({ pid: envWins, settings: { dataDirFrom: 'env' } });
    // A context file under another directory naming this process is not this directory's node.
    writeFileSync(join(c, 'process.json'), readFileSync(join(b, 'process.json')));
    expect((await searchNode(c)).found).toBeUndefined();
  });

  it('preflight names what it searched when no node of its data directory runs', async () => {
    const dir = scratch();
    const data = join(dir, 'node-data');
    mkdirSync(data, { recursive: true });
    await startFake(dir, { args: [`--data-dir=${join(dir, 'elsewhere')}`], context: join(dir, 'elsewhere.json') });
    const node = await managedNode(agentConfig(dir, data));
    expect(node.running).toBe(false);
    const reason = node.running ? '' : node.reason;
    for (const searched of [
      '--data-dir',
      '--config-file',
      'AVAGO_DATA_DIR',
      'AVAGO_CONFIG_FILE',
      '$HOME/.avalanchego',
      'AVAGO_PROCESS_CONTEXT_FILE',
      `${data}/process.json`,
    ]) {
      expect(reason).toContain(searched);
    }
  });

  it('a halt with no node to find fails naming what it searched, before recording anything', async () => {
    const dir = scratch();
    const data = join(dir, 'node-data');
    mkdirSync(data, { recursive: true });
    await expect(haltOldNode(agentConfig(dir, data), 'run-1')).rejects.toThrow(
      new RegExp(`the node of ${data} is not running \\(searched \\d+ processes for one whose data directory is ${data} .*AVAGO_DATA_DIR`),
    );
  });

  it("gives the new node a copy of the old config without the old network's settings or inline keys", async () => {
    const dir = scratch();
    const old = configFile(dir, 'node.json', {
      'data-dir': '/old',
      'DB-Dir': '/old/db',
      'genesis-file-content': 'b2xk',
      'staking-signer-key-file-content': 'a2V5',
      'log-level': 'debug',
      'track-subnets': ['x'],
    });
    const flags = await withNewNodeConfig(
      [
        { name: 'config-file', value: old },
        { name: 'http-port', value: '9650' },
      ],
      ['db-dir', 'genesis-file-content'],
      dir,
    );
    expect(flags).toEqual([
      { name: 'http-port', value: '9650' },
      { name: 'config-file', value: join(dir, 'new-node-config.json') },
    ]);
    expect(JSON.parse(readFileSync(join(dir, 'new-node-config.json'), 'utf8'))).toEqual({ 'log-level': 'debug', 'track-subnets': ['x'] });
    expect(await withNewNodeConfig([{ name: 'http-port', value: '9650' }], [], dir)).toEqual([{ name: 'http-port', value: '9650' }]);
  });

  it('preflight finds and identifies a node configured by its environment', async () => {
    const dir = scratch();
    const data = join(dir, 'node-data');
    mkdirSync(data, { recursive: true });
    await startFake(dir, { env: { AVAGO_DATA_DIR: data }, context: join(data, 'process.json') });
    expect(await managedNode(agentConfig(dir, data))).toMatchObject({ running: true, nodeId: 'NodeID-fake' });
  });

  const restarts: Array<[string, (dir: string, data: string) => Omit<Start, 'context'>]> = [
    // AVAGO_NOTES names no flag of the node (it ignores it): as a flag it would fail the restart.
    ['the environment', (_, data) => ({ env: { AVAGO_DATA_DIR: data, AVAGO_HTTP_PORT: '0', AVAGO_NOTES: 'rack 4' } })],
    // Its port 0 from the config file too: the restart must take the port the node had.
    ['a config file', (dir, data) => ({ args: [`--config-file=${configFile(dir, 'node.json', { 'data-dir': data, 'http-port': 0 })}`] })],
    ['the default directory', (dir) => ({ args: ['--http-port=0'], env: { HOME: join(dir, 'home') } })],
    // Kept out of the record (it may hold keys): moved to a 0600 file the restart reads.
    [
      'an inline config',
      (_, data) => ({ env: { AVAGO_CONFIG_FILE_CONTENT: Buffer.from(JSON.stringify({ 'data-dir': data, 'http-port': 0 })).toString('base64') } }),
    ],
  ];
  for (const [way, setup] of restarts) {
    it(`halts a node configured by ${way} and restarts it on the same data directory, context file and port`, async () => {
      const dir = scratch();
      const data = way === 'the default directory' ? join(dir, 'home', '.avalanchego') : join(dir, 'node-data');
      mkdirSync(data, { recursive: true });
      const config = agentConfig(dir, data);
      const pid = await startFake(dir, { ...setup(dir, data), context: join(data, 'process.json') });
      const uri = (await readProcessContext(join(data, 'process.json')))!.uri;
      const record = await haltOldNode(config, 'run-1');
      expect(alive(pid)).toBe(false);
      expect(record.uri).toBe(uri);
      expect(record.argv).toEqual(
        expect.arrayContaining([`--data-dir=${data}`, `--process-context-file=${join(data, 'process.json')}`, `--http-port=${new URL(uri).port}`]),
      );
      expect(record.argv.filter((a) => a.includes('-content'))).toEqual([]);
      expect(record.argv.filter((a) => a.startsWith('--notes'))).toEqual([]);
      if (way === 'an inline config') expect(record.argv).toContain(`--config-file=${join(config.workDir, 'keys', 'old-node-config.json')}`);
      const resumed = await resumeOldNode(config, 'run-1', () => {}, 20_000);
      expect(resumed).toMatchObject({ resumed: true, uri });
      const back = (await searchNode(data)).found!;
      started.push(back.pid);
      expect(back.pid).not.toBe(pid);
      expect(back.uri).toBe(uri);
    });
  }
});
