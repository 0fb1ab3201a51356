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
  /** A workflow bundle built beforehand (`regenesis bundle`); unset: the worker builds one at start. */
  workflowBundle: process.env.REGENESIS_WORKFLOW_BUNDLE ? resolve(process.env.REGENESIS_WORKFLOW_BUNDLE) : undefined,
};

/**
 * Node flags a production worker runs with (Dockerfile NODE_OPTIONS; the bench measures the same).
 * Every phase streams in ~150–290 MB whatever the state size; without a cap V8 lets the old
 * generation grow to several times its live size before collecting.
 */
export const WORKER_NODE_OPTIONS = '--max-old-space-size=256';
