import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnLogged } from '../nodes/process.js';
import { readProcessContext } from '../nodes/processContext.js';
import { headReader, type LastAccepted } from './lastAccepted.js';
import { formatNodeArgs, parseNodeArgs, withFlags, type NodeFlag } from './nodeArgs.js';

/**
 * What a stopped node's own database says it accepted last, read by starting the node once more
 * cut off from every peer, reading its heads, and stopping it again.
 *
 * Why: the heads recorded at the halt (lastAccepted.ts) are the node's last *answered* reads. Under
 * load a read can be slow, so a block the node accepted in its last moments may be missing from the
 * record, and the node would then refuse the genesis of the height it really stopped at. The node's
 * database is the evidence; this is the one reader of it that knows every dialect's layout: the node.
 *
 * Cut off how: no bootstrappers (a node with none starts on what it has, as a network's first node
 * does), the staking listener and the API on loopback ports the OS picks, and its public IP
 * loopback, so no peer knows where to find it and it dials none. It cannot accept anything: consensus
 * needs the votes of the validators it cannot reach (a node holding all the stake alone is the one
 * exception, and its heads are then read as they are, never trusted beyond the genesis check).
 */
export async function readStoppedNodeHeads(argv: readonly string[], dir: string, timeoutMs = 120_000): Promise<LastAccepted> {
  const contextPath = join(dir, 'reread-context.json');
  await rm(contextPath, { force: true });
  const [binary, ...args] = argv;
  const proc = spawnLogged(binary!, isolatedArgs(args, contextPath), { logPath: join(dir, 'reread-node.log') });
  try {
    const uri = await contextUri(
      contextPath,
      timeoutMs,
      () => proc.hasExited() && `the node exited while starting cut off from its peers: ${proc.logTail(600)}`,
    );
    return await headsOnceAnswered(uri, timeoutMs);
  } finally {
    await proc.stop(60_000);
  }
}

/** Flags that change where the node listens and whom it knows; everything else is kept as the operator had it. */
const ISOLATION: readonly NodeFlag[] = [
  { name: 'bootstrap-ips', value: '' },
  { name: 'bootstrap-ids', value: '' },
  { name: 'staking-host', value: '127.0.0.1' },
  { name: 'staking-port', value: '0' },
  { name: 'public-ip', value: '127.0.0.1' },
  { name: 'http-host', value: '127.0.0.1' },
  { name: 'http-port', value: '0' },
  // Its chains must answer, and a node waits for 3/4 of the validators' stake before its X- and
  // C-Chain serve anything: without sybil protection it is its own only validator and starts at once.
  { name: 'sybil-protection-enabled', value: 'false' },
  // Being its own only validator, it must still never accept a block: a decision needs this many
  // successful polls in a row (snowball's beta; any value ≥ the concurrent repolls is valid).
  { name: 'snow-commit-threshold', value: String(2 ** 31 - 1) },
];

/** The recorded command line with the isolation flags, and a process-context file of its own. */
export function isolatedArgs(args: readonly string[], contextPath: string): string[] {
  const dropped = ['public-ip-resolution-service', 'public-ip-resolution-frequency', 'bootstrap-beacon-connection-timeout'];
  return formatNodeArgs(withFlags(parseNodeArgs(args), dropped, [...ISOLATION, { name: 'process-context-file', value: contextPath }]));
}

/** The API address the node writes into its process-context file once it listens. */
async function contextUri(path: string, timeoutMs: number, exited: () => string | false): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const context = await readProcessContext(path);
    if (context) return context.uri;
    const why = exited();
    if (why) throw new Error(why);
    if (Date.now() > deadline) throw new Error(`the node cut off from its peers wrote no process context to ${path} within ${timeoutMs} ms`);
    await sleep(200);
  }
}

/** The heads once the node answers for its C-Chain (its P- and X-Chain heads with them where they answer). */
async function headsOnceAnswered(uri: string, timeoutMs: number): Promise<LastAccepted> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    try {
      const heads = await (await headReader(uri)).read();
      if (heads.C) return heads;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`the node cut off from its peers did not answer for its C-Chain at ${uri} within ${timeoutMs} ms: ${last}`);
    await sleep(500);
  }
}
