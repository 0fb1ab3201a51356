import { z } from 'zod';

/** avalanchego and luxd keep a validator's weight, and the sum of all of them, as a uint64. */
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * A stake weight in the chain's smallest unit (nAVAX, wei), as a canonical decimal string. Mainnet's
 * stake (about 2.5·10^17 nAVAX) is far above 2^53, where a JSON number stops being exact, so a
 * weight is written as a decimal string. A number is still taken while it is a safe integer: plans
 * and clients written before weights were strings (and the histories of their runs) send one.
 */
export const stakeWeightSchema = z
  .union([z.string(), z.number()], { error: 'must be a stake weight: a decimal string of nAVAX/wei, e.g. "2000000000000"' })
  .transform((value, ctx) => {
    const problem = stakeWeightProblem(value);
    if (problem === undefined) return BigInt(value).toString();
    ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  });

function stakeWeightProblem(value: string | number): string | undefined {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return 'must be a whole number of nAVAX/wei';
    if (value <= 0) return 'must be a positive stake weight';
    if (!Number.isSafeInteger(value)) return `${value} is above 2^53, where a JSON number may already be rounded: write the weight as a decimal string`;
    return undefined;
  }
  if (/^-\d+$/.test(value)) return 'must be a positive stake weight';
  if (!/^\d+$/.test(value)) return 'must be a decimal integer string of nAVAX/wei (digits only), e.g. "2000000000000"';
  const weight = BigInt(value);
  if (weight === 0n) return 'must be a positive stake weight';
  if (weight > UINT64_MAX) return 'must be at most 2^64-1, the largest stake a node keeps';
  return undefined;
}

/** A weight that passed stakeWeightSchema (or a recorded one it would pass), as a bigint. */
export function stakeOf(weight: string | number): bigint {
  return BigInt(stakeWeightSchema.parse(weight));
}

/** Ratification's threshold in integers, so no rounding can decide it: 3·signed ≥ 2·total, of a non-empty stake. */
export function reachesTwoThirds(signed: bigint, total: bigint): boolean {
  return total > 0n && signed * 3n >= total * 2n;
}
