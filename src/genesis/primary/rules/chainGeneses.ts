import type { GenesisIssue } from '../issues.js';
import { parseJson } from '../json.js';
import type { NormalizedGenesisInput } from '../schema.js';

/** The embedded chain geneses are JSON objects in strings: a node that cannot parse one cannot start the chain. */
export function chainGenesesIssues(data: Pick<NormalizedGenesisInput, 'cChainGenesis' | 'xChainGenesis' | 'qChainGenesis'>): GenesisIssue[] {
  const issues =
    data.cChainGenesis.length === 0
      ? [{ field: 'input.cChainGenesis', message: 'must not be empty' }]
      : jsonObjectIssues(data.cChainGenesis, 'input.cChainGenesis');
  if (data.xChainGenesis !== undefined) issues.push(...jsonObjectIssues(data.xChainGenesis, 'input.xChainGenesis'));
  if (data.qChainGenesis !== undefined) issues.push(...jsonObjectIssues(data.qChainGenesis, 'input.qChainGenesis'));
  return issues;
}

/** A string that must hold one JSON object (parsed losslessly, duplicate keys refused). */
function jsonObjectIssues(text: string, field: string): GenesisIssue[] {
  try {
    const value = parseJson(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return [{ field, message: 'must be a JSON object (as a string)' }];
    return [];
  } catch (error) {
    return [{ field, message: `is not valid JSON: ${(error as Error).message}` }];
  }
}
