import { parseHex, parseUint } from '../avax/api.js';

/**
 * The validator set at a past P-Chain height, as `platform.getValidatorsAt {height}` answers: the
 * only API that serves a set pinned to a height, with weights and BLS keys but no staking details.
 *
 * Shapes seen: avalanchego v1.14.0 answers a bare map `{ "<NodeID>": { publicKey, weight } }`
 * (no `validators` wrapper); older nodes answer `{ validators: { "<NodeID>": "<weight>" } }`.
 * The weight is the validator's stake plus its delegators' stake at that height.
 */

export interface ValidatorAtHeight {
  weight: bigint;
  publicKey: string | null;
}

const NODE_ID = /^NodeID-[1-9A-HJ-NP-Za-km-z]+$/;

/** Normalises both reply shapes of platform.getValidatorsAt into nodeID → {weight, publicKey}. */
export function parseValidatorsAt(reply: unknown, what = 'platform.getValidatorsAt'): Map<string, ValidatorAtHeight> {
  if (reply === null || typeof reply !== 'object' || Array.isArray(reply)) throw new Error(`${what}: expected an object`);
  let map = reply as Record<string, unknown>;
  const wrapped = map.validators;
  if (wrapped !== null && typeof wrapped === 'object' && !Array.isArray(wrapped) && !Object.keys(map).some((k) => NODE_ID.test(k))) {
    map = wrapped as Record<string, unknown>;
  }
  const out = new Map<string, ValidatorAtHeight>();
  for (const [nodeID, value] of Object.entries(map)) {
    if (!NODE_ID.test(nodeID)) throw new Error(`${what}: key ${JSON.stringify(nodeID).slice(0, 60)} is not a NodeID`);
    if (typeof value === 'string' || typeof value === 'number') {
      out.set(nodeID, { weight: parseUint(value, `${what}[${nodeID}]`), publicKey: null });
    } else if (value !== null && typeof value === 'object') {
      const v = value as { weight?: unknown; publicKey?: unknown };
      out.set(nodeID, {
        weight: parseUint(v.weight, `${what}[${nodeID}].weight`),
        publicKey: v.publicKey === undefined || v.publicKey === null ? null : parseHex(v.publicKey, `${what}[${nodeID}].publicKey`),
      });
    } else {
      throw new Error(`${what}[${nodeID}]: expected a weight or {weight, publicKey}`);
    }
  }
  return out;
}
