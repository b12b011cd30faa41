// Adj-RIB-Out of one peer: state, not a queue of messages. It remembers which outbound form it
// advertised per prefix and which prefixes changed since; UPDATEs are generated only while the
// session can send, grouping prefixes that share outbound attributes into one UPDATE and batching
// withdrawals. A peer that stops reading costs one bit and one reference per changed prefix.
// Must not import fsm, api, daemon, node:net or metrics libraries.

import {
  Afi, type AfiCode, type NlriBlock, Safi, announcementRoom, encodeWithdrawals, endOfRibMessage, maxMessageLength, nlriEntryLength, stride,
} from '../wire/index.js';
import type { AttrTable } from './attr-table.js';
import { type ExportPeer, type OutForm, bytesFor, inNextHopField, mayExport, outForm } from './export.js';
import type { LocRib, RouteNode } from './loc-rib.js';
import { prefixText } from './prefix-text.js';
import { column, emptied, resized, retire, retireReplaced, widened } from './columns.js';
import type { PrefixTrie } from './trie.js';
import { type AttrEntry, asPathOf, newAttrEntry } from './attr-table.js';
import { Path } from './path.js';
import { type PolicyContext, evaluateRouteMap } from './policy/route-map.js';
import type { OutItem, PrePolicyView } from './adj-rib-out-view.js';
import { FlushStep, UNCHANGED, WITHDRAWN } from './flush-step.js';

/**
 * The outbound form of one path of `node` (of `trie`) for `peer` after the export rules and
 * route-map, or undefined when it is not sent. Policy outputs get attribute entries of their own
 * (`derived`).
 */
export function exportForm(path: Path, trie: PrefixTrie<unknown>, node: RouteNode, afi: AfiCode, peer: ExportPeer, table: AttrTable, policy: PolicyContext | undefined, derived: WeakMap<object, AttrEntry>): OutForm | undefined {
  if (!mayExport(path, peer)) return undefined;
  const map = peer.exportMap;
  if (map === undefined) return outForm(path, peer, table);
  if (map === 'deny' || !policy) return undefined;
  const r = evaluateRouteMap(map, {
    afi, words: trie.key(node), length: trie.len(node), attrs: path.entry.attrs,
    asPath: asPathOf(path.entry), nextHop: path.nextHop, peerAddress: path.peer.address, weight: path.weight,
  }, { ...policy, selfNextHop: { ipv4: peer.localIpv4, ipv6: peer.localIpv6 } });
  if (r.verdict === 'deny') return undefined;
  // `set nextHop` in an export route-map is what the peer gets, eBGP or not (FRR does the same).
  const setsNextHop = r.nextHop !== path.nextHop;
  if (r.attrs === path.entry.attrs && !setsNextHop) return outForm(path, peer, table);
  let entry = path.entry;
  if (r.attrs !== path.entry.attrs) {
    entry = derived.get(r.attrs)!;
    if (!entry) derived.set(r.attrs, (entry = newAttrEntry(r.attrs)));
  }
  return outForm(new Path(path.peer, path.pathId, entry, r.nextHop, r.weight), peer, table, setsNextHop);
}

/** The IPv6 next hop sent with a path (MP_REACH): ours, unless an iBGP peer keeps a learned one. */
export function ipv6NextHopFor(path: Path, peer: ExportPeer): Buffer {
  const self = peer.localIpv6 ?? Buffer.alloc(16);
  if (!peer.ibgp || peer.nextHopSelf || path.peer.local || !(path.nextHop instanceof Buffer)) return self;
  return path.nextHop;
}

/** Prefixes of trie nodes as an NLRI block; with `pathIds`, one RFC 7911 identifier per node. */
export function nlriBlockOf(afi: AfiCode, trie: PrefixTrie<unknown>, nodes: readonly RouteNode[], pathIds?: readonly number[]): NlriBlock {
  const st = stride(afi);
  const words = new Uint32Array(nodes.length * st);
  nodes.forEach((n, i) => {
    if (pathIds) words[i * st] = pathIds[i];
    trie.writeEntry(n, words, i * st);
  });
  return { afi, addPath: pathIds !== undefined, words };
}

