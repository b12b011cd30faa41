// Paths of the RIB as UPDATEs with their attributes as held (no export rules): what a monitor
// shows of a neighbor's routes after import policy and of the Loc-RIB (BMP, RFC 7854 and 9069).
// Paths are grouped by attribute set and next hop and each set is encoded once per context, as
// the Adj-RIB-Out does; the Loc-RIB feed queues changed prefixes and reads them in a batch.
// Must not import fsm, api, daemon, node:net or metrics libraries.

import { Afi, type AfiCode, type CodecContext, OctetChunks, Safi, encodeAnnouncements, encodePathAttributes, encodeWithdrawals, stride } from '../wire/index.js';
import { nlriBlockOf } from './adj-rib-out.js';
import { regrown, retire } from './columns.js';
import type { AttrEntry } from './attr-table.js';
import type { LocRib, RouteNode } from './loc-rib.js';
import type { Path } from './path.js';

/** One path of a prefix, with the identifier it is shown with (0 without ADD-PATH). */
export interface PathItem {
  readonly node: RouteNode;
  readonly id: number;
  readonly path: Path;
}

/** Entries the Loc-RIB feed's queue starts with (it grows by doubling). */
const FIRST_QUEUE = 1024;

/** Encoded attribute lists by attribute set, context and NEXT_HOP (-1: none, the next hop goes in MP_REACH_NLRI). */
const encoded = new WeakMap<AttrEntry, WeakMap<CodecContext, Map<number, Buffer>>>();
/** Their octets, kept as long as the set (outside Node's shared buffer pool). */
const kept = new OctetChunks();

function attributeBytes(entry: AttrEntry, ctx: CodecContext, nextHop: number): Buffer {
  let byCtx = encoded.get(entry);
  if (!byCtx) encoded.set(entry, (byCtx = new WeakMap()));
  let byNh = byCtx.get(ctx);
  if (!byNh) byCtx.set(ctx, (byNh = new Map()));
  let b = byNh.get(nextHop);
  if (!b) {
    const { nextHop: _nh, ...rest } = entry.attrs;
    b = kept.copy(encodePathAttributes(nextHop >= 0 ? { ...rest, nextHop } : rest, ctx));
    byNh.set(nextHop, b);
  }
  return b;
}

/**
 * A path's next hop as it is sent: IPv4 unicast with an IPv4 next hop in NEXT_HOP (a number);
 * otherwise octets for MP_REACH_NLRI (IPv6, and IPv4 through an IPv6 next hop, RFC 8950).
 */
function nextHopOf(afi: AfiCode, p: Path): number | Buffer {
  const nh = p.nextHop;
  if (afi === Afi.IPV4 && typeof nh !== 'number' && nh.length === 4) return nh.readUInt32BE(0);
  return nh;
}

/** The node of the NLRI entry at `b` of `words` (stride `st`), or 0 when the table has no such prefix. */
function nodeOfEntry(table: LocRib, st: number, words: Uint32Array, b: number): RouteNode {
  return table.trie.get(words[b + 2], st === 6 ? words[b + 3] : 0, st === 6 ? words[b + 4] : 0, st === 6 ? words[b + 5] : 0, words[b + 1]);
}

/** The neighbor's path for the NLRI entry at `b` of `words` (with ADD-PATH, of its identifier). */
function heldPath(table: LocRib, st: number, words: Uint32Array, b: number, peerIndex: number, addPath: boolean): { node: RouteNode; path: Path } | undefined {
  const node = nodeOfEntry(table, st, words, b);
  if (node === 0) return undefined;
  const path = table.candidates(node).find((p) => p.peer.index === peerIndex && (!addPath || p.pathId === words[b]));
  return path && { node, path };
}

/**
 * UPDATEs announcing `items` and withdrawing the prefixes of `gone` (NLRI words: identifier,
 * length, address words per prefix), encoded with `ctx`.
 */
