import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { getAddress } from 'ethers';
import { cb58Decode, cb58Encode } from '../../src/keys/cb58.js';
import { formatNodeId, parseNodeId } from '../../src/keys/nodeId.js';
import { nodeIdFromCertificate, readCertificate } from '../../src/keys/certificate.js';
import {
  aggregatePublicKeys,
  aggregateSignatures,
  proofOfPossession,
  publicKeyFromSecret,
  signMessage,
  verifyAggregate,
  verifyMessage,
  verifyProofOfPossession,
} from '../../src/keys/bls.js';
import { checksumEvmAddress, formatAddress, hrpForNetwork, parseAddress, parseEvmAddress, shortIdFromAddress } from '../../src/keys/address.js';
import { detectAllocationStyle, DIALECTS, type DialectName } from '../../src/network/dialect.js';
import { bytesToHex } from '../../src/state/hex.js';
import { keyActivities } from '../../activities/keys.js';
import { RATIFICATION_PREFIX, ratificationMessage } from '../../src/keys/ratificationMessage.js';
import { signRatification } from '../../src/keys/signerKey.js';
import type { PrimaryGenesisPlan } from '../../src/genesis/primary/index.js';
import { localStaker } from '../helpers/validators.js';

const VECTORS = new URL('../fixtures/vectors/', import.meta.url);
const AVALANCHEGO = new URL('avalanchego-v1.14.0/', VECTORS);
const LUXFI = new URL('luxfi/', VECTORS);

interface ExpectedStaker {
  certFile: string;
  signerKeyFile: string;
  nodeID: string;
  blsPublicKey: string;
  proofOfPossession: string;
}
const expected = JSON.parse(readFileSync(new URL('expected.json', AVALANCHEGO), 'utf8')) as ExpectedStaker[];
const secretOf = (s: ExpectedStaker): Uint8Array => new Uint8Array(readFileSync(new URL(s.signerKeyFile, AVALANCHEGO)));
const luxStaker = JSON.parse(readFileSync(new URL('genesis-repo--test-staking-keys-genesis-staker.json', LUXFI), 'utf8')) as {
  nodeID: string;
  rewardAddress: string;
  delegationFee: number;
  signer: { publicKey: string; proofOfPossession: string };
};

describe('CB58', () => {
  it('round-trips and verifies the 4-byte SHA-256 checksum', () => {
    const payload = Uint8Array.from({ length: 20 }, (_, i) => i * 7);
    const text = cb58Encode(payload);
    expect(cb58Decode(text)).toEqual(payload);
    // The checksum is the last 4 bytes of one SHA-256, not base58check's double hash.
    expect(Buffer.from(cb58RawTail(text)).toString('hex')).toBe(Buffer.from(sha256(payload).subarray(-4)).toString('hex'));
  });

  it('refuses a mistyped ID with a checksum error naming the field', () => {
    const text = expected[0]!.nodeID.slice('NodeID-'.length);
    const flipped = text.slice(0, 5) + (text[5] === 'a' ? 'b' : 'a') + text.slice(6);
    expect(() => cb58Decode(flipped, 'initialStakers[0].nodeID')).toThrow(/initialStakers\[0\]\.nodeID: CB58 checksum mismatch/);
    expect(() => cb58Decode('0OIl', 'x')).toThrow(/x: not CB58/);
  });

  it('parses and formats NodeIDs strictly', () => {
    const bytes = parseNodeId(expected[0]!.nodeID);
    expect(bytes.length).toBe(20);
    expect(formatNodeId(bytes)).toBe(expected[0]!.nodeID);
    expect(() => parseNodeId('7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg', 'nodeID')).toThrow(/nodeID: a NodeID starts with "NodeID-"/);
    // luxfi/genesis' validators list writes NodeIDs as hex, which is not a NodeID at all.
    expect(() => parseNodeId('NodeID-508433b29ee4eaba5d77afe8108b70f79437a059')).toThrow(/nodeID/);
  });
});

/** The last 4 bytes of a base58 string, decoded independently of the module under test. */
function cb58RawTail(text: string): Uint8Array {
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  let n = 0n;
  for (const c of text) n = n * 58n + BigInt(alphabet.indexOf(c));
  const hex = n.toString(16).padStart(2, '0');
  const bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  return bytes.subarray(-4);
}

