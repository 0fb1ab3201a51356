import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

/**
 * The old network of a large rig, started from avalanchego's local genesis with N extra C-Chain
 * accounts already in its state, instead of filling the C-Chain by transfers. Transfers filled at
 * ~94 accounts/s here, the rate of ~2M gas a second that coreth's ACP-176 fee rules allow at their
 * initial target (≈ 95 plain transfers of 21,000 gas): a million accounts would take three hours
 * of set-up. An account in the genesis allocation is in the state trie exactly as one a transfer
 * made: the exports, the delta and the new nodes read the same trie.
 *
 * What changes against the built-in local network (avalanchego refuses a custom genesis on network
 * ID 12345): the network ID (PREFILLED_NETWORK_ID, so addresses use the HRP "custom"), and a
 * `startTime` just past, since the stakers' stake periods run from it (the node renews the built-in
 * local genesis's 2024 start time on its own; a custom one it takes as written).
 */

/** A network ID no standard network uses (avalanchego refuses custom genesis files on 1, 5 and 12345). */
export const PREFILLED_NETWORK_ID = 54_321;

/** Balance of each prefilled account (wei): any non-zero balance makes the account exist. */
const PREFILLED_BALANCE = '0x3b9aca00';

/** Where the upstream local genesis lives (test/fixtures/vectors, with provenance). */
const LOCAL_GENESIS_FILE = new URL('../fixtures/vectors/avalanchego-v1.14.0/genesis_local.json', import.meta.url);

/** A genesis allocation entry as coreth reads it. */
export type AllocEntry = { balance: string; nonce?: string; code?: string; storage?: Record<string, string> };

/**
 * Writes the local genesis with `accounts` fresh random C-Chain addresses added to its allocation
 * to `path`, or with the entries of `alloc` (e.g. a generated state with contracts) instead. The
 * nodes are started with its network ID, PREFILLED_NETWORK_ID. Returns the last account added, so
 * a caller can ask a node for it without reading the genesis back.
 */
export function writePrefilledGenesis(path: string, accounts: number, alloc?: Record<string, AllocEntry>): { address: string; balance: string } {
  if (!Number.isSafeInteger(accounts) || accounts <= 0) throw new Error(`accounts: a positive integer, got ${accounts}`);
  const genesis = JSON.parse(readFileSync(LOCAL_GENESIS_FILE, 'utf8')) as Record<string, unknown> & { cChainGenesis: string };
  const cChain = JSON.parse(genesis.cChainGenesis) as { alloc: Record<string, AllocEntry> };
  const before = Object.keys(cChain.alloc).length;
  if (alloc) Object.assign(cChain.alloc, alloc);
  else for (let i = 0; i < accounts; i++) cChain.alloc[randomBytes(20).toString('hex')] = { balance: PREFILLED_BALANCE };
  // A collision (random or given) would shrink the state silently, so it is checked, not assumed.
  if (Object.keys(cChain.alloc).length !== before + accounts)
    throw new Error(`the genesis holds ${Object.keys(cChain.alloc).length - before} new accounts, not ${accounts}`);
  genesis.networkID = PREFILLED_NETWORK_ID;
  genesis.startTime = Math.floor(Date.now() / 1000) - 60;
  genesis.cChainGenesis = JSON.stringify(cChain);
  writeFileSync(path, JSON.stringify(genesis));
  const [address, { balance }] = Object.entries(cChain.alloc).at(-1)!;
  return { address: `0x${address.replace(/^0x/, '')}`, balance };
}