/** Whether an export policy sends nothing at all (RFC 8212's deny, or a route-map starting with an unconditional deny). */
export function deniesAll(map: ExportPeer['exportMap']): boolean {
  if (map === 'deny') return true;
  const first = map?.entries[0];
  return first !== undefined && first.action === 'deny' && Object.keys(first.match).length === 0;
}

/** Where generated UPDATEs go: returns false when the transport is full (stop generating). */
export type Sender = (messages: Buffer[]) => boolean;

/**
 * How a flush ended: everything sent; the transport is full (its drain calls again); or this
 * turn's budget is spent (the caller goes on at the next turn of the event loop, so that a fast
 * reader of a large table cannot hold the loop for seconds).
 */
export type FlushResult = 'done' | 'blocked' | 'more';

/** Chunks (of CHUNK prefixes) one flush call may turn into UPDATEs; shared by a peer's families. */
export interface FlushBudget {
  chunks: number;
}

/** What an Adj-RIB-Out reports beside its UPDATEs (the daemon logs and counts it). */
export interface OutputEvents {
  /**
   * A route whose UPDATE would be larger than the peer accepts (`octets` against `max`): it is not
   * sent (RFC 8654 4), and withdrawn if an earlier form of it was.
   */
  unsendable?(peer: ExportPeer, afi: AfiCode, prefix: string, octets: number, max: number): void;
}

/**
 * Whether one UPDATE can carry `node` (of `trie`) behind `form` to `peer` (`nextHop`: the MP_REACH
 * next hop); when not, `events` hears of it.
 */
export function sendable(form: OutForm, trie: PrefixTrie<unknown>, node: RouteNode, afi: AfiCode, peer: ExportPeer, nextHop: Buffer | undefined, addPath: boolean, events: OutputEvents | undefined): boolean {
  const room = announcementRoom(form.length, afi, peer.tx, nextHop ? { nextHop } : undefined);
  const entry = nlriEntryLength(trie.len(node), addPath);
  if (entry <= room) return true;
  const max = maxMessageLength(peer.tx);
  events?.unsendable?.(peer, afi, prefixText(afi, trie.key(node), trie.len(node)), max - room + entry, max);
  return false;
}

/** The longest NLRI entry without ADD-PATH: an IPv6 /128 (RFC 4760 5). */
const LONGEST_ENTRY = nlriEntryLength(128, false);

/** The per-prefix columns' first size (a multiple of 32). */
const FIRST_NODES = 1024;

/**
 * How many changed prefixes are turned into UPDATEs per step. What a step builds (its list of
 * prefixes, their grouping by form, the NLRI blocks, the messages) lives until the step ends, and
 * objects alive at two young-generation collections are moved to the old one; V8 then also
 * allocates later objects of the same literal straight in the old generation (allocation-site
 * pretenuring), where they die all the same. With 4,096 a step outlived collections often enough
 * that a reflector's 2,000 clients went that way in ten of 26 runs (about 170 MB of old generation
 * filled and collected again and again: 3.9-5.8 s to converge, 350-390 MB peak, against 2.9-3.3 s
 * and about 200 MB); with 1,024 in one of eighteen, and a full table was no slower.
 */
const CHUNK = 1024;

/** Every Adj-RIB-Out's flush step (flush-step.ts: one at a time). */
const STEP = new FlushStep(CHUNK);

/** The dense index (trie.ts) of the lowest bit set in word `w` of a queue (`bits` its non-zero value). */
function lowestQueued(w: number, bits: number): number {
  return (w << 5) | (31 - Math.clz32(bits & -bits));
}

