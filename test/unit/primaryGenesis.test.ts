import { describe, expect, it } from 'vitest';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { proofOfPossession, publicKeyFromSecret } from '../../src/keys/bls.js';
import {
  buildPrimaryGenesis,
  parseJson,
  parsePrimaryGenesis,
  PrimaryGenesisError,
  primaryGenesisSha256,
  primaryGenesisToInput,
  serializePrimaryGenesis,
  splitStakeWeights,
  stringifyJson,
  type PrimaryGenesisInput,
  type ValidatorInput,
} from '../../src/genesis/primary/index.js';

const VECTORS = new URL('../fixtures/vectors/', import.meta.url);
const AVALANCHEGO = new URL('avalanchego-v1.14.0/', VECTORS);
const LUXFI = new URL('luxfi/', VECTORS);

const localText = readFileSync(new URL('genesis_local.json', AVALANCHEGO), 'utf8');
const localFile = parseJson(localText) as {
  networkID: number;
  allocations: Array<{
    ethAddr: string;
    avaxAddr: string;
    initialAmount: number | bigint;
    unlockSchedule: Array<{ amount: number | bigint; locktime?: number | bigint }>;
  }>;
  startTime: number;
  initialStakeDuration: number;
  initialStakeDurationOffset: number;
  initialStakedFunds: string[];
  initialStakers: Array<{ nodeID: string; rewardAddress: string; delegationFee: number }>;
  cChainGenesis: string;
  message: string;
};

const secret = (n: number): Uint8Array => new Uint8Array(readFileSync(new URL(`signer${n}.key`, AVALANCHEGO)));
const certificate = (n: number): string => readFileSync(new URL(`staker${n}.crt`, AVALANCHEGO), 'utf8');
const STAKERS = [1, 2, 3, 4, 5] as const;
/** Computed once: each proof of possession costs a hash-to-curve and a scalar multiplication. */
const SIGNERS = STAKERS.map((n) => ({ publicKey: publicKeyFromSecret(secret(n)), proofOfPossession: proofOfPossession(secret(n), 'avalanchego') }));

/** The upstream file's parts, with the validator set rebuilt from certificates and BLS keys. */
function localInput(): PrimaryGenesisInput {
  return {
    dialect: 'avalanchego',
    networkID: localFile.networkID,
    allocations: localFile.allocations.map((a) => ({
      evmAddress: a.ethAddr,
      utxoAddress: a.avaxAddr,
      initialAmount: a.initialAmount,
      unlockSchedule: a.unlockSchedule.map((u) => ({ ...u })),
    })),
    startTime: localFile.startTime,
    initialStakeDuration: localFile.initialStakeDuration,
    initialStakeDurationOffset: localFile.initialStakeDurationOffset,
    initialStakedFunds: [...localFile.initialStakedFunds],
    validators: STAKERS.map(
      (n, i): ValidatorInput => ({
        certificate: certificate(n),
        rewardAddress: localFile.initialStakers[i]!.rewardAddress,
        delegationFee: localFile.initialStakers[i]!.delegationFee,
        signer: { ...SIGNERS[i]! },
      }),
    ),
    cChainGenesis: localFile.cChainGenesis,
    message: localFile.message,
  };
}

function sha256Hex(text: string): string {
  return `0x${createHash('sha256').update(text).digest('hex')}`;
}

/** Runs a build expected to fail; returns the error so the test can check what it names. */
function refused(build: () => unknown): PrimaryGenesisError {
  let result: unknown;
  try {
    result = build();
  } catch (error) {
    expect(error).toBeInstanceOf(PrimaryGenesisError);
    return error as PrimaryGenesisError;
  }
  throw new Error(`expected a refusal, got a genesis: ${String(result).slice(0, 40)}`);
}

