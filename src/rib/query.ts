// The RIB's read face: what the API, the CLI, metrics and the daemon may ask of the RIB. Plain
// records out; nothing outside src/rib sees trie nodes, route entries or paths, so the store can
// change without touching a caller. Listings resume from a position in prefix order (a seek, not
// a scan), valid whether or not that prefix still exists.
// Must not import fsm, api, daemon, node:net or metrics libraries.

import { type AfiCode, type AsPath, type CodecContext, type PathAttributes, Safi, afiSafiKey, decodePathAttributes } from '../wire/index.js';
import { AddPathOut } from './adj-rib-out-add-path.js';
import { encodeOutItems } from './adj-rib-out-view.js';
import { LocRibFeed, type PathItem, encodePathItems, pathsFromUpdates } from './path-updates.js';
import { type DecisionStep, comparePaths } from './decision.js';
import { bytesFor } from './export.js';
import type { LocRib, RouteNode } from './loc-rib.js';
import type { Resolution } from './nexthop-tracker.js';
import { type Path, samePath } from './path.js';
import type { Rib } from './rib.js';
import type { RpkiState } from './vrp-table.js';
import { asPathOf } from './attr-table.js';

/** A prefix as words and length: where a listing resumes (after it), or what it stays within. */
export interface Position {
  readonly words: readonly [number, number, number, number];
  readonly len: number;
}

export interface PathRecord {
  /** A neighbor's path, our origination, or an aggregate we form. */
  readonly source: 'peer' | 'local' | 'aggregate';
  readonly peerAddress: string | null;
  readonly peerAs: number | null;
  readonly pathId: number;
  /** IPv4 next hop as a number (0: ours), or the MP_REACH next hop octets. */
  readonly nextHop: number | Buffer;
  readonly attrs: PathAttributes;
  /** The AS path after the RFC 6793 merge. */
  readonly asPath: AsPath;
  readonly weight: number;
  readonly stale: boolean;
  /** When it was received or originated: seconds on the RIB's clock. */
  readonly at: number;
  readonly best: boolean;
  readonly multipath: boolean;
  /** For a path that is not best: the decision step it lost on against the best. */
  readonly lostOn: DecisionStep | null;
  /** RFC 6811 origin validation state now; null without RPKI caches. */
  readonly rpki: RpkiState | null;
  /** How its next hop resolves; null when next hops are not tracked. */
  readonly nexthop: Resolution | null;
}

/** The Loc-RIB's changes as UPDATEs (RibQuery.watchLocRib). */
export interface LocRibWatch {
  /** Per family, UPDATEs of the best path now (or the withdrawal) of every prefix changed since the last take. */
  take(ctx: CodecContext): { afi: AfiCode; messages: Buffer[] }[];
  /**
   * Whether an UPDATE just applied (its NLRI blocks, without ADD-PATH) is itself the Loc-RIB's
   * change: every prefix it announces has the neighbor's path as best, every one it withdraws has
   * none. Then its prefixes leave the queue: the UPDATE reports them.
   */
  asReceived(peerIndex: number, blocks: readonly { afi: AfiCode; words: Uint32Array; announced: boolean }[]): boolean;
  stop(): void;
}

export interface RouteRecord {
  readonly prefix: string;
  /** The prefix as words and length (what encoders need, without parsing the text). */
  readonly at: Position;
  readonly paths: readonly PathRecord[];
}

export interface AdvertisedRecord {
  readonly prefix: string;
  /** The attributes as sent (decoded from the octets that went out). */
  readonly attrs: PathAttributes | null;
}

export interface RouteListing {
  /** Resume after this position (exclusive). */
  readonly after?: Position;
  /** Only prefixes inside this one (equal or more specific). */
  readonly within?: Position;
  /** Only these paths (a route with none left is not listed). */
  readonly only?: (p: PathRecord) => boolean;
}

function source(p: Path): PathRecord['source'] {
  if (!p.peer.local) return 'peer';
  // Our origination has path id 0, an aggregate path id 1 (see Rib).
  return p.pathId === 0 ? 'local' : 'aggregate';
}

/** What a monitor's dump reads: the Loc-RIB's best paths, or a neighbor's paths after (accepted) or before (received) import policy. */
export type DumpView = { readonly kind: 'best' } | { readonly kind: 'accepted' | 'received'; readonly peerIndex: number };

/** Whether an UPDATE's NLRI blocks name prefixes of `afi`. */
function namesFamily(blocks: readonly { afi: AfiCode }[], afi: AfiCode): boolean {
  for (const b of blocks) if (b.afi === afi) return true;
  return false;
}

export class RibQuery {
  readonly #rib: Rib;

