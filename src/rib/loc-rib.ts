// The Loc-RIB of one AFI: a prefix trie whose entries hold every candidate path (the post-policy
// Adj-RIBs-In of all peers, as BIRD keeps them), the best path and the multipath set. Applying an
// announcement or withdrawal records the entries whose selection changed; Adj-RIB-Out and the
// FIB consume that list.
// Must not import fsm, api, daemon, node:net or metrics libraries.

import type { AttrTable } from './attr-table.js';
import { type DecisionOptions, DEFAULT_DECISION, selectBest, selectMultipath } from './decision.js';
import type { Path, RibPeer } from './path.js';
import { PrefixTrie, type TrieNode } from './trie.js';

export class RouteEntry {
  paths: Path[];
  best: Path | null = null;
  /** The multipath set when it has more than the best path. */
  multipath: readonly Path[] | null = null;
  /** Peers that advertised this prefix or have it queued: the node stays until they are done. */
  holds = 0;

  constructor(first: Path) {
    this.paths = [first];
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
  readonly #sink: ChangeSink;
  #paths = 0;
  #prefixes = 0;

  constructor(width: 32 | 128, attrs: AttrTable, sink: ChangeSink, options: DecisionOptions = DEFAULT_DECISION) {
    this.trie = new PrefixTrie(width);
    this.attrs = attrs;
    this.#sink = sink;
    this.options = options;
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
      const entry = new RouteEntry(path);
      this.trie.set(node, entry);
      this.#paths++;
      this.#prefixes++;
      entry.best = path;
      this.#sink.changed(node, null);
      return;
    }
    const i = e.paths.findIndex((p) => p.peer === path.peer && p.pathId === path.pathId);
    if (i >= 0) {
      this.attrs.release(e.paths[i].entry);
      e.paths[i] = path;
    } else {
      if (e.paths.length === 0) this.#prefixes++;
      e.paths.push(path);
      this.#paths++;
    }
    this.#reselect(node, e);
  }

  /** Removes the path of (peer, pathId) for a prefix, if present. */
  withdraw(w0: number, w1: number, w2: number, w3: number, len: number, peer: RibPeer, pathId: number): void {
    const node = this.trie.get(w0, w1, w2, w3, len);
    const e = node?.value;
    if (!node || !e) return;
    const i = e.paths.findIndex((p) => p.peer === peer && p.pathId === pathId);
    if (i < 0) return;
    this.#remove(node, e, i);
  }

  /** Removes every path learned from `peer` (session down); returns how many. */
  withdrawPeer(peer: RibPeer, onlyStale = false): number {
    let n = 0;
    const hits: RouteNode[] = [];
    this.trie.forEach((node) => {
      if (node.value!.paths.some((p) => p.peer === peer && (!onlyStale || p.stale))) hits.push(node);
    });
    for (const node of hits) {
      const e = node.value!;
      for (let i = e.paths.length - 1; i >= 0; i--) {
        const p = e.paths[i];
        if (p.peer === peer && (!onlyStale || p.stale)) {
          this.#remove(node, e, i);
          n++;
        }
      }
    }
    return n;
  }

  #remove(node: RouteNode, e: RouteEntry, i: number): void {
    this.attrs.release(e.paths[i].entry);
    e.paths.splice(i, 1);
    this.#paths--;
    if (e.paths.length === 0) this.#prefixes--;
    this.#reselect(node, e);
  }

  #reselect(node: RouteNode, e: RouteEntry): void {
    const previous = e.best;
    const prevMulti = e.multipath;
    e.best = selectBest(e.paths, this.options);
    const multi = e.best && e.paths.length > 1 ? selectMultipath(e.best, e.paths, this.options) : [];
    e.multipath = multi.length > 1 ? multi : null;
    const multiChanged = (prevMulti?.length ?? 0) !== (e.multipath?.length ?? 0) || (prevMulti !== null && e.multipath !== null && prevMulti.some((p, k) => p !== e.multipath![k]));
    if (previous !== e.best || multiChanged) this.#sink.changed(node, previous);
    this.release(node);
  }

  /** Drops the trie node of an entry with no paths once no peer holds it any more. */
  release(node: RouteNode): void {
    const e = node.value;
    if (e && e.paths.length === 0 && e.holds === 0) this.trie.clear(node);
  }

  /** Re-runs the decision on every entry (after a change of decision options). */
  reselectAll(): void {
    this.trie.forEach((node) => this.#reselect(node, node.value!));
  }
}
