export { sendAvax, type Transfer } from '../../src/chains/platform/transfer.js';
export { EWOQ_EVM, EWOQ_KEY, shortIdOfKey } from '../../src/dev/localKeys.js';