export function encodePathItems(afi: AfiCode, table: LocRib, ctx: CodecContext, addPath: boolean, items: readonly PathItem[], gone?: Uint32Array): Buffer[] {
  const out: Buffer[] = [];
  if (gone && gone.length > 0) out.push(...encodeWithdrawals({ afi, addPath, words: gone }, ctx));
  const groups = new Map<AttrEntry, { nextHop: number | Buffer; nodes: RouteNode[]; ids: number[] }[]>();
  for (const { node, id, path } of items) {
    let byNh = groups.get(path.entry);
    if (!byNh) groups.set(path.entry, (byNh = []));
    const nh = nextHopOf(afi, path);
    let g = byNh.find((x) => (typeof nh === 'number' ? x.nextHop === nh : Buffer.isBuffer(x.nextHop) && x.nextHop.equals(nh)));
    if (!g) byNh.push((g = { nextHop: nh, nodes: [], ids: [] }));
    g.nodes.push(node);
    g.ids.push(id);
  }
  for (const [entry, byNh] of groups) {
    for (const g of byNh) {
      const inField = afi === Afi.IPV4 && typeof g.nextHop === 'number';
      const bytes = attributeBytes(entry, ctx, inField ? (g.nextHop as number) : -1);
      const mp = inField ? undefined : { safi: Safi.UNICAST, nextHop: typeof g.nextHop === 'number' ? Buffer.alloc(16) : g.nextHop };
      out.push(...encodeAnnouncements(bytes, nlriBlockOf(afi, table.trie, g.nodes, addPath ? g.ids : undefined), ctx, mp));
    }
  }
  return out;
}

/**
 * A neighbor's paths (after import policy) of the prefixes in `words` (NLRI words, as an UPDATE
 * named them) as UPDATEs encoded with `ctx`: with ADD-PATH the path of each identifier; a prefix
 * (or identifier) without one is withdrawn.
 */
export function pathsFromUpdates(afi: AfiCode, table: LocRib, peerIndex: number, words: Uint32Array, addPath: boolean, ctx: CodecContext): Buffer[] {
  const st = stride(afi);
  const items: PathItem[] = [];
  const gone: number[] = [];
  for (let b = 0; b < words.length; b += st) {
    const held = heldPath(table, st, words, b, peerIndex, addPath);
    if (held) items.push({ node: held.node, id: addPath ? words[b] : 0, path: held.path });
    else for (let k = 0; k < st; k++) gone.push(words[b + k]);
  }
  return encodePathItems(afi, table, ctx, addPath, items, Uint32Array.from(gone));
}

/**
 * Prefixes of the Loc-RIB whose best path changed, queued (and held, so a prefix that lost its
 * last path keeps its node until read) until `take` turns them into UPDATEs of the best paths
 * and withdrawals. An UPDATE that is itself the change takes its prefixes out of the queue
 * (asReceived, reported); the changes since the last such question are the queue's tail.
 */
export class LocRibFeed {
  readonly #table: LocRib;
  readonly #afi: AfiCode;
  /**
   * Queued nodes in order of change (the first #length); a node reported meanwhile has its flag
   * cleared and is skipped. A typed array with its own length: cut back after every UPDATE that
   * reports itself, a plain array would give back its storage and allocate it again.
   */
  #queue = new Int32Array(FIRST_QUEUE);
  #length = 0;
  #queued = new Uint8Array(1024);
  #count = 0;
  /** Where the changes since the last question start in the queue. */
  #mark = 0;

  constructor(afi: AfiCode, table: LocRib) {
    this.#afi = afi;
    this.#table = table;
  }

  get pending(): number {
    return this.#count;
  }

