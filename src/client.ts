import { Client } from '@temporalio/client';
import { connectClientConnection, temporalConnectionFromEnv } from './temporal/connect.js';

/**
 * The CLI's and the schedule's client: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TEMPORAL_TLS_* from
 * the environment (see src/temporal/connectionConfig.ts), the arguments taking precedence.
 */
export async function connectClient(address?: string, namespace?: string): Promise<Client> {
  const config = temporalConnectionFromEnv(process.env, { ...(address ? { address } : {}), ...(namespace ? { namespace } : {}) });
  const connection = await connectClientConnection(config);
  return new Client({ connection, namespace: config.namespace });
}
