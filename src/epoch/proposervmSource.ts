import { AvaxService, isMethodMissing, parseSafeUint, type AvaxEndpoints } from '../chains/avax/api.js';
import { BlockTimestampEpochSource, findFirstBlockAtOrAfter, type BlockHeader, type BlockReader } from './blockTimestampSource.js';
import { assertEpochDuration, epochEndTime } from './lp181.js';
import { assertTargetEpoch, type CurrentEpoch, type EpochSource, type EpochStatus, type SealedEpoch } from './source.js';

/**
 * Epochs as an avalanchego node reports them: `proposervm.getCurrentEpoch` on
 * `<prefix>/bc/<chain>/proposervm` (avalanchego ≥ v1.14.0), reply `{number, startTime,
 * pChainHeight}` as decimal strings.
 *
 * What the node's answer means (vms/proposervm/service.go, acp181/epoch.go at v1.14.0, and
 * observed on a local node):
 * - It is the epoch a child of the preferred block would get: once a block with timestamp
 *   >= start + D is accepted, the answer is already epoch N + 1, starting at that block's timestamp
 *   and pinned to that block's P-Chain height. So "N is sealed" is exactly `current.number > N`.
 * - Numbering starts at 1. The proposervm fork block (block 1 on a chain that has Granite from
 *   genesis, as local and custom networks do) carries no epoch; epoch 1 starts at its timestamp.
 *   Before that block exists the node answers {1, genesis time, 0}, a prediction the fork block
 *   does not follow.
 * - The node only reports the current epoch. Where epoch N started and which block sealed it are
 *   found from the chain's block timestamps (LP-181 rule, findFirstBlockAtOrAfter) and checked
 *   against the node: the sealing block's timestamp must equal the next epoch's reported start.
 *   The inner VM stamps its own blocks (coreth uses its own clock), which equals the proposervm
 *   timestamp in practice; a disagreement is refused, never papered over.
 * - P-Chain heights come only from the node: the sealing P-Chain height (epoch N + 1's) is known
 *   while N + 1 is current, or from an earlier answer this instance saw. When neither holds the
 *   field is null, and a caller that pins exports to it must refuse.
 * - A node without the method (older avalanchego, luxd, or the X-Chain, whose /proposervm route is
 *   absent: HTTP 404) falls back to block timestamps alone, and the status says `kind:
 *   'block-timestamp'` with the reason.
 *
 * Cost: with the previous epoch remembered, a sealed status takes one getCurrentEpoch and
 * O(log G) block reads; otherwise the timestamp walk from the anchor costs O(E log G) for E epochs
 * since the anchor, so long-lived networks should pass a recent anchor.
 */

export interface EpochAnchor {
  /** The block whose timestamp starts epoch `number` (its children are the first of the epoch). */
  height: number;
  number: number;
}

export interface ProposerVmEpochSourceOptions {
  /** The node's API (see resolveEndpoints / avaxEndpoints). */
  endpoints: AvaxEndpoints;
  /** Chain alias or ID: P, X or C. */
  chain: string;
  /** Blocks of the same chain with their timestamps (evmBlockReader for C, PlatformChain.blockReader for P). */
  reader: BlockReader;
  /** ACP-181 epoch duration of the network: 30 s local/custom, 300 s mainnet and Fuji. */
  durationSeconds: number;
  /**
   * Where epoch numbering starts on this chain. Default {height: 1, number: 1}: the fork block of a
   * chain that had Granite from genesis. On mainnet/Fuji give the parent of the first Granite block
   * (epoch 1), or any later sealing block with the number of the epoch it starts.
   */
  anchor?: EpochAnchor;
  timeoutMs?: number;
}

export type EpochSourceKind = 'proposervm' | 'block-timestamp';

export interface ProposerVmEpochStatus extends EpochStatus {
  /** Which source answered this call. */
  kind: EpochSourceKind;
  chain: string;
  /** Why the node was not asked (method missing), when kind is block-timestamp. */
  fallbackReason?: string;
  /** The node's own answer, verbatim but parsed. */
  node?: CurrentEpoch;
}

/** The node's epoch and the chain's block timestamps disagree. */
export class EpochSourceMismatchError extends Error {
  override readonly name = 'EpochSourceMismatchError';
}

export const DEFAULT_ANCHOR: EpochAnchor = { height: 1, number: 1 };

export class ProposerVmEpochSource implements EpochSource {
  readonly kind = 'proposervm';
  readonly chain: string;
  readonly durationSeconds: number;
  readonly anchor: EpochAnchor;
  private readonly service: AvaxService;
  private readonly reader: BlockReader;
  /** Every epoch this instance saw the node report, by number. */
  private readonly observed = new Map<number, CurrentEpoch>();

