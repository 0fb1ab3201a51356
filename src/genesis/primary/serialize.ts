import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, type Hex } from '../../state/hex.js';
import { ALLOCATION_FIELDS, detectAllocationStyle } from '../../network/dialect.js';
import { stringifyJson } from './json.js';
import type { GenesisStaker, PrimaryGenesis, UnlockEntry } from './types.js';

/**
 * Writes a primary genesis with the key order of the upstream structs (avalanchego
 * genesis.UnparsedConfig; luxfi/genesis ConfigOutput, where xChainGenesis precedes cChainGenesis and
 * qChainGenesis follows it),
 * whatever order the object's keys were created in. The default layout — tab indent and a final
 * newline — is the one of avalanchego's genesis_local.json, which this reproduces byte for byte.
 */
export interface SerializeOptions {
  /** JSON indent (a string or a count of spaces); default tab. */
  indent?: string | number;
  /** Default true. */
  trailingNewline?: boolean;
}

export function serializePrimaryGenesis(genesis: PrimaryGenesis, options: SerializeOptions = {}): string {
  const fields = ALLOCATION_FIELDS[detectAllocationStyle(genesis)];
  const ordered = {
    networkID: genesis.networkID,
    allocations: genesis.allocations.map((allocation) => {
      const a = allocation as unknown as Record<string, unknown> & { initialAmount: bigint; unlockSchedule: UnlockEntry[] };
      return {
        [fields.evm]: a[fields.evm],
        [fields.utxo]: a[fields.utxo],
        initialAmount: a.initialAmount,
        unlockSchedule: a.unlockSchedule.map((u) => ({ amount: u.amount, locktime: u.locktime })),
      };
    }),
    startTime: genesis.startTime,
    initialStakeDuration: genesis.initialStakeDuration,
    initialStakeDurationOffset: genesis.initialStakeDurationOffset,
    initialStakedFunds: genesis.initialStakedFunds,
    initialStakers: genesis.initialStakers.map((s: GenesisStaker) => ({
      nodeID: s.nodeID,
      rewardAddress: s.rewardAddress,
      delegationFee: s.delegationFee,
      signer: s.signer && { publicKey: s.signer.publicKey, proofOfPossession: s.signer.proofOfPossession },
    })),
    xChainGenesis: genesis.xChainGenesis,
    cChainGenesis: genesis.cChainGenesis,
    qChainGenesis: genesis.qChainGenesis,
    message: genesis.message,
  };
  const text = stringifyJson(ordered, options.indent ?? '\t');
  return options.trailingNewline === false ? text : `${text}\n`;
}

/** sha256 of the exact bytes that would be written: the genesis identity ratifiers sign. */
export function primaryGenesisSha256(genesis: PrimaryGenesis, options: SerializeOptions = {}): Hex {
  return bytesToHex(sha256(new TextEncoder().encode(serializePrimaryGenesis(genesis, options))));
}
