import { Connection } from '@temporalio/client';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { toolPath } from '../tools.js';
import { ProcessStartError, spawnLogged, type ManagedProcess } from '../nodes/process.js';

export interface TemporalDevServer {
  address: string;
  uiUrl: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * `temporal server start-dev` with a persistent SQLite file, so runs survive a restart of the server
 * (and a later `regenesis dev` shows earlier runs in the Web UI). Loopback only.
 */
export async function startTemporalDevServer(options: {
  stateDir: string;
  port: number;
  uiPort: number;
  namespace?: string;
  timeoutMs?: number;
}): Promise<TemporalDevServer> {
  mkdirSync(options.stateDir, { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--db-filename',
    join(options.stateDir, 'temporal.db'),
    '--namespace',
    options.namespace ?? 'default',
    '--log-level',
    'warn',
  ];
  // Not detached: the server dies with the process that started it, however that process ends.
  const proc = spawnLogged(toolPath('temporal'), args, { logPath: join(options.stateDir, 'temporal.log') });
  const address = `127.0.0.1:${options.port}`;
  try {
    await untilAnswering(address, proc, options.timeoutMs ?? 60_000);
  } catch (err) {
    // A server that never answered still holds its port and database file.
    await proc.stop(5_000);
    throw err;
  }
  return {
    address,
    uiUrl: `http://localhost:${options.uiPort}`,
    process: proc,
    stop: async () => {
      await proc.stop(10_000);
    },
  };
}

async function untilAnswering(address: string, proc: ManagedProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.hasExited()) throw new ProcessStartError(`temporal dev server exited before ${address} answered`, proc.logTail());
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      return;
    } catch {
      if (Date.now() > deadline) throw new ProcessStartError(`temporal dev server did not answer on ${address}`, proc.logTail());
      await sleep(250);
    }
  }
}