describe('avalanchego v1.14.0 local stakers (expected.json)', () => {
  it.each(expected.map((s) => [s.certFile, s] as const))('%s: NodeID, BLS public key and PoP match upstream', (_, staker) => {
    const pem = readFileSync(new URL(staker.certFile, AVALANCHEGO), 'utf8');
    expect(nodeIdFromCertificate(readCertificate(pem, staker.certFile))).toBe(staker.nodeID);
    // DER bytes give the same NodeID as the PEM text.
    const der = readCertificate(pem, staker.certFile);
    expect(nodeIdFromCertificate(readCertificate(der, staker.certFile))).toBe(staker.nodeID);
    const pemBytes = readFileSync(new URL(staker.certFile, AVALANCHEGO));
    expect(nodeIdFromCertificate(readCertificate(pemBytes, staker.certFile))).toBe(staker.nodeID);

    const secret = secretOf(staker);
    expect(publicKeyFromSecret(secret)).toBe(staker.blsPublicKey);
    const pop = proofOfPossession(secret, 'avalanchego');
    expect(pop).toBe(staker.proofOfPossession);
    expect(verifyProofOfPossession(staker.blsPublicKey, staker.proofOfPossession, 'avalanchego')).toBe(true);
    // The same bytes are no proof under luxd's rule: the DST is part of what is signed.
    expect(verifyProofOfPossession(staker.blsPublicKey, staker.proofOfPossession, 'luxd')).toBe(false);
  });

  it('a PoP of one key does not verify for another key', () => {
    expect(verifyProofOfPossession(expected[1]!.blsPublicKey, expected[0]!.proofOfPossession, 'avalanchego')).toBe(false);
  });
});

describe('Lux test staker (luxfi/genesis test-staking-keys/genesis-staker.json)', () => {
  it('carries staker1 of avalanchego, and its PoP verifies only under the luxd rule', () => {
    expect(luxStaker.nodeID).toBe(expected[0]!.nodeID);
    expect(luxStaker.signer.publicKey).toBe(expected[0]!.blsPublicKey);
    expect(verifyProofOfPossession(luxStaker.signer.publicKey, luxStaker.signer.proofOfPossession, 'luxd')).toBe(true);
    expect(verifyProofOfPossession(luxStaker.signer.publicKey, luxStaker.signer.proofOfPossession, 'avalanchego')).toBe(false);
    expect(proofOfPossession(secretOf(expected[0]!), 'luxd')).toBe(luxStaker.signer.proofOfPossession);
    expect(DIALECTS.luxd.popDst).toBe('BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_');
    expect(DIALECTS.avalanchego.popDst).toBe('BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_');
  });
});

describe('BLS input validation', () => {
  const { blsPublicKey: pk, proofOfPossession: pop } = expected[0]!;
  it('names the field for wrong lengths, non-points and the identity', () => {
    expect(() => verifyProofOfPossession(pk.slice(0, 90), pop, 'avalanchego', 'validators[3].signer')).toThrow(
      /validators\[3\]\.signer\.publicKey: a BLS public key is 48 bytes \(compressed G1\), got 44/,
    );
    expect(() => verifyProofOfPossession(pk, `${pop}00`, 'avalanchego', 'v')).toThrow(/v\.proofOfPossession: a BLS signature is 96 bytes/);
    expect(() => verifyProofOfPossession(`0x${'ff'.repeat(48)}`, pop, 'avalanchego', 'v')).toThrow(/v\.publicKey: not a valid compressed BLS12-381 G1 point/);
    expect(() => verifyProofOfPossession(`0xc0${'00'.repeat(47)}`, pop, 'avalanchego', 'v')).toThrow(/v\.publicKey: the identity point/);
    expect(() => verifyProofOfPossession(pk, `0xc0${'00'.repeat(95)}`, 'avalanchego', 'v')).toThrow(/v\.proofOfPossession: the identity point/);
    expect(() => verifyProofOfPossession('0xzz', pop, 'avalanchego', 'v')).toThrow(/v\.publicKey: not a hex byte string/);
  });

  it('refuses a malformed secret without echoing it', () => {
    expect(() => publicKeyFromSecret(new Uint8Array(31))).toThrow(/32 raw bytes/);
    const zero = new Uint8Array(32);
    expect(() => publicKeyFromSecret(zero)).toThrow(/not a valid BLS12-381 scalar/);
  });
});

