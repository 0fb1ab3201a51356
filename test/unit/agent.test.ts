import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentActivities } from '../../activities/agent.js';
import { keyActivities } from '../../activities/keys.js';
import { loadAgentConfig, type AgentConfig } from '../../src/agent/config.js';
import type { RatificationRequest } from '../../src/agent/genesisCheck.js';
import { identify, signGenesis, type AgentIdentity } from '../../src/agent/identity.js';
import type { LastAccepted } from '../../src/agent/lastAccepted.js';
import { stageGenesis } from '../../src/agent/newNode.js';
import { formatNodeArgs, parseNodeArgs, withFlags } from '../../src/agent/nodeArgs.js';
import type { OldNodeRecord } from '../../src/agent/oldNode.js';
import { agentTaskQueue } from '../../src/agent/queue.js';
import { assertNotRetired, readRetired } from '../../src/agent/retired.js';
import { verifyMessage } from '../../src/keys/bls.js';
import { ratificationMessage } from '../../src/keys/ratificationMessage.js';
import type { AccountRecord } from '../../src/state/account.js';
import { bytesToHex, toQuantity, toWord, type Hex } from '../../src/state/hex.js';
import { EMPTY_CODE_HASH, keccak256Hex, keccakReady } from '../../src/state/keccak.js';
import { computeStateRoot } from '../../src/state/stateRoot.js';
import { writeRatifiableGenesis, type RatifiableGenesis } from '../helpers/ratifiableGenesis.js';

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
      // No node runs on this data directory: preflight is told so, with where the agent looked.
      const asked = (await new MockActivityEnvironment().run(() => agentActivities(config(dir, i)).agentIdentify())) as AgentIdentity;
      expect(asked.node).toEqual({
        running: false,
        reason: expect.stringContaining(`${join(dir, 'data', 'process.json')} names no live process started with --data-dir=${join(dir, 'data')}`),
      });
      expect(agentTaskQueue(id.nodeId)).toBe(`regenesis-agent-${expected[i - 1]!.nodeID}`);
    }
  });

  it('refuses a signer key file that is not 32 bytes, naming the file and never its bytes', async () => {
    const dir = scratch();
    const bad = join(dir, 'signer.key');
    writeFileSync(bad, Buffer.alloc(31, 7));
    await expect(identify(config(dir, 1, { signerKeyFile: bad }))).rejects.toThrow(
      new RegExp(`signerKeyFile ${bad}: a BLS signer key is 32 raw bytes, the file has 31$`),
    );
  });

  it('stages only the approved genesis: a file whose sha256 differs is refused and nothing is left staged', async () => {
    const dir = scratch();
    const cfg = config(dir);
    mkdirSync(join(cfg.artifactsDir!, 'run-1', 'genesis'), { recursive: true });
    const body = '{"networkID":88888}\n';
    writeFileSync(join(cfg.artifactsDir!, 'run-1', 'genesis', 'genesis.json'), body);
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

  it("carries an operator's flags to the new node and replaces what names the old network", () => {
    const old = ['--network-id=local', '--http-host', '0.0.0.0', '--data-dir=/var/lib/old', '--staking-ephemeral-cert-enabled', '--log-level=debug'];
    const flags = parseNodeArgs(old);
    expect(flags).toEqual([
      { name: 'network-id', value: 'local' },
      { name: 'http-host', value: '0.0.0.0' },
      { name: 'data-dir', value: '/var/lib/old' },
      { name: 'staking-ephemeral-cert-enabled' },
      { name: 'log-level', value: 'debug' },
    ]);
    const next = withFlags(
      flags,
      ['staking-ephemeral-cert-enabled'],
      [
        { name: 'network-id', value: '88888' },
        { name: 'data-dir', value: '/var/lib/new' },
      ],
    );
    expect(formatNodeArgs(next)).toEqual(['--http-host=0.0.0.0', '--log-level=debug', '--network-id=88888', '--data-dir=/var/lib/new']);
    expect(() => parseNodeArgs(['stray'])).toThrow(/node argument "stray" is not a --flag/);
  });

  it("after a commit retires its old node, refuses to resume it under any run, and runs the host's retire command once", async () => {
    const dir = scratch();
    const marker = join(dir, 'old-node-started');
    const retireLog = join(dir, 'retire.log');
    const cfg = config(dir, 2, { retireOldCommand: `echo "$REGENESIS_RUN_KEY $REGENESIS_DATA_DIR" >> '${retireLog}'` });
    mkdirSync(cfg.dataDir, { recursive: true });
    // A run that halted the old node: its record holds the command line a resume would run.
    for (const runKey of ['run-committed', 'run-other']) {
      mkdirSync(join(cfg.workDir, runKey), { recursive: true });
      const record: OldNodeRecord = {
        argv: ['/bin/sh', '-c', `echo started >> '${marker}'`],
        uri: 'http://127.0.0.1:9',
        stakingAddress: '127.0.0.1:9',
        halted: { at: '', dataDigest: '', files: 0 },
      };
      writeFileSync(join(cfg.workDir, runKey, 'old-node.json'), JSON.stringify(record));
    }
    const env = new MockActivityEnvironment();
    const agent = agentActivities(cfg);
    const retired = await env.run(() => agent.agentRetireOldNode({ runKey: 'run-committed' }));
    expect(retired).toMatchObject({ runKey: 'run-committed', retireCommand: 'ran' });
    // A retry (the activity's, or a second run's) keeps the first record and does not run the command again.
    expect(await env.run(() => agent.agentRetireOldNode({ runKey: 'run-committed' }))).toEqual(retired);
    expect(readFileSync(retireLog, 'utf8')).toBe(`run-committed ${cfg.dataDir}\n`);
    for (const runKey of ['run-committed', 'run-other']) {
      const refused = await env
        .run(() => agent.agentResumeOldNode({ runKey }))
        .then(
          () => undefined,
          (err: unknown) => err as ApplicationFailure,
        );
      expect(refused?.type).toBe('OldNodeRetired');
      expect(refused?.nonRetryable).toBe(true);
      expect(refused?.message).toMatch(
        new RegExp(
          `resume old node: the old node of ${cfg.dataDir} was retired at .* by run run-committed, which passed its commit point: it is never restarted \\(asked to by run ${runKey}\\)`,
        ),
      );
    }
    expect(() => readFileSync(marker)).toThrow(/ENOENT/);
    // The record names the retired node's data directory: the same agent, pointed at the node of the
    // next network for a later regenesis, may resume that one.
    const next = { ...cfg, dataDir: join(dir, 'next-network-node') };
    expect(await readRetired(next)).toBeUndefined();
    await expect(assertNotRetired(next, 'run-next')).resolves.toBeUndefined();
    expect(JSON.parse(readFileSync(join(cfg.workDir, 'retired.json'), 'utf8')).nodes).toEqual([retired]);
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
    expect(() => loadAgentConfig({ signerKeyFile: join(VECTORS, 'signer1.key'), mode: 'kubernetes' }, env)).toThrow(
      /agent mode \(--mode or REGENESIS_AGENT_MODE\): /,
    );
    // Without a shared artifact directory an agent needs an object store, and refuses half of one.
    const signer = { signerKeyFile: join(VECTORS, 'signer1.key') };
    const noShared = { ...env, REGENESIS_AGENT_ARTIFACTS_DIR: undefined };
    expect(() => loadAgentConfig(signer, noShared)).toThrow(
      /agent artifactsDir \(--artifacts-dir or REGENESIS_AGENT_ARTIFACTS_DIR\): required unless an artifacts mirror \(--artifacts-url\) or an object store is configured/,
    );
    // A read-only mirror needs no credentials, and must not carry any.
    expect(loadAgentConfig({ ...signer, artifactsUrl: 'https://cdn.example/regenesis/' }, noShared).artifactsUrl).toBe('https://cdn.example/regenesis');
    expect(() => loadAgentConfig({ ...signer, artifactsUrl: 'https://k:s@cdn.example' }, noShared)).toThrow(
      /agent artifactsUrl \(--artifacts-url or REGENESIS_AGENT_ARTIFACTS_URL\): must not carry credentials/,
    );
    expect(() => loadAgentConfig(signer, { ...noShared, REGENESIS_S3_ENDPOINT: 'http://127.0.0.1:7070' })).toThrow(/REGENESIS_S3_BUCKET/);
    const s3 = { REGENESIS_S3_ENDPOINT: 'http://127.0.0.1:7070', REGENESIS_S3_BUCKET: 'artifacts', AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret' };
    expect(loadAgentConfig(signer, { ...noShared, ...s3 }).artifactsDir).toBeUndefined();
    const loaded = loadAgentConfig({ signerKeyFile: join(VECTORS, 'signer1.key'), dataDir: 'relative/data' }, env);
    expect(loaded.dataDir).toBe(join(process.cwd(), 'relative/data'));
    expect(loaded.workDir).toBe(join(dir, 'work'));
  });
});

/** A small C-Chain state in trie-key order: funded accounts and contracts with code and storage. */
function sampleState(): AccountRecord[] {
  const records = Array.from({ length: 24 }, (_, i): AccountRecord => {
    const address = bytesToHex(createHash('sha256').update(`account ${i}`).digest().subarray(0, 20));
    const record: AccountRecord = {
      key: keccak256Hex(address),
      address,
      balance: toQuantity(10n ** 18n * BigInt(i + 1)),
      nonce: toQuantity(BigInt(i % 3)),
      codeHash: EMPTY_CODE_HASH,
    };
    if (i % 6 === 0) {
      record.code = `0x600${i % 10}60005500` as Hex;
      record.codeHash = keccak256Hex(record.code);
      record.storage = { [toWord(toQuantity(BigInt(i)))]: toWord('0x2a'), [toWord('0x01')]: toWord(toQuantity(BigInt(i + 1))) };
    }
    return record;
  });
  return records.sort((a, b) => (a.key < b.key ? -1 : 1));
}

describe('a validator agent checks the genesis against its own node before it signs', () => {
  const runKey = 'run-r';
  const NETWORK = 88888;
  const C_HEIGHT = 42;
  // The agent is local staker 2; the genesis stakes 1, 2 and 3 unless a test says otherwise.
  const me = expected[1]!;
  let records: AccountRecord[];
  let cRoot: Hex;
  beforeAll(async () => {
    await keccakReady();
    records = sampleState();
    cRoot = await computeStateRoot(records, 'coreth');
  });

  /** An agent whose old node was halted for the run having accepted C-Chain block `height` with `stateRoot`. */
  function haltedAgent(c: { height: number; stateRoot: Hex } = { height: C_HEIGHT, stateRoot: cRoot }): AgentConfig {
    const cfg = config(scratch(), 2);
    const readAt = '2026-12-07T00:00:00.000Z';
    const lastAccepted: LastAccepted = {
      C: { ...c, hash: `0x${'0b'.repeat(32)}`, timestamp: 1_800_000_000, readAt },
      P: { height: 7, readAt },
      X: { height: 3, readAt },
    };
    const record: OldNodeRecord = {
      argv: ['/bin/avalanchego'],
      uri: 'http://127.0.0.1:9',
      stakingAddress: '127.0.0.1:9',
      lastAccepted,
      halted: { at: readAt, dataDigest: 'ab'.repeat(32), files: 1 },
    };
    mkdirSync(join(cfg.workDir, runKey), { recursive: true });
    writeFileSync(join(cfg.workDir, runKey, 'old-node.json'), JSON.stringify(record));
    return cfg;
  }

  async function staged(
    cfg: AgentConfig,
    options: { networkId?: number; stakers?: ReadonlyArray<1 | 2 | 3 | 4 | 5>; records?: AccountRecord[] } = {},
  ): Promise<RatifiableGenesis> {
    const genesis = await writeRatifiableGenesis({
      artifactsDir: cfg.artifactsDir!,
      runKey,
      networkId: options.networkId ?? NETWORK,
      stakers: options.stakers ?? [1, 2, 3],
      records: options.records ?? records,
    });
    await stageGenesis(cfg, { runKey, path: genesis.rel, sha256: genesis.sha256 });
    return genesis;
  }

  const request = (genesis: RatifiableGenesis, overrides: Partial<RatificationRequest> = {}): RatificationRequest => ({
    runKey,
    genesisSha256: genesis.sha256,
    networkId: NETWORK,
    weight: genesis.weights[1]!,
    dialect: 'avalanchego',
    cHeight: C_HEIGHT,
    ...overrides,
  });

  it("signs a genesis that holds its node's C state, its NodeID, weight and key: the coordinator verifies it for that network only", async () => {
    const cfg = haltedAgent();
    const genesis = await staged(cfg);
    const { signature, checked } = await signGenesis(cfg, request(genesis));
    expect(checked).toEqual({ nodeId: me.nodeID, weight: genesis.weights[1], cHeight: C_HEIGHT, cRoot });
    const verify = keyActivities().verifyRatification;
    const ratification = { genesisSha256: genesis.sha256, blsPublicKey: me.blsPublicKey, signature, dialect: 'avalanchego' as const };
    await expect(verify({ ...ratification, networkId: NETWORK })).resolves.toBe(true);
    await expect(verify({ ...ratification, networkId: NETWORK + 1 })).resolves.toBe(false);
    // Under the dialect's DST and this host's key only; never a signature of the bare sha256.
    const message = ratificationMessage(NETWORK, genesis.sha256);
    expect(verifyMessage(me.blsPublicKey, message, signature, 'luxd')).toBe(false);
    expect(verifyMessage(expected[2]!.blsPublicKey, message, signature, 'avalanchego')).toBe(false);
    expect(verifyMessage(me.blsPublicKey, Buffer.from(genesis.sha256, 'hex'), signature, 'avalanchego')).toBe(false);
  });

  it("refuses a genesis whose C-Chain alloc is not its node's state, naming the C root and both values", async () => {
    const cfg = haltedAgent();
    const tampered = records.map((r, i) => (i === 5 ? { ...r, balance: toQuantity(BigInt(r.balance) + 1n) } : r));
    const tamperedRoot = await computeStateRoot(tampered, 'coreth');
    expect(tamperedRoot).not.toBe(cRoot);
    const genesis = await staged(cfg, { records: tampered });
    await expect(signGenesis(cfg, request(genesis))).rejects.toThrow(
      `genesis refused by check c-root: the C-Chain alloc root ${tamperedRoot} recomputed from the staged genesis is not ${cRoot}, the stateRoot of this node's C-Chain block ${C_HEIGHT}`,
    );
  });

  it("refuses a genesis of another network ID, and a request for another network than the genesis's", async () => {
    const cfg = haltedAgent();
    const other = await staged(cfg, { networkId: NETWORK + 1 });
    await expect(signGenesis(cfg, request(other))).rejects.toThrow(
      `genesis refused by check network-id: the staged genesis is for network ${NETWORK + 1}, not ${NETWORK}`,
    );
    const mine = await staged(cfg);
    await expect(signGenesis(cfg, request(mine, { networkId: 1 }))).rejects.toThrow(`check network-id: the staged genesis is for network ${NETWORK}, not 1`);
  });

  it('refuses a genesis that does not stake its NodeID, stakes it at another weight, or binds it another BLS key', async () => {
    const cfg = haltedAgent();
    const without = await staged(cfg, { stakers: [1, 3] });
    await expect(signGenesis(cfg, request(without, { weight: '2000000000000' }))).rejects.toThrow(
      `genesis refused by check staker: the genesis's initialStakers do not include this validator, ${me.nodeID}`,
    );
    const genesis = await staged(cfg);
    const asked = (BigInt(genesis.weights[1]!) + 1n).toString();
    await expect(signGenesis(cfg, request(genesis, { weight: asked }))).rejects.toThrow(
      `genesis refused by check weight: the genesis stakes ${genesis.weights[1]} on ${me.nodeID} (initialStakers[1]), not ${asked}`,
    );
    // Its NodeID, but a signer key that is not the one the genesis binds to it.
    const otherKey = { ...cfg, signerKeyFile: join(VECTORS, 'signer4.key') };
    await expect(signGenesis(otherKey, request(genesis))).rejects.toThrow(
      `genesis refused by check bls-key: initialStakers[1] (${me.nodeID}) has BLS key ${me.blsPublicKey}, not this validator's ${expected[3]!.blsPublicKey}`,
    );
  });

  it('refuses a genesis of a C height below (or above) the one its halted node stopped at', async () => {
    const cfg = haltedAgent();
    const genesis = await staged(cfg);
    await expect(signGenesis(cfg, request(genesis, { cHeight: C_HEIGHT - 1 }))).rejects.toThrow(
      `genesis refused by check c-height: the genesis is of C-Chain height ${C_HEIGHT - 1}, below the height ${C_HEIGHT} this node had accepted as it stopped`,
    );
    // Above, the stopped node's own database is asked (stoppedHeads.ts); this host's recorded node cannot start.
    await expect(signGenesis(cfg, request(genesis, { cHeight: C_HEIGHT + 1 }))).rejects.toThrow(
      /check c-height: .* above the height 42 recorded as this node stopped, and its stopped database could not be read: /,
    );
  });

  it('refuses what it did not stage, and says so as a non-retryable GenesisRejected', async () => {
    const cfg = haltedAgent();
    const genesis = await staged(cfg);
    const other = createHash('sha256').update('other').digest('hex');
    await expect(signGenesis(cfg, request(genesis, { genesisSha256: other }))).rejects.toThrow(
      `check sha256: the genesis staged for run ${runKey} has sha256 ${genesis.sha256}, not ${other}`,
    );
    await expect(signGenesis(cfg, request(genesis, { runKey: 'run-unstaged' }))).rejects.toThrow(
      /check staged-genesis: no genesis is staged for run run-unstaged/,
    );
    const sign = agentActivities(cfg).agentSignGenesis;
    await expect(new MockActivityEnvironment().run(sign, request(genesis, { cHeight: 1 }))).rejects.toMatchObject({
      type: 'GenesisRejected',
      nonRetryable: true,
      message: expect.stringMatching(/^sign: genesis refused by check c-height: /),
    });
  });
});
