// The Loc-RIB of one AFI: a prefix trie whose entries hold every candidate path (the post-policy
// Adj-RIBs-In of all peers, as BIRD keeps them), the best path and the multipath set. Applying an
// announcement or withdrawal records the entries whose selection changed; Adj-RIB-Out and the
// FIB consume that list.
// Storage: paths are rows of a PathStore (columns, no object per path); a prefix with one path
// (most of a table) keeps that path's number as its trie value; an entry object exists only for a
// prefix with several candidates, or none while a peer or the kernel still holds it. How many hold
// a prefix is a column of the trie. Callers read through best(), candidates(), multipath(), which
// make Path objects on demand, and never see the store or the entry. An entry's candidates are
// linked in a ring through the store's columns, not held in an array: four upstreams' 1M prefixes
// had an array of four each, 80 octets of heap a prefix.
// Costs an attacker can choose are bounded: a peer's paths are linked per peer (going down, a
// stale mark or a purge costs that peer's paths, not the table); an entry with many paths finds
// one by (peer, path id) in a map; inside a batch (one UPDATE) an entry is reselected once however
// many of its paths changed, so ADD-PATH's thousands of paths per prefix cost O(1) amortized each.
// Must not import fsm, api, daemon, node:net or metrics libraries.

import { Afi, WellKnownCommunity } from '../wire/index.js';
import type { AttrTable } from './attr-table.js';
import { type DecisionOptions, DEFAULT_DECISION, compareEarly, selectBest, selectMultipath } from './decision.js';
import { Path, type RibPeer, pathKey } from './path.js';
import { IntList } from './columns.js';
import { type PathRef, PathStore } from './path-store.js';
import { prefixText } from './prefix-text.js';
import { type NodeId, PrefixTrie } from './trie.js';

/** Past this many paths an entry keeps a map from (peer, path id) to path. */
const INDEX_FROM = 8;

/** A batch's lists are kept for the next batch up to this many changed entries. */
const SPARE_BATCH_MAX = 4096;

/** A prefix with several candidate paths, or with none while it is held. */
class RouteEntry {
  /** The best path (0 while the entry has no path, or a batch has yet to reselect). */
  best: PathRef;
  /**
   * The first of every candidate path when they are listed (two or more; fewer only while a
   * batch is under way), else 0. The list is a ring in the store (beforeInPrefix, afterInPrefix).
   */
  head: PathRef = 0;
  /** Candidates in the list (0 without one). */
  count = 0;
  /** The multipath set when it has more than the best path. */
  multipath: readonly PathRef[] | null = null;
  /** (peer, path id) -> path, once the list is long. */
  byKey: Map<number, PathRef> | null = null;
  /** Changed inside the current batch: reselected when the batch ends. */
  dirty = false;

  constructor(best: PathRef) {
    this.best = best;
  }
}

/** What a trie node holds: its only path, or an entry. */
type Slot = PathRef | RouteEntry;

/** The value of a prefix whose last path went while something still holds it (never changed). */
const EMPTY: RouteEntry = Object.freeze(new RouteEntry(0)) as RouteEntry;

/** A prefix of the Loc-RIB: a node of its trie. */
export type RouteNode = NodeId;

export interface ChangeSink {
  /** The best path (or multipath set) of `node` changed, or with everyChange any of its paths. */
  changed(node: RouteNode): void;
}

export class LocRib {
  readonly trie: PrefixTrie<Slot>;
  readonly attrs: AttrTable;
  options: DecisionOptions;
  /**
   * Report every change of a prefix's candidate paths, not only of its selection: ADD-PATH send
   * (RFC 7911) advertises paths other than the best. Set once a peer needs it.
   */
  everyChange = false;
  /** Prefixes no peer is sent (contributors to a summary-only aggregate); set by the Rib. */
  suppress: ((node: RouteNode) => boolean) | undefined;
  readonly #sink: ChangeSink;
  readonly #store: PathStore;
  #prefixes = 0;
  /** Paths held per peer index: what max-prefix and pfxRcd count. */
  readonly #byPeer = new Map<number, number>();
  /** The first path of each peer's list (the store links a peer's paths). */
  readonly #heads = new Map<number, PathRef>();
  /**
   * Entries changed in the batch under way (batch()), with the best each had before it; and the
   * paths removed in it, kept in the store until it ends so that no number is reused while a
   * previous best may still be compared with it.
   */
  #batch: { nodes: RouteNode[]; previous: PathRef[] } | undefined;
  /** A closed batch's lists, emptied, for the next one (a batch per UPDATE made them per UPDATE). */
  #spareBatch: { nodes: RouteNode[]; previous: PathRef[] } | undefined;
  /** The rows removed inside the batch running (a whole table when a peer goes). */
  readonly #removed = new IntList();

