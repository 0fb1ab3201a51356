import { ApplicationFailure } from '@temporalio/activity';
import { MissingPreimageError } from '../src/chains/evm/gethExport.js';
import { RpcResponseError, RpcTransportError } from '../src/chains/evm/rpc.js';

/**
 * Maps domain errors onto Temporal failures: what no retry can fix becomes a non-retryable failure
 * with a type the workflow and operators can read; transport faults stay retryable.
 */
export function asFailure(err: unknown, context: string): Error {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof MissingPreimageError) {
    return ApplicationFailure.nonRetryable(`${context}: ${err.message}`, 'MissingPreimage');
  }
  if (err instanceof RpcTransportError) return ApplicationFailure.retryable(`${context}: ${err.message}`, 'RpcTransport');
  if (err instanceof RpcResponseError && /missing trie node|state .*not available|historical state|required historical state/i.test(err.message)) {
    return ApplicationFailure.nonRetryable(
      `${context}: the node no longer has the state (${err.message}); export from an archive node`,
      'StateUnavailable',
    );
  }
  if (err instanceof RpcResponseError && /method .* (does not exist|not found|not available)|-32601/i.test(`${err.message} ${err.code}`)) {
    return ApplicationFailure.nonRetryable(`${context}: ${err.message}`, 'UnsupportedNode');
  }
  return err instanceof Error ? err : new Error(`${context}: ${String(err)}`);
}
