import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { toolPath } from '../../src/tools.js';
import { freePort } from '../../src/nodes/ports.js';
import { isPortInUse, spawnLogged, waitForJsonRpc, type ManagedProcess } from '../../src/nodes/process.js';

export interface AnvilOptions {
  /** Where the log goes; default a file in the OS temp dir named after the port. */
  logPath?: string;
  chainId?: number;
  /** Seconds between blocks; without it anvil mines one block per transaction (automine). */
  blockTimeSeconds?: number;
  /** Block gas limit. */
  gasLimit?: number;
  extraArgs?: readonly string[];
  startTimeoutMs?: number;
}

export interface AnvilNode {
  rpcUrl: string;
  port: number;
  pid: number;
  logPath: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export async function startAnvil(options: AnvilOptions = {}): Promise<AnvilNode> {
  const binary = toolPath('anvil');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const logPath = options.logPath ?? join(tmpdir(), `anvil-${port}.log`);
    mkdirSync(dirname(logPath), { recursive: true });
    const args = [
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      ...(options.chainId !== undefined ? ['--chain-id', String(options.chainId)] : []),
      ...(options.blockTimeSeconds !== undefined ? ['--block-time', String(options.blockTimeSeconds)] : []),
      ...(options.gasLimit !== undefined ? ['--gas-limit', String(options.gasLimit)] : []),
      ...(options.extraArgs ?? []),
    ];
    const proc = spawnLogged(binary, args, { logPath });
    const rpcUrl = `http://127.0.0.1:${port}`;
    try {
      await waitForJsonRpc(rpcUrl, proc, { timeoutMs: options.startTimeoutMs ?? 30_000 });
    } catch (err) {
      await proc.stop(2_000);
      if (attempt < 3 && isPortInUse(err)) continue;
      throw new Error(`anvil did not start (log: ${logPath})`, { cause: err });
    }
    return {
      rpcUrl,
      port,
      pid: proc.pid,
      logPath,
      process: proc,
      stop: async () => {
        await proc.stop(5_000);
      },
    };
  }
}