  constructor(width: 32 | 128, attrs: AttrTable, sink: ChangeSink, options: DecisionOptions = DEFAULT_DECISION) {
    this.trie = new PrefixTrie<Slot>(width, EMPTY);
    this.attrs = attrs;
    this.#store = new PathStore(attrs);
    this.#sink = sink;
    this.options = options;
  }

  // --- the read face of one prefix ----------------------------------------------------------------

  /** The prefix of a node as text (logs, API). */
  textOf(node: RouteNode): string {
    return prefixText(this.trie.width === 32 ? Afi.IPV4 : Afi.IPV6, this.trie.key(node), this.trie.len(node));
  }

  /** Whether the node is a prefix of the table (with paths, or held); false for 0. */
  present(node: RouteNode): boolean {
    return this.trie.value(node) !== null;
  }

  /**
   * The best path of a prefix, or null. With next-hop tracking, a path whose next hop does not
   * resolve sorts last and is no best (RFC 4271 9.1.2.1): then no path of the prefix resolves.
   */
  best(node: RouteNode): Path | null {
    const ref = this.#bestRef(node);
    if (ref === 0) return null;
    const best = this.#store.view(ref);
    return this.options.igpCost?.(best) === Infinity ? null : best;
  }

  /**
   * The row of a prefix's best path (0: none) without making a Path, for readers comparing
   * sources (sameSource); 0 also with next-hop tracking, where best() decides.
   */
  bestRow(node: RouteNode): PathRef {
    return this.options.igpCost === undefined ? this.#bestRef(node) : 0;
  }

  /** Whether two rows (bestRow) came from the same session with the same attributes and next hop. */
  sameSource(a: PathRef, b: PathRef): boolean {
    return this.#store.sameSource(a, b);
  }

  /** Whether the prefix has a best path (as best() would answer, without making the Path when nothing needs it). */
  hasBest(node: RouteNode): boolean {
    return this.bestPeerIndex(node) >= 0;
  }

  /** The peer index of the prefix's best path, or -1 when it has none (as best() would answer). */
  bestPeerIndex(node: RouteNode): number {
    if (this.options.igpCost !== undefined) return this.best(node)?.peer.index ?? -1;
    return this.selectedFrom(node);
  }

  /**
   * The peer index of the path selected as the prefix's best, or -1, whether or not its next hop
   * resolves (without making a Path: read for every change). A peer whose own path it is gets
   * nothing of the prefix either way.
   */
  selectedFrom(node: RouteNode): number {
    const ref = this.#bestRef(node);
    return ref === 0 ? -1 : this.#store.peerIndex(ref);
  }

  /** The best path and multipath set as selected, whether or not their next hops resolve (next-hop resolution reads these). */
  chosen(node: RouteNode): readonly Path[] {
    const v = this.trie.value(node);
    if (v === null) return [];
    if (typeof v === 'number') return [this.#store.view(v)];
    return this.#views(v.multipath ?? (v.best ? [v.best] : []));
  }

  /** The candidate paths of a prefix. */
  candidates(node: RouteNode): readonly Path[] {
    const v = this.trie.value(node);
    return v === null ? [] : typeof v === 'number' ? [this.#store.view(v)] : this.#views(this.#paths(v));
  }

  /** The multipath set of a prefix when it has more than the best path, else null. */
  multipath(node: RouteNode): readonly Path[] | null {
    const v = this.trie.value(node);
    return v instanceof RouteEntry && v.multipath !== null && this.best(node) !== null ? this.#views(v.multipath) : null;
  }

  #bestRef(node: RouteNode): PathRef {
    const v = this.trie.value(node);
    return v === null ? 0 : typeof v === 'number' ? v : v.best;
  }

  #views(refs: readonly PathRef[]): Path[] {
    const out = new Array<Path>(refs.length);
    for (let i = 0; i < refs.length; i++) out[i] = this.#store.view(refs[i]);
    return out;
  }

