import { nodeIdFromCertificate, readCertificate } from '../../keys/certificate.js';
import { stakerCertificateProblems, type CertificateWindow } from '../../keys/stakerCertificate.js';
import type { PrimaryGenesisPlan } from './write.js';

/**
 * Every plan staker whose certificate no node would accept as its staking certificate, or whose
 * dates do not cover the network's start (src/keys/stakerCertificate.ts says which rules and why):
 * one line per reason, each naming the staker by its index in plan.genesis.primary.validators and
 * its NodeID. Stakers given by NodeID alone have no certificate to check. Empty when all pass.
 */
export function stakerCertificateIssues(primary: PrimaryGenesisPlan, window: CertificateWindow): string[] {
  return primary.validators.flatMap((validator, i) => {
    if (validator.certificate === undefined) return [];
    const field = `plan.genesis.primary.validators[${i}]`;
    try {
      const der = readCertificate(validator.certificate, `${field}.certificate`);
      const who = `${field} (${nodeIdFromCertificate(der)}).certificate`;
      return stakerCertificateProblems(der, window).map((problem) => `${who}: ${problem}`);
    } catch (error) {
      // readCertificate's messages name the field and never echo the input.
      return [(error as Error).message];
    }
  });
}
