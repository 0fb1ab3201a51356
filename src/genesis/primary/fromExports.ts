import type { StakeOutput } from '../../chains/platform/stake.js';
import type { ValidatorRecord } from '../../chains/platform/validatorRecord.js';
import type { UtxoRecord } from '../../chains/avax/utxo.js';
import { formatAddress, shortIdFromAddress } from '../../keys/address.js';
import { bytesToHex, hexToBytes } from '../../state/hex.js';
import { PrimaryGenesisError } from './errors.js';
import type { AllocationInput } from './types.js';

/**
 * Carries the primary asset of a pinned P/X export into genesis allocations, one per owner:
 * - X-Chain UTXOs → `initialAmount` (the genesis puts it on the X-Chain, unlocked);
 * - P-Chain UTXOs → `unlockSchedule` entries with the output's lock (the later of its own
 *   locktime and its stakeable lock) — the genesis puts them on the P-Chain;
 * - stake (each validator's and delegator's stake outputs, read from their staking transactions)
 *   → `unlockSchedule` entries of the stake's owner, who is listed in `initialStakedFunds`: the
 *   new initial stakers stake exactly what was staked at the epoch, and it returns to the same
 *   owners when their staking period ends.
 * What a primary genesis cannot express is refused, naming the record, never approximated:
 * assets other than the primary one, outputs with several owners or a threshold, X-Chain outputs
 * and hard-locked P-Chain outputs still locked when the new genesis starts, P-Chain balances of a stake owner (the genesis would stake them too), and stake
 * that does not add up to the validator's weight at the pinned height.
 */

export interface ExportedPrimaryAsset {
  /** The asset carried: the source network's staking asset (AVAX, LUX). */
  assetID: string;
  /** bech32 HRP of the new network's addresses. */
  hrp: string;
  /** Start time of the new genesis: X-Chain locks up to it have expired there. */
  startTime: number;
  pUtxos: AsyncIterable<UtxoRecord>;
  xUtxos?: AsyncIterable<UtxoRecord>;
  validators: AsyncIterable<ValidatorRecord>;
  /**
   * What to do with P-Chain balances of stake owners (the genesis would stake them too): refuse
   * (default), or move the unlocked ones to the owner's X-Chain allocation, where they stay spendable.
   */
  stakeOwnerBalances?: 'refuse' | 'move-to-x';
}

export interface CarriedAllocations {
  allocations: AllocationInput[];
  initialStakedFunds: string[];
  /** nAVAX (or nLUX) placed, by where it came from; decimal strings. */
  carried: { pChainUtxos: string; xChainUtxos: string; staked: string; movedToX: string };
  /** Stake per validator at the pinned height (own + delegated), as the transactions give it. */
  stakeByNode: Array<{ nodeID: string; weight: string }>;
}

/** The EVM half of an allocation is informational upstream; a short ID does not determine it. */
const NO_EVM_ADDRESS = `0x${'00'.repeat(20)}`;

interface Owner {
  initialAmount: bigint;
  /** locktime → amount: stake, then (unless moved) P-Chain UTXOs. */
  unlocks: Map<bigint, bigint>;
  /** locktime → amount of the owner's P-Chain UTXOs. */
  pUtxos: Map<bigint, bigint>;
  staked: boolean;
}