  /** A peer (or the kernel) keeps the prefix: its node stays while it has no path. */
  hold(node: RouteNode): void {
    this.trie.setAux(node, this.trie.aux(node) + 1);
  }

  /** The holder is done with the prefix: freed if it has no path and no other holder. */
  unhold(node: RouteNode): void {
    this.trie.setAux(node, this.trie.aux(node) - 1);
    this.release(node);
  }

  // --- counts ---------------------------------------------------------------------------------------

  /** Paths currently held from `peer`. */
  pathsFrom(peer: RibPeer): number {
    return this.#byPeer.get(peer.index) ?? 0;
  }

  /** Prefixes with at least one path. */
  get prefixes(): number {
    return this.#prefixes;
  }

  get paths(): number {
    return this.#store.size - this.#removed.length;
  }

  /** Octets of the columns holding the paths and the prefixes (attribute sets not counted). */
  get bytes(): number {
    return this.#store.bytes + this.trie.bytes;
  }

  /**
   * Runs `fn` as one batch: an entry with several paths changed inside it is reselected (and
   * reported) once, at the end.
   */
  batch<T>(fn: () => T): T {
    if (!this.open()) return fn();
    try {
      return fn();
    } finally {
      this.close();
    }
  }

  /**
   * Opens a batch (as batch() does, without a function to call: one per received UPDATE); false
   * when one is open already, and then this caller must not close it.
   */
  open(): boolean {
    if (this.#batch) return false;
    this.#batch = this.#spareBatch ?? { nodes: [], previous: [] };
    this.#spareBatch = undefined;
    return true;
  }

  /** Closes the batch open() opened: its changed entries are reselected. */
  close(): void {
    const b = this.#batch!;
    this.#batch = undefined;
    for (let i = 0; i < b.nodes.length; i++) {
      const node = b.nodes[i];
      const e = this.trie.value(node);
      if (!(e instanceof RouteEntry) || !e.dirty) continue;
      e.dirty = false;
      this.#reselect(node, e, b.previous[i]);
    }
    const removed = this.#removed;
    for (let i = 0; i < removed.length; i++) this.#store.remove(removed.at(i));
    removed.clear();
    // Kept for the next batch unless it grew large (a peer's whole table withdrawn at once).
    if (b.nodes.length <= SPARE_BATCH_MAX) {
      b.nodes.length = 0;
      b.previous.length = 0;
      this.#spareBatch = b;
    }
  }

  /** How many paths `peerIndex` has for this prefix (ADD-PATH limits). */
  pathsOfPeerAt(w0: number, w1: number, w2: number, w3: number, len: number, peerIndex: number): number {
    const v = this.trie.value(this.trie.get(w0, w1, w2, w3, len));
    if (v === null) return 0;
    let n = 0;
    for (const ref of typeof v === 'number' ? [v] : this.#paths(v)) if (this.#store.peerIndex(ref) === peerIndex) n++;
    return n;
  }

  /** Whether the prefix has the path of (peer, path id). */
  has(w0: number, w1: number, w2: number, w3: number, len: number, peerIndex: number, pathId: number): boolean {
    return this.#find(this.trie.value(this.trie.get(w0, w1, w2, w3, len)), peerIndex, pathId) !== 0;
  }

  /** Whether a stored path is the one of (peer, path id). */
  #is(ref: PathRef, peerIndex: number, pathId: number): boolean {
    return ref !== 0 && this.#store.pathId(ref) === pathId && this.#store.peerIndex(ref) === peerIndex;
  }

  /** The path of (peer, path id) a prefix's value holds, or 0. */
  #find(v: Slot | null, peerIndex: number, pathId: number): PathRef {
    if (v === null) return 0;
    if (typeof v === 'number') return this.#is(v, peerIndex, pathId) ? v : 0;
    if (v.head === 0) return this.#is(v.best, peerIndex, pathId) ? v.best : 0;
    if (v.byKey) return v.byKey.get(pathKey(peerIndex, pathId)) ?? 0;
    let ref = v.head;
    for (let i = 0; i < v.count; i++, ref = this.#store.afterInPrefix(ref)) if (this.#is(ref, peerIndex, pathId)) return ref;
    return 0;
  }

  /** Adds or replaces the path of (peer, pathId) for a prefix. Takes over one reference of path.entry. */
  announce(w0: number, w1: number, w2: number, w3: number, len: number, path: Path): void {
    let ref: PathRef = 0;
    let node: RouteNode;
    try {
      ref = this.#store.add(path);
      node = this.trie.ensure(w0, w1, w2, w3, len);
      // A prefix that has a value may get a list of candidates: the columns for it are made here,
      // where a failed allocation still changes nothing.
      if (this.trie.value(node) !== null) this.#store.ensureLinks();
    } catch (e) {
      // The columns could not grow (RangeError: an allocation failed): nothing changed; the
      // caller ends the session that sent the path (see Peer).
      // The store releases the set with the row; without a row the reference is still ours.
      if (ref) this.#store.remove(ref);
      else this.attrs.release(path.entry);
      throw e;
    }
    const v = this.trie.value(node);
    const peerIndex = path.peer.index;
    if (v === null || v === EMPTY) {
      // The prefix's first path: stored alone.
      this.trie.set(node, ref);
      this.#added(node, ref);
      this.#prefixes++;
      this.#sink.changed(node);
      return;
    }
    if (typeof v === 'number') {
      if (this.#is(v, peerIndex, path.pathId)) {
        // The same path again (an implicit withdrawal and re-announcement): replace it.
        this.#gone(v);
        this.trie.set(node, ref);
        this.#link(node, ref);
        this.#sink.changed(node);
        return;
      }
    }
    // A second path: the prefix needs an entry (an entry may also be one a batch left with one
    // path or none, not yet settled).
    const e = typeof v === 'number' ? new RouteEntry(v) : v;
    if (e !== v) this.trie.set(node, e);
    const previous = e.best;
    if (e.head === 0) {
      if (this.#is(previous, peerIndex, path.pathId)) {
        this.#gone(previous);
        e.best = ref;
        this.#link(node, ref);
        this.#sink.changed(node);
        this.release(node);
        return;
      }
      if (!previous) {
        e.best = ref;
        this.#added(node, ref);
        this.#prefixes++;
        this.#sink.changed(node);
        this.release(node);
        return;
      }
      this.#listStart(e, previous, ref);
      this.#added(node, ref);
      this.#changedPaths(node, e, previous);
      return;
    }
    const old = this.#find(e, peerIndex, path.pathId);
    if (old) {
      this.#listReplace(e, old, ref);
      // A multipath member other than the best replaced (a new next hop, new attributes): the
      // selection may come out the same, but what the kernel holds for the prefix changed.
      const member = e.best !== old && e.multipath?.includes(old) === true;
      if (e.best === old) e.best = ref;
      if (e.multipath?.includes(old)) e.multipath = e.multipath.map((p) => (p === old ? ref : p));
      this.#gone(old);
      this.#link(node, ref);
      e.byKey?.set(pathKey(peerIndex, path.pathId), ref);
      this.#changedPaths(node, e, previous);
      if (member) this.#sink.changed(node);
      return;
    }
    this.#listAppend(e, ref);
    this.#added(node, ref);
    if (e.byKey) e.byKey.set(pathKey(peerIndex, path.pathId), ref);
    else if (e.count > INDEX_FROM) e.byKey = new Map(this.#listed(e).map((p) => [pathKey(this.#store.peerIndex(p), this.#store.pathId(p)), p]));
    if (this.#settledAgainstBest(node, e, ref, previous, true)) return;
    this.#changedPaths(node, e, previous);
  }

  /**
   * O(1) cases of an added or removed path against the current best (single path selection, no
   * reselection pending): decisively worse on the early steps changes nothing; an added path
   * decisively better is the new best. True when settled (and reported).
   */
  #settledAgainstBest(node: RouteNode, e: RouteEntry, ref: PathRef, best: PathRef, added: boolean): boolean {
    if (!best || e.dirty || e.multipath !== null || this.#maxPaths(best) > 1) return false;
    const c = compareEarly(this.#store.view(ref), this.#store.view(best), this.options);
    if (c > 0) {
      if (this.everyChange) this.#sink.changed(node);
      return true;
    }
    if (c < 0 && added) {
      e.best = ref;
      this.#sink.changed(node);
      return true;
    }
    return false;
  }

  #maxPaths(best: PathRef): number {
    const peer = this.#store.peer(best);
    return !peer.ibgp && !peer.local ? this.options.maxPathsEbgp : this.options.maxPathsIbgp;
  }

  /** Removes the path of (peer, pathId) for a prefix, if present. */
  withdraw(w0: number, w1: number, w2: number, w3: number, len: number, peer: RibPeer, pathId: number): void {
    const node = this.trie.get(w0, w1, w2, w3, len);
    const v = this.trie.value(node);
    const ref = this.#find(v, peer.index, pathId);
    if (ref) this.#removePath(node, v!, ref);
  }

  /** Removes every path learned from `peer` (or only its stale ones); returns how many. Costs the peer's paths, not the table. */
  withdrawPeer(peer: RibPeer, onlyStale = false): number {
    let n = 0;
    this.batch(() => {
      for (let p = this.#heads.get(peer.index) ?? 0; p !== 0; ) {
        const next = this.#store.nextOfPeer(p);
        if (!onlyStale || this.#store.stale(p)) {
          const node = this.#store.node(p);
          this.#removePath(node, this.trie.value(node)!, p);
          n++;
        }
        p = next;
      }
    });
    return n;
  }

  /**
   * RFC 4724 4.2 / RFC 7313 4: the peer restarts (or refreshes); its paths stay, marked stale,
   * until it sends them again or its time runs out. The selection does not change.
   */
  markStale(peer: RibPeer): number {
    let n = 0;
    for (let p = this.#heads.get(peer.index) ?? 0; p !== 0; p = this.#store.nextOfPeer(p)) {
      if (this.#store.stale(p)) continue;
      this.#store.setStale(p);
      n++;
    }
    return n;
  }

  /**
   * RFC 9494 4.2: the peer's restart time is over and long-lived graceful restart keeps its stale
   * paths: each gets the LLGR_STALE community (least preferred from now on, 4.3), and those with
   * NO_LLGR go. Returns how many are kept.
   */
  longLivedStale(peer: RibPeer): number {
    const stale: PathRef[] = [];
    for (let p = this.#heads.get(peer.index) ?? 0; p !== 0; p = this.#store.nextOfPeer(p)) if (this.#store.stale(p)) stale.push(p);
    let kept = 0;
    this.batch(() => {
      // Inside the batch no removed path's number is reused: the list stays valid.
      for (const ref of stale) {
        const node = this.#store.node(ref);
        const c = this.#store.entry(ref).attrs.communities ?? [];
        if (c.includes(WellKnownCommunity.NO_LLGR)) {
          this.#removePath(node, this.trie.value(node)!, ref);
          continue;
        }
        kept++;
        if (c.includes(WellKnownCommunity.LLGR_STALE)) continue;
        const p = this.#store.view(ref);
        const entry = this.attrs.acquire({ ...p.entry.attrs, communities: [...c, WellKnownCommunity.LLGR_STALE] });
        const [w0, w1, w2, w3] = this.trie.key(node);
        this.announce(w0, w1, w2, w3, this.trie.len(node), new Path(p.peer, p.pathId, entry, p.nextHop, p.weight, true, p.at));
      }
    });
    return kept;
  }

  // --- an entry's list of candidates: a ring through the store's columns -------------------------

  /** The candidates of an entry, listed or not. */
  #paths(e: RouteEntry): readonly PathRef[] {
    return e.head !== 0 ? this.#listed(e) : e.best ? [e.best] : [];
  }

  /** The listed candidates, first to last. */
  #listed(e: RouteEntry): PathRef[] {
    const out = new Array<PathRef>(e.count);
    let ref = e.head;
    for (let i = 0; i < e.count; i++, ref = this.#store.afterInPrefix(ref)) out[i] = ref;
    return out;
  }

  /** The list starts with two candidates. */
  #listStart(e: RouteEntry, first: PathRef, second: PathRef): void {
    this.#store.setInPrefix(first, second, second);
    this.#store.setInPrefix(second, first, first);
    e.head = first;
    e.count = 2;
  }

  /** `ref` joins the end of the list. */
  #listAppend(e: RouteEntry, ref: PathRef): void {
    const s = this.#store;
    const last = s.beforeInPrefix(e.head);
    s.setInPrefix(ref, last, e.head);
    s.setAfterInPrefix(last, ref);
    s.setBeforeInPrefix(e.head, ref);
    e.count++;
  }

  /** `ref` takes the place of `old` in the list. */
  #listReplace(e: RouteEntry, old: PathRef, ref: PathRef): void {
    const s = this.#store;
    const before = s.beforeInPrefix(old);
    const after = s.afterInPrefix(old);
    if (before === old) s.setInPrefix(ref, ref, ref);
    else {
      s.setInPrefix(ref, before, after);
      s.setAfterInPrefix(before, ref);
      s.setBeforeInPrefix(after, ref);
    }
    if (e.head === old) e.head = ref;
  }

  /** `ref` leaves the list (which ends with its last candidate). */
  #listRemove(e: RouteEntry, ref: PathRef): void {
    const s = this.#store;
    const before = s.beforeInPrefix(ref);
    const after = s.afterInPrefix(ref);
    s.setInPrefix(ref, 0, 0);
    if (--e.count === 0) {
      e.head = 0;
      return;
    }
    s.setAfterInPrefix(before, after);
    s.setBeforeInPrefix(after, before);
    if (e.head === ref) e.head = after;
  }