describe('BLS message signatures (genesis ratification)', () => {
  const genesisSha = sha256(new TextEncoder().encode('{"networkID":12345}'));
  const secrets = expected.map(secretOf);
  const keys = expected.map((s) => s.blsPublicKey);

  it('signs and verifies under the avalanchego signature DST', () => {
    const sig = signMessage(secrets[0]!, genesisSha, 'avalanchego');
    expect(sig).toMatch(/^0x[0-9a-f]{192}$/);
    expect(verifyMessage(keys[0]!, genesisSha, sig, 'avalanchego')).toBe(true);
    expect(verifyMessage(keys[1]!, genesisSha, sig, 'avalanchego')).toBe(false);
    expect(verifyMessage(keys[0]!, sha256(genesisSha), sig, 'avalanchego')).toBe(false);
    // A signature is not a proof of possession and vice versa (different DSTs).
    expect(verifyMessage(keys[0]!, Buffer.from(keys[0]!.slice(2), 'hex'), expected[0]!.proofOfPossession, 'avalanchego')).toBe(false);
    expect(verifyMessage(keys[0]!, genesisSha, sig, 'luxd')).toBe(false);
  });

  it('aggregates five signatures and verifies them against the aggregate key', () => {
    const sigs = secrets.map((s) => signMessage(s, genesisSha, 'avalanchego'));
    const aggSig = aggregateSignatures(sigs);
    const aggKey = aggregatePublicKeys(keys);
    expect(verifyAggregate(aggKey, genesisSha, aggSig, 'avalanchego')).toBe(true);
    expect(verifyAggregate(aggregatePublicKeys(keys.slice(0, 4)), genesisSha, aggSig, 'avalanchego')).toBe(false);
    expect(verifyAggregate(aggKey, sha256(genesisSha), aggSig, 'avalanchego')).toBe(false);
    expect(() => aggregateSignatures([])).toThrow(/signatures: nothing to aggregate/);
    expect(() => aggregatePublicKeys([keys[0]!, '0x1234'])).toThrow(/publicKeys\[1\]: a BLS public key is 48 bytes/);
  });
});

