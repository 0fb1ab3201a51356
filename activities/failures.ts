import { ApplicationFailure } from '@temporalio/activity';
import { failure } from '../src/contract/failures.js';
import { InvalidOwnerError } from '../src/chains/avax/ownerSet.js';
import { MissingPreimageError } from '../src/chains/evm/gethExport.js';
import { RpcResponseError, RpcTransportError } from '../src/chains/evm/rpc.js';
import { EmbeddedGenesisMismatchError, planIssues, PrimaryGenesisError } from '../src/genesis/primary/index.js';

/**
 * Maps domain errors onto Temporal failures: what no retry can fix becomes a non-retryable failure
 * with a type the workflow and operators can read; transport faults stay retryable.
 */
export function asFailure(err: unknown, context: string): Error {
  if (err instanceof ApplicationFailure) return err;
  const storage = storageFailure(err, context);
  if (storage) return storage;
  if (err instanceof MissingPreimageError) {
    return failure('MissingPreimage', `${context}: ${err.message}`);
  }
  if (err instanceof RpcTransportError) return ApplicationFailure.retryable(`${context}: ${err.message}`, 'RpcTransport');
  if (err instanceof InvalidOwnerError) return failure('NodeReplyInvalid', `${context}: the node named an owner that cannot be one: ${err.message}`);
  if (err instanceof RpcResponseError && /missing trie node|state .*not available|historical state|required historical state/i.test(err.message)) {
    return failure('StateUnavailable', `${context}: the node no longer has the state (${err.message}); export from an archive node`);
  }
  if (err instanceof RpcResponseError && /method .* (does not exist|not found|not available)|-32601/i.test(`${err.message} ${err.code}`)) {
    return failure('UnsupportedNode', `${context}: ${err.message}`);
  }
  return err instanceof Error ? err : new Error(`${context}: ${String(err)}`);
}

/**
 * The artifact directory cannot take the run's files: full, read-only, or not ours to write. A
 * retry minutes later meets the same disk, so the run stops at once (and its compensations remove
 * what it wrote) with the path and the reason, instead of spending its retry budget.
 */
const STORAGE_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left on the device holding the artifacts',
  EDQUOT: 'disk quota exceeded for the artifacts',
  EROFS: 'the artifacts directory is on a read-only file system',
  EACCES: 'the artifacts directory is not writable by the worker',
  EPERM: 'the artifacts directory is not writable by the worker',
  EFBIG: 'an artifact exceeds the file size the worker may write',
};

function storageFailure(err: unknown, context: string): ApplicationFailure | undefined {
  const e = err as NodeJS.ErrnoException | undefined;
  const reason = e && typeof e.code === 'string' && typeof e.syscall === 'string' ? STORAGE_ERRORS[e.code] : undefined;
  if (!reason) return undefined;
  return failure('ArtifactStorage', `${context}: ${reason} (${e!.code} on ${e!.syscall} ${e!.path ?? ''})`.trim());
}

/**
 * The primary genesis builder's own verdicts: issues with the plan's stakers or allocations name
 * every field at once (InvalidGenesis), an embedded genesis that is not the file it names fails
 * verification; anything else is mapped as every other activity's error.
 */
export function primaryGenesisFailure(err: unknown): Error {
  if (err instanceof PrimaryGenesisError) return failure('InvalidGenesis', planIssues(err));
  if (err instanceof EmbeddedGenesisMismatchError) return failure('VerificationFailed', err.message);
  return asFailure(err, 'primary genesis');
}
