// A path-compressed binary radix trie over IPv4 (32-bit) or IPv6 (128-bit) prefixes, keys as four
// 32-bit words (IPv4 uses the first). Nodes carry a numeric id, reused after deletion, so that
// per-peer state (Adj-RIB-Out) can live in typed arrays indexed by node.
// Must not import fsm, api, daemon, node:net or metrics libraries.

export class TrieNode<V> {
  /** The first key word (all of an IPv4 key), masked to `len` bits, as int32. */
  w0: number;
  len: number;
  left: TrieNode<V> | null = null;
  right: TrieNode<V> | null = null;
  parent: TrieNode<V> | null = null;
  /** null on glue nodes that only join two branches. */
  value: V | null = null;
  id: number;

  constructor(w0: number, len: number, id: number) {
    this.w0 = w0;
    this.len = len;
    this.id = id;
  }

  /** Key word i (0-3); IPv4 nodes have only the first. */
  word(i: number): number {
    return i === 0 ? this.w0 : 0;
  }
}

/** An IPv6 node: three more key words (IPv4 nodes do without them: 24 octets less per node). */
export class TrieNode6<V> extends TrieNode<V> {
  w1: number;
  w2: number;
  w3: number;

  constructor(w0: number, w1: number, w2: number, w3: number, len: number, id: number) {
    super(w0, len, id);
    this.w1 = w1;
    this.w2 = w2;
    this.w3 = w3;
  }

  override word(i: number): number {
    return i === 0 ? this.w0 : i === 1 ? this.w1 : i === 2 ? this.w2 : this.w3;
  }
}

/** Key words of any node, for code that handles both families. */
export function keyWords(n: TrieNode<unknown>): [number, number, number, number] {
  return [n.w0, n.word(1), n.word(2), n.word(3)];
}

function word(w0: number, w1: number, w2: number, w3: number, i: number): number {
  return i === 0 ? w0 : i === 1 ? w1 : i === 2 ? w2 : w3;
}

/** Bit `i` (0 = most significant) of a key. */
function bit(w0: number, w1: number, w2: number, w3: number, i: number): number {
  return (word(w0, w1, w2, w3, i >>> 5) >>> (31 - (i & 31))) & 1;
}

/** The first `bits` bits of a word, as an int32 (V8 keeps int32 unboxed; uint32 above 2^31 is not). */
function maskWord(w: number, bits: number): number {
  if (bits >= 32) return w | 0;
  if (bits <= 0) return 0;
  return w & (0xffffffff << (32 - bits));
}

/** Length of the common leading bits of two keys, at most `max`. */
function commonBits(a: TrieNode<unknown>, w0: number, w1: number, w2: number, w3: number, max: number): number {
  let n = 0;
  for (let i = 0; i < 4 && n < max; i++) {
    const x = (a.word(i) ^ word(w0, w1, w2, w3, i)) >>> 0;
    if (x === 0) {
      n += 32;
      continue;
    }
    n += Math.clz32(x);
    break;
  }
  return Math.min(n, max);
}

/** Whether prefix (w, len) covers node n (n equally or more specific, inside it). */
function covers(w: readonly [number, number, number, number], len: number, n: TrieNode<unknown>): boolean {
  return n.len >= len && commonBits(n, w[0], w[1], w[2], w[3], len) === len;
}

/** Whether node n comes after every prefix inside (w, len) in prefix order. */
function after(n: TrieNode<unknown>, w: readonly [number, number, number, number], len: number): boolean {
  const m = Math.min(n.len, len);
  const common = commonBits(n, w[0], w[1], w[2], w[3], m);
  return common < m && bit(n.w0, n.word(1), n.word(2), n.word(3), common) === 1;
}

export class PrefixTrie<V> {
  readonly width: 32 | 128;
  #root: TrieNode<V> | null = null;
  #size = 0;
  #nextId = 1;
  readonly #freeIds: number[] = [];

  constructor(width: 32 | 128) {
    this.width = width;
  }

  /** Prefixes holding a value. */
  get size(): number {
    return this.#size;
  }

  /** One more than the highest node id ever used: the length per-node arrays need. */
  get idLimit(): number {
    return this.#nextId;
  }

