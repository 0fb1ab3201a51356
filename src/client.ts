import { Client, Connection } from '@temporalio/client';
import { config } from './config.js';

export async function connectClient(address = config.temporalAddress, namespace = config.namespace): Promise<Client> {
  const connection = await Connection.connect({ address });
  return new Client({ connection, namespace });
}