export class AdjRibOut {
  /** Replaced when the peer's export policy changes (config reload). */
  peer: ExportPeer;
  readonly afi: AfiCode;
  readonly #rib: LocRib;
  readonly #table: AttrTable;
  /**
   * Per prefix, by its dense index (the trie's: no entries for glue nodes), the slot of the form
   * sent (table.sent), 0 for none: two octets while slots fit (a reflector's thousands of clients
   * each hold a column of the whole table), else four.
   */
  #advertised: Uint16Array | Uint32Array = column(Uint16Array, FIRST_NODES);
  /**
   * Per prefix, by dense index, one bit: queued to be reconsidered. The queue is this set, taken in
   * that order (no array of a whole table per peer: a reflector's clients each queue it when they
   * come up).
   */
  #queued = column(Uint32Array, FIRST_NODES / 32);
  #pending = 0;
  /** No queued bit below this word. */
  #scanFrom = 0;
  #count = 0;
  /**
   * Sent once what start() queued has drained: End-of-RIB after the initial transfer (RFC 4724 2),
   * EoRR after an enhanced route refresh (RFC 7313 4), nothing after a plain refresh.
   */
  #trailer: Buffer | undefined;
  /** A whole-table send (session start, refresh) is under way: a new request for one joins it. */
  #resending = false;
  sentPrefixes = 0;

  readonly #policy: PolicyContext | undefined;
  readonly #events: OutputEvents | undefined;
  /** Attribute entries for export-policy outputs, by output object (they are shared, see PolicyCache). */
  readonly #derived = new WeakMap<object, AttrEntry>();
  /** The pre-policy view, while a monitor watches it (BMP, RFC 8671): told of every prefix reconsidered. */
  pre: PrePolicyView | undefined;

  constructor(peer: ExportPeer, afi: AfiCode, rib: LocRib, table: AttrTable, policy?: PolicyContext, events?: OutputEvents) {
    this.peer = peer;
    this.afi = afi;
    this.#rib = rib;
    this.#table = table;
    this.#policy = policy;
    this.#events = events;
  }

  /**
   * The outbound form of a node's best path for this peer, or undefined when nothing is sent.
   * Without export policy, what a path becomes depends only on its source (sameSource): prefixes
   * of one UPDATE come in a row, so the last answer is reused (`#lastRow`, forgotten per chunk as
   * rows may be reused between flushes).
   */
  #formFor(node: RouteNode, plain: boolean): OutForm | undefined {
    const rib = this.#rib;
    const row = plain ? rib.bestRow(node) : 0;
    let form: OutForm | undefined;
    let nextHop: Buffer | undefined;
    if (row !== 0 && this.#lastRow !== 0 && rib.sameSource(row, this.#lastRow)) {
      if (rib.suppress?.(node)) return undefined;
      form = this.#lastForm;
      nextHop = this.#lastNextHop;
    } else {
      const best = rib.best(node);
      if (!best || rib.suppress?.(node)) return undefined;
      form = exportForm(best, rib.trie, node, this.afi, this.peer, this.#table, this.#policy, this.#derived);
      nextHop = form && !inNextHopField(this.afi, this.peer) ? (form.mpNextHop ?? ipv6NextHopFor(best, this.peer)) : undefined;
      this.#lastRow = row;
      this.#lastForm = form;
      this.#lastNextHop = nextHop;
      this.#lastRoom = form ? announcementRoom(form.length, this.afi, this.peer.tx, nextHop ? { nextHop } : undefined) : 0;
    }
    if (!form) return undefined;
    // Behind most attribute sets any prefix fits: only near the size limit is each one asked.
    return this.#lastRoom >= LONGEST_ENTRY || sendable(form, rib.trie, node, this.afi, this.peer, nextHop, false, this.#events) ? form : undefined;
  }

  #lastRow = 0;
  #lastForm: OutForm | undefined;
  #lastNextHop: Buffer | undefined;
  /** Octets left for NLRI in an UPDATE of the last form. */
  #lastRoom = 0;

  /** The attribute set last sent to the peer for a prefix, or undefined (API: advertised routes). */
  sent(node: RouteNode): OutForm | undefined {
    return this.#table.sent.form(this.#sentSlot(node));
  }

