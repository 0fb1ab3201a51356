import { z } from 'zod';
import type { AllocationStyle } from '../../network/dialect.js';
import { PrimaryGenesisError } from './errors.js';

/**
 * Shape checks for the primary genesis: one schema for documents read from disk (per allocation
 * field style, strict so that no unknown field is silently dropped on a rewrite) and one for the
 * builder's input. Semantic rules (addresses, keys, proofs, weights) live in rules/, run by build.ts.
 */

const U64_MAX = 2n ** 64n - 1n;
const U32_MAX = 0xffff_ffff;

/** A uint64 as it appears in a losslessly parsed document: a safe integer or a bigint. */
const documentUint64 = z
  .union([z.bigint(), z.number().int().refine(Number.isSafeInteger, 'integer above 2^53 read without precision')])
  .transform((v) => BigInt(v))
  .pipe(z.bigint().min(0n, 'must be a uint64 (not negative)').max(U64_MAX, 'must be a uint64 (at most 2^64-1)'));

/** A uint64 given by a caller: also a decimal string, never a number that may already be rounded. */
const inputUint64 = z
  .union([
    z.bigint(),
    z.number().int().refine(Number.isSafeInteger, 'above 2^53: pass a bigint or a decimal string so it is not rounded'),
    z.string().regex(/^\d+$/, 'must be a decimal integer string'),
  ])
  .transform((v) => BigInt(v))
  .pipe(z.bigint().min(0n, 'must be a uint64 (not negative)').max(U64_MAX, 'must be a uint64 (at most 2^64-1)'));

const uint32 = z.number().int().min(0).max(U32_MAX);
/** Unix seconds and durations: uint64 upstream, but nothing sensible exceeds 2^53. */
const seconds = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const documentUnlock = z.strictObject({ amount: documentUint64, locktime: documentUint64.optional() });
const amounts = { initialAmount: documentUint64, unlockSchedule: z.array(documentUnlock) };

export const allocationDocumentSchemas = {
  avaxAddr: z.strictObject({ ethAddr: z.string(), avaxAddr: z.string(), ...amounts }),
  luxAddr: z.strictObject({ ethAddr: z.string(), luxAddr: z.string(), ...amounts }),
  utxoAddr: z.strictObject({ evmAddr: z.string(), utxoAddr: z.string(), ...amounts }),
} as const;

const signerSchema = z.strictObject({ publicKey: z.string(), proofOfPossession: z.string() });

const stakerDocumentSchema = z.strictObject({
  nodeID: z.string(),
  rewardAddress: z.string(),
  delegationFee: uint32,
  signer: signerSchema.optional(),
});

const commonDocumentFields = {
  networkID: uint32,
  startTime: seconds,
  initialStakeDuration: seconds,
  initialStakeDurationOffset: seconds,
  initialStakedFunds: z.array(z.string()),
  initialStakers: z.array(stakerDocumentSchema),
  cChainGenesis: z.string(),
  message: z.string(),
};

/** The document schema for one allocation field style; luxd styles also accept xChainGenesis and qChainGenesis. */
export function primaryGenesisDocumentSchema(style: AllocationStyle) {
  const allocations = z.array(allocationDocumentSchemas[style] as z.ZodType);
  return style === 'avaxAddr'
    ? z.strictObject({ ...commonDocumentFields, allocations })
    : z.strictObject({ ...commonDocumentFields, allocations, xChainGenesis: z.string().optional(), qChainGenesis: z.string().optional() });
}

export const primaryGenesisInputSchema = z.strictObject({
  dialect: z.enum(['avalanchego', 'luxd']),
  allocationStyle: z.enum(['avaxAddr', 'luxAddr', 'utxoAddr']).optional(),
  hrp: z
    .string()
    .regex(/^[a-z0-9]{1,83}$/, 'must be a lower-case bech32 HRP')
    .optional(),
  networkID: uint32.refine((id) => id !== 0, 'must not be 0'),
  allocations: z.array(
    z.strictObject({
      evmAddress: z.string(),
      utxoAddress: z.string(),
      initialAmount: inputUint64,
      unlockSchedule: z.array(z.strictObject({ amount: inputUint64, locktime: inputUint64.optional() })),
    }),
  ),
  startTime: seconds,
  initialStakeDuration: seconds,
  initialStakeDurationOffset: seconds,
  initialStakedFunds: z.array(z.string()),
  validators: z.array(
    z.strictObject({
      nodeID: z.string().optional(),
      certificate: z.union([z.string(), z.instanceof(Uint8Array)]).optional(),
      rewardAddress: z.string(),
      delegationFee: uint32,
      signer: signerSchema.optional(),
      weight: inputUint64.optional(),
    }),
  ),
  xChainGenesis: z.string().optional(),
  cChainGenesis: z.string(),
  qChainGenesis: z.string().optional(),
  message: z.string(),
});

export type NormalizedGenesisInput = z.output<typeof primaryGenesisInputSchema>;

/** Turns zod issues into `root.path[i].field: message` lines. */
export function describeIssues(error: z.ZodError, root: string): Array<{ field: string; message: string }> {
  return error.issues.map((issue) => {
    const field = issue.path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : `${acc}.${String(key)}`), root);
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') message = `unknown field(s) ${issue.keys.join(', ')}`;
    else if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) message = 'required';
    return { field, message };
  });
}

/**
 * The value in its checked, normalized form. A shape error refuses it at once, naming every field
 * under `root`: the semantic rules need the typed value, so they are not run on a misshapen one.
 */
export function parseOrRefuse<T extends z.ZodType>(schema: T, value: unknown, root = 'input'): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new PrimaryGenesisError(describeIssues(parsed.error, root));
  return parsed.data;
}
