import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitBootstrapped } from '../../src/dev/validatorNetwork.js';
import type { AvalancheNode } from '../../src/nodes/avalanchego.js';
import { readProcessContext } from '../../src/nodes/processContext.js';

/**
 * The command line a rig node runs with, OS-chosen ports (0) pinned to the ones it bound: what a
 * host's own start command or supervisor would run, so the node comes back where its peers know it.
 */
export async function pinnedCommandLine(node: AvalancheNode): Promise<string[]> {
  const argv = readFileSync(`/proc/${await currentPid(node)}/cmdline`, 'utf8')
    .split('\0')
    .filter((a) => a !== '');
  const stakingPort = node.stakingAddress.split(':')[1]!;
  return argv.map((a) => (a === '--http-port=0' ? `--http-port=${node.httpPort}` : a === '--staking-port=0' ? `--staking-port=${stakingPort}` : a));
}

/** The node's pid now: a node an agent restarted is another process than the rig started. */
async function currentPid(node: AvalancheNode): Promise<number> {
  const context = await readProcessContext(join(node.dataDir, 'process.json'));
  if (!context) throw new Error(`the node of ${node.dataDir} is not running (no process context)`);
  return context.pid;
}

/** SIGTERM to the node's current process, resolved once it is gone. */
async function stopNode(pid: number): Promise<void> {
  process.kill(pid, 'SIGTERM');
  while (existsSync(`/proc/${pid}`)) await sleep(100);
}

/**
 * A validator's node moved under a supervisor that restarts it whenever it exits, as systemd's
 * `Restart=always` or a container's restart policy would: whoever halts it, it comes back.
 * `release()` ends the supervision and leaves the node running on its own (detached), as before.
 */
export async function superviseNode(node: AvalancheNode, dir: string): Promise<{ release(): Promise<void>; restarts(): number }> {
  const argv = await pinnedCommandLine(node);
  const stopFile = join(dir, `supervisor-${node.nodeId}.stop`);
  const log = join(dir, `supervisor-${node.nodeId}.log`);
  const quoted = argv.map((a) => `'${a}'`).join(' ');
  const script = join(dir, `supervisor-${node.nodeId}.sh`);
  writeFileSync(script, `#!/bin/sh\nwhile [ ! -e '${stopFile}' ]; do\n  echo start >> '${log}.starts'\n  ${quoted} >> '${log}' 2>&1\n  sleep 0.2\ndone\n`);
  await stopNode(await currentPid(node));
  spawn('sh', [script], { detached: true, stdio: 'ignore' }).unref();
  await waitBootstrapped([node.uri]);
  const contextPath = argv.find((a) => a.startsWith('--process-context-file='))!.split('=')[1]!;
  return {
    restarts: () => (existsSync(`${log}.starts`) ? readFileSync(`${log}.starts`, 'utf8').trim().split('\n').length - 1 : 0),
    async release() {
      writeFileSync(stopFile, '');
      const running = await readProcessContext(contextPath);
      if (running) await stopNode(running.pid);
      // The loop has ended; the node runs again on its own, where the next test expects it.
      spawn(argv[0]!, argv.slice(1), { detached: true, stdio: 'ignore' }).unref();
      await waitBootstrapped([node.uri]);
    },
  };
}
