import type { JsonRpcClient } from '../chains/evm/rpc.js';
import type { FreezePoint, GenesisManifest, VerificationCheck } from '../manifests.js';
import type { AccountRecord } from '../state/account.js';
import { toQuantity } from '../state/hex.js';
import { diffStats, type StateStats } from '../state/stats.js';
import { compareWithNode } from './nodeSamples.js';

/**
 * Independent checks of a generated C-Chain genesis against the export and the source node: the
 * state root recomputed from the alloc equals the freeze block's, totals (supply, accounts,
 * contracts, slots, code) are carried, and sampled accounts read back from the node at the freeze
 * height match the export field by field.
 */

/** The checks that need no node: root, supply and counts. */
export function genesisChecks(input: { freeze: FreezePoint; exported: StateStats; genesis: GenesisManifest }): VerificationCheck[] {
  const { freeze, exported, genesis } = input;
  const rootOk = genesis.stateRoot === freeze.stateRoot;
  const diffs = diffStats(exported, genesis.stats);
  return [
    {
      name: 'state-root',
      ok: rootOk,
      detail: rootOk
        ? `genesis alloc root ${genesis.stateRoot} equals block ${freeze.height}'s stateRoot`
        : `genesis alloc root ${genesis.stateRoot} != block ${freeze.height}'s stateRoot ${freeze.stateRoot}`,
    },
    {
      name: 'supply',
      ok: exported.totalBalance === genesis.stats.totalBalance,
      detail: `exported ${exported.totalBalance} wei, genesis ${genesis.stats.totalBalance} wei`,
    },
    {
      name: 'counts',
      ok: diffs.length === 0,
      detail:
        diffs.length === 0
          ? `${genesis.stats.accounts} accounts, ${genesis.stats.contracts} contracts, ${genesis.stats.storageSlots} slots, ${genesis.stats.codeBytes} code bytes`
          : diffs.join('; '),
    },
  ];
}

/** The samples read back from the source node at the freeze height (the report lists the first ten differences). */
export async function sourceSamplesCheck(rpc: JsonRpcClient, freezeHeight: number, samples: readonly AccountRecord[]): Promise<VerificationCheck> {
  const mismatches = await compareWithNode(rpc, toQuantity(BigInt(freezeHeight)), samples);
  return {
    name: 'source-node-samples',
    ok: mismatches.length === 0,
    detail:
      mismatches.length === 0
        ? `${samples.length} accounts read back from the source node at the freeze height match (balance, nonce, code, storage)`
        : mismatches.slice(0, 10).join('; '),
  };
}
