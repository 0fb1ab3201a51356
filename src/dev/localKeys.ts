export { shortIdOfKey } from '../keys/address.js';

/**
 * The local network's published test key ("ewoq"): avalanchego's local genesis funds its X/P
 * address and its C-Chain address. Public by design and worthless outside a local network.
 */
export const EWOQ_KEY = '0x56289e99c94b6912bfc12adc093c9b51124f0dc54ac7a766b2bc5ccf558d8027';
export const EWOQ_EVM = '0x8db97c7cece249c2b98bdc0226cc4c2a57bf52fc';
