import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { TemporalConnectionConfig } from './connectionConfig.js';
import { explainTlsMessage, probeTls } from './tlsDiagnosis.js';

export { TemporalConfigError, temporalConnectionFromEnv, type TemporalConnectionConfig } from './connectionConfig.js';

/** A connection that failed, with what the user should do about it first and the SDK's words after. */
export class TemporalConnectError extends Error {
  override name = 'TemporalConnectError';
}

/** The client connection of the CLI and the schedule, over the configured TLS. */
export async function connectClientConnection(config: TemporalConnectionConfig): Promise<Connection> {
  try {
    return await Connection.connect({ address: config.address, ...(config.tls ? { tls: config.tls } : {}) });
  } catch (err) {
    throw await explained(err, config);
  }
}

/** The worker and agent connection (Rust core), over the same TLS. */
export async function connectNativeConnection(config: TemporalConnectionConfig): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect({ address: config.address, ...(config.tls ? { tls: config.tls } : {}) });
  } catch (err) {
    throw await explained(err, config);
  }
}

/**
 * The error a user sees: the TLS problem named when the SDK's message or a bare handshake tells
 * it, and a hint about TLS when a plaintext client meets a server that speaks only TLS.
 */
async function explained(err: unknown, config: TemporalConnectionConfig): Promise<TemporalConnectError> {
  const message = err instanceof Error ? err.message : String(err);
  const reason = explainTlsMessage(message, config) ?? (await probeTls(config)) ?? plaintextHint(message, config);
  const text = `cannot connect to Temporal at ${config.address}${reason ? `: ${reason}` : ''} (${message})`;
  return new TemporalConnectError(text, { cause: err });
}

/** A plaintext client reset by the server: most often a server that requires TLS. */
function plaintextHint(message: string, config: TemporalConnectionConfig): string | undefined {
  if (config.tls) return undefined;
  return /ConnectionReset|reset|preface|deadline/i.test(message)
    ? 'no TLS is configured; if the server requires it, set TEMPORAL_TLS_CA, TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY'
    : undefined;
}
