import { DIALECTS, type AllocationStyle } from '../../../network/dialect.js';
import type { GenesisIssue } from '../issues.js';
import type { NormalizedGenesisInput } from '../schema.js';

type DialectFields = Pick<NormalizedGenesisInput, 'dialect' | 'allocationStyle' | 'xChainGenesis' | 'qChainGenesis'>;

/** The allocation field style written: the one asked for, else the dialect's current one. */
export function allocationStyleOf(data: DialectFields): AllocationStyle {
  return data.allocationStyle ?? DIALECTS[data.dialect].allocationStyles[0]!;
}

/** A node reads allocations only under its own field names: any other style would load as empty. */
export function allocationStyleOfTheDialect(data: DialectFields): GenesisIssue[] {
  const dialect = DIALECTS[data.dialect];
  const style = allocationStyleOf(data);
  if (dialect.allocationStyles.includes(style)) return [];
  return [{ field: 'input.allocationStyle', message: `${style} is not a ${dialect.name} allocation style (${dialect.allocationStyles.join(', ')})` }];
}

/** X-Chain genesis strings and Q-Chains are luxd's: an avalanchego node has no field for them. */
export function luxdOnlyChainGeneses(data: DialectFields): GenesisIssue[] {
  if (data.dialect === 'luxd') return [];
  const issues: GenesisIssue[] = [];
  if (data.xChainGenesis !== undefined) issues.push({ field: 'input.xChainGenesis', message: 'only luxd genesis files carry an X-Chain genesis string' });
  if (data.qChainGenesis !== undefined) issues.push({ field: 'input.qChainGenesis', message: 'only luxd networks have a Q-Chain' });
  return issues;
}
