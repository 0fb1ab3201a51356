import { parseBlsPublicKey, parseBlsSignature, verifyProofOfPossession } from '../../../keys/bls.js';
import { DIALECTS, type DialectName } from '../../../network/dialect.js';
import { bytesToHex } from '../../../state/hex.js';
import { issueFrom, type GenesisIssue } from '../issues.js';
import type { NormalizedGenesisInput } from '../schema.js';
import type { BuildOptions, StakerSigner } from '../types.js';

type Validator = NormalizedGenesisInput['validators'][number];

/** A signer checked: in canonical (compressed, lower-case hex) form, or why it is refused. */
export interface CheckedSigner {
  signer?: StakerSigner;
  issues: GenesisIssue[];
}

/**
 * A staker's BLS key signs for it in warp messages and ratification, so it needs one (unless
 * a legacy file is read back), its own (`blsKeys` holds the keys of the stakers before it, and
 * this one is added), and a proof of possession valid under the dialect's rule.
 */
export function checkSigner(
  validator: Validator,
  i: number,
  who: string,
  blsKeys: Map<string, number>,
  dialect: DialectName,
  options: BuildOptions,
): CheckedSigner {
  if (validator.signer === undefined) {
    if (options.allowStakersWithoutSigner) return { issues: [] };
    return { issues: [{ field: `${who}.signer`, message: 'required: a staker needs a BLS public key and proof of possession' }] };
  }
  try {
    const publicKey = bytesToHex(parseBlsPublicKey(validator.signer.publicKey, `${who}.signer.publicKey`).toBytes(true));
    const pop = parseBlsSignature(validator.signer.proofOfPossession, `${who}.signer.proofOfPossession`);
    const proofOfPossession = bytesToHex(pop.toBytes(true));
    const issues: GenesisIssue[] = [];
    const sharedWith = blsKeys.get(publicKey);
    if (sharedWith !== undefined) {
      issues.push({
        field: `${who}.signer.publicKey`,
        message: `BLS public key already used by input.validators[${sharedWith}]; every validator needs its own key`,
      });
    } else blsKeys.set(publicKey, i);
    if (!verifyProofOfPossession(publicKey, proofOfPossession, dialect, `${who}.signer`)) {
      const message = `does not verify for its publicKey under the ${dialect} rule (DST ${DIALECTS[dialect].popDst})`;
      issues.push({ field: `${who}.signer.proofOfPossession`, message });
    }
    return { signer: { publicKey, proofOfPossession }, issues };
  } catch (error) {
    return { issues: [issueFrom(error, `${who}.signer`)] };
  }
}
