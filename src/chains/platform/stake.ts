import { parseUint } from '../avax/api.js';

/**
 * Who staked what. getCurrentValidators names a validator's reward owners but not the owners of
 * its stake, which is what returns to them when the staking period ends; only the staking
 * transaction (`platform.getTx {encoding: json}`) has them, as its `stake` outputs.
 *
 * Shape on avalanchego v1.14.0 (genesis and later validators alike, verified on a local node):
 *   unsignedTx.stake: [{ assetID, fxID, output: { addresses, amount, locktime, threshold } }]
 * and for a stakeable.LockOut output `output` is `{ locktime, output: { addresses, amount, … } }`.
 */
export interface StakeOutput {
  assetID: string;
  amount: string;
  /** Stakeable lock of the output ("0" when it is a plain transfer output). */
  stakeableLocktime: string;
  owners: { locktime: string; threshold: number; addresses: string[] };
}

type Json = Record<string, unknown>;

function object(value: unknown, what: string): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what}: expected an object`);
  return value as Json;
}

/** The stake outputs of a staking transaction, as `platform.getTx` returns it in JSON. */
export function parseStakeOutputs(reply: unknown, txID: string): StakeOutput[] {
  const what = `platform.getTx(${txID})`;
  const tx = object(object(reply, what).tx, `${what}.tx`);
  const unsigned = object(tx.unsignedTx, `${what}.tx.unsignedTx`);
  const stake = unsigned.stake;
  if (!Array.isArray(stake)) throw new Error(`${what}.tx.unsignedTx.stake: not a staking transaction (no stake outputs)`);
  return stake.map((entry, i) => {
    const at = `${what}.stake[${i}]`;
    const e = object(entry, at);
    if (typeof e.assetID !== 'string') throw new Error(`${at}.assetID: expected a string`);
    let output = object(e.output, `${at}.output`);
    let stakeableLocktime = 0n;
    if (output.output !== undefined) {
      // stakeable.LockOut wraps the transfer output.
      stakeableLocktime = parseUint(output.locktime, `${at}.output.locktime`);
      output = object(output.output, `${at}.output.output`);
    }
    const addresses = output.addresses;
    if (!Array.isArray(addresses) || addresses.some((a) => typeof a !== 'string')) throw new Error(`${at}.addresses: expected an array of addresses`);
    return {
      assetID: e.assetID,
      amount: parseUint(output.amount, `${at}.amount`).toString(),
      stakeableLocktime: stakeableLocktime.toString(),
      owners: {
        locktime: parseUint(output.locktime ?? 0, `${at}.locktime`).toString(),
        threshold: Number(parseUint(output.threshold, `${at}.threshold`)),
        addresses: [...(addresses as string[])],
      },
    };
  });
}
