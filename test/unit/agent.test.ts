import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAgentConfig, type AgentConfig } from '../../src/agent/config.js';
import { identify, signGenesis } from '../../src/agent/identity.js';
import { stageGenesis } from '../../src/agent/newNode.js';
import { formatNodeArgs, parseNodeArgs, withFlags } from '../../src/agent/nodeArgs.js';
import { agentTaskQueue } from '../../src/agent/queue.js';
import { verifyMessage } from '../../src/keys/bls.js';
import { hexToBytes } from '../../src/state/hex.js';

const VECTORS = new URL('../fixtures/vectors/avalanchego-v1.14.0/', import.meta.url).pathname;
const expected = JSON.parse(readFileSync(join(VECTORS, 'expected.json'), 'utf8')) as Array<{ nodeID: string; blsPublicKey: string }>;

function config(dir: string, i = 2, overrides: Partial<AgentConfig> = {}): AgentConfig {
  return {
    nodeBinary: '/bin/echo',
    dataDir: join(dir, 'data'),
    stakingCertFile: join(VECTORS, `staker${i}.crt`),
    stakingKeyFile: join(VECTORS, `staker${i}.key`),
    signerKeyFile: join(VECTORS, `signer${i}.key`),
    workDir: join(dir, 'work'),
    artifactsDir: join(dir, 'artifacts'),
    mode: 'process',
    temporalAddress: '127.0.0.1:7233',
    namespace: 'default',
    ...overrides,
  };
}

const made: string[] = [];
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-'));
  made.push(dir);
  return dir;
}