describe('the ratification message', () => {
  const activities = keyActivities();
  const digest = sha256(new TextEncoder().encode('{"networkID":88888}'));
  const genesisSha256 = bytesToHex(digest).slice(2);
  const secret = secretOf(expected[1]!);
  const blsPublicKey = expected[1]!.blsPublicKey;

  it('is the domain prefix, the network ID as uint32 big-endian and the 32 sha256 bytes', () => {
    const message = ratificationMessage(0x0102_0304, genesisSha256);
    const prefix = new TextEncoder().encode('regenesis/ratify-genesis/v1\n');
    expect(RATIFICATION_PREFIX).toBe('regenesis/ratify-genesis/v1\n');
    expect(message.length).toBe(prefix.length + 4 + 32);
    expect(message.subarray(0, prefix.length)).toEqual(prefix);
    expect([...message.subarray(prefix.length, prefix.length + 4)]).toEqual([1, 2, 3, 4]);
    expect(message.subarray(prefix.length + 4)).toEqual(digest);
    expect(ratificationMessage(0xffff_ffff, `0x${genesisSha256.toUpperCase()}`)).toEqual(ratificationMessage(0xffff_ffff, genesisSha256));
  });

  it('refuses inputs it cannot carry, naming the field', () => {
    for (const id of [0, -1, 2 ** 32, 1.5, Number.NaN]) expect(() => ratificationMessage(id, genesisSha256)).toThrow(/^networkId: .* is not a network ID/);
    for (const sha of ['', 'ab', `${genesisSha256}00`, 'z'.repeat(64)])
      expect(() => ratificationMessage(88888, sha)).toThrow(/^genesisSha256: .* is not a sha256/);
  });

  it('is what a ratification signs: a signature over the bare sha256 no longer verifies', async () => {
    const bare = signMessage(secret, digest, 'avalanchego');
    await expect(activities.verifyRatification({ genesisSha256, networkId: 88888, blsPublicKey, signature: bare, dialect: 'avalanchego' })).resolves.toBe(
      false,
    );
    const signature = signRatification(secret, { networkId: 88888, genesisSha256 }, 'avalanchego');
    await expect(activities.verifyRatification({ genesisSha256, networkId: 88888, blsPublicKey, signature, dialect: 'avalanchego' })).resolves.toBe(true);
    expect(verifyMessage(blsPublicKey, digest, signature, 'avalanchego')).toBe(false);
  });

  it('binds the network: a ratification for network A does not count for network B, alone or aggregated', async () => {
    const signature = signRatification(secret, { networkId: 88888, genesisSha256 }, 'avalanchego');
    await expect(activities.verifyRatification({ genesisSha256, networkId: 88889, blsPublicKey, signature, dialect: 'avalanchego' })).resolves.toBe(false);
    await expect(activities.verifyRatification({ genesisSha256, networkId: 1, blsPublicKey, signature, dialect: 'avalanchego' })).resolves.toBe(false);
    const signers = [1, 2].map((i) => ({
      blsPublicKey: expected[i]!.blsPublicKey,
      signature: signRatification(secretOf(expected[i]!), { networkId: 88888, genesisSha256 }, 'avalanchego'),
    }));
    await expect(activities.aggregateRatification({ genesisSha256, networkId: 88888, signers, dialect: 'avalanchego' })).resolves.toMatchObject({
      aggregateSignature: expect.any(String),
    });
    await expect(activities.aggregateRatification({ genesisSha256, networkId: 88889, signers, dialect: 'avalanchego' })).rejects.toMatchObject({
      type: 'RatificationFailed',
      message: expect.stringMatching(/for network 88889/),
    });
  });

  it('refuses a network ID it cannot carry as InvalidPlan, not as a bad signature', async () => {
    const signature = signRatification(secret, { networkId: 88888, genesisSha256 }, 'avalanchego');
    await expect(activities.verifyRatification({ genesisSha256, networkId: 2 ** 32, blsPublicKey, signature })).rejects.toMatchObject({
      type: 'InvalidPlan',
      message: expect.stringMatching(/^ratification: networkId: 4294967296 is not a network ID/),
    });
  });
});

