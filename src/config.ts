import { resolve } from 'node:path';

/** Process configuration from the environment (never from workflow input). */
export const config = {
  temporalAddress: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
  namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
  taskQueue: process.env.REGENESIS_TASK_QUEUE ?? 'regenesis',
  artifactsDir: resolve(process.env.REGENESIS_ARTIFACTS_DIR ?? 'artifacts'),
  stateDir: resolve(process.env.REGENESIS_STATE_DIR ?? '.state'),
  /** Root of the local devnets the `local` operator may stop and start (plans name them, never paths). */
  devnetRoot: resolve(process.env.REGENESIS_DEVNET_ROOT ?? '.state/devnets'),
};
