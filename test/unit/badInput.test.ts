import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPlanFile } from '../../src/cli/planFile.js';
import { LocalArtifactStore } from '../../src/artifacts/store.js';
import { readCertificate } from '../../src/keys/certificate.js';
import { LocalGethDevnet } from '../../src/operator/localDevnet.js';
import { parsePlan } from '../../src/plan/index.js';
import { formatAddress, shortIdFromAddress } from '../../src/keys/address.js';
import { keyActivities } from '../../activities/keys.js';
import { primaryPlanInput } from '../helpers/primaryPlan.js';

/**
 * Every way an operator can hand the coordinator bad input, in one table: each case fails fast with
 * a message that names the field and the reason, and nothing is written.
 */
const NOW = 1_800_000_000;
const staker1 = {
  nodeId: 'NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg',
  blsPublicKey: '0x900c9b119b5c82d781d4b49be78c3fc7ae65f2b435b7ed9e3a8b9a03e475edff86d8a64827fec8db23a6f236afbf127d',
  proofOfPossession:
    '0x8bfd6d4d2086b2b8115d8f72f94095fefe5a6c07876b2accf51a811adf520f389e74a3d2152a6d90b521e2be58ffe468043dc5ea68b4c44410eb67f8dc24f13ed4f194000764c0e922cd254a3588a4962b1cb4db7de4bb9cda9d9d4d6b03f3d2',
  weight: 100,
};

function plan(): any {
  return {
    name: 'table',
    chains: { C: { rpcUrl: 'http://127.0.0.1:8545' } },
    target: { epoch: 'current' },
    genesis: { chainId: 7777, startTime: NOW + 3600 },
    launch: { operator: { kind: 'local', network: 'devnet' }, validators: [{ ...staker1 }] },
  };
}

const mutate = (f: (p: any) => void) => () => {
  const p = plan();
  f(p);
  parsePlan(p, NOW);
};

const VECTORS = new URL('../fixtures/vectors/avalanchego-v1.14.0/', import.meta.url);
const staker1Certificate = readFileSync(new URL('staker1.crt', VECTORS), 'utf8');
const EWOQ_SHORT_ID = shortIdFromAddress('X-local18jma8ppw3nhx5r4ap8clazz0dps7rv5u00z96u');
const NEW_NETWORK = 88_888;

/** A second staker from the same upstream vectors: a real key whose PoP is not staker1's. */
const staker2 = {
  nodeId: 'NodeID-MFrZFVCXPv5iCn6M9K6XduxGTYp891xXZ',
  blsPublicKey: '0xa058ff27a4c570664bfa28e34939368539a1340867951943d0f56fa8aac13bc09ff64f341acf8cc0cef74202c2d6f9c0',
  proofOfPossession:
    '0xac52195616344127df74d924e11701ca5e0867647ae36171d168fcf95d536e94061659b3edb924fffdb69dd5aa5cb2d703f8920c825c8f7b74dd0112c9c27814790bfcfa3a08e1d9358da1c54e1f6c0b4d9772432f79d7dceaa3a95c3a7e6adc',
  rewardAddress: formatAddress('X', 'custom', EWOQ_SHORT_ID),
  delegationFee: 20_000,
};

/** A proposal that builds the primary genesis of a new network from a P/X/C export. */
function primaryPlan(): any {
  return primaryPlanInput({
    startTime: { afterFreezeSeconds: 3600 },
    networkId: NEW_NETWORK,
    validators: [
      {
        certificate: staker1Certificate,
        blsPublicKey: staker1.blsPublicKey,
        proofOfPossession: staker1.proofOfPossession,
        rewardAddress: formatAddress('X', 'custom', EWOQ_SHORT_ID),
      },
    ],
  });
}

const mutatePrimary = (f: (p: any) => void) => () => {
  const p = primaryPlan();
  f(p);
  parsePlan(p, NOW);
};

