import { bytesToHex, hexToBytes } from './hex.js';
import { EMPTY_TRIE_ROOT } from './keccak.js';
import { encodeBranch, encodeExt, encodeLeaf, nodeRef, type Ref } from './trieNodeEncoding.js';

/**
 * Merkle Patricia trie root over keys inserted in strictly increasing order, holding only the
 * rightmost path in memory (after go-ethereum's trie/stacktrie.go).
 *
 * Because keys arrive sorted, once a key goes past a subtree nothing can be added to it any more,
 * so the subtree is hashed right away and only its reference (hash, or RLP when shorter than 32
 * bytes) is kept in the parent. Memory is O(key length), whatever the number of keys.
 *
 * Every unhashed node lies on the path of the last inserted key, so a node's key chunk is just a
 * nibble range [start, end) of that key: nodes hold indices, never nibble copies. While a new key
 * is inserted, the chunks still refer to the previous key, which agrees with the new one on every
 * nibble the insertion compares (all of them before the common prefix length).
 *
 * Keys may have any length (≥ 1 byte), and a key may be a prefix of a later one (the shorter one
 * then becomes a branch value), so the trie also reproduces tries over arbitrary byte keys.
 *
 * Keccak must be ready (keccakReady() resolved) before the first node is hashed.
 */

const EMPTY = 0;
const LEAF = 1;
const EXT = 2;
const BRANCH = 3;
type Kind = typeof EMPTY | typeof LEAF | typeof EXT | typeof BRANCH;

class StNode {
  kind: Kind = EMPTY;
  /** LEAF/EXT: key chunk as a nibble range of the current path. */
  start = 0;
  end = 0;
  /** LEAF: the value. BRANCH: the value of a key ending here (only with prefix keys), else null. */
  value: Uint8Array | null = null;
  /** EXT: the child, always a branch still on the insertion path. */
  child: StNode | null = null;
  /** BRANCH: children left of the path are Refs; at most one (at `live`) is still a node. */
  readonly children: (StNode | Ref | null)[] = new Array<StNode | Ref | null>(16).fill(null);
  live = -1;
}

const EMPTY_ROOT_BYTES = hexToBytes(EMPTY_TRIE_ROOT);

/** A key that is not after the previous one: callers that know what the key stands for say so. */
export class StackTrieOrderError extends Error {
  constructor(
    message: string,
    /** The previous key, hex. */
    readonly previous: string,
  ) {
    super(message);
  }
}

export class StackTrie {
  private readonly root_ = new StNode();
  private readonly pool: StNode[] = [];
  /** Nibbles of the key being inserted, then swapped into `path` once it is in. */
  private next = new Uint8Array(64);
  /** Nibbles of the last inserted key: the key chunks of all live nodes point into this. */
  private path = new Uint8Array(64);
  private pathLength = 0;
  private count = 0;
  private result: Uint8Array | undefined;

  /** Number of keys inserted so far. */
  get size(): number {
    return this.count;
  }

  /**
   * Inserts `key` → `value`. Keys must be strictly increasing (byte-wise); the value must not be
   * empty (an empty value means "absent" in a Merkle Patricia trie). `value` is kept by reference
   * until its leaf is hashed, so the caller must not modify it afterwards; `key` is copied.
   */
  update(key: Uint8Array, value: Uint8Array): void {
    if (this.result) throw new Error('StackTrie.update after root(): the trie is already finalised');
    if (key.length === 0) throw new Error('StackTrie keys must not be empty');
    if (value.length === 0) throw new Error(`StackTrie value for key ${bytesToHex(key)} is empty`);

    const length = key.length * 2;
    if (this.next.length < length) this.next = new Uint8Array(Math.max(length, this.next.length * 2));
    const next = this.next;
    for (let i = 0; i < key.length; i++) {
      const b = key[i]!;
      next[2 * i] = b >> 4;
      next[2 * i + 1] = b & 0x0f;
    }

    let common = 0;
    if (this.count > 0) {
      const path = this.path;
      const limit = Math.min(length, this.pathLength);
      while (common < limit && next[common] === path[common]) common++;
      const ordered = common < limit ? next[common]! > path[common]! : length > this.pathLength;
      if (!ordered) {
        const previous = nibblesToHex(path, this.pathLength);
        throw new StackTrieOrderError(
          `StackTrie keys must be strictly increasing: ${bytesToHex(key)} ` +
            `${common === length && length === this.pathLength ? 'repeats' : 'is not after'} the previous key ${previous}`,
          previous,
        );
      }
    }

    this.insert(common, length, value);

    this.next = this.path;
    this.path = next;
    this.pathLength = length;
    this.count++;
  }

