import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { baseArgs, gethInit } from '../nodes/geth.js';
import { freePort } from '../nodes/ports.js';
import { startFromSpec, stopFromSpec, writeLaunchSpec } from '../nodes/launchSpec.js';

/**
 * A local geth devnet as the NetworkOperator sees it, all under `<root>/<network>/`:
 *   producing/  the old network's block producer (geth --dev) — the "validators"
 *   halted/     the same datadir served read-only (no block production): the old network halted
 *   new/        the new network booted from the generated genesis
 * Stopping the producer never touches its datadir, so resuming it restores the old network.
 */
export class LocalGethDevnet {
  readonly dir: string;

  constructor(
    root: string,
    readonly network: string,
  ) {
    const base = resolve(root);
    this.dir = resolve(base, network);
    if (!this.dir.startsWith(base + sep)) throw new Error(`devnet ${JSON.stringify(network)} escapes the devnet root`);
  }

  get oldDataDir(): string {
    return join(this.dir, 'chain');
  }
  get producingDir(): string {
    return join(this.dir, 'producing');
  }
  get haltedDir(): string {
    return join(this.dir, 'halted');
  }
  get newDir(): string {
    return join(this.dir, 'new');
  }

  /** Creates the devnet's launch specs and starts its producer (for the demo and tests). */
  static async create(root: string, network: string, options: { periodSeconds?: number } = {}): Promise<{ devnet: LocalGethDevnet; rpcUrl: string }> {
    const devnet = new LocalGethDevnet(root, network);
    mkdirSync(devnet.dir, { recursive: true });
    const [httpPort, authPort] = [await freePort(), await freePort()];
    const common = baseArgs(devnet.oldDataDir, httpPort, authPort);
    const rpcUrl = `http://127.0.0.1:${httpPort}`;
    writeLaunchSpec(devnet.producingDir, {
      tool: 'geth',
      rpcUrl,
      args: [...common, '--dev', '--dev.period', String(options.periodSeconds ?? 1), '--gcmode', 'archive', '--cache.preimages'],
    });
    // Same datadir without --dev: it serves every historical state but seals no block.
    writeLaunchSpec(devnet.haltedDir, {
      tool: 'geth',
      rpcUrl,
      args: [...common, '--networkid', '1337', '--syncmode', 'full', '--gcmode', 'archive', '--cache.preimages'],
    });
    await startFromSpec(devnet.producingDir);
    return { devnet, rpcUrl };
  }

  async haltOld(): Promise<{ rpcUrl: string }> {
    await stopFromSpec(this.producingDir);
    return startFromSpec(this.haltedDir);
  }

  async resumeOld(): Promise<{ rpcUrl: string }> {
    await stopFromSpec(this.haltedDir);
    return startFromSpec(this.producingDir);
  }

  /** `geth init` of the new genesis into a fresh datadir, then the new node. Re-runnable. */
  async launchNew(genesisPath: string): Promise<{ rpcUrl: string }> {
    const dataDir = join(this.newDir, 'chain');
    if (!existsSync(join(this.newDir, 'launch.json'))) {
      rmSync(dataDir, { recursive: true, force: true });
      await gethInit({ dataDir, genesisPath, logPath: join(this.newDir, 'init.log') });
      const [httpPort, authPort] = [await freePort(), await freePort()];
      writeLaunchSpec(this.newDir, {
        tool: 'geth',
        rpcUrl: `http://127.0.0.1:${httpPort}`,
        args: [...baseArgs(dataDir, httpPort, authPort), '--syncmode', 'full', '--gcmode', 'archive'],
      });
    }
    return startFromSpec(this.newDir);
  }

  /** Stops the new network and removes it: the compensation of `launchNew`. */
  async discardNew(): Promise<void> {
    await stopFromSpec(this.newDir);
    rmSync(this.newDir, { recursive: true, force: true });
  }

  /** Stops every node of the devnet (test and demo teardown). */
  async stopAll(): Promise<void> {
    for (const dir of [this.producingDir, this.haltedDir, this.newDir]) await stopFromSpec(dir);
  }
}
