// A path-compressed binary radix trie over IPv4 (32-bit) or IPv6 (128-bit) prefixes, keys as four
// 32-bit words (IPv4 uses the first), stored as columns of typed arrays: a node is a small integer
// (0 is none) indexing its key words, length and children; a prefix's value and count have a row
// by its dense index (glue nodes hold neither). No object per node: a million prefixes (and about
// as many glue nodes) cost the garbage collector nothing to trace, and per-peer state (Adj-RIB-Out)
// lives in typed arrays indexed by the prefixes' dense indices too (see ID_BLOCK_BITS). Ids of
// removed nodes are reused. Nodes grow in chunks (capacity doubles) and the columns go back to
// their first size when the trie empties.
// Must not import fsm, api, daemon, node:net or metrics libraries.

import { type Column, column, emptied, resized, retireReplaced } from './columns.js';

/** A trie node: an index into the columns; 0 is no node. */
export type NodeId = number;

/** The first node capacity, and what an emptied trie returns to. */
const FIRST_CAPACITY = 1024;

/**
 * Ids come in aligned blocks of ID_BLOCK, each block given to one kind of node: prefix nodes (made
 * by ensure for a prefix, which may hold values) or glue nodes (made only to join two branches).
 * Prefix blocks are numbered densely in the order they are made (a glue block too, once one of
 * its nodes is asked for as a prefix): the dense index of a node (denseIndex) is where columns of
 * other owners keep it, so a column per peer (an Adj-RIB-Out's) has no entries for glue nodes,
 * which never hold routes and are about as many as the prefixes (half of each reflector client's
 * column was theirs when such columns were indexed by node id).
 */
export const ID_BLOCK_BITS = 6;
const ID_BLOCK = 1 << ID_BLOCK_BITS;
const IN_BLOCK = ID_BLOCK - 1;
const PREFIX_BLOCK = 0;
const GLUE_BLOCK = 1;

/** The value column's code for the trie's constant value (no object slot can reach it). */
const CONSTANT = -0x80000000;

/** Bit `i` (0 = most significant) of a key. */
function bit(w0: number, w1: number, w2: number, w3: number, i: number): number {
  const w = i < 32 ? w0 : i < 64 ? w1 : i < 96 ? w2 : w3;
  return (w >>> (31 - (i & 31))) & 1;
}

/** The first `bits` bits of a word, as an int32 (V8 keeps int32 unboxed; uint32 above 2^31 is not). */
function maskWord(w: number, bits: number): number {
  if (bits >= 32) return w | 0;
  if (bits <= 0) return 0;
  return w & (0xffffffff << (32 - bits));
}

export class PrefixTrie<V> {
  readonly width: 32 | 128;
  #root: NodeId = 0;
  #size = 0;
  /** The end of the blocks handed out (block-aligned): every id is below it. */
  #nextId = 0;
  /** By kind (PREFIX_BLOCK, GLUE_BLOCK), its current block's next id and end (equal: take a new block). */
  readonly #nextOf = new Int32Array(2);
  readonly #endOf = new Int32Array(2);
  /** By kind, its free ids: a list chained through their #left column (no array of millions once a full table goes). */
  readonly #freeOf = new Int32Array(2);
  /** Per block: its kind, and its number among the numbered blocks plus one (0: none). */
  #blockKind = column(Uint8Array, 0);
  #numberOf = column(Int32Array, 0);
  /** Per numbered block, in order: the block. */
  #blockAt = column(Int32Array, 0);
  #numbered = 0;
  #capacity = 0;
  // Key words masked to the node's length (IPv4 tries keep only the first column).
  #w0 = column(Int32Array, 0);
  #w1 = column(Int32Array, 0);
  #w2 = column(Int32Array, 0);
  #w3 = column(Int32Array, 0);
  #len = column(Uint8Array, 0);
  #left = column(Int32Array, 0);
  #right = column(Int32Array, 0);
  /**
   * The value and aux columns have a row per dense slot (#at), not per node id: only prefixes hold
   * them, and glue nodes are about as many (a full table's 8 MB less). Rows 0 to ID_BLOCK - 1 are
   * every unnumbered (glue) block's, always zero: a glue node reads as holding nothing, unbranched.
   * Both columns are always the same length. This one: a number per prefix for the owner's use
   * (the Loc-RIB counts a prefix's holders in it); 0 when made.
   */
  #aux = column(Int32Array, 0);
  /**
   * Each prefix's value as a number: 0 none (a glue node that only joins two branches, a free id); k > 0
   * the small non-negative integer k - 1 itself (the Loc-RIB's one-path prefixes: a path row);
   * k < 0 the object at -k - 1 in #objects, or CONSTANT for the trie's one constant value (the
   * Loc-RIB's held-but-empty prefix, which every prefix of a full table becomes for a moment when
   * its peer goes). A column, not an array of pointers: a full table's million prefixes are 4 MB
   * outside the heap instead of 8 MB the collector traces.
   */
  #value = column(Int32Array, 0);
  /** Values that are not small integers, in slots reused through #freeObjects. */
  #objects: (V | undefined)[] = [];
  #freeObjects: number[] = [];
  readonly #constant: V | undefined;