describe("the key activities check under the run's dialect", () => {
  const activities = keyActivities();
  const genesisSha256 = bytesToHex(sha256(new TextEncoder().encode('{"networkID":96369}')));
  const networkId = 96369;
  const message = ratificationMessage(networkId, genesisSha256);
  const certificatePem = readFileSync(new URL('staker1.crt', AVALANCHEGO), 'utf8');
  const luxRegistration = {
    nodeId: luxStaker.nodeID,
    blsPublicKey: luxStaker.signer.publicKey,
    proofOfPossession: luxStaker.signer.proofOfPossession,
    certificatePem,
  };
  const avalanchegoRegistration = {
    nodeId: expected[0]!.nodeID,
    blsPublicKey: expected[0]!.blsPublicKey,
    proofOfPossession: expected[0]!.proofOfPossession,
    certificatePem,
  };

  it("accepts a Lux validator's published proof of possession for a luxd run only", async () => {
    await expect(activities.verifyValidatorKeys({ ...luxRegistration, dialect: 'luxd' })).resolves.toEqual({ nodeId: luxStaker.nodeID });
    await expect(activities.verifyValidatorKeys({ ...luxRegistration, dialect: 'avalanchego' })).rejects.toMatchObject({
      type: 'InvalidValidator',
      message: expect.stringMatching(/proofOfPossession does not verify .* under the avalanchego rule/),
    });
    // A run started before the dialect was passed was an avalanchego run, and is checked as one.
    await expect(activities.verifyValidatorKeys(luxRegistration)).rejects.toMatchObject({ type: 'InvalidValidator' });
  });

  it("accepts avalanchego's published proof of possession for an avalanchego run only", async () => {
    await expect(activities.verifyValidatorKeys({ ...avalanchegoRegistration, dialect: 'avalanchego' })).resolves.toEqual({ nodeId: expected[0]!.nodeID });
    await expect(activities.verifyValidatorKeys(avalanchegoRegistration)).resolves.toEqual({ nodeId: expected[0]!.nodeID });
    await expect(activities.verifyValidatorKeys({ ...avalanchegoRegistration, dialect: 'luxd' })).rejects.toMatchObject({
      type: 'InvalidValidator',
      message: expect.stringMatching(/under the luxd rule/),
    });
  });

  it('checks the genesis stakers of a primary genesis under its dialect', async () => {
    const primary = (dialect: DialectName): PrimaryGenesisPlan =>
      ({
        networkId: 96369,
        dialect,
        validators: [
          {
            certificate: certificatePem,
            blsPublicKey: luxStaker.signer.publicKey,
            proofOfPossession: luxStaker.signer.proofOfPossession,
            // The network's own HRP (lux on luxd, custom on avalanchego): only the PoP rule differs.
            rewardAddress: formatAddress('P', hrpForNetwork(96369, dialect), shortIdFromAddress(luxStaker.rewardAddress)),
            delegationFee: luxStaker.delegationFee,
          },
        ],
      }) as PrimaryGenesisPlan;
    const check = keyActivities().checkGenesisStakers;
    await expect(check({ primary: primary('luxd') })).resolves.toEqual({
      validators: 1,
      stakers: [{ nodeId: luxStaker.nodeID, blsPublicKey: luxStaker.signer.publicKey }],
    });
    await expect(check({ primary: primary('avalanchego') })).rejects.toMatchObject({
      type: 'InvalidGenesis',
      message: expect.stringMatching(/proofOfPossession: does not verify for its publicKey under the avalanchego rule/),
    });
  });

  it("accepts a ratification signed under the run's signature rule and refuses the other", async () => {
    // Staker1's BLS key is the Lux test staker's: the same key signs for either network.
    const onLux = localStaker(1, 'luxd');
    const onAvalanche = localStaker(1, 'avalanchego');
    expect(onLux.blsPublicKey).toBe(luxStaker.signer.publicKey);
    expect(onLux.proofOfPossession).toBe(luxStaker.signer.proofOfPossession);
    const ratification = (signature: string, dialect?: DialectName) =>
      activities.verifyRatification({ genesisSha256, networkId, blsPublicKey: onLux.blsPublicKey, signature, ...(dialect ? { dialect } : {}) });

    await expect(ratification(onLux.sign(message), 'luxd')).resolves.toBe(true);
    await expect(ratification(onLux.sign(message), 'avalanchego')).resolves.toBe(false);
    await expect(ratification(onLux.sign(message))).resolves.toBe(false);
    await expect(ratification(onAvalanche.sign(message), 'avalanchego')).resolves.toBe(true);
    await expect(ratification(onAvalanche.sign(message), 'luxd')).resolves.toBe(false);
  });

  it("aggregates ratifications under the run's signature rule and refuses the other", async () => {
    const signedUnder = (dialect: DialectName) =>
      ([1, 2, 3] as const).map((n) => localStaker(n, dialect)).map((v) => ({ blsPublicKey: v.blsPublicKey, signature: v.sign(message) }));
    const signers = { luxd: signedUnder('luxd'), avalanchego: signedUnder('avalanchego') };
    const aggregate = (dialect: DialectName, signed: DialectName) =>
      activities.aggregateRatification({ genesisSha256, networkId, signers: signers[signed], dialect });

    const lux = await aggregate('luxd', 'luxd');
    expect(verifyAggregate(lux.aggregatePublicKey, message, lux.aggregateSignature, 'luxd')).toBe(true);
    await expect(aggregate('avalanchego', 'luxd')).rejects.toMatchObject({
      type: 'RatificationFailed',
      message: expect.stringMatching(/under the avalanchego rule/),
    });
    await expect(activities.aggregateRatification({ genesisSha256, networkId, signers: signers.luxd })).rejects.toMatchObject({ type: 'RatificationFailed' });

    await expect(aggregate('avalanchego', 'avalanchego')).resolves.toMatchObject({ aggregateSignature: expect.stringMatching(/^0x[0-9a-f]{192}$/) });
    await expect(aggregate('luxd', 'avalanchego')).rejects.toMatchObject({ type: 'RatificationFailed', message: expect.stringMatching(/under the luxd rule/) });
  });
});

