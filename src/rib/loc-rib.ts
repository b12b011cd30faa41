// The Loc-RIB of one AFI: a prefix trie whose entries hold every candidate path (the post-policy
// Adj-RIBs-In of all peers, as BIRD keeps them), the best path and the multipath set. Applying an
// announcement or withdrawal records the entries whose selection changed; Adj-RIB-Out and the
// FIB consume that list.
// Storage: a prefix with one path (most of a table) keeps that Path itself as its trie value; an
// entry object exists only for a prefix with several candidates, or none while a peer or the
// kernel still holds it. How many hold a prefix is a column of the trie. Callers read through
// best(), candidates(), multipath() and never see the entry.
// Costs an attacker can choose are bounded: a peer's paths are linked per peer (going down, a
// stale mark or a purge costs that peer's paths, not the table); an entry with many paths finds
// one by (peer, path id) in a map; inside a batch (one UPDATE) an entry is reselected once however
// many of its paths changed, so ADD-PATH's thousands of paths per prefix cost O(1) amortized each.
// Must not import fsm, api, daemon, node:net or metrics libraries.

import { Afi, WellKnownCommunity } from '../wire/index.js';
import type { AttrTable } from './attr-table.js';
import { type DecisionOptions, DEFAULT_DECISION, compareEarly, selectBest, selectMultipath } from './decision.js';
import { Path, type RibPeer, pathKey } from './path.js';
import { prefixText } from './prefix-text.js';
import { type NodeId, PrefixTrie } from './trie.js';

/** Past this many paths an entry keeps a map from (peer, path id) to path. */
const INDEX_FROM = 8;

/** A prefix with several candidate paths, or with none while it is held. */
class RouteEntry {
  /** The best path (null while the entry has no path, or a batch has yet to reselect). */
  best: Path | null;
  /** Every candidate path, when there are two or more. */
  others: Path[] | null = null;
  /** The multipath set when it has more than the best path. */
  multipath: readonly Path[] | null = null;
  /** (peer, path id) -> path, once `others` is long. */
  byKey: Map<number, Path> | null = null;
  /** Changed inside the current batch: reselected when the batch ends. */
  dirty = false;

  constructor(best: Path | null) {
    this.best = best;
  }

  /** The candidate paths (a new array when there is one). */
  get paths(): readonly Path[] {
    return this.others ?? (this.best ? [this.best] : []);
  }

  /** The path of (peer, path id), if the entry has it. */
  find(peerIndex: number, pathId: number): Path | undefined {
    if (!this.others) return this.best && this.best.peer.index === peerIndex && this.best.pathId === pathId ? this.best : undefined;
    if (this.byKey) return this.byKey.get(pathKey(peerIndex, pathId));
    return this.others.find((p) => p.peer.index === peerIndex && p.pathId === pathId);
  }
}

/** What a trie node holds: its only path, or an entry. */
type Slot = Path | RouteEntry;

/** The value of a prefix whose last path went while something still holds it (never changed). */
const EMPTY: RouteEntry = Object.freeze(new RouteEntry(null)) as RouteEntry;

/** The path of (peer, path id) a prefix's value holds, if any. */
function findIn(v: Slot | null, peerIndex: number, pathId: number): Path | undefined {
  if (v === null) return undefined;
  if (v instanceof RouteEntry) return v.find(peerIndex, pathId);
  return v.peer.index === peerIndex && v.pathId === pathId ? v : undefined;
}

/** A prefix of the Loc-RIB: a node of its trie. */
export type RouteNode = NodeId;

export interface ChangeSink {
  /** The best path (or multipath set) of `node` changed; `previous` was the best before. */
  changed(node: RouteNode, previous: Path | null): void;
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
  #paths = 0;
  #prefixes = 0;
  /** Paths held per peer index: what max-prefix and pfxRcd count. */
  readonly #byPeer = new Map<number, number>();
  /** The first path of each peer's list (see Path.prevOfPeer / nextOfPeer). */
  readonly #heads = new Map<number, Path>();
  /** Entries changed in the batch under way (batch()), with the best each had before it. */
  #batch: { nodes: RouteNode[]; previous: (Path | null)[] } | undefined;

  constructor(width: 32 | 128, attrs: AttrTable, sink: ChangeSink, options: DecisionOptions = DEFAULT_DECISION) {
    this.trie = new PrefixTrie(width);
    this.attrs = attrs;
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
    const v = this.trie.value(node);
    const best = v === null ? null : v instanceof RouteEntry ? v.best : v;
    return best !== null && this.options.igpCost?.(best) === Infinity ? null : best;
  }