  /** Empties the trie for another set of keys, keeping its allocations. */
  reset(): void {
    const root = this.root_;
    root.kind = EMPTY;
    root.value = null;
    root.child = null;
    root.children.fill(null);
    root.live = -1;
    this.pathLength = 0;
    this.count = 0;
    this.result = undefined;
  }

  /**
   * The 32-byte root hash. Hashes everything still open, after which the trie accepts no more
   * keys; later calls return the same root.
   */
  root(): Uint8Array {
    if (!this.result) {
      this.result = this.root_.kind === EMPTY ? EMPTY_ROOT_BYTES.slice() : this.hashNode(this.root_, true);
    }
    return this.result.slice();
  }

  /**
   * The trie's reference as a child at each depth 0..maxDepth of a larger trie (subtrieAssembly.ts):
   * what a parent at depth d - 1 holds for it, its top node's key starting at nibble d; [0] is the
   * root hash. All its keys must share their first maxDepth nibbles, so the top node is a leaf or
   * an extension at least that long. Finalises the trie, like root(); reset() to reuse it.
   */
  refsAt(maxDepth: number): Ref[] {
    if (this.result) throw new Error('StackTrie.refsAt after the trie was finalised');
    const top = this.root_;
    const refs: Ref[] = [];
    if (top.kind === EMPTY) throw new Error('StackTrie.refsAt of an empty trie: an empty span has no subtrie');
    if (top.kind === BRANCH && maxDepth > 0) throw new Error(`StackTrie.refsAt(${maxDepth}): the keys differ in their first nibble`);
    if (top.kind === EXT && top.end < maxDepth) {
      throw new Error(`StackTrie.refsAt(${maxDepth}): the keys share only ${top.end} leading nibbles`);
    }
    if (top.kind === LEAF && this.pathLength < maxDepth) throw new Error(`StackTrie.refsAt(${maxDepth}): the key is shorter than that`);
    const childRef = top.kind === EXT ? this.hashNode(top.child!, false) : null;
    for (let depth = 0; depth <= maxDepth; depth++) refs.push(this.topRef(top, depth, childRef));
    this.result = refs[0]!;
    return refs;
  }

  /** The top node's reference with its key starting at nibble `depth` (hashed at depth 0, as the root). */
  private topRef(top: StNode, depth: number, childRef: Ref | null): Ref {
    const isRoot = depth === 0;
    if (top.kind === LEAF) return nodeRef(encodeLeaf(this.path, depth, top.end, top.value!), isRoot);
    if (top.kind === EXT) {
      // An extension that ends where the parent's branch ends is that branch itself.
      if (depth === top.end) return childRef!;
      return nodeRef(encodeExt(this.path, depth, top.end, childRef!), isRoot);
    }
    return this.hashNode(top, true);
  }