  /** The list ends; its last candidate stays as the entry's only path. */
  #listEnd(e: RouteEntry): void {
    if (e.head !== 0) this.#store.setInPrefix(e.head, 0, 0);
    e.head = 0;
    e.count = 0;
  }

  /** A path joins the table: counted and linked into its peer's list. */
  #added(node: RouteNode, ref: PathRef): void {
    const index = this.#store.peerIndex(ref);
    this.#byPeer.set(index, (this.#byPeer.get(index) ?? 0) + 1);
    this.#link(node, ref);
  }

  #link(node: RouteNode, ref: PathRef): void {
    const s = this.#store;
    s.setNode(ref, node);
    const index = s.peerIndex(ref);
    const head = this.#heads.get(index) ?? 0;
    s.setPrevOfPeer(ref, 0);
    s.setNextOfPeer(ref, head);
    if (head) s.setPrevOfPeer(head, ref);
    this.#heads.set(index, ref);
  }

  #unlink(ref: PathRef): void {
    const s = this.#store;
    const prev = s.prevOfPeer(ref);
    const next = s.nextOfPeer(ref);
    if (prev) s.setNextOfPeer(prev, next);
    else if (next) this.#heads.set(s.peerIndex(ref), next);
    else this.#heads.delete(s.peerIndex(ref));
    if (next) s.setPrevOfPeer(next, prev);
    s.setNode(ref, 0);
    s.setPrevOfPeer(ref, 0);
    s.setNextOfPeer(ref, 0);
  }

  /** A path leaves the table: unlinked from its peer's list; its row (and attribute set) stays readable until freed. */
  #leave(ref: PathRef): void {
    this.#unlink(ref);
  }

  /** A replaced path leaves the table and its row is freed (at the batch's end inside one). */
  #gone(ref: PathRef): void {
    this.#leave(ref);
    this.#free(ref);
  }

  #free(ref: PathRef): void {
    if (this.#batch) this.#removed.push(ref);
    else this.#store.remove(ref);
  }

  /** Removes one path of a prefix (its row stays readable until the removal is settled). */
  #removePath(node: RouteNode, v: Slot, ref: PathRef): void {
    const index = this.#store.peerIndex(ref);
    this.#leave(ref);
    try {
      this.#settleRemoval(node, v, ref, index);
    } finally {
      this.#free(ref);
    }
  }

  #settleRemoval(node: RouteNode, v: Slot, ref: PathRef, index: number): void {
    const key = pathKey(index, this.#store.pathId(ref));
    const left = (this.#byPeer.get(index) ?? 1) - 1;
    if (left === 0) this.#byPeer.delete(index);
    else this.#byPeer.set(index, left);
    if (typeof v === 'number') {
      // Its only path: the node stays (empty) while a peer or the kernel holds it.
      this.trie.set(node, EMPTY);
      this.#prefixes--;
      this.#sink.changed(node);
      this.release(node);
      return;
    }
    const e = v;
    const previous = e.best;
    if (e.head === 0) {
      e.best = 0;
      this.#prefixes--;
      this.#sink.changed(node);
      this.release(node);
      return;
    }
    this.#listRemove(e, ref);
    e.byKey?.delete(key);
    if (e.count > 1 && ref !== previous && this.#settledAgainstBest(node, e, ref, previous, false)) return;
    if (e.best === ref) e.best = 0;
    if (e.multipath?.includes(ref)) e.multipath = e.multipath.filter((p) => p !== ref);
    if (e.count === 1 && !e.dirty) {
      // One path left: it is the best, and the list goes.
      const only = e.head;
      const hadMulti = e.multipath !== null;
      this.#listEnd(e);
      e.byKey = null;
      e.best = only;
      e.multipath = null;
      if (previous !== only || hadMulti || this.everyChange) this.#sink.changed(node);
      this.release(node);
      return;
    }
    if (e.count === 0) {
      e.byKey = null;
      e.multipath = null;
      this.#prefixes--;
      if (e.dirty) return; // the batch reports it
      this.#sink.changed(node);
      this.release(node);
      return;
    }
    this.#changedPaths(node, e, previous);
  }

  /** The candidates of an entry changed: reselect now, or once at the end of the batch. */
  #changedPaths(node: RouteNode, e: RouteEntry, previous: PathRef): void {
    if (!this.#batch) return this.#reselect(node, e, previous);
    if (e.dirty) return;
    e.dirty = true;
    this.#batch.nodes.push(node);
    this.#batch.previous.push(previous);
  }

  /** `force`: reported even when the selection is the same (whether its next hops resolve changed). */
  #reselect(node: RouteNode, e: RouteEntry, previous: PathRef, force = false): void {
    const prevMulti = e.multipath;
    const candidates = this.#paths(e);
    let views: Path[] = [];
    if (e.count === 1) {
      // A batch left one path: back to the single-path form.
      e.best = e.head;
      this.#listEnd(e);
      e.byKey = null;
    } else {
      views = this.#views(candidates);
      const best = selectBest(views, this.options);
      e.best = best ? candidates[views.indexOf(best)] : 0;
    }
    if (e.best === 0 && e.head === 0 && previous !== 0 && candidates.length === 0) {
      // A batch removed every path.
      e.multipath = null;
      this.#sink.changed(node);
      this.release(node);
      return;
    }
    const multi = e.best && candidates.length > 1 ? selectMultipath(views[candidates.indexOf(e.best)], views, this.options).map((p) => candidates[views.indexOf(p)]) : [];
    e.multipath = multi.length > 1 ? multi : null;
    const multiChanged = (prevMulti?.length ?? 0) !== (e.multipath?.length ?? 0) || (prevMulti !== null && e.multipath !== null && prevMulti.some((p, k) => p !== e.multipath![k]));
    if (previous !== e.best || multiChanged || this.everyChange || force) this.#sink.changed(node);
    this.release(node);
  }

  /**
   * Settles a prefix after a change: an entry left with one path and no multipath set gives way to
   * the path alone; one with no path is dropped from the trie once nothing holds it.
   */
  release(node: RouteNode): void {
    const v = this.trie.value(node);
    if (!(v instanceof RouteEntry) || v.dirty || v.head !== 0) return;
    if (v.best !== 0) this.trie.set(node, v.best);
    else if (this.trie.aux(node) === 0) this.trie.clear(node);
  }

  /**
   * Next-hop tracking: the next hops of the paths `affected` picks resolve differently now. Each
   * prefix holding one is selected again (a lone path is reported: it may have become, or stopped
   * being, the best). Costs the paths of the peers listed, not the table.
   */
  reconsider(peers: Iterable<number>, affected: (p: Path) => boolean): number {
    const nodes = new Set<RouteNode>();
    for (const index of [...peers]) {
      for (let p = this.#heads.get(index) ?? 0; p !== 0; p = this.#store.nextOfPeer(p)) if (affected(this.#store.view(p))) nodes.add(this.#store.node(p));
    }
    for (const node of nodes) {
      const v = this.trie.value(node);
      if (v instanceof RouteEntry) this.#reselect(node, v, v.best, true);
      else if (v !== null) this.#sink.changed(node);
    }
    return nodes.size;
  }

  /** Peers with paths in this table, by index. */
  get peerIndexes(): Iterable<number> {
    return this.#heads.keys();
  }

  /** Re-runs the decision on every prefix with several paths (after a change of decision options). */
  reselectAll(): void {
    this.trie.forEach((node) => {
      const v = this.trie.value(node);
      if (v instanceof RouteEntry && v !== EMPTY) this.#reselect(node, v, v.best);
    });
  }
}