export async function allocationsFromExports(input: ExportedPrimaryAsset): Promise<CarriedAllocations> {
  const issues: Array<{ field: string; message: string }> = [];
  const owners = new Map<string, Owner>();
  const ownerOf = (address: string, field: string): Owner | undefined => {
    let id: string;
    try {
      id = bytesToHex(shortIdFromAddress(address, field));
    } catch (err) {
      issues.push({ field, message: (err as Error).message });
      return undefined;
    }
    let owner = owners.get(id);
    if (!owner) owners.set(id, (owner = { initialAmount: 0n, unlocks: new Map(), pUtxos: new Map(), staked: false }));
    return owner;
  };
  const soleOwner = (o: { threshold: number; addresses: string[] }, field: string): string | undefined => {
    if (o.addresses.length === 1 && o.threshold === 1) return o.addresses[0];
    issues.push({ field, message: `owned ${o.threshold}-of-${o.addresses.length}: a genesis allocation has exactly one owner` });
    return undefined;
  };
  const add = (into: Map<bigint, bigint>, amount: bigint, locktime: bigint): void => {
    into.set(locktime, (into.get(locktime) ?? 0n) + amount);
  };
  const max = (a: string, b: string): bigint => (BigInt(a) > BigInt(b) ? BigInt(a) : BigInt(b));
  const totals = { pChainUtxos: 0n, xChainUtxos: 0n, staked: 0n, movedToX: 0n };

  const fungible = (u: UtxoRecord, field: string): bigint | undefined => {
    if (u.assetID !== input.assetID || u.amount === undefined) {
      issues.push({ field, message: `holds asset ${u.assetID} (${u.type}): a primary genesis allocates only the staking asset ${input.assetID}` });
      return undefined;
    }
    return BigInt(u.amount);
  };

  for await (const u of input.xUtxos ?? []) {
    const field = `X-Chain UTXO ${u.utxoID}`;
    const amount = fungible(u, field);
    const address = soleOwner(u.owners, field);
    if (amount === undefined || address === undefined) continue;
    if (BigInt(u.owners.locktime) > BigInt(input.startTime)) {
      issues.push({ field, message: `is locked until ${u.owners.locktime}, after the new genesis starts: an X-Chain allocation (initialAmount) carries no lock` });
      continue;
    }
    const owner = ownerOf(address, field);
    if (!owner) continue;
    owner.initialAmount += amount;
    totals.xChainUtxos += amount;
  }

  for await (const u of input.pUtxos) {
    const field = `P-Chain UTXO ${u.utxoID}`;
    const amount = fungible(u, field);
    const address = soleOwner(u.owners, field);
    if (amount === undefined || address === undefined) continue;
    if (BigInt(u.owners.locktime) > BigInt(input.startTime)) {
      // A genesis lock is a stakeable lock: carrying a hard lock would let the owner stake the funds early.
      issues.push({ field, message: `is locked (not stakeable) until ${u.owners.locktime}, after the new genesis starts: a genesis allocation can only carry a stakeable lock` });
      continue;
    }
    const owner = ownerOf(address, field);
    if (!owner) continue;
    add(owner.pUtxos, amount, max(u.owners.locktime, u.stakeableLocktime ?? '0'));
    totals.pChainUtxos += amount;
  }

  const stakeByNode: CarriedAllocations['stakeByNode'] = [];
  const carryStake = (outputs: StakeOutput[], field: string): bigint => {
    let sum = 0n;
    outputs.forEach((o, i) => {
      const at = `${field}.stake[${i}]`;
      if (o.assetID !== input.assetID) {
        issues.push({ field: at, message: `stakes asset ${o.assetID}, not the staking asset ${input.assetID}` });
        return;
      }
      const address = soleOwner(o.owners, at);
      const owner = address === undefined ? undefined : ownerOf(address, at);
      if (!owner) return;
      const amount = BigInt(o.amount);
      add(owner.unlocks, amount, max(o.owners.locktime, o.stakeableLocktime));
      owner.staked = true;
      sum += amount;
    });
    return sum;
  };
  for await (const v of input.validators) {
    const field = `validator ${v.nodeID}`;
    if (v.details !== 'current' || v.stakeOutputs === null) {
      issues.push({ field, message: `has no staking details at P-Chain height ${v.height} (${v.details}): whose stake it is cannot be read` });
      continue;
    }
    let stake = carryStake(v.stakeOutputs, field);
    for (const d of v.delegators) {
      if (d.stakeOutputs === null) issues.push({ field: `${field} delegator ${d.txID}`, message: 'its stake outputs were not read' });
      else stake += carryStake(d.stakeOutputs, `${field} delegator ${d.txID}`);
    }
    if (stake !== BigInt(v.weight)) {
      issues.push({ field, message: `its staking transactions hold ${stake}, its weight at P-Chain height ${v.height} is ${v.weight}` });
    }
    totals.staked += stake;
    stakeByNode.push({ nodeID: v.nodeID, weight: stake.toString() });
  }

  for (const [id, owner] of owners) {
    if (!owner.staked) {
      for (const [locktime, amount] of owner.pUtxos) add(owner.unlocks, amount, locktime);
      continue;
    }
    if (owner.pUtxos.size === 0) continue;
    const field = `P-Chain UTXOs of ${formatAddress('P', input.hrp, hexToBytes(id))}`;
    if (input.stakeOwnerBalances !== 'move-to-x') {
      issues.push({
        field,
        message:
          'this address also owns stake: the new genesis stakes every P-Chain allocation of a stake owner, so its balance would be locked as stake ' +
          '(move it before the epoch, or set plan.genesis.primary.stakeOwnerBalances to move-to-x)',
      });
      continue;
    }
    for (const [locktime, amount] of owner.pUtxos) {
      if (locktime > BigInt(input.startTime)) {
        issues.push({ field, message: `${amount} locked until ${locktime} cannot move to the X-Chain (an X-Chain allocation carries no lock)` });
        continue;
      }
      owner.initialAmount += amount;
      totals.movedToX += amount;
    }
  }
  if (issues.length > 0) throw new PrimaryGenesisError(issues);

  const ids = [...owners.keys()].sort();
  const address = (id: string): string => formatAddress('X', input.hrp, hexToBytes(id));
  return {
    allocations: ids.map((id) => {
      const owner = owners.get(id)!;
      return {
        evmAddress: NO_EVM_ADDRESS,
        utxoAddress: address(id),
        initialAmount: owner.initialAmount,
        unlockSchedule: [...owner.unlocks]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([locktime, amount]) => (locktime === 0n ? { amount } : { amount, locktime })),
      };
    }),
    initialStakedFunds: ids.filter((id) => owners.get(id)!.staked).map(address),
    carried: {
      pChainUtxos: totals.pChainUtxos.toString(),
      xChainUtxos: totals.xChainUtxos.toString(),
      staked: totals.staked.toString(),
      movedToX: totals.movedToX.toString(),
    },
    stakeByNode,
  };
}