  /**
   * Walks the live path to where the new key leaves it. `common` is the length of the nibble
   * prefix shared with the previous key: the walk never needs to compare nibbles itself.
   */
  private insert(common: number, length: number, value: Uint8Array): void {
    const prev = this.path;
    const next = this.next;
    let node = this.root_;
    let depth = 0;
    for (;;) {
      switch (node.kind) {
        case EMPTY:
          this.makeLeaf(node, depth, length, value);
          return;

        case BRANCH: {
          const idx = next[depth]!;
          if (node.live === idx) {
            node = node.children[idx] as StNode;
            depth++;
            continue;
          }
          // The new key goes right of the live child, which therefore is complete.
          if (node.live >= 0) {
            node.children[node.live] = this.hashNode(node.children[node.live] as StNode, false);
          }
          node.children[idx] = this.makeLeaf(this.alloc(), depth + 1, length, value);
          node.live = idx;
          return;
        }

        case EXT: {
          if (common >= node.end) {
            depth = node.end;
            node = node.child!;
            continue;
          }
          // Split at `common`: the old part (the rest of the extension and its child) is complete.
          const split = common;
          const branchChild = node.child!;
          let oldRef: Ref;
          if (split < node.end - 1) {
            const childRef = this.hashNode(branchChild, false);
            oldRef = nodeRef(encodeExt(prev, split + 1, node.end, childRef), false);
          } else {
            oldRef = this.hashNode(branchChild, false);
          }
          const branch = split === node.start ? node : this.alloc();
          if (branch !== node) {
            node.end = split;
            node.child = branch;
          } else {
            node.child = null;
          }
          branch.kind = BRANCH;
          branch.children[prev[split]!] = oldRef;
          branch.children[next[split]!] = this.makeLeaf(this.alloc(), split + 1, length, value);
          branch.live = next[split]!;
          return;
        }

        case LEAF: {
          // Ordering guarantees common < length; common === node.end means the old key is a
          // prefix of the new one and its value moves into the branch.
          const split = common;
          const oldValue = node.value!;
          const branch = split === node.start ? node : this.alloc();
          if (branch !== node) {
            node.kind = EXT;
            node.end = split;
            node.value = null;
            node.child = branch;
          }
          branch.kind = BRANCH;
          // The live leaf is the previous key's, so it always ends at the previous key's end.
          if (split === this.pathLength) {
            branch.value = oldValue;
          } else {
            branch.value = null;
            branch.children[prev[split]!] = nodeRef(encodeLeaf(prev, split + 1, this.pathLength, oldValue), false);
          }
          branch.children[next[split]!] = this.makeLeaf(this.alloc(), split + 1, length, value);
          branch.live = next[split]!;
          return;
        }
      }
    }
  }

  private alloc(): StNode {
    return this.pool.pop() ?? new StNode();
  }

  private release(node: StNode): void {
    if (node.kind === BRANCH) {
      node.children.fill(null);
      node.live = -1;
    }
    node.kind = EMPTY;
    node.value = null;
    node.child = null;
    this.pool.push(node);
  }

  private makeLeaf(node: StNode, start: number, end: number, value: Uint8Array): StNode {
    node.kind = LEAF;
    node.start = start;
    node.end = end;
    node.value = value;
    return node;
  }

  /** Hashes a live node and everything below it, returns its reference and frees the nodes. */
  private hashNode(node: StNode, isRoot: boolean): Ref {
    const path = this.path;
    let length: number;
    switch (node.kind) {
      case LEAF:
        length = encodeLeaf(path, node.start, node.end, node.value!);
        break;
      case EXT: {
        const childRef = this.hashNode(node.child!, false);
        length = encodeExt(path, node.start, node.end, childRef);
        break;
      }
      case BRANCH: {
        const children = node.children;
        if (node.live >= 0) children[node.live] = this.hashNode(children[node.live] as StNode, false);
        length = encodeBranch(children as (Ref | null)[], node.value);
        break;
      }
      default:
        throw new Error('StackTrie: cannot hash an empty node');
    }
    if (!isRoot) this.release(node);
    return nodeRef(length, isRoot);
  }
}

function nibblesToHex(nibbles: Uint8Array, length: number): string {
  let out = '0x';
  for (let i = 0; i < length; i++) out += nibbles[i]!.toString(16);
  return out;
}