  /** The best path and multipath set as selected, whether or not their next hops resolve (next-hop resolution reads these). */
  chosen(node: RouteNode): readonly Path[] {
    const v = this.trie.value(node);
    if (v === null) return [];
    if (!(v instanceof RouteEntry)) return [v];
    return v.multipath ?? (v.best ? [v.best] : []);
  }

  /** The candidate paths of a prefix. */
  candidates(node: RouteNode): readonly Path[] {
    const v = this.trie.value(node);
    return v === null ? [] : v instanceof RouteEntry ? v.paths : [v];
  }

  /** The multipath set of a prefix when it has more than the best path, else null. */
  multipath(node: RouteNode): readonly Path[] | null {
    const v = this.trie.value(node);
    return v instanceof RouteEntry && v.multipath !== null && this.best(node) !== null ? v.multipath : null;
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
    return this.#paths;
  }

  /**
   * Runs `fn` as one batch: an entry with several paths changed inside it is reselected (and
   * reported) once, at the end.
   */
  batch<T>(fn: () => T): T {
    if (this.#batch) return fn();
    const b = { nodes: [] as RouteNode[], previous: [] as (Path | null)[] };
    this.#batch = b;
    try {
      return fn();
    } finally {
      this.#batch = undefined;
      for (let i = 0; i < b.nodes.length; i++) {
        const node = b.nodes[i];
        const e = this.trie.value(node);
        if (!(e instanceof RouteEntry) || !e.dirty) continue;
        e.dirty = false;
        this.#reselect(node, e, b.previous[i]);
      }
    }
  }

  /** How many paths `peerIndex` has for this prefix (ADD-PATH limits). */
  pathsOfPeerAt(w0: number, w1: number, w2: number, w3: number, len: number, peerIndex: number): number {
    let n = 0;
    for (const p of this.candidates(this.trie.get(w0, w1, w2, w3, len))) if (p.peer.index === peerIndex) n++;
    return n;
  }

  /** Whether the prefix has the path of (peer, path id). */
  has(w0: number, w1: number, w2: number, w3: number, len: number, peerIndex: number, pathId: number): boolean {
    return findIn(this.trie.value(this.trie.get(w0, w1, w2, w3, len)), peerIndex, pathId) !== undefined;
  }

  /** Adds or replaces the path of (peer, pathId) for a prefix. Takes over one reference of path.entry. */
  announce(w0: number, w1: number, w2: number, w3: number, len: number, path: Path): void {
    const node = this.trie.ensure(w0, w1, w2, w3, len);
    const v = this.trie.value(node);
    if (v === null || v === EMPTY) {
      // The prefix's first path: stored alone.
      this.trie.set(node, path);
      this.#added(node, path);
      this.#prefixes++;
      this.#sink.changed(node, null);
      return;
    }
    if (!(v instanceof RouteEntry)) {
      if (v.peer.index === path.peer.index && v.pathId === path.pathId) {
        // The same path again (an implicit withdrawal and re-announcement): replace it.
        this.#gone(v);
        this.trie.set(node, path);
        this.#link(node, path);
        this.#sink.changed(node, v);
        return;
      }
    }
    // A second path: the prefix needs an entry (an entry may also be one a batch left with one
    // path or none, not yet settled).
    const e = v instanceof RouteEntry ? v : new RouteEntry(v);
    if (e !== v) this.trie.set(node, e);
    const previous = e.best;
    if (!e.others) {
      if (previous && previous.peer.index === path.peer.index && previous.pathId === path.pathId) {
        this.#gone(previous);
        e.best = path;
        this.#link(node, path);
        this.#sink.changed(node, previous);
        this.release(node);
        return;
      }
      if (!previous) {
        e.best = path;
        this.#added(node, path);
        this.#prefixes++;
        this.#sink.changed(node, null);
        this.release(node);
        return;
      }
      e.others = [previous, path];
      previous.slot = 0;
      path.slot = 1;
      this.#added(node, path);
      this.#changedPaths(node, e, previous);
      return;
    }
    const old = e.find(path.peer.index, path.pathId);
    if (old) {
      path.slot = old.slot;
      e.others[old.slot] = path;
      // A multipath member other than the best replaced (a new next hop, new attributes): the
      // selection may come out the same, but what the kernel holds for the prefix changed.
      const member = e.best !== old && e.multipath?.includes(old) === true;
      if (e.best === old) e.best = path;
      if (e.multipath?.includes(old)) e.multipath = e.multipath.map((p) => (p === old ? path : p));
      this.#gone(old);
      this.#link(node, path);
      e.byKey?.set(pathKey(path.peer.index, path.pathId), path);
      this.#changedPaths(node, e, previous);
      if (member) this.#sink.changed(node, previous);
      return;
    } else {
      path.slot = e.others.length;
      e.others.push(path);
      this.#added(node, path);
      if (e.byKey) e.byKey.set(pathKey(path.peer.index, path.pathId), path);
      else if (e.others.length > INDEX_FROM) e.byKey = new Map(e.others.map((p) => [pathKey(p.peer.index, p.pathId), p]));
      if (this.#settledAgainstBest(node, e, path, previous, true)) return;
    }
    this.#changedPaths(node, e, previous);
  }

  /**
   * O(1) cases of an added or removed path against the current best (single path selection, no
   * reselection pending): decisively worse on the early steps changes nothing; an added path
   * decisively better is the new best. True when settled (and reported).
   */
  #settledAgainstBest(node: RouteNode, e: RouteEntry, path: Path, best: Path | null, added: boolean): boolean {
    if (!best || e.dirty || e.multipath !== null || this.#maxPaths(best) > 1) return false;
    const c = compareEarly(path, best, this.options);
    if (c > 0) {
      if (this.everyChange) this.#sink.changed(node, best);
      return true;
    }
    if (c < 0 && added) {
      e.best = path;
      this.#sink.changed(node, best);
      return true;
    }
    return false;
  }

  #maxPaths(best: Path): number {
    return !best.peer.ibgp && !best.peer.local ? this.options.maxPathsEbgp : this.options.maxPathsIbgp;
  }

  /** Removes the path of (peer, pathId) for a prefix, if present. */
  withdraw(w0: number, w1: number, w2: number, w3: number, len: number, peer: RibPeer, pathId: number): void {
    const node = this.trie.get(w0, w1, w2, w3, len);
    const v = this.trie.value(node);
    const path = findIn(v, peer.index, pathId);
    if (path) this.#removePath(node, v!, path);
  }

  /** Removes every path learned from `peer` (or only its stale ones); returns how many. Costs the peer's paths, not the table. */
  withdrawPeer(peer: RibPeer, onlyStale = false): number {
    let n = 0;
    this.batch(() => {
      for (let p = this.#heads.get(peer.index) ?? null; p !== null; ) {
        const next = p.nextOfPeer;
        if (!onlyStale || p.stale) {
          this.#removePath(p.node, this.trie.value(p.node)!, p);
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
    for (let p = this.#heads.get(peer.index) ?? null; p !== null; p = p.nextOfPeer) {
      if (p.stale) continue;
      p.stale = true;
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
    const stale: Path[] = [];
    for (let p = this.#heads.get(peer.index) ?? null; p !== null; p = p.nextOfPeer) if (p.stale) stale.push(p);
    let kept = 0;
    this.batch(() => {
      for (const p of stale) {
        const c = p.entry.attrs.communities ?? [];
        if (c.includes(WellKnownCommunity.NO_LLGR)) {
          this.#removePath(p.node, this.trie.value(p.node)!, p);
          continue;
        }
        kept++;
        if (c.includes(WellKnownCommunity.LLGR_STALE)) continue;
        const entry = this.attrs.acquire({ ...p.entry.attrs, communities: [...c, WellKnownCommunity.LLGR_STALE] });
        const [w0, w1, w2, w3] = this.trie.key(p.node);
        this.announce(w0, w1, w2, w3, this.trie.len(p.node), new Path(p.peer, p.pathId, entry, p.nextHop, p.weight, true, p.at));
      }
    });
    return kept;
  }

  /** A path joins the table: counted and linked into its peer's list. */
  #added(node: RouteNode, path: Path): void {
    this.#paths++;
    this.#byPeer.set(path.peer.index, (this.#byPeer.get(path.peer.index) ?? 0) + 1);
    this.#link(node, path);
  }

  #link(node: RouteNode, path: Path): void {
    path.node = node;
    const head = this.#heads.get(path.peer.index);
    path.prevOfPeer = null;
    path.nextOfPeer = head ?? null;
    if (head) head.prevOfPeer = path;
    this.#heads.set(path.peer.index, path);
  }

  #unlink(path: Path): void {
    const { prevOfPeer: prev, nextOfPeer: next } = path;
    if (prev) prev.nextOfPeer = next;
    else if (next) this.#heads.set(path.peer.index, next);
    else this.#heads.delete(path.peer.index);
    if (next) next.prevOfPeer = prev;
    path.node = 0;
    path.prevOfPeer = path.nextOfPeer = null;
  }

  /** A replaced path leaves the table (its replacement takes its place and its count). */
  #gone(path: Path): void {
    this.#unlink(path);
    this.attrs.release(path.entry);
  }

  /** Removes one path of a prefix. */
  #removePath(node: RouteNode, v: Slot, path: Path): void {
    this.#gone(path);
    this.#paths--;
    const left = (this.#byPeer.get(path.peer.index) ?? 1) - 1;
    if (left === 0) this.#byPeer.delete(path.peer.index);
    else this.#byPeer.set(path.peer.index, left);
    if (!(v instanceof RouteEntry)) {
      // Its only path: the node stays (empty) while a peer or the kernel holds it.
      this.trie.set(node, EMPTY);
      this.#prefixes--;
      this.#sink.changed(node, path);
      this.release(node);
      return;
    }
    const e = v;
    const previous = e.best;
    if (!e.others) {
      e.best = null;
      this.#prefixes--;
      this.#sink.changed(node, path);
      this.release(node);
      return;
    }
    const moved = e.others[e.others.length - 1];
    e.others[path.slot] = moved;
    moved.slot = path.slot;
    e.others.pop();
    e.byKey?.delete(pathKey(path.peer.index, path.pathId));
    if (e.others.length > 1 && path !== previous && this.#settledAgainstBest(node, e, path, previous, false)) return;
    if (e.best === path) e.best = null;
    if (e.multipath?.includes(path)) e.multipath = e.multipath.filter((p) => p !== path);
    if (e.others.length === 1 && !e.dirty) {
      // One path left: it is the best, and the array goes.
      const only = e.others[0];
      const hadMulti = e.multipath !== null;
      e.others = null;
      e.byKey = null;
      e.best = only;
      e.multipath = null;
      if (previous !== only || hadMulti || this.everyChange) this.#sink.changed(node, previous);
      this.release(node);
      return;
    }
    if (e.others.length === 0) {
      e.others = null;
      e.byKey = null;
      e.multipath = null;
      this.#prefixes--;
      if (e.dirty) return; // the batch reports it
      this.#sink.changed(node, previous);
      this.release(node);
      return;
    }
    this.#changedPaths(node, e, previous);
  }

  /** The candidates of an entry changed: reselect now, or once at the end of the batch. */
  #changedPaths(node: RouteNode, e: RouteEntry, previous: Path | null): void {
    if (!this.#batch) return this.#reselect(node, e, previous);
    if (e.dirty) return;
    e.dirty = true;
    this.#batch.nodes.push(node);
    this.#batch.previous.push(previous);
  }

  /** `force`: reported even when the selection is the same (whether its next hops resolve changed). */
  #reselect(node: RouteNode, e: RouteEntry, previous: Path | null, force = false): void {
    const prevMulti = e.multipath;
    const candidates = e.others ?? (e.best ? [e.best] : []);
    if (e.others && e.others.length === 1) {
      // A batch left one path: back to the single-path form.
      e.best = e.others[0];
      e.others = null;
      e.byKey = null;
    } else {
      e.best = selectBest(candidates, this.options);
    }
    if (e.best === null && e.others === null && previous !== null && candidates.length === 0) {
      // A batch removed every path.
      e.multipath = null;
      this.#sink.changed(node, previous);
      this.release(node);
      return;
    }
    const multi = e.best && candidates.length > 1 ? selectMultipath(e.best, candidates, this.options) : [];
    e.multipath = multi.length > 1 ? multi : null;
    const multiChanged = (prevMulti?.length ?? 0) !== (e.multipath?.length ?? 0) || (prevMulti !== null && e.multipath !== null && prevMulti.some((p, k) => p !== e.multipath![k]));
    if (previous !== e.best || multiChanged || this.everyChange || force) this.#sink.changed(node, previous);
    this.release(node);
  }

  /**
   * Settles a prefix after a change: an entry left with one path and no multipath set gives way to
   * the path alone; one with no path is dropped from the trie once nothing holds it.
   */
  release(node: RouteNode): void {
    const v = this.trie.value(node);
    if (!(v instanceof RouteEntry) || v.dirty || v.others !== null) return;
    if (v.best !== null) this.trie.set(node, v.best);
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
      for (let p = this.#heads.get(index) ?? null; p !== null; p = p.nextOfPeer) if (affected(p)) nodes.add(p.node);
    }
    for (const node of nodes) {
      const v = this.trie.value(node);
      if (v instanceof RouteEntry) this.#reselect(node, v, v.best, true);
      else if (v !== null) this.#sink.changed(node, v);
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
