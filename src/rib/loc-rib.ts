// The Loc-RIB of one AFI: a prefix trie whose entries hold every candidate path (the post-policy
// Adj-RIBs-In of all peers, as BIRD keeps them), the best path and the multipath set. Applying an
// announcement or withdrawal records the entries whose selection changed; Adj-RIB-Out and the
// FIB consume that list.
// Must not import fsm, api, daemon, node:net or metrics libraries.

import type { AttrTable } from './attr-table.js';
import { type DecisionOptions, DEFAULT_DECISION, selectBest, selectMultipath } from './decision.js';
import { Path, type RibPeer } from './path.js';
import { PrefixTrie, type TrieNode } from './trie.js';

export class RouteEntry {
  /** The best path; with a single candidate, the only one (most prefixes: no array then). */
  best: Path | null;
  /** Every candidate path, when there are two or more. */
  others: Path[] | null = null;
  /** The multipath set when it has more than the best path. */
  multipath: readonly Path[] | null = null;
  /** Peers that advertised this prefix or have it queued: the node stays until they are done. */
  holds = 0;

  constructor(first: Path) {
    this.best = first;
  }

  /** The candidate paths (a new array when there is one). */
  get paths(): readonly Path[] {
    return this.others ?? (this.best ? [this.best] : []);
  }

  get count(): number {
    return this.others ? this.others.length : this.best ? 1 : 0;
  }
}

export type RouteNode = TrieNode<RouteEntry>;

export interface ChangeSink {
  /** The best path (or multipath set) of `node` changed; `previous` was the best before. */
  changed(node: RouteNode, previous: Path | null): void;
}

export class LocRib {
  readonly trie: PrefixTrie<RouteEntry>;
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

  constructor(width: 32 | 128, attrs: AttrTable, sink: ChangeSink, options: DecisionOptions = DEFAULT_DECISION) {
    this.trie = new PrefixTrie(width);
    this.attrs = attrs;
    this.#sink = sink;
    this.options = options;
  }

  /** Paths currently held from `peer`. */
  pathsFrom(peer: RibPeer): number {
    return this.#byPeer.get(peer.index) ?? 0;
  }

  #count(peer: RibPeer, delta: number): void {
    const n = (this.#byPeer.get(peer.index) ?? 0) + delta;
    if (n === 0) this.#byPeer.delete(peer.index);
    else this.#byPeer.set(peer.index, n);
  }

  /** Prefixes with at least one path. */
  get prefixes(): number {
    return this.#prefixes;
  }

  get paths(): number {
    return this.#paths;
  }

  /** Adds or replaces the path of (peer, pathId) for a prefix. Takes over one reference of path.entry. */
  announce(w0: number, w1: number, w2: number, w3: number, len: number, path: Path): void {
    const node = this.trie.ensure(w0, w1, w2, w3, len);
    const e = node.value;
    if (!e) {
      this.trie.set(node, new RouteEntry(path));
      this.#paths++;
      this.#prefixes++;
      this.#count(path.peer, 1);
      this.#sink.changed(node, null);
      return;
    }
    const previous = e.best;
    if (!e.others) {
      if (previous && previous.peer.index === path.peer.index && previous.pathId === path.pathId) {
        // The same path again (an implicit withdrawal and re-announcement): replace it.
        this.attrs.release(previous.entry);
        e.best = path;
        this.#sink.changed(node, previous);
        return;
      }
      if (!previous) {
        e.best = path;
        this.#paths++;
        this.#prefixes++;
        this.#count(path.peer, 1);
        this.#sink.changed(node, null);
        return;
      }
      e.others = [previous, path];
      this.#paths++;
      this.#count(path.peer, 1);
      this.#reselect(node, e);
      return;
    }
    const i = e.others.findIndex((p) => p.peer.index === path.peer.index && p.pathId === path.pathId);
    if (i >= 0) {
      this.attrs.release(e.others[i].entry);
      e.others[i] = path;
    } else {
      e.others.push(path);
      this.#paths++;
      this.#count(path.peer, 1);
    }
    this.#reselect(node, e);
  }

