import { randomBytes } from 'node:crypto';

const SHORT_ID = 20;
/** IDs a chunk of the ID store holds once full (640 KiB): big enough that chunks are few, small enough to waste little. */
const CHUNK_BITS = 15;
const CHUNK_IDS = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_IDS - 1;
/** The first chunk starts at 1024 IDs and doubles up to a whole chunk, so a small index stays small. */
const FIRST_CHUNK_IDS = 1024;

/**
 * A set of 20-byte address short IDs in insertion order, each with its position: what a UTXO read
 * over millions of owners, and owner discovery (ownerSet.ts), keep in memory. The IDs sit in
 * fixed-size chunks (never copied once full, so growth needs no second copy of them) and an
 * open-addressed table of positions, at most 3/4 full, points into them: 20 bytes an ID plus 5.3
 * to 10.7 of table, 26.7 measured at 5 and at 20 million IDs, where a Set of the bech32 strings
 * held ~130 and a Map of them ~250. Slots are chosen by a hash seeded per index, so addresses
 * picked to collide cannot be prepared in advance.
 */
export class ShortIdIndex {
  private chunks: Uint8Array[] = [new Uint8Array(SHORT_ID * FIRST_CHUNK_IDS)];
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
    const chunk = this.chunks[position >>> CHUNK_BITS]!;
    const at = (position & CHUNK_MASK) * SHORT_ID;
    for (let i = 0; i < SHORT_ID; i++) if (chunk[at + i] !== id[i]) return false;
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
    this.roomFor(position).set(id, (position & CHUNK_MASK) * SHORT_ID);
    this.slots[slot] = position + 1;
    this.count += 1;
    // At most 3/4 full: linear probing stays a few slots long, and the table costs ≤ 10.7 bytes an ID.
    if (this.count * 4 > this.slots.length * 3) this.rehash();
    return position;
  }

  /** The chunk where the ID at `position` goes, added or grown if it has no room yet. */
  private roomFor(position: number): Uint8Array {
    const index = position >>> CHUNK_BITS;
    if (index === this.chunks.length) this.chunks.push(new Uint8Array(SHORT_ID * CHUNK_IDS));
    let chunk = this.chunks[index]!;
    if ((position & CHUNK_MASK) * SHORT_ID >= chunk.length) {
      const grown = new Uint8Array(Math.min(chunk.length * 2, SHORT_ID * CHUNK_IDS));
      grown.set(chunk);
      this.chunks[index] = chunk = grown;
    }
    return chunk;
  }

  /** Position of `id`, or undefined when it is not in the set. */
  positionOf(id: Uint8Array): number | undefined {
    if (id.length !== SHORT_ID) return undefined;
    const entry = this.slots[this.slotOf(id)]!;
    return entry === 0 ? undefined : entry - 1;
  }

  /** The ID at `position` (a view: valid until the next add). */
  at(position: number): Uint8Array {
    if (!Number.isInteger(position) || position < 0 || position >= this.count) throw new RangeError(`position ${position} of ${this.count}`);
    const at = (position & CHUNK_MASK) * SHORT_ID;
    return this.chunks[position >>> CHUNK_BITS]!.subarray(at, at + SHORT_ID);
  }

  private rehash(): void {
    const slots = new Uint32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let position = 0; position < this.count; position++) {
      let slot = this.hash(this.chunks[position >>> CHUNK_BITS]!, (position & CHUNK_MASK) * SHORT_ID) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = position + 1;
    }
    this.slots = slots;
  }
}
