import { randomBytes } from 'node:crypto';

const SHORT_ID = 20;

/**
 * A set of 20-byte address short IDs in insertion order, each with its position: what a UTXO read
 * over hundreds of thousands of owners keeps in memory. The IDs sit in one byte array and an
 * open-addressed table of positions points into it: at most 56 bytes an address (both grow by
 * doubling), where the canonical bech32 strings and a Map of them cost ~250 (124 MB of heap at
 * 500k addresses). Slots are chosen by a hash
 * seeded per index, so addresses picked to collide cannot be prepared in advance.
 */
export class ShortIdIndex {
  private ids = new Uint8Array(SHORT_ID * 1024);
  /** Position + 1 of the ID in each slot, 0 for an empty slot; its length is a power of two. */
  private slots = new Uint32Array(2048);
  private count = 0;
  private readonly seed = randomBytes(4).readUInt32LE(0);

  get size(): number {
    return this.count;
  }

  private hash(id: Uint8Array, offset: number): number {
    let h = this.seed;
    for (let i = 0; i < SHORT_ID; i += 4) {
      const word = id[offset + i]! | (id[offset + i + 1]! << 8) | (id[offset + i + 2]! << 16) | (id[offset + i + 3]! << 24);
      h = Math.imul(h ^ word, 0x9e3779b1);
      h ^= h >>> 15;
    }
    return h >>> 0;
  }

  private sameAt(position: number, id: Uint8Array): boolean {
    const at = position * SHORT_ID;
    for (let i = 0; i < SHORT_ID; i++) if (this.ids[at + i] !== id[i]) return false;
    return true;
  }

  /** The slot holding `id`, or the empty slot where it would go. */
  private slotOf(id: Uint8Array): number {
    const mask = this.slots.length - 1;
    let slot = this.hash(id, 0) & mask;
    for (;;) {
      const entry = this.slots[slot]!;
      if (entry === 0 || this.sameAt(entry - 1, id)) return slot;
      slot = (slot + 1) & mask;
    }
  }

  /** Adds `id` if it is not in the set yet; its position either way. */
  add(id: Uint8Array): number {
    if (id.length !== SHORT_ID) throw new Error(`an address short ID is ${SHORT_ID} bytes, got ${id.length}`);
    const slot = this.slotOf(id);
    const entry = this.slots[slot]!;
    if (entry !== 0) return entry - 1;
    const position = this.count;
    if ((position + 1) * SHORT_ID > this.ids.length) {
      const grown = new Uint8Array(this.ids.length * 2);
      grown.set(this.ids);
      this.ids = grown;
    }
    this.ids.set(id, position * SHORT_ID);
    this.slots[slot] = position + 1;
    this.count += 1;
    // At most half full, so probes stay short.
    if (this.count * 2 > this.slots.length) this.rehash();
    return position;
  }

  /** Position of `id`, or undefined when it is not in the set. */
  positionOf(id: Uint8Array): number | undefined {
    if (id.length !== SHORT_ID) return undefined;
    const entry = this.slots[this.slotOf(id)]!;
    return entry === 0 ? undefined : entry - 1;
  }

  /** The ID at `position` (a view: copy it to keep it past the next add). */
  at(position: number): Uint8Array {
    if (!Number.isInteger(position) || position < 0 || position >= this.count) throw new RangeError(`position ${position} of ${this.count}`);
    return this.ids.subarray(position * SHORT_ID, (position + 1) * SHORT_ID);
  }

  private rehash(): void {
    const slots = new Uint32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let position = 0; position < this.count; position++) {
      let slot = this.hash(this.ids, position * SHORT_ID) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = position + 1;
    }
    this.slots = slots;
  }
}