  /** Removes the path of (peer, pathId) for a prefix, if present. */
  withdraw(w0: number, w1: number, w2: number, w3: number, len: number, peer: RibPeer, pathId: number): void {
    const node = this.trie.get(w0, w1, w2, w3, len);
    const e = node?.value;
    if (!node || !e) return;
    this.#remove(node, e, (p) => p.peer.index === peer.index && p.pathId === pathId);
  }

  /** Removes every path learned from `peer` (session down); returns how many. */
  withdrawPeer(peer: RibPeer, onlyStale = false): number {
    const match = (p: Path) => p.peer.index === peer.index && (!onlyStale || p.stale);
    const hits: RouteNode[] = [];
    this.trie.forEach((node) => {
      const e = node.value!;
      if (e.others ? e.others.some(match) : e.best !== null && match(e.best)) hits.push(node);
    });
    let n = 0;
    for (const node of hits) n += this.#remove(node, node.value!, match);
    return n;
  }

  /**
   * RFC 4724 4.2: the peer restarts; its paths stay, marked stale, until it sends them again or
   * its time runs out. The selection does not change (stale paths keep their preference).
   */
  markStale(peer: RibPeer): number {
    let n = 0;
    const stale = (p: Path) => new Path(p.peer, p.pathId, p.entry, p.nextHop, p.weight, true);
    this.trie.forEach((node) => {
      const e = node.value!;
      if (e.others) {
        const old = e.others;
        e.others = old.map((p) => (p.peer.index === peer.index && !p.stale ? (n++, stale(p)) : p));
        if (e.best) e.best = e.others[old.indexOf(e.best)];
        if (e.multipath) e.multipath = e.multipath.map((p) => e.others![old.indexOf(p)]);
      } else if (e.best && e.best.peer.index === peer.index && !e.best.stale) {
        e.best = stale(e.best);
        n++;
      }
    });
    return n;
  }

  /** Removes the paths `match` selects; returns how many. */
  #remove(node: RouteNode, e: RouteEntry, match: (p: Path) => boolean): number {
    if (!e.others) {
      const only = e.best;
      if (!only || !match(only)) return 0;
      this.attrs.release(only.entry);
      e.best = null;
      this.#paths--;
      this.#count(only.peer, -1);
      this.#prefixes--;
      this.#sink.changed(node, only);
      this.release(node);
      return 1;
    }
    const kept = e.others.filter((p) => !match(p));
    const removed = e.others.length - kept.length;
    if (removed === 0) return 0;
    for (const p of e.others) {
      if (!match(p)) continue;
      this.attrs.release(p.entry);
      this.#count(p.peer, -1);
    }
    this.#paths -= removed;
    if (kept.length === 0) this.#prefixes--;
    e.others = kept.length > 1 ? kept : null;
    if (kept.length <= 1) {
      const previous = e.best;
      const hadMulti = e.multipath !== null;
      e.best = kept[0] ?? null;
      e.multipath = null;
      if (previous !== e.best || hadMulti || this.everyChange) this.#sink.changed(node, previous);
      this.release(node);
      return removed;
    }
    this.#reselect(node, e);
    return removed;
  }

  #reselect(node: RouteNode, e: RouteEntry): void {
    const previous = e.best;
    const prevMulti = e.multipath;
    const candidates = e.others ?? (e.best ? [e.best] : []);
    e.best = selectBest(candidates, this.options);
    const multi = e.best && candidates.length > 1 ? selectMultipath(e.best, candidates, this.options) : [];
    e.multipath = multi.length > 1 ? multi : null;
    const multiChanged = (prevMulti?.length ?? 0) !== (e.multipath?.length ?? 0) || (prevMulti !== null && e.multipath !== null && prevMulti.some((p, k) => p !== e.multipath![k]));
    if (previous !== e.best || multiChanged || this.everyChange) this.#sink.changed(node, previous);
    this.release(node);
  }

  /** Drops the trie node of an entry with no paths once no peer holds it any more. */
  release(node: RouteNode): void {
    const e = node.value;
    if (e && e.best === null && e.others === null && e.holds === 0) this.trie.clear(node);
  }

  /** Re-runs the decision on every entry (after a change of decision options). */
  reselectAll(): void {
    this.trie.forEach((node) => this.#reselect(node, node.value!));
  }
}