  changed(node: RouteNode): void {
    if (node >= this.#queued.length) this.#queued = regrown(this.#queued, Math.max(this.#queued.length * 2, node + 1024));
    if (this.#queued[node]) return;
    this.#queued[node] = 1;
    this.#table.hold(node);
    if (this.#length === this.#queue.length) this.#queue = regrown(this.#queue, this.#queue.length * 2);
    this.#queue[this.#length++] = node;
    this.#count++;
  }

  /** UPDATEs for every queued prefix (its best path now, or its withdrawal); the queue empties. */
  take(ctx: CodecContext): Buffer[] {
    const nodes: RouteNode[] = [];
    for (let i = 0; i < this.#length; i++) if (this.#queued[this.#queue[i]] === 1) nodes.push(this.#queue[i]);
    this.#emptied();
    this.#count = 0;
    const items: PathItem[] = [];
    const gone: RouteNode[] = [];
    for (const n of nodes) {
      this.#queued[n] = 0;
      const best = this.#table.best(n);
      if (best) items.push({ node: n, id: 0, path: best });
      else gone.push(n);
    }
    try {
      return encodePathItems(this.#afi, this.#table, ctx, false, items, nlriBlockOf(this.#afi, this.#table.trie, gone).words);
    } finally {
      for (const n of nodes) this.#table.unhold(n);
    }
  }

  /**
   * The quick answer for an UPDATE just applied (its blocks in order, other families' skipped,
   * without ADD-PATH): true when the changes since the last question are exactly its prefixes in its
   * order, each announced one with `peerIndex`'s path as best and each withdrawn one with none
   * (then dropTail). False says nothing: ask asReceived.
   */
  tailAsReceived(peerIndex: number, blocks: readonly { afi: AfiCode; words: Uint32Array; announced: boolean }[]): boolean {
    const st = stride(this.#afi);
    const trie = this.#table.trie;
    let i = this.#mark;
    for (const { afi, words, announced } of blocks) {
      if (afi !== this.#afi) continue;
      for (let b = 0; b < words.length; b += st, i++) {
        if (i >= this.#length) return false;
        const node = this.#queue[i];
        if (trie.len(node) !== words[b + 1]) return false;
        for (let k = 0; k < st - 2; k++) if (trie.word(node, k) >>> 0 !== words[b + 2 + k] >>> 0) return false;
        const best = this.#table.bestPeerIndex(node);
        if (announced ? best !== peerIndex : best !== -1) return false;
      }
    }
    return i === this.#length;
  }

  /** The changes since the last question are reported: they leave the queue. */
  dropTail(): void {
    for (let i = this.#mark; i < this.#length; i++) this.#letGo(this.#queue[i]);
    this.#length = this.#mark;
  }

  /** A queued node leaves the queue (its entry in the array is skipped from now on) and is let go. */
  #letGo(node: RouteNode): void {
    if (node === 0 || this.#queued[node] !== 1) return;
    this.#queued[node] = 0;
    this.#count--;
    this.#table.unhold(node);
  }

  /** Questions about later UPDATEs start from here. */
  markAsked(): void {
    this.#mark = this.#length;
  }

  /**
   * Whether an UPDATE's prefixes (NLRI words, without ADD-PATH) stand in the Loc-RIB as it says:
   * each it announces with `peerIndex`'s path as best, each it withdraws with no best.
   */
  asReceived(peerIndex: number, words: Uint32Array, announced: boolean): boolean {
    const st = stride(this.#afi);
    for (let b = 0; b < words.length; b += st) {
      const node = nodeOfEntry(this.#table, st, words, b);
      const best = node === 0 ? -1 : this.#table.bestPeerIndex(node);
      if (announced ? best !== peerIndex : best !== -1) return false;
    }
    return true;
  }

  /** The prefixes of `words` were reported by the UPDATE that named them: no longer queued. */
  reported(words: Uint32Array): void {
    const st = stride(this.#afi);
    for (let b = 0; b < words.length; b += st) this.#letGo(nodeOfEntry(this.#table, st, words, b));
  }

  /** The queue is empty; after a burst (a table came or went) its column returns to its first size. */
  #emptied(): void {
    this.#length = 0;
    this.#mark = 0;
    if (this.#queue.length > FIRST_QUEUE * 64) {
      retire(this.#queue);
      this.#queue = new Int32Array(FIRST_QUEUE);
    }
  }

  /** Stops: what was held is let go. */
  drop(): void {
    for (let i = 0; i < this.#length; i++) this.#letGo(this.#queue[i]);
    this.#emptied();
  }
}
