import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { corethChainConfig } from '../../src/genesis/chainConfig.js';
import { GethGenesisWriter } from '../../src/genesis/gethGenesisWriter.js';
import { allocatedTotals, buildPrimaryGenesis, serializePrimaryGenesis } from '../../src/genesis/primary/index.js';
import { formatAddress, hrpForNetwork } from '../../src/keys/address.js';
import type { AccountRecord } from '../../src/state/account.js';
import { EWOQ_EVM, EWOQ_KEY, shortIdOfKey } from '../../src/dev/localKeys.js';
import { LOCAL_STAKERS_PUBLISHED } from './validators.js';

const VECTORS = new URL('../fixtures/vectors/avalanchego-v1.14.0/', import.meta.url);

/** A C-Chain genesis as the run's writer writes it (one account per line, in key order). */
export async function cChainGenesisText(records: readonly AccountRecord[], chainId = 43112): Promise<string> {
  const parts: string[] = [];
  const writer = new GethGenesisWriter(
    { write: async (chunk) => void parts.push(chunk) },
    { config: corethChainConfig(chainId), timestamp: 1_900_000_000, gasLimit: 8_000_000 },
  );
  for (const record of records) await writer.add(record);
  await writer.finish();
  return parts.join('');
}

export interface RatifiableGenesis {
  /** Where it was written: `<artifactsDir>/<runKey>/<rel>`. */
  rel: string;
  sha256: string;
  /** The stakers' weights as the node splits them, decimal, in the order of `stakers`. */
  weights: string[];
}

/**
 * A primary genesis for `networkId` staking avalanchego's local stakers `stakers` (their published
 * certificates, BLS keys and PoPs) with the ewoq key's staked allocation, around a C-Chain genesis
 * of `records`, written into an artifact store for `stageGenesis` to copy.
 */
export async function writeRatifiableGenesis(options: {
  artifactsDir: string;
  runKey: string;
  rel?: string;
  networkId: number;
  stakers: ReadonlyArray<1 | 2 | 3 | 4 | 5>;
  records: readonly AccountRecord[];
  stakePerStaker?: bigint;
}): Promise<RatifiableGenesis> {
  const hrp = hrpForNetwork(options.networkId, 'avalanchego');
  const ewoq = formatAddress('X', hrp, shortIdOfKey(EWOQ_KEY));
  const stake = (options.stakePerStaker ?? 2_000_000_000_000n) * BigInt(options.stakers.length);
  const genesis = buildPrimaryGenesis({
    dialect: 'avalanchego',
    networkID: options.networkId,
    allocations: [{ evmAddress: EWOQ_EVM, utxoAddress: ewoq, initialAmount: 0, unlockSchedule: [{ amount: stake.toString() }] }],
    startTime: 1_900_000_000,
    initialStakeDuration: 31_536_000,
    initialStakeDurationOffset: 5_400,
    initialStakedFunds: [ewoq],
    validators: options.stakers.map((n) => {
      const published = LOCAL_STAKERS_PUBLISHED[n - 1]!;
      return {
        certificate: readFileSync(new URL(published.certFile, VECTORS), 'utf8'),
        rewardAddress: ewoq,
        delegationFee: 20_000,
        signer: { publicKey: published.blsPublicKey, proofOfPossession: published.proofOfPossession },
      };
    }),
    cChainGenesis: await cChainGenesisText(options.records),
    message: '',
  });
  const text = serializePrimaryGenesis(genesis);
  const rel = options.rel ?? 'genesis/genesis.json';
  const path = join(options.artifactsDir, options.runKey, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return { rel, sha256: createHash('sha256').update(text).digest('hex'), weights: allocatedTotals(genesis).weights.map(String) };
}