  constructor(rib: Rib) {
    this.#rib = rib;
  }

  /** The routes of a family in prefix order, each with its paths, the best and multipath marked. */
  *routes(afi: AfiCode, o: RouteListing = {}): Generator<RouteRecord> {
    const table = this.#rib.table(afi);
    for (const node of nodesOf(table, o)) {
      const r = this.#record(table, node, o.only);
      if (r.paths.length > 0) yield r;
    }
  }

  /**
   * Calls `fn` with every change of a prefix's best path (null: no route any more) until the
   * returned function is called. Synchronous, in the RIB's own step: keep `fn` cheap.
   */
  watchBest(fn: (afi: AfiCode, prefix: string, best: PathRecord | null, at: Position) => void): () => void {
    const listener = {
      changed: (afi: AfiCode, node: RouteNode) => {
        const table = this.#rib.table(afi);
        const best = table.best(node);
        fn(afi, table.textOf(node), best ? pathRecord(best, true, true, null, null, null) : null, positionOf(table, node));
      },
    };
    this.#rib.addListener(listener);
    return () => this.#rib.removeListener(listener);
  }

  /**
   * RFC 9069: the Loc-RIB's changes as UPDATEs. `changed` is called (in the RIB's step: keep it
   * cheap) at the first change after each take(); take() returns, per family, UPDATEs of the best
   * path now (or the withdrawal) of every prefix that changed since.
   */
  watchLocRib(changed: () => void): LocRibWatch {
    const feeds = [new LocRibFeed(1, this.#rib.table(1)), new LocRibFeed(2, this.#rib.table(2))] as const;
    let armed = false;
    const listener = {
      changed: (afi: AfiCode, node: RouteNode) => {
        feeds[afi - 1].changed(node);
        if (armed) return;
        armed = true;
        changed();
      },
    };
    this.#rib.addListener(listener);
    return {
      take: (ctx) => {
        armed = false;
        const out: { afi: AfiCode; messages: Buffer[] }[] = [];
        feeds.forEach((f, i) => {
          if (f.pending > 0) out.push({ afi: (i + 1) as AfiCode, messages: f.take(ctx) });
        });
        return out;
      },
      asReceived: (peerIndex, blocks) => {
        try {
          // Most often the changes since the last UPDATE are this one's prefixes, in its order.
          // (This runs per UPDATE while a collector watches the Loc-RIB: no allocation.)
          const [v4, v6] = feeds;
          const has4 = namesFamily(blocks, 1);
          const has6 = namesFamily(blocks, 2);
          if ((!has4 || v4.tailAsReceived(peerIndex, blocks)) && (!has6 || v6.tailAsReceived(peerIndex, blocks))) {
            if (has4) v4.dropTail();
            if (has6) v6.dropTail();
            return true;
          }
          if (!blocks.every((b) => feeds[b.afi - 1].asReceived(peerIndex, b.words, b.announced))) return false;
          for (const b of blocks) feeds[b.afi - 1].reported(b.words);
          return true;
        } finally {
          for (const f of feeds) f.markAsked();
        }
      },
      stop: () => {
        this.#rib.removeListener(listener);
        for (const f of feeds) f.drop();
      },
    };
  }

  /**
   * RFC 7854 post-policy: a neighbor's paths (after import policy) of the prefixes an UPDATE named
   * (its NLRI words), as UPDATEs encoded with `ctx`; what it no longer has is withdrawn.
   */
  postPolicyUpdates(peerIndex: number, afi: AfiCode, words: Uint32Array, ctx: CodecContext): Buffer[] {
    return pathsFromUpdates(afi, this.#rib.table(afi), peerIndex, words, ctx.addPath.has(afiSafiKey(afi, Safi.UNICAST)), ctx);
  }

  /**
   * A page of a table as a monitor dumps it (BMP): the Loc-RIB's best paths, a neighbor's paths
   * after import policy, or its kept routes before it (undefined when not kept), for up to `limit`
   * prefixes from `o`, as UPDATEs encoded with `ctx`; `last` is where the next page starts.
   */
  dumpUpdates(afi: AfiCode, view: DumpView, o: RouteListing, limit: number, ctx: CodecContext): { updates: Buffer[]; last: Position | undefined } | undefined {
    const table = view.kind === 'received' ? this.#rib.adjRibIn(view.peerIndex, afi) : this.#rib.table(afi);
    if (!table) return undefined;
    const addPath = ctx.addPath.has(afiSafiKey(afi, Safi.UNICAST));
    const { picked, last } = pageOf(table, o, limit, (node): PathItem[] => {
      if (view.kind !== 'best') return table.candidates(node).filter((p) => p.peer.index === view.peerIndex).map((path) => ({ node, id: addPath ? path.pathId : 0, path }));
      const best = table.best(node);
      return best ? [{ node, id: 0, path: best }] : [];
    });
    return { updates: encodePathItems(afi, table, ctx, addPath, picked), last };
  }

  /** Whether the UPDATE the RIB applied last is held whole: none of its prefixes refused or denied (Rib.lastUpdateWhole). */
  lastUpdateWhole(): boolean {
    return this.#rib.lastUpdateWhole;
  }

  /** The route of exactly this prefix. */
  route(afi: AfiCode, p: Position, only?: (p: PathRecord) => boolean): RouteRecord | undefined {
    const table = this.#rib.table(afi);
    const node = table.trie.get(p.words[0], p.words[1], p.words[2], p.words[3], p.len);
    if (!table.present(node)) return undefined;
    const r = this.#record(table, node, only);
    return r.paths.length > 0 ? r : undefined;
  }

  /** The neighbors (addresses) this exact prefix was sent to. */
  advertisedTo(afi: AfiCode, p: Position): string[] {
    const table = this.#rib.table(afi);
    const node = table.trie.get(p.words[0], p.words[1], p.words[2], p.words[3], p.len);
    return table.present(node) ? this.#rib.advertisedTo(afi, node) : [];
  }

  /** The most specific route covering an address (longest-prefix match). */
  lookup(afi: AfiCode, address: Position): RouteRecord | undefined {
    const table = this.#rib.table(afi);
    const node = table.trie.lookup(address.words[0], address.words[1], address.words[2], address.words[3], address.len);
    return node ? this.#record(table, node) : undefined;
  }

  /** Whether we originate this prefix ourselves (an aggregate of the same prefix does not count). */
  isOriginated(afi: AfiCode, p: Position): boolean {
    const table = this.#rib.table(afi);
    const node = table.trie.get(p.words[0], p.words[1], p.words[2], p.words[3], p.len);
    return table.candidates(node).some((x) => x.peer.local && x.pathId === 0);
  }

  /** A neighbor's routes before import policy; undefined unless they are kept (soft-reconfiguration inbound). */
  received(peerIndex: number, afi: AfiCode, o: RouteListing = {}): Iterable<RouteRecord> | undefined {
    const adjIn = this.#rib.adjRibIn(peerIndex, afi);
    if (!adjIn) return undefined;
    return this.#plain(adjIn, o);
  }

  /** A neighbor's paths in the Loc-RIB (after import policy), with how each fares in the decision. */
  accepted(peerIndex: number, afi: AfiCode, o: RouteListing = {}): Iterable<RouteRecord> {
    const table = this.#rib.table(afi);
    const mine = (p: Path) => p.peer.index === peerIndex;
    const self = this;
    return (function* () {
      for (const node of nodesOf(table, o)) {
        if (!table.candidates(node).some(mine)) continue;
        const r = self.#record(table, node, undefined, mine);
        if (r.paths.length > 0) yield r;
      }
    })();
  }

  /** What a neighbor was sent, per prefix; undefined when it is not Established for the family. */
  advertised(peerIndex: number, afi: AfiCode, o: RouteListing = {}): Iterable<AdvertisedRecord> | undefined {
    const out = this.#rib.adjRibOut(peerIndex, afi);
    if (!out) return undefined;
    const table = this.#rib.table(afi);
    return (function* () {
      for (const node of nodesOf(table, o)) {
        const form = out.sent(node);
        if (!form) continue;
        const bytes = bytesFor(form, out.peer);
        yield { prefix: table.textOf(node), attrs: decodePathAttributes(bytes, 0, bytes.length, out.peer.tx).attrs };
      }
    })();
  }

  /**
   * RFC 8671: UPDATEs for what a neighbor's Adj-RIB-Out holds now, before export policy (while
   * watchPrePolicyOut watches) or as sent, for up to `limit` prefixes from `o`; `last` is where
   * the next page starts (undefined: no more). Undefined when there is no such view.
   */
  outUpdates(peerIndex: number, afi: AfiCode, view: 'pre-policy' | 'post-policy', o: RouteListing, limit: number): { updates: Buffer[]; last: Position | undefined } | undefined {
    const out = this.#rib.adjRibOut(peerIndex, afi);
    const pre = out?.pre;
    if (!out || (view === 'pre-policy' && !pre)) return undefined;
    const table = this.#rib.table(afi);
    if (pre && view === 'pre-policy') {
      const { picked, last } = pageOf(table, o, limit, (node) => (table.hasBest(node) ? [node] : []));
      return { updates: pre.updates(picked, out.peer), last };
    }
    const { picked, last } = pageOf(table, o, limit, (node) => out.sentItems(node));
    return { updates: encodeOutItems(afi, table, out.peer, out instanceof AddPathOut, picked, []), last };
  }

  /** Calls `fn` with UPDATEs of every change of a neighbor's pre-policy Adj-RIB-Out until the returned function is called. */
  watchPrePolicyOut(fn: (peerIndex: number, afi: AfiCode, messages: Buffer[]) => void): () => void {
    this.#rib.watchPrePolicyOut(fn);
    return () => this.#rib.watchPrePolicyOut(undefined);
  }

  /** Prefixes in a neighbor's Adj-RIB-Out, pre-policy (undefined unless watched) and as sent, over its families. */
  outCounts(peerIndex: number): { pre: number | undefined; post: number } {
    let pre: number | undefined;
    let post = 0;
    for (const afi of [1, 2] as const) {
      const out = this.#rib.adjRibOut(peerIndex, afi);
      if (!out) continue;
      post += out.advertised;
      if (out.pre) pre = (pre ?? 0) + out.pre.size;
    }
    return { pre, post };
  }

  *#plain(table: LocRib, o: RouteListing): Generator<RouteRecord> {
    for (const node of nodesOf(table, o)) {
      const judge = this.#judge(table, node);
      const paths = table.candidates(node).map((p) => pathRecord(p, false, false, null, judge(p), null));
      yield { prefix: table.textOf(node), at: positionOf(table, node), paths: o.only ? paths.filter(o.only) : paths };
    }
  }

  #record(table: LocRib, node: RouteNode, only?: (p: PathRecord) => boolean, pick?: (p: Path) => boolean): RouteRecord {
    const best = table.best(node);
    const multi = table.multipath(node) ?? (best ? [best] : []);
    const paths: PathRecord[] = [];
    const judge = this.#judge(table, node);
    for (const p of table.candidates(node)) {
      if (pick && !pick(p)) continue;
      // The Loc-RIB makes a Path per read: the same path read twice is two objects.
      const isBest = best !== null && samePath(p, best);
      const r = pathRecord(p, isBest, multi.some((m) => samePath(m, p)), best && !isBest ? comparePaths(best, p, table.options).step : null, judge(p), this.#rib.nexthops?.resolutionOf(p) ?? null);
      if (!only || only(r)) paths.push(r);
    }
    return { prefix: table.textOf(node), at: positionOf(table, node), paths };
  }

  /** The RFC 6811 state of a path of this prefix (null without RPKI). */
  #judge(table: LocRib, node: RouteNode): (p: Path) => RpkiState | null {
    const afi = table.trie.width === 32 ? 1 : 2;
    const words = table.trie.key(node);
    const len = table.trie.len(node);
    return (p) => this.#rib.originValidation(afi, words, len, asPathOf(p.entry));
  }
}

function pathRecord(p: Path, best: boolean, multipath: boolean, lostOn: DecisionStep | null, rpki: RpkiState | null, nexthop: Resolution | null): PathRecord {
  const local = p.peer.local;
  return {
    source: source(p), peerAddress: local ? null : p.peer.address, peerAs: local ? null : p.peer.asn, pathId: p.pathId,
    nextHop: p.nextHop, attrs: p.entry.attrs, asPath: asPathOf(p.entry), weight: p.weight, stale: p.stale, at: p.at, best, multipath, lostOn, rpki, nexthop,
  };
}

/**
 * Up to `limit` prefixes of a listing that `pick` finds something in, and what it found; `last`
 * is the last of them when the page is full (the next page starts after it), else undefined.
 */
function pageOf<T>(table: LocRib, o: RouteListing, limit: number, pick: (node: RouteNode) => readonly T[]): { picked: T[]; last: Position | undefined } {
  const picked: T[] = [];
  let count = 0;
  for (const node of nodesOf(table, o)) {
    const found = pick(node);
    if (found.length === 0) continue;
    picked.push(...found);
    if (++count === limit) return { picked, last: positionOf(table, node) };
  }
  return { picked, last: undefined };
}

function positionOf(table: LocRib, node: RouteNode): Position {
  return { words: table.trie.key(node), len: table.trie.len(node) };
}

function nodesOf(table: LocRib, o: RouteListing): Iterable<RouteNode> {
  const trie = table.trie;
  const within = o.within ? { w: o.within.words, len: o.within.len } : undefined;
  if (o.after) return trie.after(o.after.words[0], o.after.words[1], o.after.words[2], o.after.words[3], o.after.len, within);
  if (within) return trie.covered(within.w[0], within.w[1], within.w[2], within.w[3], within.len);
  return trie.entries();
}
