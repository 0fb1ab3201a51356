import type { AccountRecord } from '../state/account.js';

/**
 * Picks a deterministic sample of accounts from a stream: the first contracts seen (code and
 * storage are where exports go wrong) and accounts at a fixed stride across the key space.
 */
export async function sampleAccounts(
  records: AsyncIterable<AccountRecord>,
  totalAccounts: number,
  options: { contracts?: number; spread?: number } = {},
): Promise<AccountRecord[]> {
  const wantContracts = options.contracts ?? 16;
  const spread = options.spread ?? 32;
  const stride = Math.max(1, Math.floor(totalAccounts / spread));
  const out: AccountRecord[] = [];
  let contracts = 0;
  let index = 0;
  for await (const record of records) {
    const isContract = record.code !== undefined && record.code !== '0x';
    if (isContract && contracts < wantContracts) {
      contracts += 1;
      out.push(record);
    } else if (index % stride === 0) {
      out.push(record);
    }
    index += 1;
  }
  return out;
}