const cases: Array<[string, () => unknown, RegExp]> = [
  ['unknown top-level field', mutate((p) => (p.extra = 1)), /plan: Unrecognized key: "extra"/],
  ['unknown nested field', mutate((p) => (p.genesis.chainid = 1)), /plan\.genesis: Unrecognized key: "chainid"/],
  ['missing chains', mutate((p) => delete p.chains), /plan\.chains: /],
  ['missing RPC URL', mutate((p) => delete p.chains.C.rpcUrl), /plan\.chains\.C\.rpcUrl: /],
  ['wrong type: chainId as string', mutate((p) => (p.genesis.chainId = '7777')), /plan\.genesis\.chainId: .*number/],
  ['wrong type: target height as string', mutate((p) => (p.target = { height: '12' })), /plan\.target/],
  ['negative target height', mutate((p) => (p.target = { height: -1 })), /plan\.target/],
  ['fractional target height', mutate((p) => (p.target = { height: 1.5 })), /plan\.target/],
  [
    'proposervm epochs from a non-avalanchego endpoint',
    mutate((p) => (p.epoch = { durationSeconds: 30, source: 'proposervm' })),
    /plan\.epoch\.source: proposervm epochs need an avalanchego\/luxd C-Chain endpoint/,
  ],
  [
    'P-Chain export without proposervm epochs',
    mutate((p) => {
      p.chains.P = { addresses: [] };
    }),
    /plan\.chains\.P: needs plan\.epoch\.source 'proposervm'/,
  ],
  [
    'P-Chain export at a block height',
    mutate((p) => {
      p.chains.P = { addresses: [] };
      p.target = { height: 5 };
    }),
    /plan\.chains\.P: needs an epoch target/,
  ],
  [
    'P-Chain address that is not bech32',
    mutate((p) => {
      p.chains.P = { addresses: ['X-local1abc'] };
    }),
    /plan\.chains\.P\.addresses\.0: a bech32 P-Chain address/,
  ],
  [
    'X-Chain export without proposervm epochs',
    mutate((p) => {
      p.chains.X = { addresses: [] };
    }),
    /plan\.chains\.X: needs plan\.epoch\.source 'proposervm'/,
  ],
  ['unknown node kind', mutate((p) => (p.chains.C.node = 'erigon')), /plan\.chains\.C\.node: /],
  ['outage limit of zero', mutate((p) => (p.chains.C.maxOutageSeconds = 0)), /plan\.chains\.C\.maxOutageSeconds: /],
  ['epoch duration zero', mutate((p) => (p.epoch = { durationSeconds: 0 })), /plan\.epoch\.durationSeconds: must be a positive number of seconds/],
  ['partitions out of range', mutate((p) => (p.chains.C.partitions = 100_000)), /plan\.chains\.C\.partitions: /],
  ['genesis start in the past', mutate((p) => (p.genesis.startTime = NOW - 60)), /plan\.genesis\.startTime: .* is in the past/],
  ['relative start over 30 days', mutate((p) => (p.genesis.startTime = { afterFreezeSeconds: 31 * 86400 })), /plan\.genesis\.startTime/],
  [
    'RPC URL with credentials',
    mutate((p) => (p.chains.C.rpcUrl = 'https://user:s3cret@rpc.example:8545')),
    /plan\.chains\.C\.rpcUrl: must not embed credentials/,
  ],
  ['RPC URL not http', mutate((p) => (p.chains.C.rpcUrl = 'ftp://127.0.0.1/')), /plan\.chains\.C\.rpcUrl: must be an http\(s\) URL/],
  ['path traversal in the run name', mutate((p) => (p.name = '../../etc')), /plan\.name: letters, digits/],
  ['path in the devnet name', mutate((p) => (p.launch.operator.network = '../other')), /plan\.launch\.operator\.network: a devnet name, not a path/],
  ['duplicate validator', mutate((p) => p.launch.validators.push({ ...staker1 })), /plan\.launch\.validators\.1\.nodeId: duplicate validator NodeID-7Xhw/],
  [
    'BLS key shared by two validators',
    mutate((p) => p.launch.validators.push({ ...staker1, nodeId: 'NodeID-MFrZFVCXPv5iCn6M9K6XduxGTYp891xXZ' })),
    /plan\.launch\.validators\.1\.blsPublicKey: BLS public key already used/,
  ],
  ['zero validator weight', mutate((p) => (p.launch.validators[0].weight = 0)), /plan\.launch\.validators\.0\.weight: must be a positive stake weight/],
  ['malformed BLS key', mutate((p) => (p.launch.validators[0].blsPublicKey = '0x1234')), /plan\.launch\.validators\.0\.blsPublicKey: must be a 48-byte/],
  [
    'chain ID of another brand',
    mutate((p) => Object.assign(p, { brand: 'zoo', env: 'mainnet', genesis: { ...p.genesis, chainId: 96369 } })),
    /plan\.genesis\.chainId: chain ID 96369 belongs to lux mainnet/,
  ],
  [
    'chain ID of another environment',
    mutate((p) => Object.assign(p, { brand: 'lux', env: 'testnet', genesis: { ...p.genesis, chainId: 96369 } })),
    /belongs to lux mainnet/,
  ],
  ['oversized string', mutate((p) => (p.name = 'a'.repeat(10_000))), /plan\.name: /],
  ['too many approvers required', mutate((p) => (p.launch.approvals = { required: 1000 })), /plan\.launch\.approvals\.required: /],
  [
    'a private key where a certificate is expected',
    () => readCertificate(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 'staker.crt'),
    /staker\.crt: .*private key/i,
  ],
  [
    'primary genesis: a private key where a certificate is expected',
    mutatePrimary((p) => {
      p.genesis.primary.validators[0].certificate = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    }),
    /plan\.genesis\.primary\.validators\.0\.certificate: is a private key; a certificate \(staker\.crt\) is expected/,
  ],
  ['supply gap limit as a number', mutatePrimary((p) => (p.chains.P.maxSupplyGap = 1000)), /plan\.chains\.P\.maxSupplyGap: .*string/],
  [
    'negative supply gap limit',
    mutatePrimary((p) => (p.chains.P.maxSupplyGap = '-1')),
    /plan\.chains\.P\.maxSupplyGap: a whole amount in the smallest unit \(nAVAX\)/,
  ],
  [
    'fractional supply gap limit',
    mutatePrimary((p) => (p.chains.P.maxSupplyGap = '1.5')),
    /plan\.chains\.P\.maxSupplyGap: a whole amount in the smallest unit \(nAVAX\)/,
  ],
  [
    'primary genesis: staker without NodeID or certificate',
    mutatePrimary((p) => delete p.genesis.primary.validators[0].certificate),
    /plan\.genesis\.primary\.validators\.0: needs a nodeId or a certificate/,
  ],
  [
    'primary genesis: reward address of another network',
    mutatePrimary((p) => {
      p.genesis.primary.validators[0].rewardAddress = 'X-local18jma8ppw3nhx5r4ap8clazz0dps7rv5u00z96u';
    }),
    /plan\.genesis\.primary\.validators\.0\.rewardAddress: has HRP "local"; network 88888 on avalanchego uses "custom"/,
  ],
  ['primary genesis without the P-Chain export', mutatePrimary((p) => delete p.chains.P), /plan\.genesis\.primary: needs plan\.chains\.P/],
  [
    'primary genesis launched by the geth devnet operator',
    mutatePrimary((p) => {
      p.launch = { operator: { kind: 'local', network: 'devnet' } };
    }),
    /plan\.launch\.operator: the local operator launches geth devnets/,
  ],
  [
    'Q-Chain export for an avalanchego genesis',
    mutatePrimary((p) => (p.chains.Q = {})),
    /plan\.chains\.Q: a Q-Chain exists on luxd only; plan\.genesis\.primary\.dialect is avalanchego/,
  ],
  ['Q-Chain export without proposervm epochs', mutate((p) => (p.chains.Q = {})), /plan\.chains\.Q: needs plan\.epoch\.source 'proposervm'/],
  [
    'primary genesis ratified by a validator it does not create',
    mutatePrimary((p) => {
      p.launch = { operator: { kind: 'manual' }, validators: [{ ...staker1, blsPublicKey: `0x${'a1'.repeat(48)}` }] };
    }),
    /plan\.launch\.validators\.0: NodeID-7Xhw\w+ is not an initial staker of plan\.genesis\.primary/,
  ],
  ['primary genesis without the X-Chain export', mutatePrimary((p) => delete p.chains.X), /plan\.genesis\.primary: needs plan\.chains\.X/],
  ['primary genesis with no owner to carry', mutatePrimary((p) => (p.chains.P.addresses = [])), /plan\.chains\.P: lists no address and does not discover them/],
  [
    'primary genesis on a standard avalanchego network',
    mutatePrimary((p) => (p.genesis.primary.networkId = 12345)),
    /plan\.genesis\.primary\.networkId: 12345 is a standard avalanchego network/,
  ],
  ['primary genesis: network ID 0', mutatePrimary((p) => (p.genesis.primary.networkId = 0)), /plan\.genesis\.primary\.networkId: /],
  [
    'agents operator without a primary genesis',
    mutate((p) => {
      p.launch = { operator: { kind: 'agents' } };
    }),
    /plan\.launch\.operator: migrates the validators of a primary network: it needs plan\.genesis\.primary/,
  ],
  [
    'agents operator with declared launch validators',
    mutatePrimary((p) => {
      p.launch = { operator: { kind: 'agents' }, validators: [{ ...staker1 }] };
    }),
    /plan\.launch\.validators: the agents operator ratifies with the genesis stakers' own keys and weights/,
  ],
  [
    'agents operator with a zero agent timeout',
    mutatePrimary((p) => {
      p.launch = { operator: { kind: 'agents', agentTimeoutSeconds: 0 } };
    }),
    /plan\.launch\.operator\.agentTimeoutSeconds: /,
  ],
  ['artifact path escaping its run directory', () => new LocalArtifactStore(tmpdir()).path('run-1', '../../etc/passwd'), /escapes the run directory/],
  ['devnet name escaping the devnet root', () => new LocalGethDevnet(tmpdir(), '../../root'), /escapes the devnet root/],
];

