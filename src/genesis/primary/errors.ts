import type { GenesisIssue } from './issues.js';

/** A refused primary genesis: every issue names its field (and validator, where there is one). */
export class PrimaryGenesisError extends Error {
  constructor(readonly issues: ReadonlyArray<GenesisIssue>) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; '));
    this.name = 'PrimaryGenesisError';
  }
}
