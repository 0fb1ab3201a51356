import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { LocalArtifactStore } from '../../src/artifacts/store.js';
import { formatAddress, shortIdFromAddress } from '../../src/keys/address.js';
import { nodeIdFromCertificate, readCertificate } from '../../src/keys/certificate.js';
import { MAX_STAKER_CERTIFICATE_BYTES, stakerCertificateProblems } from '../../src/keys/stakerCertificate.js';
import { parsePlan } from '../../src/plan/index.js';
import { genesisActivities } from '../../activities/genesis.js';
import { keyActivities } from '../../activities/keys.js';
import { primaryPlanInput } from '../helpers/primaryPlan.js';

/**
 * A genesis staker's certificate must be one the nodes accept as a staking certificate (RSA-2048/
 * 4096 with e = 65537 or ECDSA P-256, at most 2 KiB) and be valid from now until the genesis start
 * time. Fixtures: test/fixtures/certificates/PROVENANCE.md.
 */
const CERTS = new URL('../fixtures/certificates/', import.meta.url);
const AVALANCHEGO = new URL('../fixtures/vectors/avalanchego-v1.14.0/', import.meta.url);
const pem = (name: string): string => readFileSync(new URL(`${name}.crt`, CERTS), 'utf8');
const der = (name: string): Uint8Array => readCertificate(pem(name), name);
const nodeIdOf = (name: string): string => nodeIdFromCertificate(der(name));
const seconds = (iso: string): number => Date.parse(iso) / 1000;

const NOW = seconds('2026-06-01T00:00:00Z');
const IN_A_MONTH = { now: NOW, startTime: NOW + 30 * 86_400 };

const ACCEPTED = 'staking accepts RSA with a 2048- or 4096-bit modulus and exponent 65537, or ECDSA on P-256';

describe('staker certificate rules', () => {
  it.each(['p256', 'rsa4096'])('accepts %s, valid from before now to after the start time', (name) => {
    expect(stakerCertificateProblems(der(name), IN_A_MONTH)).toEqual([]);
  });

  it.each([
    ['ed25519', `its key is Ed25519; ${ACCEPTED}`],
    ['rsa1024', `its key is RSA-1024; ${ACCEPTED}`],
    // avalanchego allows exactly two modulus sizes, not "2048 or more".
    ['rsa3072', `its key is RSA-3072; ${ACCEPTED}`],
    ['rsa2048-e3', `its RSA key has public exponent 3; ${ACCEPTED}`],
    ['p384', `its key is ECDSA on P-384 (secp384r1); ${ACCEPTED}`],
  ])('refuses %s for its key', (name, reason) => {
    expect(stakerCertificateProblems(der(name), IN_A_MONTH)).toEqual([reason]);
  });

  it('refuses a certificate over 2 KiB, which the node would not parse', () => {
    const oversize = der('oversize');
    expect(oversize.byteLength).toBe(2361);
    expect(stakerCertificateProblems(oversize, IN_A_MONTH)).toEqual([
      `is 2361 bytes of DER; nodes refuse staking certificates over ${MAX_STAKER_CERTIFICATE_BYTES} bytes`,
    ]);
  });

  it('refuses a certificate that expires before the start time, and says when each is', () => {
    expect(stakerCertificateProblems(der('expired'), IN_A_MONTH)).toEqual(['expires 2001-01-01T00:00:00Z, before the genesis start time 2026-07-01T00:00:00Z']);
    // p256.crt's notAfter is 2120-01-01T00:00:00Z: valid through that second, not after it.
    const notAfter = seconds('2120-01-01T00:00:00Z');
    expect(stakerCertificateProblems(der('p256'), { now: NOW, startTime: notAfter })).toEqual([]);
    expect(stakerCertificateProblems(der('p256'), { now: NOW, startTime: notAfter + 1 })).toEqual([
      'expires 2120-01-01T00:00:00Z, before the genesis start time 2120-01-01T00:00:01Z',
    ]);
  });

  it('holds the dates to now while the start time is not known yet', () => {
    expect(stakerCertificateProblems(der('expired'), { now: NOW })).toEqual(['expired 2001-01-01T00:00:00Z; it is now 2026-06-01T00:00:00Z']);
    expect(stakerCertificateProblems(der('p256'), { now: seconds('2120-01-01T00:00:01Z') })).toEqual([
      'expired 2120-01-01T00:00:00Z; it is now 2120-01-01T00:00:01Z',
    ]);
    expect(stakerCertificateProblems(der('p256'), { now: NOW })).toEqual([]);
  });

  it('refuses a certificate that is not valid yet', () => {
    expect(stakerCertificateProblems(der('not-yet-valid'), IN_A_MONTH)).toEqual(['is not valid before 2200-01-01T00:00:00Z; it is now 2026-06-01T00:00:00Z']);
    const notBefore = seconds('2200-01-01T00:00:00Z');
    expect(stakerCertificateProblems(der('not-yet-valid'), { now: notBefore, startTime: notBefore + 60 })).toEqual([]);
  });

  it('lists every reason a certificate has', () => {
    // rsa1024.crt is valid 2020–2120: in 2200 it has lapsed as well as having the wrong key.
    expect(stakerCertificateProblems(der('rsa1024'), { now: seconds('2200-01-01T00:00:00Z') })).toEqual([
      `its key is RSA-1024; ${ACCEPTED}`,
      'expired 2120-01-01T00:00:00Z; it is now 2200-01-01T00:00:00Z',
    ]);
  });

  describe('the avalanchego v1.14.0 local stakers', () => {
    it.each([1, 2, 3, 4, 5])('staker%i.crt (RSA-4096, valid 2019 to 3019) passes', (i) => {
      const cert = readCertificate(readFileSync(new URL(`staker${i}.crt`, AVALANCHEGO), 'utf8'), `staker${i}.crt`);
      expect(stakerCertificateProblems(cert, IN_A_MONTH)).toEqual([]);
      // Their notAfter is in July 3019: the first start time they would not cover is a millennium away.
      expect(stakerCertificateProblems(cert, { now: NOW, startTime: seconds('3019-07-11T00:00:00Z') })).toHaveLength(1);
    });
  });
});