  #newNode(w0: number, w1: number, w2: number, w3: number, len: number): TrieNode<V> {
    const id = this.#freeIds.pop() ?? this.#nextId++;
    if (this.width === 32) return new TrieNode<V>(maskWord(w0, len), len, id);
    return new TrieNode6<V>(maskWord(w0, len), maskWord(w1, len - 32), maskWord(w2, len - 64), maskWord(w3, len - 96), len, id);
  }

  #free(n: TrieNode<V>): void {
    this.#freeIds.push(n.id);
    // Empty again: ids start over, and the list of free ones (millions after a full table) goes.
    if (this.#root === null) {
      this.#freeIds.length = 0;
      this.#nextId = 1;
    }
  }

  /** The node for exactly this prefix, or null. */
  get(w0: number, w1: number, w2: number, w3: number, len: number): TrieNode<V> | null {
    let n = this.#root;
    while (n) {
      if (n.len > len || commonBits(n, w0, w1, w2, w3, n.len) < n.len) return null;
      if (n.len === len) return n.value === null ? null : n;
      n = bit(w0, w1, w2, w3, n.len) ? n.right : n.left;
    }
    return null;
  }

  /** The node for this prefix, created (with a null value) when absent. */
  ensure(w0: number, w1: number, w2: number, w3: number, len: number): TrieNode<V> {
    w0 = maskWord(w0, len);
    w1 = maskWord(w1, len - 32);
    w2 = maskWord(w2, len - 64);
    w3 = maskWord(w3, len - 96);
    if (!this.#root) {
      this.#root = this.#newNode(w0, w1, w2, w3, len);
      return this.#root;
    }
    let parent: TrieNode<V> | null = null;
    let n: TrieNode<V> | null = this.#root;
    for (;;) {
      if (!n) {
        const leaf = this.#newNode(w0, w1, w2, w3, len);
        this.#attach(parent!, leaf);
        return leaf;
      }
      const common = commonBits(n, w0, w1, w2, w3, Math.min(n.len, len));
      if (common === n.len && n.len === len) return n;
      if (common === n.len) {
        parent = n;
        n = bit(w0, w1, w2, w3, n.len) ? n.right : n.left;
        continue;
      }
      // The new prefix and n diverge (or the new one is shorter): insert above n.
      if (common === len) {
        const node = this.#newNode(w0, w1, w2, w3, len);
        this.#replace(parent, n, node);
        this.#attach(node, n);
        return node;
      }
      const glue = this.#newNode(w0, w1, w2, w3, common);
      const leaf = this.#newNode(w0, w1, w2, w3, len);
      this.#replace(parent, n, glue);
      this.#attach(glue, n);
      this.#attach(glue, leaf);
      return leaf;
    }
  }

  #attach(parent: TrieNode<V>, child: TrieNode<V>): void {
    if (bit(child.w0, child.word(1), child.word(2), child.word(3), parent.len)) parent.right = child;
    else parent.left = child;
    child.parent = parent;
  }

  #replace(parent: TrieNode<V> | null, old: TrieNode<V>, node: TrieNode<V>): void {
    if (!parent) this.#root = node;
    else if (parent.left === old) parent.left = node;
    else parent.right = node;
    node.parent = parent;
  }

  /** Sets a node's value (counting it) after ensure(). */
  set(node: TrieNode<V>, value: V): void {
    if (node.value === null) this.#size++;
    node.value = value;
  }

  /** Clears a node's value and removes the node (and a glue parent left with one child). */
  clear(node: TrieNode<V>): void {
    if (node.value !== null) this.#size--;
    node.value = null;
    this.#prune(node);
  }

  #prune(node: TrieNode<V>): void {
    if (node.value !== null) return;
    const parent = node.parent;
    if (node.left && node.right) return;
    const child = node.left ?? node.right;
    if (!parent) this.#root = child;
    else if (parent.left === node) parent.left = child;
    else parent.right = child;
    if (child) child.parent = parent;
    this.#free(node);
    node.parent = node.left = node.right = null;
    if (parent && parent.value === null) this.#prune(parent);
  }

  /** Longest-prefix match for an address (or any prefix): the most specific node covering it. */
  lookup(w0: number, w1: number, w2: number, w3: number, len: number = this.width): TrieNode<V> | null {
    let best: TrieNode<V> | null = null;
    let n = this.#root;
    while (n && n.len <= len && commonBits(n, w0, w1, w2, w3, n.len) === n.len) {
      if (n.value !== null) best = n;
      if (n.len === len) break;
      n = bit(w0, w1, w2, w3, n.len) ? n.right : n.left;
    }
    return best;
  }

  /** Every node with a value that covers the prefix (less or equally specific), least specific first. */
  *covering(w0: number, w1: number, w2: number, w3: number, len: number): Generator<TrieNode<V>> {
    let n = this.#root;
    while (n && n.len <= len && commonBits(n, w0, w1, w2, w3, n.len) === n.len) {
      if (n.value !== null) yield n;
      if (n.len === len) break;
      n = bit(w0, w1, w2, w3, n.len) ? n.right : n.left;
    }
  }

  /** Every node with a value inside the prefix (equally or more specific), in address order. */
  *covered(w0: number, w1: number, w2: number, w3: number, len: number): Generator<TrieNode<V>> {
    let n = this.#root;
    while (n) {
      const common = commonBits(n, w0, w1, w2, w3, Math.min(n.len, len));
      if (common < Math.min(n.len, len)) return;
      if (n.len >= len) break;
      n = bit(w0, w1, w2, w3, n.len) ? n.right : n.left;
    }
    if (n) yield* this.#walk(n);
  }

  /**
   * Every node with a value after the position (w, len) in prefix order (the order of entries():
   * by address, a prefix before the more specific ones it covers), whether or not a node sits at
   * that position: a cursor stays valid when its prefix is withdrawn. O(depth) to resume.
   * With `within`, only nodes inside that prefix.
   */
  *after(w0: number, w1: number, w2: number, w3: number, len: number, within?: { w: readonly [number, number, number, number]; len: number }): Generator<TrieNode<V>> {
    const stack: TrieNode<V>[] = [];
    let n = this.#root;
    // Walk down toward the position: what is left of it is skipped, what is right of it (the
    // other child when the position goes left) is queued; pre-order pops them nearest first.
    while (n) {
      const m = Math.min(n.len, len);
      const common = commonBits(n, w0, w1, w2, w3, m);
      if (common < m) {
        // Apart at bit `common`: n's whole subtree lies before or after the position.
        if (bit(n.w0, n.word(1), n.word(2), n.word(3), common) === 1) stack.push(n);
        break;
      }
      if (n.len > len) {
        // n extends the position: it and all below it come after.
        stack.push(n);
        break;
      }
      if (n.len === len) {
        // The position itself: what lies below it comes after it.
        if (n.right) stack.push(n.right);
        if (n.left) stack.push(n.left);
        break;
      }
      // n covers the position (n comes before it): go down on the position's side.
      if (bit(w0, w1, w2, w3, n.len) === 0) {
        if (n.right) stack.push(n.right);
        n = n.left;
      } else {
        n = n.right;
      }
    }
    // Pending subtrees were pushed nearest-last: pop order is prefix order.
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (within && !covers(within.w, within.len, x)) {
        // Not inside `within`: an ancestor of it may have children inside; a node apart from it
        // is skipped with its subtree, and once past its end nothing inside can follow.
        const ancestor = x.len < within.len && commonBits(x, within.w[0], within.w[1], within.w[2], within.w[3], x.len) === x.len;
        if (!ancestor) {
          if (after(x, within.w, within.len)) return;
          continue;
        }
      } else if (x.value !== null) yield x;
      if (x.right) stack.push(x.right);
      if (x.left) stack.push(x.left);
    }
  }

  /** Every node with a value, in address order. */
  *entries(): Generator<TrieNode<V>> {
    if (this.#root) yield* this.#walk(this.#root);
  }

  *#walk(root: TrieNode<V>): Generator<TrieNode<V>> {
    const stack: TrieNode<V>[] = [root];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n.value !== null) yield n;
      if (n.right) stack.push(n.right);
      if (n.left) stack.push(n.left);
    }
  }

  /** Calls fn for every node with a value (faster than the generator for whole-table passes). */
  forEach(fn: (n: TrieNode<V>) => void): void {
    const stack: TrieNode<V>[] = [];
    if (this.#root) stack.push(this.#root);
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n.value !== null) fn(n);
      if (n.right) stack.push(n.right);
      if (n.left) stack.push(n.left);
    }
  }
}