  constructor(options: ProposerVmEpochSourceOptions) {
    assertEpochDuration(options.durationSeconds);
    const anchor = options.anchor ?? DEFAULT_ANCHOR;
    if (!Number.isSafeInteger(anchor.height) || anchor.height < 0 || !Number.isSafeInteger(anchor.number) || anchor.number < 1) {
      throw new RangeError(`anchor must be {height >= 0, number >= 1}, got ${JSON.stringify(anchor)}`);
    }
    this.chain = options.chain;
    this.durationSeconds = options.durationSeconds;
    this.anchor = { ...anchor };
    this.reader = options.reader;
    this.service = new AvaxService(options.endpoints.chain(options.chain, 'proposervm'), { timeoutMs: options.timeoutMs ?? 30_000 });
  }

  /** The node's current epoch, or why it cannot say (method missing). Other failures throw. */
  async nodeEpoch(): Promise<CurrentEpoch | { missing: string }> {
    let reply: { number?: unknown; startTime?: unknown; pChainHeight?: unknown };
    try {
      reply = await this.service.call('proposervm.getCurrentEpoch');
    } catch (err) {
      if (isMethodMissing(err)) return { missing: `${this.service.endpoint}: ${(err as Error).message}` };
      throw err;
    }
    const what = `proposervm.getCurrentEpoch (${this.chain})`;
    const epoch: CurrentEpoch = {
      number: parseSafeUint(reply?.number, `${what}.number`),
      startTime: parseSafeUint(reply?.startTime, `${what}.startTime`),
      pChainHeight: parseSafeUint(reply?.pChainHeight, `${what}.pChainHeight`),
    };
    if (epoch.number === 0) throw new Error(`${what}: epoch 0 means Granite is not active on this chain yet`);
    return epoch;
  }

  /** Keeps an answer for later calls; the same epoch reported differently means a reorg. */
  private remember(epoch: CurrentEpoch): void {
    const seen = this.observed.get(epoch.number);
    if (seen && (seen.startTime !== epoch.startTime || seen.pChainHeight !== epoch.pChainHeight)) {
      throw new EpochSourceMismatchError(
        `proposervm.getCurrentEpoch (${this.chain}): epoch ${epoch.number} was reported as ${JSON.stringify(seen)} and now as ${JSON.stringify(epoch)}`,
      );
    }
    this.observed.set(epoch.number, epoch);
  }

  async status(targetEpoch: number): Promise<ProposerVmEpochStatus> {
    assertTargetEpoch(targetEpoch);
    if (targetEpoch < this.anchor.number) {
      throw new RangeError(`targetEpoch ${targetEpoch} is before epoch ${this.anchor.number}, the first epoch on chain ${this.chain}`);
    }
    let node = await this.nodeEpoch();
    if ('missing' in node) return this.fromTimestamps(targetEpoch, node.missing);

    const head = await this.reader.head();
    const base = {
      kind: 'proposervm' as const,
      chain: this.chain,
      headHeight: head.number,
      headTimestamp: head.timestamp,
      durationSeconds: this.durationSeconds,
    };
    // Before the fork block the answer is a prediction the fork block will not follow: not kept.
    if (head.number < this.anchor.height) return { ...base, current: node, node };

    const read = this.cachedReader();
    if (node.number === this.anchor.number) {
      // The first epoch starts at the anchor block; a different start is the pre-fork prediction,
      // read just before the fork block arrived.
      const anchorBlock = await read(this.anchor.height);
      if (node.startTime !== anchorBlock.timestamp) {
        const again = await this.nodeEpoch();
        if ('missing' in again) return this.fromTimestamps(targetEpoch, again.missing);
        node = again;
        if (node.number === this.anchor.number && node.startTime !== anchorBlock.timestamp) {
          throw new EpochSourceMismatchError(
            `chain ${this.chain}: the node starts epoch ${node.number} at ${node.startTime}, the anchor block ${anchorBlock.number} ` +
              `has timestamp ${anchorBlock.timestamp}; is the anchor ${JSON.stringify(this.anchor)} right?`,
          );
        }
      }
    }
    this.remember(node);
    if (targetEpoch >= node.number) return { ...base, current: node, node };

    const known = this.observed.get(targetEpoch);
    if (known && targetEpoch + 1 === node.number && head.number > this.anchor.height) {
      // Fast path: the start of N was seen while N was current; N + 1 is current now.
      const after = await read(this.anchor.height);
      const sealing = await this.sealingBlock(read, known.startTime, after, head);
      this.checkSealing(sealing, node, targetEpoch);
      return { ...base, current: node, node, sealed: this.sealed(targetEpoch, known.startTime, sealing, node) };
    }

    // Walk the epochs from the anchor by timestamps; the node must agree on the current one.
    let walk = await this.walk(targetEpoch);
    if (walk.current.number !== node.number) {
      // The head may have moved between the two reads: ask the node again before refusing.
      const again = await this.nodeEpoch();
      if ('missing' in again) return this.fromTimestamps(targetEpoch, again.missing);
      node = again;
      this.remember(node);
      if (walk.current.number !== node.number) walk = await this.walk(targetEpoch);
      if (walk.current.number !== node.number) {
        throw new EpochSourceMismatchError(
          `chain ${this.chain}: block timestamps give current epoch ${walk.current.number} (head ${walk.headHeight}), ` +
            `the node reports ${node.number}; is durationSeconds (${this.durationSeconds}) or the anchor ${JSON.stringify(this.anchor)} wrong?`,
        );
      }
    }
    if (walk.current.startTime !== node.startTime) {
      throw new EpochSourceMismatchError(
        `chain ${this.chain}: epoch ${node.number} starts at ${walk.current.startTime} by block timestamps, at ${node.startTime} by the node ` +
          '(the inner VM stamped the sealing block differently from the proposervm)',
      );
    }
    const s = walk.sealed;
    if (!s) throw new Error(`chain ${this.chain}: epoch ${targetEpoch} precedes current ${node.number} but the walk found no sealing block`);
    const sealing: BlockHeader = { number: s.sealingHeight, timestamp: s.sealingTimestamp };
    return {
      ...base,
      headHeight: walk.headHeight,
      headTimestamp: walk.headTimestamp,
      current: node,
      node,
      sealed: this.sealed(targetEpoch, s.startTime, sealing, node),
    };
  }