  /** `constant`: a value many nodes may hold at once, kept as a code in the column rather than an object slot each. */
  constructor(width: 32 | 128, constant?: V) {
    this.width = width;
    this.#constant = constant;
    this.#path = new Int32Array(width + 2);
    this.#finger = new Int32Array(width + 2);
    this.#allocate(FIRST_CAPACITY);
    this.#allocateDense(FIRST_CAPACITY);
  }

  /** Prefixes holding a value. */
  get size(): number {
    return this.#size;
  }

  /** Above every node id used (the end of the last block handed out): the length per-node arrays need. */
  get idLimit(): number {
    return this.#nextId;
  }

  /** Above every dense index given (see ID_BLOCK_BITS): the length per-prefix columns of other owners need. */
  get denseLimit(): number {
    return this.#numbered << ID_BLOCK_BITS;
  }

  /**
   * Where columns of other owners keep node n, dense over the numbered blocks: -1 for a node of a
   * glue block never asked for as a prefix (it holds no value). Stable while the trie has nodes.
   */
  denseIndex(n: NodeId): number {
    // The row of the value columns less the glue blocks' shared rows in front.
    const at = this.#at(n);
    return at < ID_BLOCK ? -1 : at - ID_BLOCK;
  }

  /** The node at a dense index (below denseLimit). */
  nodeAtDense(i: number): NodeId {
    return (this.#blockAt[i >>> ID_BLOCK_BITS] << ID_BLOCK_BITS) | (i & IN_BLOCK);
  }

  /** Node ids the columns have room for (ids stay below it). */
  get capacity(): number {
    return this.#capacity;
  }

  /** Octets the columns take (the values' own size not counted). */
  get bytes(): number {
    const words = this.width === 32 ? 1 : 4;
    const perNode = words * 4 + 1 + 2 * 4;
    return this.#capacity * perNode + this.#value.length * 2 * 4 + (this.#capacity >>> ID_BLOCK_BITS) * (1 + 4 + 4);
  }

  /** The value of a node (null for a glue node, or for 0). */
  value(n: NodeId): V | null {
    const k = this.#value[this.#at(n)];
    if (k > 0) return (k - 1) as V;
    if (k === 0) return null;
    return k === CONSTANT ? this.#constant! : this.#objects[-k - 1]!;
  }

  /** The prefix length of a node. */
  len(n: NodeId): number {
    return this.#len[n];
  }

  /** Key word i (0-3) of a node; IPv4 nodes have only the first. */
  word(n: NodeId, i: number): number {
    if (i === 0) return this.#w0[n];
    if (this.width === 32) return 0;
    return i === 1 ? this.#w1[n] : i === 2 ? this.#w2[n] : this.#w3[n];
  }

  /**
   * Writes a node as an NLRI block entry at `words[at]` (wire/nlri.ts: path id, length, key
   * words; IPv6 entries have four): the path id is left to the caller.
   */
  writeEntry(n: NodeId, words: Uint32Array, at: number): void {
    words[at + 1] = this.#len[n];
    words[at + 2] = this.#w0[n];
    if (this.width === 32) return;
    words[at + 3] = this.#w1[n];
    words[at + 4] = this.#w2[n];
    words[at + 5] = this.#w3[n];
  }

  /** The owner's number of a node (see #aux). */
  aux(n: NodeId): number {
    return this.#aux[this.#at(n)];
  }

  setAux(n: NodeId, v: number): void {
    this.#aux[this.#prefixSlot(n)] = v;
  }

  /** The key words of a node. */
  key(n: NodeId): [number, number, number, number] {
    return [this.word(n, 0), this.word(n, 1), this.word(n, 2), this.word(n, 3)];
  }

  /** The columns at a new capacity, each made by `how` (grown, or emptied when the trie empties). */
  #allocate(capacity: number, how: <T extends Column>(c: T, capacity: number) => T = resized): void {
    const old = this.#columns();
    this.#w0 = how(this.#w0, capacity);
    if (this.width === 128) {
      this.#w1 = how(this.#w1, capacity);
      this.#w2 = how(this.#w2, capacity);
      this.#w3 = how(this.#w3, capacity);
    }
    this.#len = how(this.#len, capacity);
    this.#left = how(this.#left, capacity);
    this.#right = how(this.#right, capacity);
    const blocks = capacity >>> ID_BLOCK_BITS;
    this.#blockKind = how(this.#blockKind, blocks);
    this.#numberOf = how(this.#numberOf, blocks);
    this.#blockAt = how(this.#blockAt, blocks);
    this.#capacity = capacity;
    retireReplaced(old, this.#columns());
  }

  /** The value and aux columns at a new number of rows (see #aux). */
  #allocateDense(rows: number, how: <T extends Column>(c: T, capacity: number) => T = resized): void {
    const old = [this.#aux, this.#value];
    this.#aux = how(this.#aux, rows);
    this.#value = how(this.#value, rows);
    retireReplaced(old, [this.#aux, this.#value]);
  }

  /**
   * Node n's row in the value and aux columns: its block's number (0 for an unnumbered block: the
   * rows every glue block shares) and its place in the block.
   */
  #at(n: NodeId): number {
    return (this.#numberOf[n >>> ID_BLOCK_BITS] << ID_BLOCK_BITS) | (n & IN_BLOCK);
  }

  /** #at for a node that is to hold a value: one of a numbered block (ensure() numbers them). */
  #prefixSlot(n: NodeId): number {
    const at = this.#at(n);
    if (at < ID_BLOCK) throw new Error(`trie node ${n} is not a prefix (values are set after ensure)`);
    return at;
  }

  #columns(): Column[] {
    return [
      this.#w0, this.#w1, this.#w2, this.#w3, this.#len, this.#left, this.#right,
      this.#blockKind, this.#numberOf, this.#blockAt,
    ];
  }

  /**
   * A new block of ids of a kind (a prefix block numbered): its first usable id (id 0, in the
   * first block, is no node).
   */
  #block(kind: number): NodeId {
    const start = this.#nextId;
    // Grown first: an allocation that fails leaves the trie as it was.
    if (start + ID_BLOCK > this.#capacity) this.#allocate(this.#capacity * 2);
    this.#nextId = start + ID_BLOCK;
    const b = start >>> ID_BLOCK_BITS;
    this.#blockKind[b] = kind;
    if (kind === PREFIX_BLOCK) this.#number(b);
    return start === 0 ? 1 : start;
  }

  #number(b: number): void {
    // Grown first (the glue blocks' shared rows, then a block's rows each): a failed allocation
    // leaves the trie as it was.
    const rows = (this.#numbered + 2) << ID_BLOCK_BITS;
    if (rows > this.#value.length) this.#allocateDense(Math.max(rows, this.#value.length * 2));
    this.#blockAt[this.#numbered] = b;
    this.#numberOf[b] = ++this.#numbered;
  }

  #newNode(w0: number, w1: number, w2: number, w3: number, len: number, kind = PREFIX_BLOCK): NodeId {
    let id: NodeId = this.#freeOf[kind];
    if (id !== 0) this.#freeOf[kind] = this.#left[id];
    else {
      if (this.#nextOf[kind] === this.#endOf[kind]) {
        const first = this.#block(kind);
        this.#nextOf[kind] = first;
        this.#endOf[kind] = (first | IN_BLOCK) + 1;
      }
      id = this.#nextOf[kind]++;
    }
    this.#w0[id] = maskWord(w0, len);
    if (this.width === 128) {
      this.#w1[id] = maskWord(w1, len - 32);
      this.#w2[id] = maskWord(w2, len - 64);
      this.#w3[id] = maskWord(w3, len - 96);
    }
    this.#len[id] = len;
    this.#left[id] = this.#right[id] = 0;
    const at = this.#at(id);
    this.#aux[at] = this.#value[at] = 0;
    return id;
  }

  /** Frees a node that holds no value (only #prune frees, and only such nodes). */
  #free(n: NodeId): void {
    const kind = this.#blockKind[n >>> ID_BLOCK_BITS];
    this.#left[n] = this.#freeOf[kind];
    this.#right[n] = 0;
    this.#freeOf[kind] = n;
    // Empty again: ids and block numbers start over, the lists of free ones (millions after a full
    // table) go, and the columns return to their first size.
    if (this.#root === 0) {
      this.#freeOf.fill(0);
      this.#nextOf.fill(0);
      this.#endOf.fill(0);
      this.#objects = [];
      this.#freeObjects = [];
      this.#nextId = 0;
      this.#numbered = 0;
      this.#allocate(FIRST_CAPACITY, emptied);
      this.#allocateDense(FIRST_CAPACITY, emptied);
    }
  }