describe('avalanchego primary genesis (genesis_local.json, v1.14.0)', () => {
  it("built from its parts plus the stakers' certificates and BLS keys, equals the upstream file", () => {
    const built = buildPrimaryGenesis(localInput());
    const text = serializePrimaryGenesis(built);
    expect(parseJson(text)).toEqual(localFile);
    // Same key order and layout as upstream, so the bytes (and the sha256) are identical too.
    expect(text).toBe(localText);
    expect(primaryGenesisSha256(built)).toBe(sha256Hex(localText));
    expect(built.initialStakers.map((s) => s.nodeID)).toEqual(localFile.initialStakers.map((s) => s.nodeID));
  });

  it('keeps the stakers in input order (upstream does not sort them: order sets stake end times)', () => {
    const input = localInput();
    input.validators.reverse();
    const built = buildPrimaryGenesis(input);
    expect(built.initialStakers.map((s) => s.nodeID)).toEqual(localFile.initialStakers.map((s) => s.nodeID).reverse());
  });

  it('parse → input → build → serialize reproduces the file byte for byte', () => {
    const parsed = parsePrimaryGenesis(localText);
    expect(parsed).toMatchObject({ style: 'avaxAddr', dialect: 'avalanchego', hrp: 'local' });
    expect(serializePrimaryGenesis(buildPrimaryGenesis(primaryGenesisToInput(parsed)))).toBe(localText);
  });

  it('is deterministic: same input, same bytes, whatever the key order of the input objects', () => {
    const a = localInput();
    const b = localInput();
    b.allocations = b.allocations.map(({ unlockSchedule, initialAmount, utxoAddress, evmAddress }) => ({
      unlockSchedule: unlockSchedule.map(({ locktime, amount }) => (locktime === undefined ? { amount } : { locktime, amount })),
      initialAmount: BigInt(initialAmount),
      utxoAddress,
      evmAddress,
    }));
    expect(primaryGenesisSha256(buildPrimaryGenesis(b))).toBe(primaryGenesisSha256(buildPrimaryGenesis(a)));
  });

  it("derives each staker's weight by the upstream split and cross-checks a given weight", () => {
    // Staked: X-local1g65u… with one unlock of 1e16, split over five stakers.
    const input = localInput();
    for (const v of input.validators) v.weight = 2_000_000_000_000_000n;
    expect(() => buildPrimaryGenesis(input)).not.toThrow();
    input.validators[1]!.weight = '2000000000000001';
    const error = refused(() => buildPrimaryGenesis(input));
    expect(error.message).toMatch(
      /input\.validators\[1\] \(NodeID-MFrZFVCXPv5iCn6M9K6XduxGTYp891xXZ\)\.weight: expected 2000000000000001, the staked allocations give it 2000000000000000/,
    );
    expect(splitStakeWeights([{ unlockAmounts: [10n] }, { unlockAmounts: [3n, 4n] }], 3)).toEqual([5n, 5n, 7n]);
    expect(splitStakeWeights([{ unlockAmounts: [1n] }], 2)).toEqual([0n, 1n]);
  });
});