describe('staker certificates', () => {
  const pem = readFileSync(new URL('staker1.crt', AVALANCHEGO), 'utf8');
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const keyForms: Array<[string, string | Uint8Array]> = [
    ['PKCS#8 PEM', ec.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string],
    ['SEC1 PEM', ec.privateKey.export({ format: 'pem', type: 'sec1' }) as string],
    ['PKCS#1 PEM', rsa.privateKey.export({ format: 'pem', type: 'pkcs1' }) as string],
    ['PKCS#8 DER', new Uint8Array(ec.privateKey.export({ format: 'der', type: 'pkcs8' }))],
    ['SEC1 DER', new Uint8Array(ec.privateKey.export({ format: 'der', type: 'sec1' }))],
    ['PKCS#1 DER', new Uint8Array(rsa.privateKey.export({ format: 'der', type: 'pkcs1' }))],
    ['certificate followed by its key', `${pem}\n${ec.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string}`],
  ];

  it.each(keyForms)('refuses a private key (%s) and never echoes it', (_, key) => {
    let message = '';
    try {
      readCertificate(key, 'validators[2].certificate');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^validators\[2\]\.certificate: contains a private key; a certificate \(staker\.crt\) is expected/);
    expect(message).toMatch(/Private keys never reach the coordinator/);
    const body = typeof key === 'string' ? key : Buffer.from(key).toString('base64');
    const keyMaterial = body.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    for (let i = 0; i + 16 <= keyMaterial.length; i += 16) expect(message).not.toContain(keyMaterial.slice(i, i + 16));
    expect(message).not.toMatch(/[0-9a-f]{32}/i);
  });

  it('refuses what is not a certificate, naming the source', () => {
    const spki = ec.publicKey.export({ format: 'pem', type: 'spki' }) as string;
    expect(() => readCertificate(spki, 'staker.crt')).toThrow(/^staker\.crt: no "-----BEGIN CERTIFICATE-----" block/);
    expect(() => readCertificate(new Uint8Array([1, 2, 3]), 'staker.crt')).toThrow(/^staker\.crt: not an X\.509 certificate/);
    expect(() => readCertificate(`${pem}${pem}`, 'bundle.pem')).toThrow(/bundle\.pem: holds 2 certificates/);
  });
});