  /** Length of the common leading bits of node n's key and a key, at most `max`. */
  #common(n: NodeId, w0: number, w1: number, w2: number, w3: number, max: number): number {
    let x = (this.#w0[n] ^ w0) >>> 0;
    if (x !== 0 || max <= 32 || this.width === 32) return Math.min(x === 0 ? 32 : Math.clz32(x), max);
    x = (this.#w1[n] ^ w1) >>> 0;
    if (x !== 0 || max <= 64) return Math.min(32 + (x === 0 ? 32 : Math.clz32(x)), max);
    x = (this.#w2[n] ^ w2) >>> 0;
    if (x !== 0 || max <= 96) return Math.min(64 + (x === 0 ? 32 : Math.clz32(x)), max);
    x = (this.#w3[n] ^ w3) >>> 0;
    return Math.min(96 + (x === 0 ? 32 : Math.clz32(x)), max);
  }

  /** Bit i of node n's key. */
  #bitOf(n: NodeId, i: number): number {
    return bit(this.#w0[n], this.width === 32 ? 0 : this.#w1[n], this.width === 32 ? 0 : this.#w2[n], this.width === 32 ? 0 : this.#w3[n], i);
  }

  /** The child of n on the side of bit `len(n)` of the key. */
  #child(n: NodeId, w0: number, w1: number, w2: number, w3: number): NodeId {
    return bit(w0, w1, w2, w3, this.#len[n]) ? this.#right[n] : this.#left[n];
  }

  /** The node for exactly this prefix, or 0. */
  get(w0: number, w1: number, w2: number, w3: number, len: number): NodeId {
    let n = this.#root;
    while (n !== 0) {
      const l = this.#len[n];
      if (l > len || this.#common(n, w0, w1, w2, w3, l) < l) return 0;
      if (l === len) return this.#value[this.#at(n)] === 0 ? 0 : n;
      n = this.#child(n, w0, w1, w2, w3);
    }
    return 0;
  }

  /** The node for this prefix, created (with a null value) when absent. */
  ensure(w0: number, w1: number, w2: number, w3: number, len: number): NodeId {
    w0 = maskWord(w0, len);
    w1 = maskWord(w1, len - 32);
    w2 = maskWord(w2, len - 64);
    w3 = maskWord(w3, len - 96);
    const finger = this.#finger;
    if (this.#root === 0) {
      this.#root = this.#newNode(w0, w1, w2, w3, len);
      finger[0] = this.#root;
      this.#fingerDepth = 1;
      return this.#root;
    }
    let parent: NodeId = 0;
    let n: NodeId = this.#root;
    // finger[0 .. depth - 1]: the nodes above n, root first (parent is the last).
    let depth = 0;
    // Peers send their tables in prefix order: the walk starts at the deepest node of the last
    // one's walk that covers this prefix (every node covering a prefix is on its walk), not at the
    // root. Not replaced by what follows (it covers the prefix), so its own parent is not needed.
    const top = this.#fingerDepth - 1;
    if (top > 0) {
      const from = this.#deepestCovering(top, this.#common(finger[top], w0, w1, w2, w3, len));
      if (from > 0) {
        depth = from;
        n = finger[from];
      }
    }
    if (this.width === 32) {
      // IPv4 (a full table's million inserts): the walk down to where the prefix goes with the
      // three columns it reads in locals, a shift for the branch bit; what it finds is handled below.
      const lens = this.#len;
      const keys = this.#w0;
      const left = this.#left;
      const right = this.#right;
      while (n !== 0) {
        const l = lens[n];
        if (l >= len) break;
        const x = keys[n] ^ w0;
        if (x !== 0 && Math.clz32(x) < l) break;
        finger[depth++] = parent = n;
        n = (w0 >>> (31 - l)) & 1 ? right[n] : left[n];
      }
    }
    for (;;) {
      if (n === 0) {
        const leaf = this.#newNode(w0, w1, w2, w3, len);
        this.#attach(parent, leaf);
        return this.#walked(depth, leaf);
      }
      const l = this.#len[n];
      const common = this.#common(n, w0, w1, w2, w3, Math.min(l, len));
      if (common === l && l === len) {
        // A glue node asked for as a prefix: its block gets a number, so that it has a dense index.
        if (this.#numberOf[n >>> ID_BLOCK_BITS] === 0) this.#number(n >>> ID_BLOCK_BITS);
        return this.#walked(depth, n);
      }
      if (common === l) {
        finger[depth++] = parent = n;
        n = this.#child(n, w0, w1, w2, w3);
        continue;
      }
      // The new prefix and n diverge (or the new one is shorter): insert above n.
      if (common === len) {
        const node = this.#newNode(w0, w1, w2, w3, len);
        this.#replace(parent, n, node);
        this.#attach(node, n);
        return this.#walked(depth, node);
      }
      const glue = this.#newNode(w0, w1, w2, w3, common, GLUE_BLOCK);
      const leaf = this.#newNode(w0, w1, w2, w3, len);
      this.#replace(parent, n, glue);
      this.#attach(glue, n);
      this.#attach(glue, leaf);
      finger[depth++] = glue;
      return this.#walked(depth, leaf);
    }
  }

  /**
   * Where in the last walk (finger[1 .. top]) to resume for a prefix sharing `shared` leading bits
   * with its last node (capped at the prefix's length); 0 for the root. The last walk's nodes all
   * cover its prefix, with lengths rising, so those covering this one are the ones no longer than
   * `shared`: the deepest is found by bisection.
   */
  #deepestCovering(top: number, shared: number): number {
    const finger = this.#finger;
    const lens = this.#len;
    let lo = 0;
    let hi = top;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (lens[finger[mid]] <= shared) lo = mid;
      else hi = mid - 1;
    }
    return lo > 0 && lens[finger[lo]] <= shared ? lo : 0;
  }

  /** Ends an ensure's walk: `depth` nodes above `node` in the finger, then the node; returns it. */
  #walked(depth: number, node: NodeId): NodeId {
    this.#finger[depth] = node;
    this.#fingerDepth = depth + 1;
    return node;
  }

  /**
   * The last ensure's walk, root first, each node the parent of the next, ending at its node
   * (#fingerDepth of them; 0 once a node is removed, which may have been one of them). Nodes are
   * only ever inserted below a walk's nodes by ensure, which keeps it.
   */
  readonly #finger: Int32Array;
  #fingerDepth = 0;

  #attach(parent: NodeId, child: NodeId): void {
    if (this.#bitOf(child, this.#len[parent])) this.#right[parent] = child;
    else this.#left[parent] = child;
  }

  #replace(parent: NodeId, old: NodeId, node: NodeId): void {
    if (parent === 0) this.#root = node;
    else if (this.#left[parent] === old) this.#left[parent] = node;
    else this.#right[parent] = node;
  }

  /** Sets a node's value (counting it) after ensure(). */
  set(n: NodeId, value: V): void {
    const at = this.#prefixSlot(n);
    if (this.#value[at] === 0) this.#size++;
    else this.#dropValue(at);
    if (typeof value === 'number' && value >= 0 && value < 0x7fffffff && Number.isInteger(value)) {
      this.#value[at] = value + 1;
      return;
    }
    if (value === this.#constant) {
      this.#value[at] = CONSTANT;
      return;
    }
    const slot = this.#freeObjects.pop() ?? this.#objects.length;
    this.#objects[slot] = value;
    this.#value[at] = -slot - 1;
  }

  /** Clears a node's value and removes the node (and a glue parent left with one child). */
  clear(n: NodeId): void {
    const at = this.#at(n);
    if (this.#value[at] !== 0) {
      this.#size--;
      this.#dropValue(at);
    }
    this.#prune(n);
  }

  /** Forgets the value in a value slot (its object's slot, if it had one, is free again); the count is the caller's. */
  #dropValue(at: number): void {
    const k = this.#value[at];
    if (k < 0 && k !== CONSTANT) {
      this.#objects[-k - 1] = undefined;
      this.#freeObjects.push(-k - 1);
    }
    this.#value[at] = 0;
  }

  #prune(n: NodeId): void {
    // The walk for the ancestors only once a node is to go (a prefix with two children stays).
    let depth = -1;
    const up = this.#path;
    while (n !== 0 && this.#value[this.#at(n)] === 0) {
      const left = this.#left[n];
      const right = this.#right[n];
      if (left !== 0 && right !== 0) return;
      if (depth < 0) depth = this.#ancestors(n);
      this.#fingerDepth = 0;
      const parent = depth > 0 ? up[--depth] : 0;
      const child = left !== 0 ? left : right;
      if (parent === 0) this.#root = child;
      else if (this.#left[parent] === n) this.#left[parent] = child;
      else this.#right[parent] = child;
      this.#free(n);
      n = parent;
    }
  }

  /**
   * The nodes above n, root first, into #path; returns how many. Found from n's key (each
   * ancestor's next bit of it leads down to n): no parent column, four octets a node less (8 MB
   * at a full table's two million nodes), for a walk of at most the key's length when a prefix goes.
   */
  #ancestors(n: NodeId): number {
    const w0 = this.#w0[n];
    const w1 = this.width === 32 ? 0 : this.#w1[n];
    const w2 = this.width === 32 ? 0 : this.#w2[n];
    const w3 = this.width === 32 ? 0 : this.#w3[n];
    let depth = 0;
    for (let m = this.#root; m !== 0 && m !== n; m = this.#child(m, w0, w1, w2, w3)) this.#path[depth++] = m;
    return depth;
  }

  /** Room for the nodes above one (at most one a bit of the key, and the root). */
  readonly #path: Int32Array;

  /** Whether node n lies inside (w, len): equally or more specific. */
  #inside(n: NodeId, w: readonly [number, number, number, number], len: number): boolean {
    return this.#len[n] >= len && this.#common(n, w[0], w[1], w[2], w[3], len) === len;
  }

  /** Whether node n comes after every prefix inside (w, len) in prefix order. */
  #afterAll(n: NodeId, w: readonly [number, number, number, number], len: number): boolean {
    const m = Math.min(this.#len[n], len);
    const common = this.#common(n, w[0], w[1], w[2], w[3], m);
    return common < m && this.#bitOf(n, common) === 1;
  }

  /** Longest-prefix match for an address (or any prefix): the most specific node covering it, or 0. */
  lookup(w0: number, w1: number, w2: number, w3: number, len: number = this.width): NodeId {
    let best: NodeId = 0;
    let n = this.#root;
    while (n !== 0) {
      const l = this.#len[n];
      if (l > len || this.#common(n, w0, w1, w2, w3, l) !== l) break;
      if (this.#value[this.#at(n)] !== 0) best = n;
      if (l === len) break;
      n = this.#child(n, w0, w1, w2, w3);
    }
    return best;
  }

  /** Every node with a value that covers the prefix (less or equally specific), least specific first. */
  *covering(w0: number, w1: number, w2: number, w3: number, len: number): Generator<NodeId> {
    let n = this.#root;
    while (n !== 0) {
      const l = this.#len[n];
      if (l > len || this.#common(n, w0, w1, w2, w3, l) !== l) return;
      if (this.#value[this.#at(n)] !== 0) yield n;
      if (l === len) return;
      n = this.#child(n, w0, w1, w2, w3);
    }
  }

  /**
   * The covering nodes one at a time without a generator (a hot path's loop): the first node with
   * a value covering the prefix after `prev` (0: from the root), less specific first; 0 at the end.
   */
  nextCovering(prev: NodeId, w0: number, w1: number, w2: number, w3: number, len: number): NodeId {
    if (prev !== 0 && this.#len[prev] >= len) return 0;
    let n = prev === 0 ? this.#root : this.#child(prev, w0, w1, w2, w3);
    while (n !== 0) {
      const l = this.#len[n];
      if (l > len || this.#common(n, w0, w1, w2, w3, l) !== l) return 0;
      if (this.#value[this.#at(n)] !== 0) return n;
      if (l === len) return 0;
      n = this.#child(n, w0, w1, w2, w3);
    }
    return 0;
  }

  /** Every node with a value inside the prefix (equally or more specific), in address order. */
  *covered(w0: number, w1: number, w2: number, w3: number, len: number): Generator<NodeId> {
    let n = this.#root;
    while (n !== 0) {
      const l = this.#len[n];
      const m = Math.min(l, len);
      if (this.#common(n, w0, w1, w2, w3, m) < m) return;
      if (l >= len) break;
      n = this.#child(n, w0, w1, w2, w3);
    }
    if (n !== 0) yield* this.#walk(n);
  }

  /**
   * Every node with a value after the position (w, len) in prefix order (the order of entries():
   * by address, a prefix before the more specific ones it covers), whether or not a node sits at
   * that position: a cursor stays valid when its prefix is withdrawn. O(depth) to resume.
   * With `within`, only nodes inside that prefix.
   */
  *after(w0: number, w1: number, w2: number, w3: number, len: number, within?: { w: readonly [number, number, number, number]; len: number }): Generator<NodeId> {
    const stack: NodeId[] = [];
    const push = (x: NodeId) => {
      if (x !== 0) stack.push(x);
    };
    let n = this.#root;
    // Walk down toward the position: what is left of it is skipped, what is right of it (the
    // other child when the position goes left) is queued; pre-order pops them nearest first.
    while (n !== 0) {
      const l = this.#len[n];
      const m = Math.min(l, len);
      const common = this.#common(n, w0, w1, w2, w3, m);
      if (common < m) {
        // Apart at bit `common`: n's whole subtree lies before or after the position.
        if (this.#bitOf(n, common) === 1) stack.push(n);
        break;
      }
      if (l > len) {
        // n extends the position: it and all below it come after.
        stack.push(n);
        break;
      }
      if (l === len) {
        // The position itself: what lies below it comes after it.
        push(this.#right[n]);
        push(this.#left[n]);
        break;
      }
      // n covers the position (n comes before it): go down on the position's side.
      if (bit(w0, w1, w2, w3, l) === 0) {
        push(this.#right[n]);
        n = this.#left[n];
      } else {
        n = this.#right[n];
      }
    }
    // Pending subtrees were pushed nearest-last: pop order is prefix order.
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (within && !this.#inside(x, within.w, within.len)) {
        // Not inside `within`: an ancestor of it may have children inside; a node apart from it
        // is skipped with its subtree, and once past its end nothing inside can follow.
        const xl = this.#len[x];
        const ancestor = xl < within.len && this.#common(x, within.w[0], within.w[1], within.w[2], within.w[3], xl) === xl;
        if (!ancestor) {
          if (this.#afterAll(x, within.w, within.len)) return;
          continue;
        }
        push(this.#right[x]);
        push(this.#left[x]);
        continue;
      }
      // Children first, as in #walk.
      push(this.#right[x]);
      push(this.#left[x]);
      if (this.#value[this.#at(x)] !== 0) yield x;
    }
  }

  /** Every node with a value, in address order. */
  *entries(): Generator<NodeId> {
    if (this.#root !== 0) yield* this.#walk(this.#root);
  }

  *#walk(root: NodeId): Generator<NodeId> {
    const stack: NodeId[] = [root];
    while (stack.length > 0) {
      const n = stack.pop()!;
      // Children first: the caller may remove n (and its one child would move up, unvisited).
      if (this.#right[n] !== 0) stack.push(this.#right[n]);
      if (this.#left[n] !== 0) stack.push(this.#left[n]);
      if (this.#value[this.#at(n)] !== 0) yield n;
    }
  }

  /** Calls fn for every node with a value (faster than the generator for whole-table passes). */
  forEach(fn: (n: NodeId) => void): void {
    const stack: NodeId[] = [];
    if (this.#root !== 0) stack.push(this.#root);
    while (stack.length > 0) {
      const n = stack.pop()!;
      // Children first: fn may remove n (and its one child would move up, unvisited).
      if (this.#right[n] !== 0) stack.push(this.#right[n]);
      if (this.#left[n] !== 0) stack.push(this.#left[n]);
      if (this.#value[this.#at(n)] !== 0) fn(n);
    }
  }
}