  /** The slot of the form sent for a node (0: none). */
  #sentSlot(node: RouteNode): number {
    const i = this.#rib.trie.denseIndex(node);
    return i >= 0 && i < this.#advertised.length ? this.#advertised[i] : 0;
  }

  /** What the peer holds of a prefix, as sent (a monitor's initial dump). */
  sentItems(node: RouteNode): OutItem[] {
    const form = this.sent(node);
    const best = this.#rib.best(node);
    const inField = inNextHopField(this.afi, this.peer);
    if (!form || (!inField && !form.mpNextHop && !best)) return [];
    return [{ node, id: 0, form, nextHop: inField ? undefined : (form.mpNextHop ?? ipv6NextHopFor(best!, this.peer)) }];
  }

  /** The path the peer may get for a prefix before export policy: the best, unless an aggregate suppresses it. */
  preSelect(node: RouteNode): Path[] {
    const best = this.#rib.best(node);
    return best && !this.#rib.suppress?.(node) ? [best] : [];
  }

  /** Prefixes currently advertised to the peer (pfxSnt). */
  get advertised(): number {
    return this.#count;
  }

  /** Whether a whole-table send is still draining (its End-of-RIB or EoRR not yet sent). */
  get resending(): boolean {
    return this.#resending;
  }

  get pending(): number {
    return this.#pending;
  }

  /** Nothing to send and nothing to finish: a flush now would do nothing. */
  get idle(): boolean {
    return this.#pending === 0 && this.#trailer === undefined && !this.#resending;
  }

  /** Octets of the per-prefix columns (sent slots, queued bits), as allocated. */
  get bytes(): number {
    return this.#advertised.byteLength + this.#queued.byteLength;
  }

  /**
   * Room for dense index `id` in the per-prefix columns: doubling, but never past the trie's own
   * capacity, nor more than an eighth (at least 4,096) past the indices it gave. Large columns
   * grow in place (columns.ts); a copy (a small column, or past a large one's room) is taken
   * from memory freed before and zeroed whole, so room never used would be resident all the same:
   * 5,000 reflector clients each held 64K slots for 40K nodes (doubling), 240 MB more.
   */
  #grow(id: number): void {
    const length = this.#advertised.length;
    if (id < length) return;
    const used = this.#rib.trie.denseLimit;
    const capacity = Math.max(id + 1, Math.min(length * 2, this.#rib.trie.capacity, used + Math.max(4096, used >> 3)));
    const old = [this.#queued, this.#advertised];
    this.#queued = resized(this.#queued, Math.ceil(capacity / 32));
    this.#advertised = resized(this.#advertised, capacity);
    retireReplaced(old, [this.#queued, this.#advertised]);
  }

  /** Slots past 16 bits (more forms held than that): the column widens to four octets a prefix. */
  #widen(slot: number): void {
    if (slot > 0xffff && this.#advertised instanceof Uint16Array) this.#advertised = widened(this.#advertised);
  }

  /** Up to `step.capacity` queued nodes, lowest dense index first, taken off the queue into `step`. */
  #take(step: FlushStep): void {
    step.clear();
    const max = step.capacity;
    const q = this.#queued;
    const trie = this.#rib.trie;
    let w = this.#scanFrom;
    for (; w < q.length && step.count < max; w++) {
      let bits = q[w] | 0;
      for (; bits !== 0 && step.count < max; bits &= bits - 1) {
        const i = lowestQueued(w, bits);
        step.add(trie.nodeAtDense(i), i);
      }
      q[w] = bits;
      if (bits !== 0) break; // `max` reached inside this word
    }
    this.#scanFrom = w;
    this.#pending -= step.count;
  }

  // A node is held by this peer while it is advertised to it or queued for it (LocRib.hold; the
  // Loc-RIB frees a node with no paths only when nothing holds it).

  /**
   * The best path of `node` changed (or the peer just came up): reconsider it. `bestFrom`, when
   * known: the index of the peer the best path came from.
   */
  enqueue(node: RouteNode, bestFrom = -1): void {
    // Only prefixes are queued (a node whose best path changed, or one advertised): each has a
    // dense index. A glue node never asked for as a prefix has none, and never had a route to send.
    const i = this.#rib.trie.denseIndex(node);
    if (i < 0) return;
    // The best path is the peer's own (mayExport: never sent back): with nothing advertised to
    // withdraw, nothing to reconsider, unless a monitor watches what it would get before policy.
    // A full table's sender queued and reconsidered every one of its prefixes for nothing.
    if (bestFrom === this.peer.index && this.pre === undefined && (i >= this.#advertised.length || this.#advertised[i] === 0)) return;
    this.#grow(i);
    const w = i >>> 5;
    const bit = 1 << (i & 31);
    if (this.#queued[w] & bit) return;
    this.#queued[w] |= bit;
    this.#pending++;
    if (w < this.#scanFrom) this.#scanFrom = w;
    if (!this.#advertised[i]) this.#rib.hold(node);
  }

  /** The session came up: queue the whole table (unless export policy sends nothing), End-of-RIB after it. */
  start(trailer: Buffer | null = endOfRibMessage(this.afi, Safi.UNICAST, this.peer.tx)): void {
    // A watched pre-policy view sees every prefix, whatever export policy sends.
    if (this.pre || !deniesAll(this.peer.exportMap)) {
      this.#rib.trie.forEach((n) => {
        if (this.#rib.hasBest(n)) this.enqueue(n);
      });
    }
    this.#trailer = trailer ?? undefined;
    this.#resending = true;
  }

  /**
   * Export policy changed: reconsider every prefix against what was advertised, so that what the
   * new policy denies is withdrawn and what it changes is sent again; the rest sends nothing.
   */
  requeue(): void {
    this.#rib.trie.forEach((n) => {
      if (this.#rib.hasBest(n) || this.#sentSlot(n)) this.enqueue(n);
    });
  }

  /** The session went down: forget what was advertised and queued, release what we held. */
  reset(): void {
    // Queued and not advertised: held for the queue alone. Walked in place, as the column below
    // (a full table's receiver going down made arrays of a million nodes here).
    const q = this.#queued;
    const advertised = this.#advertised;
    const trie = this.#rib.trie;
    for (let w = this.#scanFrom; w < q.length; w++) {
      for (let bits = q[w] | 0; bits !== 0; bits &= bits - 1) {
        const i = lowestQueued(w, bits);
        if (!advertised[i]) this.#unhold(trie.nodeAtDense(i));
      }
      q[w] = 0;
    }
    this.#pending = 0;
    this.#scanFrom = 0;
    // Release what was advertised: one pass over the column, unless nothing was (a peer our
    // export policy sends nothing costs nothing when it goes).
    this.#advertised = column(Uint16Array, advertised.length);
    if (this.#count > 0) {
      const sent = this.#table.sent;
      for (let i = 0; i < advertised.length; i++) {
        const slot = advertised[i];
        if (slot === 0) continue;
        sent.drop(slot);
        this.#unhold(trie.nodeAtDense(i));
      }
    }
    retire(advertised);
    this.#count = 0;
    this.#trailer = undefined;
    this.#resending = false;
  }

  #unhold(n: RouteNode): void {
    this.#rib.unhold(n);
  }

  /** Generates UPDATEs until the queue is empty, `send` reports the transport full, or the budget is spent. */
  flush(send: Sender, budget: FlushBudget = { chunks: Infinity }): FlushResult {
    const step = STEP;
    while (this.#pending > 0) {
      if (budget.chunks <= 0) return 'more';
      budget.chunks--;
      this.#take(step);
      // Before anything is released: a released node may be freed and reused.
      if (this.pre) this.pre.changed(Array.from(step.nodes.subarray(0, step.count)), this.peer);
      this.#classify(step);
      // Prefixes by the form they get, in the order forms first appear; one write per step: the
      // transport takes the whole batch at once.
      step.sort();
      const messages: Buffer[] = [];
      this.#withdraw(step, messages);
      this.#announce(step, messages);
      const ok = messages.length === 0 || send(messages);
      if (!ok) return 'blocked';
    }
    this.#resending = false;
    this.shrink();
    if (this.#trailer) {
      const t = this.#trailer;
      this.#trailer = undefined;
      return send([t]) ? 'done' : 'blocked';
    }
    return 'done';
  }

  /** Each prefix of the step to its form's group, WITHDRAWN, or UNCHANGED (what the peer holds already). */
  #classify(step: FlushStep): void {
    const sent = this.#table.sent;
    const plain = this.peer.exportMap === undefined;
    const { nodes, dense } = step;
    this.#lastRow = 0;
    for (let k = 0; k < step.count; k++) {
      const node = nodes[k];
      const form = this.#formFor(node, plain);
      const before = this.#advertised[dense[k]];
      if (form === undefined ? before === 0 : sent.holds(before, form)) {
        if (before === 0) this.#unhold(node); // was held by the queue only
        step.assign(k, UNCHANGED);
      } else {
        step.assign(k, form ? step.groupFor(form) : WITHDRAWN);
      }
    }
  }

  /** The step's withdrawals: their UPDATEs into `messages`, and nothing advertised for them any more. */
  #withdraw(step: FlushStep, messages: Buffer[]): void {
    const gone = step.size(WITHDRAWN);
    if (gone === 0) return;
    const sent = this.#table.sent;
    for (const m of encodeWithdrawals(step.block(WITHDRAWN, this.afi, this.#rib.trie), this.peer.tx)) messages.push(m);
    for (let j = 0; j < gone; j++) {
      const k = step.at(WITHDRAWN, j);
      const i = step.dense[k];
      const before = this.#advertised[i];
      if (before !== 0) {
        this.#count--;
        sent.drop(before);
      }
      this.#advertised[i] = 0;
      this.#unhold(step.nodes[k]);
    }
  }

  /** The step's announcements, a group per form: their UPDATEs into `messages`, and each prefix's form advertised. */
  #announce(step: FlushStep, messages: Buffer[]): void {
    const sent = this.#table.sent;
    const v4field = inNextHopField(this.afi, this.peer);
    const trie = this.#rib.trie;
    for (let g = 1; g <= step.forms.length; g++) {
      const form = step.forms[g - 1];
      const size = step.size(g);
      const mp = v4field ? undefined : { safi: Safi.UNICAST, nextHop: form.mpNextHop ?? this.#ipv6NextHop(step.nodes[step.at(g, 0)]) };
      for (const m of this.#table.updates.encode(form, this.peer.index, bytesFor(form, this.peer), step.block(g, this.afi, trie), this.peer.tx, mp)) messages.push(m);
      const slot = sent.hold(form, size);
      this.#widen(slot);
      for (let j = 0; j < size; j++) {
        const i = step.dense[step.at(g, j)];
        const before = this.#advertised[i];
        if (before === 0) this.#count++;
        else sent.drop(before);
        this.#advertised[i] = slot;
      }
      this.sentPrefixes += size;
    }
  }

  /**
   * Nothing advertised or queued, and the table came and went (the trie's dense indices start
   * over when it empties): the per-prefix columns return to their first size. Not while the table
   * is there: a peer sent none of it (its own routes, or routes export rules keep from it) shrank
   * them after every flush and grew them again at the next change, a copy each time. Called after
   * a flush, and by the RIB once every peer has flushed (the trie empties when the last releases).
   */
  shrink(): void {
    if (this.#count !== 0 || this.#pending !== 0 || this.#advertised.length <= 4096) return;
    if (this.#rib.trie.denseLimit * 4 > this.#advertised.length) return;
    this.#advertised = emptied(this.#advertised, FIRST_NODES);
    this.#queued = emptied(this.#queued, FIRST_NODES / 32);
    this.#scanFrom = 0;
  }

  #ipv6NextHop(node: RouteNode): Buffer {
    return ipv6NextHopFor(this.#rib.best(node)!, this.peer);
  }
}
