import { hrpForNetwork, parseAddress } from '../../keys/address.js';
import type { DialectName } from '../../network/dialect.js';
import { bytesToHex } from '../../state/hex.js';
import { issueFrom, type GenesisIssue } from './issues.js';

/** The network whose X-/P- addresses a genesis may name: its HRP, said with the ID and dialect it comes from. */
export interface AddressNetwork {
  hrp: string;
  networkID: number;
  dialect: DialectName;
}

/** The input's HRP when it names one (legacy files), else the one the dialect gives the network ID. */
export function addressNetworkOf(data: { hrp?: string | undefined; networkID: number; dialect: DialectName }): AddressNetwork {
  return { hrp: data.hrp ?? hrpForNetwork(data.networkID, data.dialect), networkID: data.networkID, dialect: data.dialect };
}

/** An address checked: its short ID as hex (what owners are compared by), or why it is refused. */
export interface CheckedAddress {
  id?: string;
  issues: GenesisIssue[];
}

/**
 * A genesis pays X-/P- addresses of its own network: a C- address has no UTXOs, and another
 * network's HRP would credit an owner its node cannot name.
 */
export function checkUtxoAddress(address: string, field: string, network: AddressNetwork): CheckedAddress {
  let parsed: ReturnType<typeof parseAddress>;
  try {
    parsed = parseAddress(address, field);
  } catch (error) {
    return { issues: [issueFrom(error, field)] };
  }
  if (parsed.chain === 'C') return { issues: [{ field, message: `${address}: genesis addresses are X-… or P-…` }] };
  if (parsed.hrp !== network.hrp) {
    const message = `${address} has HRP "${parsed.hrp}", network ${network.networkID} on ${network.dialect} uses "${network.hrp}"`;
    return { issues: [{ field, message }] };
  }
  return { id: bytesToHex(parsed.shortId), issues: [] };
}
