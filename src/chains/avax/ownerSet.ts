import { bech32 } from '@scure/base';
import { parseBech32Address } from '../../keys/address.js';
import { positionsInAddressOrder } from './bech32Order.js';
import type { OwnerAddress } from './blockDigest.js';
import { ShortIdIndex } from './shortIdIndex.js';

/** The owners a discovery found, as its caller reads them: how many, and each once in string order. */
export interface SortedOwners extends Iterable<OwnerAddress> {
  readonly size: number;
  has(owner: OwnerAddress): boolean;
}

/**
 * The owners of one discovery, each kept as its 20-byte short ID (shortIdIndex.ts, 26.7 bytes an
 * owner measured where a Set of the strings held ~130) and iterated as bech32 strings in the order of
 * `[...strings].sort()` (bech32Order.ts), so the owners file is the same bytes either way.
 *
 * One HRP for all: the node names every owner with its network's HRP, so a second HRP is a fault
 * of the reply, refused rather than kept. An owner is taken only in the form iteration gives back
 * (lowercase, 20-byte payload), so what comes out is exactly what went in.
 */
export class OwnerSet implements SortedOwners {
  private readonly ids = new ShortIdIndex();
  private hrp: string | undefined;

  /** Owners in the set. */
  get size(): number {
    return this.ids.size;
  }

  /** Adds `owner` (`local1…`); true if it was not in the set. Throws on what is no owner or has another HRP. */
  add(owner: OwnerAddress): boolean {
    const { hrp, shortId } = parseOwner(owner);
    if (this.hrp !== undefined && hrp !== this.hrp) {
      throw new InvalidOwnerError(
        `owner: ${JSON.stringify(owner)} has HRP "${hrp}", the owners found before it "${this.hrp}" (one discovery reads one network)`,
      );
    }
    this.hrp = hrp;
    const before = this.ids.size;
    return this.ids.add(shortId) === before;
  }

  /** Whether `owner` is in the set (false for text that is no owner). */
  has(owner: OwnerAddress): boolean {
    let parsed: ReturnType<typeof parseOwner>;
    try {
      parsed = parseOwner(owner);
    } catch {
      return false;
    }
    return parsed.hrp === this.hrp && this.ids.positionOf(parsed.shortId) !== undefined;
  }

  /**
   * Every owner once, in string order, encoded one at a time. The order is computed when iteration
   * starts (8 bytes an owner while it runs); adding during iteration is refused, as the order
   * would no longer cover the set.
   */
  *[Symbol.iterator](): Iterator<OwnerAddress> {
    const hrp = this.hrp;
    if (hrp === undefined) return;
    const size = this.ids.size;
    const order = positionsInAddressOrder(size, (p) => this.ids.at(p), hrp);
    for (const position of order) {
      if (this.ids.size !== size) throw new Error(`owner set: ${this.ids.size - size} owner(s) added while it was iterated`);
      yield bech32.encodeFromBytes(hrp, this.ids.at(position));
    }
  }
}

/**
 * What no owner of one network looks like: not bech32, not lowercase, or another HRP than the
 * owners before it. Owners come from the node's answers, so this is the node's fault, and asking
 * again gets the same answer.
 */
export class InvalidOwnerError extends Error {
  override readonly name = 'InvalidOwnerError';
}

/** The HRP and short ID of an owner in canonical (lowercase) form. */
function parseOwner(owner: OwnerAddress): { hrp: string; shortId: Uint8Array } {
  // Bech32 also accepts all-uppercase, which would come back lowercase.
  if (/[A-Z]/.test(owner)) throw new InvalidOwnerError(`owner: ${JSON.stringify(owner)} is not lowercase, the form owners are written in`);
  try {
    return parseBech32Address(owner, 'owner');
  } catch (err) {
    throw new InvalidOwnerError((err as Error).message);
  }
}
