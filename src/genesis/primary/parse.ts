import { addressHrp } from '../../keys/address.js';
import { ALLOCATION_FIELDS, detectAllocationStyle, dialectOf, type AllocationStyle, type DialectName } from '../../network/dialect.js';
import { PrimaryGenesisError } from './errors.js';
import { parseJson, type JsonValue } from './json.js';
import { parseOrRefuse, primaryGenesisDocumentSchema } from './schema.js';
import type { PrimaryGenesis, PrimaryGenesisInput } from './types.js';

/**
 * Reads an existing primary genesis file (the old network's, or a published one) without losing
 * precision, tells its allocation field style and HRP, and turns it back into builder input, so
 * that a rebuilt file can be compared with — or derived from — the original.
 */

export interface ParsedPrimaryGenesis {
  genesis: PrimaryGenesis;
  style: AllocationStyle;
  dialect: DialectName;
  /** The one bech32 HRP all of the file's addresses use. */
  hrp: string;
}

export function parsePrimaryGenesis(text: string, source = 'genesis'): ParsedPrimaryGenesis {
  let json: JsonValue;
  try {
    json = parseJson(text);
  } catch (error) {
    throw new PrimaryGenesisError([{ field: source, message: `not valid JSON: ${(error as Error).message}` }]);
  }
  let style: AllocationStyle;
  try {
    style = detectAllocationStyle(json, source);
  } catch (error) {
    throw new PrimaryGenesisError([{ field: source, message: (error as Error).message }]);
  }
  const genesis = parseOrRefuse(primaryGenesisDocumentSchema(style), json, source) as PrimaryGenesis;

  const fields = ALLOCATION_FIELDS[style];
  const addresses: Array<[string, string]> = [
    ...genesis.allocations.map((a, i): [string, string] => [`${source}.allocations[${i}].${fields.utxo}`, field(a, fields.utxo)]),
    ...genesis.initialStakedFunds.map((a, i): [string, string] => [`${source}.initialStakedFunds[${i}]`, a]),
    ...genesis.initialStakers.map((s, i): [string, string] => [`${source}.initialStakers[${i}].rewardAddress`, s.rewardAddress]),
  ];
  // The HRP is read as written; whether each address decodes is the builder's check, so that a
  // file with a broken address can still be read, reported on and compared.
  const hrps = new Map<string, string>();
  for (const [name, address] of addresses) {
    const hrp = addressHrp(address);
    if (!hrps.has(hrp)) hrps.set(hrp, name);
  }
  if (hrps.size !== 1) {
    const found = [...hrps].map(([hrp, at]) => `"${hrp}" (first at ${at})`).join(', ');
    throw new PrimaryGenesisError([{ field: source, message: `addresses must share one HRP, found ${found}` }]);
  }
  return { genesis, style, dialect: dialectOf(style), hrp: [...hrps.keys()][0]! };
}

/** Builder input that reproduces the parsed file (its HRP and field style kept explicitly). */
export function primaryGenesisToInput(parsed: ParsedPrimaryGenesis): PrimaryGenesisInput {
  const { genesis, style } = parsed;
  const fields = ALLOCATION_FIELDS[style];
  return {
    dialect: parsed.dialect,
    allocationStyle: style,
    hrp: parsed.hrp,
    networkID: genesis.networkID,
    allocations: genesis.allocations.map((a) => ({
      evmAddress: field(a, fields.evm),
      utxoAddress: field(a, fields.utxo),
      initialAmount: a.initialAmount,
      unlockSchedule: a.unlockSchedule.map((u) => (u.locktime === undefined ? { amount: u.amount } : { amount: u.amount, locktime: u.locktime })),
    })),
    startTime: genesis.startTime,
    initialStakeDuration: genesis.initialStakeDuration,
    initialStakeDurationOffset: genesis.initialStakeDurationOffset,
    initialStakedFunds: [...genesis.initialStakedFunds],
    validators: genesis.initialStakers.map((s) => ({
      nodeID: s.nodeID,
      rewardAddress: s.rewardAddress,
      delegationFee: s.delegationFee,
      ...(s.signer ? { signer: { ...s.signer } } : {}),
    })),
    ...(genesis.xChainGenesis !== undefined ? { xChainGenesis: genesis.xChainGenesis } : {}),
    ...(genesis.qChainGenesis !== undefined ? { qChainGenesis: genesis.qChainGenesis } : {}),
    cChainGenesis: genesis.cChainGenesis,
    message: genesis.message,
  };
}

function field(allocation: object, name: string): string {
  return (allocation as Record<string, string>)[name]!;
}
