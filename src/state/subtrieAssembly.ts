import { hexToBytes } from './hex.js';
import { EMPTY_TRIE_ROOT } from './keccak.js';
import { encodeBranch, encodeExt, nodeRef, type Ref } from './trieNodeEncoding.js';

/**
 * The root of a trie put together from subtries hashed apart (on other threads): the top of the
 * trie over key groups, each group being all keys that share one prefix of `depth` nibbles.
 *
 * A Merkle Patricia trie's shape depends only on its key set, so the top is rebuilt from the group
 * prefixes alone: a branch where the present prefixes first differ, an extension over the nibbles
 * they all share, and below each branch slot the groups under it, recursively. A group alone under
 * a slot is the slot's child as it is; its top node's key then starts at that depth, which is why
 * each group brings its reference at every depth 0..`depth` (StackTrie.refsAt), [0] being the root
 * a trie of that group alone would have. The result is byte for byte the root of one StackTrie
 * over all the keys.
 *
 * Groups shorter than a key's length only: with `depth` ≤ 2 and keys of at least one byte, no key
 * ends inside the top, so no branch of it holds a value.
 */

/** One group: its prefix (`depth` nibbles, most significant first, as an integer) and its references. */
export interface SubtrieRefs {
  prefix: number;
  /** The group's subtrie as the child at depth 0..`depth`; [0] is hashed (a root). */
  refs: Ref[];
}

export const MAX_GROUP_DEPTH = 2;

const EMPTY_ROOT = hexToBytes(EMPTY_TRIE_ROOT);

/** The root over the groups, which must be in increasing prefix order, each non-empty. */
export function assembleRoot(groups: readonly SubtrieRefs[], depth: number): Uint8Array {
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_GROUP_DEPTH) throw new Error(`subtrie groups of ${depth} nibbles: 1..${MAX_GROUP_DEPTH} only`);
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    if (!Number.isInteger(g.prefix) || g.prefix < 0 || g.prefix >= 16 ** depth) throw new Error(`subtrie group prefix ${g.prefix} is not ${depth} nibbles`);
    if (g.refs.length !== depth + 1) throw new Error(`subtrie group ${g.prefix.toString(16)}: ${g.refs.length} references, expected ${depth + 1}`);
    if (i > 0 && groups[i - 1]!.prefix >= g.prefix) throw new Error('subtrie groups must be in strictly increasing prefix order');
  }
  if (groups.length === 0) return EMPTY_ROOT.slice();
  return refOf(groups, 0, groups.length, 0, depth);
}

/** Nibble `at` of a prefix of `depth` nibbles. */
function nibble(prefix: number, at: number, depth: number): number {
  return (prefix >> (4 * (depth - 1 - at))) & 0x0f;
}

/** The reference, as a child at depth `d`, of the subtrie holding groups[from, to), which share their first `d` nibbles. */
function refOf(groups: readonly SubtrieRefs[], from: number, to: number, d: number, depth: number): Ref {
  if (to - from === 1) return groups[from]!.refs[d]!;
  const first = groups[from]!.prefix;
  const last = groups[to - 1]!.prefix;
  // Where the groups first differ: below `depth`, since prefixes are distinct.
  let split = d;
  while (nibble(first, split, depth) === nibble(last, split, depth)) split++;
  const children: (Ref | null)[] = new Array<Ref | null>(16).fill(null);
  for (let i = from; i < to; ) {
    const slot = nibble(groups[i]!.prefix, split, depth);
    let j = i + 1;
    while (j < to && nibble(groups[j]!.prefix, split, depth) === slot) j++;
    children[slot] = refOf(groups, i, j, split + 1, depth);
    i = j;
  }
  // Children are copies, so encoding into the shared buffer now is safe.
  const branch = nodeRef(encodeBranch(children, null), split === 0);
  if (split === d) return branch;
  const path = new Uint8Array(depth);
  for (let k = 0; k < depth; k++) path[k] = nibble(first, k, depth);
  return nodeRef(encodeExt(path, d, split, branch), d === 0);
}