describe('validator agent', () => {
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });

  it('identifies its host by the NodeID of its certificate and the BLS key of its signer key, as upstream publishes them', async () => {
    const dir = scratch();
    for (const i of [1, 4]) {
      const id = await identify(config(dir, i));
      expect([id.nodeId, id.blsPublicKey]).toEqual([expected[i - 1]!.nodeID, expected[i - 1]!.blsPublicKey]);
      expect(agentTaskQueue(id.nodeId)).toBe(`regenesis-agent-${expected[i - 1]!.nodeID}`);
    }
  });

  it('signs a genesis sha256 that verifies under the published key and the dialect\'s DST, and under no other', async () => {
    const dir = scratch();
    const sha = createHash('sha256').update('genesis').digest('hex');
    const signature = await signGenesis(config(dir, 3), sha, 'avalanchego');
    expect(verifyMessage(expected[2]!.blsPublicKey, hexToBytes(sha), signature, 'avalanchego')).toBe(true);
    expect(verifyMessage(expected[2]!.blsPublicKey, hexToBytes(sha), signature, 'luxd')).toBe(false);
    expect(verifyMessage(expected[1]!.blsPublicKey, hexToBytes(sha), signature, 'avalanchego')).toBe(false);
    await expect(signGenesis(config(dir, 3), 'not-a-hash', 'avalanchego')).rejects.toThrow(/genesisSha256: not-a-hash is not a lower-case hex sha256/);
  });

  it('refuses a signer key file that is not 32 bytes, naming the file and never its bytes', async () => {
    const dir = scratch();
    const bad = join(dir, 'signer.key');
    writeFileSync(bad, Buffer.alloc(31, 7));
    await expect(identify(config(dir, 1, { signerKeyFile: bad }))).rejects.toThrow(new RegExp(`signerKeyFile ${bad}: a BLS signer key is 32 raw bytes, the file has 31$`));
  });

  it('stages only the approved genesis: a file whose sha256 differs is refused and nothing is left staged', async () => {
    const dir = scratch();
    const cfg = config(dir);
    mkdirSync(join(cfg.artifactsDir, 'run-1', 'genesis'), { recursive: true });
    const body = '{"networkID":88888}\n';
    writeFileSync(join(cfg.artifactsDir, 'run-1', 'genesis', 'genesis.json'), body);
    const sha = createHash('sha256').update(body).digest('hex');
    const other = createHash('sha256').update('other').digest('hex');
    await expect(stageGenesis(cfg, { runKey: 'run-1', path: 'genesis/genesis.json', sha256: other })).rejects.toThrow(
      new RegExp(`has sha256 ${sha}, not the approved ${other}: refused, nothing staged`),
    );
    expect(() => readFileSync(join(cfg.workDir, 'run-1', 'genesis.json'))).toThrow(/ENOENT/);
    const staged = await stageGenesis(cfg, { runKey: 'run-1', path: 'genesis/genesis.json', sha256: sha });
    expect(readFileSync(staged.path, 'utf8')).toBe(body);
    await expect(stageGenesis(cfg, { runKey: '../run', path: 'genesis/genesis.json', sha256: sha })).rejects.toThrow(/runKey "\.\.\/run"/);
  });

  it('carries an operator\'s flags to the new node and replaces what names the old network', () => {
    const old = ['--network-id=local', '--http-host', '0.0.0.0', '--data-dir=/var/lib/old', '--staking-ephemeral-cert-enabled', '--log-level=debug'];
    const flags = parseNodeArgs(old);
    expect(flags).toEqual([
      { name: 'network-id', value: 'local' },
      { name: 'http-host', value: '0.0.0.0' },
      { name: 'data-dir', value: '/var/lib/old' },
      { name: 'staking-ephemeral-cert-enabled' },
      { name: 'log-level', value: 'debug' },
    ]);
    const next = withFlags(flags, ['staking-ephemeral-cert-enabled'], [{ name: 'network-id', value: '88888' }, { name: 'data-dir', value: '/var/lib/new' }]);
    expect(formatNodeArgs(next)).toEqual(['--http-host=0.0.0.0', '--log-level=debug', '--network-id=88888', '--data-dir=/var/lib/new']);
    expect(() => parseNodeArgs(['stray'])).toThrow(/node argument "stray" is not a --flag/);
  });

  it('reads its configuration from flags before the environment and names what is missing', () => {
    const dir = scratch();
    const env = {
      REGENESIS_AGENT_NODE_BINARY: '/bin/echo',
      REGENESIS_AGENT_DATA_DIR: join(dir, 'data'),
      REGENESIS_AGENT_STAKING_CERT_FILE: join(VECTORS, 'staker1.crt'),
      REGENESIS_AGENT_STAKING_KEY_FILE: join(VECTORS, 'staker1.key'),
      REGENESIS_AGENT_WORK_DIR: join(dir, 'work'),
      REGENESIS_AGENT_ARTIFACTS_DIR: join(dir, 'artifacts'),
    };
    expect(() => loadAgentConfig({}, env)).toThrow(/agent signerKeyFile \(--signer-key-file or REGENESIS_AGENT_SIGNER_KEY_FILE\): /);
    expect(() => loadAgentConfig({ signerKeyFile: join(dir, 'absent.key') }, env)).toThrow(/agent signerKeyFile: .*absent\.key does not exist/);
    expect(() => loadAgentConfig({ signerKeyFile: join(VECTORS, 'signer1.key'), mode: 'command', haltCommand: 'systemctl stop avalanchego' }, env)).toThrow(
      /agent startOldCommand \(REGENESIS_AGENT_START_OLD_COMMAND\): required in command mode/,
    );
    expect(() => loadAgentConfig({ signerKeyFile: join(VECTORS, 'signer1.key'), mode: 'kubernetes' }, env)).toThrow(/agent mode \(--mode or REGENESIS_AGENT_MODE\): /);
    const loaded = loadAgentConfig({ signerKeyFile: join(VECTORS, 'signer1.key'), dataDir: 'relative/data' }, env);
    expect(loaded.dataDir).toBe(join(process.cwd(), 'relative/data'));
    expect(loaded.workDir).toBe(join(dir, 'work'));
  });
});