  private cachedReader(): (n: number) => Promise<BlockHeader> {
    const cache = new Map<number, BlockHeader>();
    return async (n) => {
      const hit = cache.get(n);
      if (hit) return hit;
      const header = await this.reader.block(n);
      if (header.number !== n) throw new Error(`block(${n}) returned block ${header.number}`);
      cache.set(n, header);
      return header;
    };
  }

  private async sealingBlock(read: (n: number) => Promise<BlockHeader>, startTime: number, after: BlockHeader, head: BlockHeader): Promise<BlockHeader> {
    const end = epochEndTime({ startTime }, this.durationSeconds);
    if (after.timestamp >= end) {
      throw new EpochSourceMismatchError(`chain ${this.chain}: anchor block ${after.number} (t=${after.timestamp}) is not before the epoch end ${end}`);
    }
    return findFirstBlockAtOrAfter(read, end, { after, upTo: head });
  }

  private checkSealing(sealing: BlockHeader, node: CurrentEpoch, target: number): void {
    if (sealing.timestamp !== node.startTime) {
      throw new EpochSourceMismatchError(
        `chain ${this.chain}: epoch ${target} is sealed by block ${sealing.number} (t=${sealing.timestamp}) by timestamps, ` +
          `but the node starts epoch ${node.number} at ${node.startTime}`,
      );
    }
  }

  private sealed(target: number, startTime: number, sealing: BlockHeader, node: CurrentEpoch): SealedEpoch {
    const next = target + 1 === node.number ? node : this.observed.get(target + 1);
    return {
      number: target,
      startTime,
      pChainHeight: this.observed.get(target)?.pChainHeight ?? null,
      sealingHeight: sealing.number,
      sealingTimestamp: sealing.timestamp,
      sealingPChainHeight: next?.pChainHeight ?? null,
    };
  }

  /** The LP-181 walk over block timestamps, renumbered from the anchor's epoch. */
  private async walk(target: number): Promise<EpochStatus> {
    const offset = this.anchor.number;
    const source = new BlockTimestampEpochSource(this.reader, { durationSeconds: this.durationSeconds, anchorHeight: this.anchor.height });
    const s = await source.status(target - offset);
    return {
      ...s,
      current: { ...s.current, number: s.current.number + offset },
      ...(s.sealed ? { sealed: { ...s.sealed, number: s.sealed.number + offset } } : {}),
    };
  }

  private async fromTimestamps(target: number, reason: string): Promise<ProposerVmEpochStatus> {
    const base = { kind: 'block-timestamp' as const, chain: this.chain, fallbackReason: reason, durationSeconds: this.durationSeconds };
    const head = await this.reader.head();
    if (head.number < this.anchor.height) {
      // No block after the anchor yet: epoch `anchor.number` is the one the next block opens.
      return {
        ...base,
        current: { number: this.anchor.number, startTime: head.timestamp, pChainHeight: null },
        headHeight: head.number,
        headTimestamp: head.timestamp,
      };
    }
    return { ...base, ...(await this.walk(target)) };
  }
}