describe('bad input table', () => {
  it('has at least twenty cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases)('%s', (_name, run, expected) => {
    expect(run).toThrow(expected);
  });

  it('accepts a primary genesis launched by the manual operator and ratified by its stakers', () => {
    const p = primaryPlan();
    p.launch = { operator: { kind: 'manual' }, validators: [{ ...staker1 }] };
    expect(parsePlan(p, NOW).genesis.primary?.validators).toHaveLength(1);
  });

  it('never echoes a credential from a refused URL', () => {
    let error: Error | undefined;
    try {
      mutate((p) => (p.chains.C.rpcUrl = 'https://user:s3cret@rpc.example:8545'))();
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).toMatch(/^plan\.chains\.C\.rpcUrl: must not embed credentials/);
    // Neither the message nor the issues the UI shows carry the password.
    expect(error?.message).not.toContain('s3cret');
    expect(JSON.stringify(error)).not.toContain('s3cret');
  });

  it('refuses a launch validator whose proof of possession does not verify, naming the validator', async () => {
    const keys = { nodeId: staker1.nodeId, blsPublicKey: staker1.blsPublicKey, proofOfPossession: staker2.proofOfPossession };
    const refused = keyActivities().verifyValidatorKeys(keys);
    await expect(refused).rejects.toThrow(
      /^validator NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg: proofOfPossession does not verify for blsPublicKey 0x900c9b119b5c82d7… under the avalanchego rule$/,
    );
    await expect(refused).rejects.toMatchObject({ type: 'InvalidValidator' });
  });

  describe('the new validator set, checked before anything is exported', () => {
    const check = (edit: (validators: any[]) => void) => {
      const primary = parsePlan(primaryPlan(), NOW).genesis.primary!;
      edit(primary.validators);
      return keyActivities().checkGenesisStakers({ primary });
    };

    it("accepts a staker's certificate, BLS key and PoP, and names it by the NodeID of its certificate", async () => {
      const accepted = await check(() => undefined);
      expect(accepted.validators).toBe(1);
      // The NodeID upstream publishes for staker1.crt: what preflight asks that staker's agent to be.
      expect(accepted.stakers.map((s) => s.nodeId)).toEqual(['NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg']);
    });

    it('duplicate NodeID', async () => {
      await expect(check((v) => v.push({ ...v[0] }))).rejects.toThrow(
        /plan\.genesis\.primary\.validators\[1\] \(NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg\)\.nodeID: duplicate NodeID: also plan\.genesis\.primary\.validators\[0\]/,
      );
    });

    it('invalid proof of possession', async () => {
      await expect(check((v) => v.push({ ...staker2, proofOfPossession: staker1.proofOfPossession }))).rejects.toThrow(
        /plan\.genesis\.primary\.validators\[1\] \(NodeID-MFrZ\w+\)\.signer\.proofOfPossession: does not verify for its publicKey under the avalanchego rule/,
      );
    });

    it('a certificate that belongs to another NodeID', async () => {
      await expect(check((v) => v.push({ ...staker2, certificate: staker1Certificate }))).rejects.toThrow(
        /\.nodeID: does not match its certificate, which belongs to NodeID-7Xhw/,
      );
    });

    it('a BLS key shared by two validators', async () => {
      await expect(check((v) => v.push({ ...staker2, blsPublicKey: staker1.blsPublicKey, proofOfPossession: staker1.proofOfPossession }))).rejects.toThrow(
        /signer\.publicKey: BLS public key already used by plan\.genesis\.primary\.validators\[0\]/,
      );
    });
  });

  describe('plan files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bad-plan-'));
    const filesNow = () => readdirSync(dir).sort();

    it('malformed JSON names the file and the parse error', async () => {
      writeFileSync(join(dir, 'broken.json'), '{"name": "x",');
      const files = filesNow();
      await expect(readPlanFile(join(dir, 'broken.json'))).rejects.toThrow(/--plan .*broken\.json: not valid JSON/);
      expect(filesNow()).toEqual(files);
    });

    it('an oversized plan file is refused before it is parsed', async () => {
      writeFileSync(join(dir, 'huge.json'), `{"name":"${'x'.repeat(2 << 20)}"}`);
      await expect(readPlanFile(join(dir, 'huge.json'))).rejects.toThrow(/over the 1048576-byte limit/);
    });

    it('a missing plan file is named', async () => {
      await expect(readPlanFile(join(dir, 'nope.json'))).rejects.toThrow(/--plan .*nope\.json: file not found/);
    });
  });
});