describe('addresses', () => {
  it('uses the HRP each dialect assigns to a network ID', () => {
    expect(hrpForNetwork(1, 'avalanchego')).toBe('avax');
    expect(hrpForNetwork(5, 'avalanchego')).toBe('fuji');
    expect(hrpForNetwork(12345, 'avalanchego')).toBe('local');
    expect(hrpForNetwork(424242, 'avalanchego')).toBe('custom');
    expect(hrpForNetwork(96369, 'luxd')).toBe('lux');
    expect(hrpForNetwork(1, 'luxd')).toBe('lux');
    expect(hrpForNetwork(2, 'luxd')).toBe('test');
    expect(hrpForNetwork(3, 'luxd')).toBe('dev');
    expect(hrpForNetwork(1337, 'luxd')).toBe('local');
    expect(hrpForNetwork(12345, 'luxd')).toBe('custom');
  });

  it('reads a short ID from an address and formats it back under any chain alias and HRP', () => {
    const local = parseAddress('X-local18jma8ppw3nhx5r4ap8clazz0dps7rv5u00z96u');
    expect(local).toMatchObject({ chain: 'X', hrp: 'local' });
    expect(formatAddress('X', 'local', local.shortId)).toBe('X-local18jma8ppw3nhx5r4ap8clazz0dps7rv5u00z96u');
    // The checksum covers the HRP: the same short ID on Lux mainnet ends differently.
    const lux = formatAddress('P', 'lux', local.shortId);
    expect(lux).toBe('P-lux18jma8ppw3nhx5r4ap8clazz0dps7rv5uv98e28');
    expect(parseAddress(lux)).toMatchObject({ chain: 'P', hrp: 'lux', shortId: local.shortId });
    expect(shortIdFromAddress('P-lux1qsrd262r5w9dswv2wwzj0un79ncpwvdgkpqzqu').length).toBe(20);
  });

  it('diagnoses an HRP edited by hand (luxfi/genesis mainnet files carry such an address)', () => {
    // "local" swapped for "lux" in front of the local address's data and checksum.
    expect(() => parseAddress('P-lux18jma8ppw3nhx5r4ap8clazz0dps7rv5u00z96u', 'allocations[0].luxAddr')).toThrow(
      /allocations\[0\]\.luxAddr: .* is not valid bech32 .*its checksum is the one of HRP "local"/,
    );
  });

  it('refuses malformed addresses naming the field', () => {
    expect(() => parseAddress('X-local18jma8ppw3nhx5r4ap8clazz0dps7rv5u00z96v', 'allocations[0].avaxAddr')).toThrow(
      /allocations\[0\]\.avaxAddr: .* is not valid bech32/,
    );
    expect(() => parseAddress('local18jma8ppw3nhx5r4ap8clazz0dps7rv5u00z96u', 'a')).toThrow(/a: expected "X-…", "P-…" or "C-…"/);
    expect(() => formatAddress('X', 'avax', new Uint8Array(19))).toThrow(/20 bytes/);
  });

  it('checks EIP-55 checksums like ethers', () => {
    for (const address of [
      '0x8db97C7cEcE249c2b98bDC0226Cc4C2A57BF52FC',
      '0xb3d82b1367d362de99ab59a658165aff520cbd4d',
      '0xcd3B766CCDd6AE721141F452C550Ca635964ce71',
    ]) {
      expect(checksumEvmAddress(address)).toBe(getAddress(address));
      expect(parseEvmAddress(address).length).toBe(20);
    }
    expect(() => parseEvmAddress('0x8db97c7cEcE249c2b98bDC0226Cc4C2A57BF52FC', 'allocations[1].ethAddr')).toThrow(
      /allocations\[1\]\.ethAddr: .* fails its EIP-55 checksum/,
    );
    expect(() => parseEvmAddress('0x1234', 'e')).toThrow(/e: expected 0x followed by 40 hex digits/);
  });
});

describe('node dialects', () => {
  it('are data', () => {
    expect(DIALECTS.avalanchego).toMatchObject({ apiPrefixes: ['/ext'], xChainService: 'avm', subnetFields: ['subnetID'], defaultPort: 9650 });
    expect(DIALECTS.luxd).toMatchObject({ apiPrefixes: ['/v1', '/ext'], xChainService: 'xvm', subnetFields: ['netID', 'subnetID'], defaultPort: 9630 });
  });

  it('detects the allocation field style of each vector genesis', () => {
    const read = (url: URL): unknown => JSON.parse(readFileSync(url, 'utf8'));
    expect(detectAllocationStyle(read(new URL('genesis_local.json', AVALANCHEGO)))).toBe('avaxAddr');
    expect(detectAllocationStyle(read(new URL('node-repo--genesis_local.json', LUXFI)))).toBe('luxAddr');
    expect(detectAllocationStyle(read(new URL('genesis-repo--mainnet-genesis.json', LUXFI)))).toBe('luxAddr');
    expect(detectAllocationStyle({ allocations: [{ evmAddr: '0x', utxoAddr: 'P-lux1…' }] })).toBe('utxoAddr');
  });

  it('refuses ambiguity', () => {
    expect(() =>
      detectAllocationStyle({
        allocations: [
          { ethAddr: '0x', avaxAddr: 'X' },
          { ethAddr: '0x', luxAddr: 'X' },
        ],
      }),
    ).toThrow(/genesis\.allocations: ambiguous field style \(avaxAddr at allocations\[0\]; luxAddr at allocations\[1\]\)/);
    expect(() => detectAllocationStyle({ allocations: [{ ethAddr: '0x', luxAddr: 'X', utxoAddr: 'X' }] })).toThrow(
      /allocations\[0\]: mixes luxAddr and utxoAddr/,
    );
    expect(() => detectAllocationStyle({ allocations: [] })).toThrow(/missing or empty/);
    expect(() => detectAllocationStyle({ allocations: [{ ethAddr: '0x' }] })).toThrow(/allocations\[0\]: has none of/);
  });
});