describe('luxd-dialect primary genesis files (luxfi vectors)', () => {
  it('node-repo genesis_local.json (luxAddr, stakers without signer) round-trips', () => {
    const text = readFileSync(new URL('node-repo--genesis_local.json', LUXFI), 'utf8');
    const parsed = parsePrimaryGenesis(text);
    // 12345 is avalanchego's local ID; luxd maps it to "custom", so the file's HRP is carried explicitly.
    expect(parsed).toMatchObject({ style: 'luxAddr', dialect: 'luxd', hrp: 'local' });
    const input = primaryGenesisToInput(parsed);
    // New genesis files must bind a BLS key to every staker; this legacy file does not.
    expect(refused(() => buildPrimaryGenesis(input)).message).toMatch(/input\.validators\[0\] \(NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg\)\.signer: required/);
    const built = buildPrimaryGenesis(input, { allowStakersWithoutSigner: true });
    const out = serializePrimaryGenesis(built);
    expect(parseJson(out)).toEqual(parseJson(text));
    expect(out).toBe(text);
  });

  it('genesis-repo mainnet-genesis.json (luxAddr + xChainGenesis) round-trips through parse → serialize, and the builder refuses its mis-encoded address', () => {
    const text = readFileSync(new URL('genesis-repo--mainnet-genesis.json', LUXFI), 'utf8');
    const parsed = parsePrimaryGenesis(text);
    expect(parsed).toMatchObject({ style: 'luxAddr', dialect: 'luxd', hrp: 'lux' });
    expect(parsed.genesis.xChainGenesis).toMatch(/^\{"allocations"/);
    expect(parseJson(serializePrimaryGenesis(parsed.genesis, { indent: 2, trailingNewline: false }))).toEqual(parseJson(text));
    // P-lux18jma8…00z96u is the local address's data and checksum behind a hand-edited HRP:
    // it is not valid bech32, and luxd's fallback would credit bytes of the string, not a key.
    const error = refused(() => buildPrimaryGenesis(primaryGenesisToInput(parsed), { allowStakersWithoutSigner: true }));
    expect(error.message).toMatch(
      /input\.allocations\[0\]\.utxoAddress: "P-lux18jma8ppw3nhx5r4ap8clazz0dps7rv5u00z96u" is not valid bech32 .*checksum is the one of HRP "local"/,
    );
    expect(error.issues.map((i) => i.field)).toEqual(
      expect.arrayContaining(['input.initialStakedFunds[0]', 'input.validators[0] (NodeID-5KqnQfaFQxY9rsFBAa68377qWSherYLQ7).rewardAddress']),
    );
  });

  it('per-chain fragments (mainnet-P / mainnet-X) are not primary genesis files and are refused by name', () => {
    const p = readFileSync(new URL('genesis-repo--mainnet-P-genesis.json', LUXFI), 'utf8');
    expect(() => parsePrimaryGenesis(p, 'mainnet-P-genesis.json')).toThrow(/mainnet-P-genesis\.json\.cChainGenesis: required/);
    const x = readFileSync(new URL('genesis-repo--mainnet-X-genesis.json', LUXFI), 'utf8');
    const error = (() => {
      try {
        parsePrimaryGenesis(x, 'mainnet-X-genesis.json');
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a refusal');
    })();
    expect(error.message).toMatch(/mainnet-X-genesis\.json\.allocations\[0\]\.ethAddr: required/);
    expect(error.message).toMatch(/mainnet-X-genesis\.json\.cChainGenesis: required/);
  });

  it('writes the newer utxoAddr/evmAddr style with the luxd PoP rule, and reads it back', () => {
    const luxStaker = JSON.parse(readFileSync(new URL('genesis-repo--test-staking-keys-genesis-staker.json', LUXFI), 'utf8')) as {
      rewardAddress: string;
      delegationFee: number;
      signer: { publicKey: string; proofOfPossession: string };
    };
    const input: PrimaryGenesisInput = {
      dialect: 'luxd',
      networkID: 1,
      allocations: [
        {
          evmAddress: '0x8db97C7cEcE249c2b98bDC0226Cc4C2A57BF52FC',
          utxoAddress: luxStaker.rewardAddress,
          initialAmount: 0,
          unlockSchedule: [{ amount: '18446744073709551615', locktime: 0 }],
        },
      ],
      startTime: 1754362800,
      initialStakeDuration: 31536000,
      initialStakeDurationOffset: 5400,
      initialStakedFunds: [luxStaker.rewardAddress],
      validators: [{ certificate: certificate(1), rewardAddress: luxStaker.rewardAddress, delegationFee: luxStaker.delegationFee, signer: luxStaker.signer }],
      cChainGenesis: '{"config":{"chainId":96369}}',
      message: 'regenesis',
    };
    const built = buildPrimaryGenesis(input);
    const text = serializePrimaryGenesis(built);
    expect(text).toContain('"evmAddr": "0x8db97C7cEcE249c2b98bDC0226Cc4C2A57BF52FC",\n\t\t\t"utxoAddr": "P-lux1qsrd262r5w9dswv2wwzj0un79ncpwvdgkpqzqu"');
    expect(text).toContain('"amount": 18446744073709551615');
    const parsed = parsePrimaryGenesis(text);
    expect(parsed).toMatchObject({ style: 'utxoAddr', dialect: 'luxd', hrp: 'lux' });
    expect(serializePrimaryGenesis(buildPrimaryGenesis(primaryGenesisToInput(parsed)))).toBe(text);

    // The same staker's PoP is not a proof under avalanchego's rule.
    const error = refused(() => buildPrimaryGenesis({ ...input, dialect: 'avalanchego', allocationStyle: undefined, hrp: 'lux' }));
    expect(error.message).toMatch(
      /input\.validators\[0\] \(NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg\)\.signer\.proofOfPossession: does not verify .* under the avalanchego rule/,
    );
  });
});

describe('lossless JSON', () => {
  it('keeps uint64 values exact and formats like JSON.stringify', () => {
    const value = parseJson('{"a": 18446744073709551615, "b": 9007199254740991, "c": [1.5, -2, "x\\u00e9"], "d": {}}');
    expect(value).toEqual({ a: 18446744073709551615n, b: 9007199254740991, c: [1.5, -2, 'x\u00e9'], d: {} });
    const plain = { n: 1, s: 'q"', l: [true, null, { e: [] }], o: {} };
    for (const indent of ['\t', 2, '']) expect(stringifyJson(plain, indent)).toBe(JSON.stringify(plain, null, indent));
    expect(stringifyJson({ big: 2n ** 64n - 1n }, '')).toBe('{"big":18446744073709551615}');
  });

  it('refuses duplicate keys and trailing garbage', () => {
    expect(() => parseJson('{"a": 1, "a": 2}')).toThrow(/duplicate key "a"/);
    expect(() => parseJson('{} x')).toThrow(/trailing characters/);
  });
});

describe('refusals: each names the offending validator or field, and nothing is returned', () => {
  it('duplicate NodeID', () => {
    const input = localInput();
    input.validators[3] = { ...input.validators[3]!, certificate: undefined, nodeID: 'NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg' };
    expect(refused(() => buildPrimaryGenesis(input)).message).toMatch(
      /input\.validators\[3\] \(NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg\)\.nodeID: duplicate NodeID: also input\.validators\[0\]/,
    );
  });

  it('NodeID that does not match the given certificate', () => {
    const input = localInput();
    input.validators[0]!.nodeID = 'NodeID-MFrZFVCXPv5iCn6M9K6XduxGTYp891xXZ';
    expect(refused(() => buildPrimaryGenesis(input)).message).toMatch(
      /input\.validators\[0\] \(NodeID-MFrZFVCXPv5iCn6M9K6XduxGTYp891xXZ\)\.nodeID: does not match its certificate, which belongs to NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg/,
    );
  });

  it('invalid proof of possession', () => {
    const input = localInput();
    input.validators[2]!.signer = { ...input.validators[2]!.signer!, proofOfPossession: proofOfPossession(secret(3), 'luxd') };
    const error = refused(() => buildPrimaryGenesis(input));
    expect(error.issues).toEqual([
      {
        field: 'input.validators[2] (NodeID-NFBbbJ4qCmNaCzeW7sxErhvWqvEQMnYcN).signer.proofOfPossession',
        message: 'does not verify for its publicKey under the avalanchego rule (DST BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_)',
      },
    ]);
  });

  it('malformed BLS key', () => {
    const input = localInput();
    input.validators[1]!.signer = { ...input.validators[1]!.signer!, publicKey: '0x1234' };
    expect(refused(() => buildPrimaryGenesis(input)).issues[0]).toEqual({
      field: 'input.validators[1] (NodeID-MFrZFVCXPv5iCn6M9K6XduxGTYp891xXZ).signer.publicKey',
      message: 'a BLS public key is 48 bytes (compressed G1), got 2',
    });
  });

  it('zero weight, given or derived', () => {
    const given = localInput();
    given.validators[4]!.weight = 0;
    expect(refused(() => buildPrimaryGenesis(given)).message).toMatch(
      /input\.validators\[4\] \(NodeID-P7oB2McjBGgW2NXXWVYjV8JEDFoW9xDE5\)\.weight: must be non-zero/,
    );
    // Stake only an allocation that locks nothing: no staker gets any weight.
    const derived = localInput();
    derived.allocations[1]!.unlockSchedule = [];
    derived.initialStakedFunds = [derived.allocations[1]!.utxoAddress];
    const error = refused(() => buildPrimaryGenesis(derived));
    expect(error.issues.filter((i) => /\.weight$/.test(i.field))).toHaveLength(5);
    expect(error.message).toMatch(/input\.validators\[0\] \(NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg\)\.weight: is zero/);
  });

  it('zero amounts', () => {
    const input = localInput();
    input.allocations[2]!.unlockSchedule[0]!.amount = 0;
    expect(refused(() => buildPrimaryGenesis(input)).message).toMatch(/input\.allocations\[2\]\.unlockSchedule\[0\]\.amount: must be non-zero/);
  });

  it('BLS key shared by two validators', () => {
    const input = localInput();
    input.validators[3]!.signer = { ...input.validators[0]!.signer! };
    const error = refused(() => buildPrimaryGenesis(input));
    expect(error.issues).toEqual([
      {
        field: 'input.validators[3] (NodeID-GWPcbFJZFfZreETSoWjPimr846mXEKCtu).signer.publicKey',
        message: 'BLS public key already used by input.validators[0]; every validator needs its own key',
      },
    ]);
  });

  it('a private key PEM where a certificate is expected', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const input = localInput();
    input.validators[4]!.certificate = pem;
    const error = refused(() => buildPrimaryGenesis(input));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]!.field).toBe('input.validators[4].certificate');
    expect(error.issues[0]!.message).toMatch(
      /^contains a private key; a certificate \(staker\.crt\) is expected here\. Private keys never reach the coordinator/,
    );
    const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    for (let i = 0; i + 12 <= body.length; i += 12) expect(error.message).not.toContain(body.slice(i, i + 12));
  });

  it('addresses of another network', () => {
    const input = localInput();
    input.validators[0]!.rewardAddress = 'X-avax18jma8ppw3nhx5r4ap8clazz0dps7rv5ukulre5';
    expect(refused(() => buildPrimaryGenesis(input)).message).toMatch(
      /input\.validators\[0\] \(NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg\)\.rewardAddress: X-avax18jma8ppw3nhx5r4ap8clazz0dps7rv5ukulre5 has HRP "avax", network 12345 on avalanchego uses "local"/,
    );
  });

  it('upstream genesis rules: staked funds, stake duration, C-Chain genesis', () => {
    const input = localInput();
    input.initialStakedFunds = ['X-local18jma8ppw3nhx5r4ap8clazz0dps7rv5u00z96u', 'X-local18jma8ppw3nhx5r4ap8clazz0dps7rv5u00z96u'];
    input.initialStakeDuration = 5400 * 3;
    input.cChainGenesis = '{"config":';
    const message = refused(() => buildPrimaryGenesis(input)).message;
    expect(message).toMatch(/input\.initialStakedFunds\[1\]: X-local18jma8ppw3nhx5r4ap8clazz0dps7rv5u00z96u is listed twice/);
    expect(message).toMatch(/input\.initialStakeDuration: must be at least initialStakeDurationOffset × \(stakers − 1\) = 21600/);
    expect(message).toMatch(/input\.cChainGenesis: is not valid JSON/);
  });

  it('shape errors name the field path', () => {
    const input = localInput() as unknown as Record<string, unknown>;
    input.networkID = '12345';
    (input.allocations as Array<Record<string, unknown>>)[0]!.initialAmount = 1e19;
    const message = refused(() => buildPrimaryGenesis(input as unknown as PrimaryGenesisInput)).message;
    expect(message).toMatch(/input\.networkID: /);
    expect(message).toMatch(/input\.allocations\[0\]\.initialAmount: .*above 2\^53/);
  });
});