const expected = JSON.parse(readFileSync(new URL('expected.json', AVALANCHEGO), 'utf8')) as Array<{ blsPublicKey: string; proofOfPossession: string }>;
const REWARD = formatAddress('X', 'custom', shortIdFromAddress('X-local18jma8ppw3nhx5r4ap8clazz0dps7rv5u00z96u'));

/** A parsed plan whose primary genesis has one staker per certificate, each with its own BLS key. */
function planWith(certificates: string[], startTime: unknown) {
  const validators = certificates.map((certificate, i) => ({
    certificate,
    blsPublicKey: expected[i]!.blsPublicKey,
    proofOfPossession: expected[i]!.proofOfPossession,
    rewardAddress: REWARD,
  }));
  return parsePlan(primaryPlanInput({ startTime, networkId: 88_888, validators }), NOW);
}

describe('genesis stakers at preflight and at the genesis build', () => {
  const staker1 = readFileSync(new URL('staker1.crt', AVALANCHEGO), 'utf8');
  const activities = (now: number) => ({ ...keyActivities(() => now), ...genesisActivities(new LocalArtifactStore(tmpdir()), () => now) });

  it('refuses, as InvalidValidator, a staker whose certificate expires before a fixed start time, naming its index and NodeID', async () => {
    const plan = planWith([staker1, pem('p256'), pem('expired')], '2026-07-01T00:00:00Z');
    await expect(activities(NOW).checkGenesisStakers({ primary: plan.genesis.primary!, startTime: plan.genesis.startTime })).rejects.toMatchObject({
      type: 'InvalidValidator',
      message: `plan.genesis.primary.validators[2] (${nodeIdOf('expired')}).certificate: expires 2001-01-01T00:00:00Z, before the genesis start time 2026-07-01T00:00:00Z`,
    });
  });

  it('names every refused staker and its reason in one failure', async () => {
    const plan = planWith([pem('ed25519'), staker1, pem('p384'), pem('not-yet-valid')], NOW + 3600);
    const refused = activities(NOW).checkGenesisStakers({ primary: plan.genesis.primary!, startTime: plan.genesis.startTime });
    await expect(refused).rejects.toMatchObject({
      type: 'InvalidValidator',
      message: [
        `plan.genesis.primary.validators[0] (${nodeIdOf('ed25519')}).certificate: its key is Ed25519; ${ACCEPTED}`,
        `plan.genesis.primary.validators[2] (${nodeIdOf('p384')}).certificate: its key is ECDSA on P-384 (secp384r1); ${ACCEPTED}`,
        `plan.genesis.primary.validators[3] (${nodeIdOf('not-yet-valid')}).certificate: is not valid before 2200-01-01T00:00:00Z; it is now 2026-06-01T00:00:00Z`,
      ].join('; '),
    });
  });

  it('accepts good certificates and returns the stakers by NodeID', async () => {
    const plan = planWith([staker1, pem('p256'), pem('rsa4096')], '2026-07-01T00:00:00Z');
    const accepted = await activities(NOW).checkGenesisStakers({ primary: plan.genesis.primary!, startTime: plan.genesis.startTime });
    expect(accepted.stakers.map((s) => s.nodeId)).toEqual(['NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg', nodeIdOf('p256'), nodeIdOf('rsa4096')]);
  });

  it('with a start time relative to the freeze, holds the dates to now at preflight and to the start time at the build', async () => {
    // p256.crt lapses at 2120-01-01T00:00:00Z; the network would start a day after a freeze half a day before that.
    const now = seconds('2119-12-31T12:00:00Z');
    const plan = planWith([pem('p256')], { afterFreezeSeconds: 86_400 });
    const primary = plan.genesis.primary!;
    const run = activities(now);
    await expect(run.checkGenesisStakers({ primary, startTime: plan.genesis.startTime })).resolves.toMatchObject({ validators: 1 });
    // The certificates are refused before any export is read: these exports do not exist.
    const build = run.buildPrimaryGenesis({ runKey: 'r', primary, startTime: now + 86_400, pChain: {} as never, cGenesis: { path: 'none', sha256: '' } });
    await expect(build).rejects.toMatchObject({
      type: 'InvalidValidator',
      message: `plan.genesis.primary.validators[0] (${nodeIdOf('p256')}).certificate: expires 2120-01-01T00:00:00Z, before the genesis start time 2120-01-01T12:00:00Z`,
    });
  });
});
