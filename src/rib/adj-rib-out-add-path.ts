// Adj-RIB-Out of a peer that receives several paths per prefix (RFC 7911 ADD-PATH send): per
// prefix, the set of (path identifier, outbound form) advertised. A changed prefix is compared
// with the paths now selected for the peer (all of them, or the best N); identifiers no longer
// selected are withdrawn, new or changed ones announced, grouped by attribute set as usual.
// Path identifiers are ours (RFC 7911 3: the sender assigns them): one per (source peer,
// received path identifier), stable while the path exists.
// Must not import fsm, api, daemon, node:net or metrics libraries.

import { Afi, type AfiCode, Safi, encodeWithdrawals, endOfRibMessage } from '../wire/index.js';
import type { AttrEntry, AttrTable } from './attr-table.js';
import { type FlushBudget, type FlushResult, type OutputEvents, type Sender, deniesAll, exportForm, ipv6NextHopFor, nlriBlockOf, sendable } from './adj-rib-out.js';
import { comparePaths } from './decision.js';
import { type ExportPeer, type OutForm, bytesFor, inNextHopField, sameForm } from './export.js';
import type { LocRib, RouteNode } from './loc-rib.js';
import type { Path } from './path.js';
import type { PolicyContext } from './policy/route-map.js';
import type { OutItem, PrePolicyView } from './adj-rib-out-view.js';

/** 'all' paths, or the best N. */
export type AddPathSend = 'all' | number;

interface Sent {
  readonly id: number;
  readonly form: OutForm;
  readonly nextHop: Buffer | undefined;
}

/** Our path identifier for a path: its source peer and its received identifier. */
export function localPathId(p: Path): number {
  return (((p.peer.index + 1) & 0xffff) * 0x10000 + (p.pathId & 0xffff)) >>> 0;
}

export class AddPathOut {
  peer: ExportPeer;
  readonly afi: AfiCode;
  readonly #rib: LocRib;
  readonly #table: AttrTable;
  readonly #policy: PolicyContext | undefined;
  readonly #derived = new WeakMap<object, AttrEntry>();
  readonly #send: AddPathSend;
  readonly #events: OutputEvents | undefined;
  #advertised = new Map<RouteNode, Sent[]>();
  #queued = new Set<RouteNode>();
  /** As in AdjRibOut: End-of-RIB, EoRR or nothing once what start() queued has drained. */
  #trailer: Buffer | undefined;
  /** A whole-table send (session start, refresh) is under way: a new request for one joins it. */
  #resending = false;
  #count = 0;
  sentPrefixes = 0;
  /** As in AdjRibOut: the pre-policy view while a monitor watches it. */
  pre: PrePolicyView | undefined;

  constructor(peer: ExportPeer, afi: AfiCode, rib: LocRib, table: AttrTable, policy: PolicyContext | undefined, send: AddPathSend, events?: OutputEvents) {
    this.peer = peer;
    this.#events = events;
    this.afi = afi;
    this.#rib = rib;
    this.#table = table;
    this.#policy = policy;
    this.#send = send;
  }

  get advertised(): number {
    return this.#count;
  }

  /** Whether a whole-table send is still draining (its End-of-RIB or EoRR not yet sent). */
  get resending(): boolean {
    return this.#resending;
  }

  get pending(): number {
    return this.#queued.size;
  }

  /** Nothing to send and nothing to finish: a flush now would do nothing. */
  get idle(): boolean {
    return this.#queued.size === 0 && this.#trailer === undefined && !this.#resending;
  }

  /** The first path's form sent for a prefix (API: advertised routes). */
  sent(node: RouteNode): OutForm | undefined {
    return this.#advertised.get(node)?.[0]?.form;
  }

  /** What the peer holds of a prefix, as sent (a monitor's initial dump). */
  sentItems(node: RouteNode): OutItem[] {
    return (this.#advertised.get(node) ?? []).map((x) => ({ node, id: x.id, form: x.form, nextHop: x.nextHop }));
  }

  enqueue(node: RouteNode): void {
    if (this.#queued.has(node)) return;
    if (!this.#advertised.has(node)) this.#rib.hold(node);
    this.#queued.add(node);
  }

  start(trailer: Buffer | null = endOfRibMessage(this.afi, Safi.UNICAST, this.peer.tx)): void {
    if (this.pre || !deniesAll(this.peer.exportMap)) {
      this.#rib.trie.forEach((n) => {
        if (this.#rib.hasBest(n)) this.enqueue(n);
      });
    }
    this.#trailer = trailer ?? undefined;
    this.#resending = true;
  }

  /** As in AdjRibOut: reconsider every prefix after an export-policy change. */
  requeue(): void {
    this.#rib.trie.forEach((n) => {
      if (this.#rib.hasBest(n) || this.#advertised.has(n)) this.enqueue(n);
    });
  }

  reset(): void {
    const held = new Set([...this.#queued, ...this.#advertised.keys()]);
    this.#queued = new Set();
    this.#advertised = new Map();
    for (const n of held) this.#unhold(n);
    this.#count = 0;
    this.#trailer = undefined;
    this.#resending = false;
  }

  #unhold(n: RouteNode): void {
    this.#rib.unhold(n);
  }

  /** The paths of a prefix the peer may get before export policy, most preferred first (all, or the best N). */
  preSelect(node: RouteNode): readonly Path[] {
    if (!this.#rib.hasBest(node) || this.#rib.suppress?.(node)) return [];
    const o = this.#rib.options;
    // A path whose next hop does not resolve is in no selection (RFC 4271 9.1.2.1), ADD-PATH's neither.
    const cost = o.igpCost;
    const paths = cost ? this.#rib.candidates(node).filter((p) => cost(p) !== Infinity) : this.#rib.candidates(node);
    if (this.#send === 'all') return paths;
    return [...paths].sort((a, b) => (a === b ? 0 : comparePaths(a, b, o).winner === a ? -1 : 1)).slice(0, this.#send);
  }

  /** The paths of a prefix this peer gets, most preferred first. */
  #selected(node: RouteNode): Sent[] {
    const out: Sent[] = [];
    for (const p of this.preSelect(node)) {
      const form = exportForm(p, this.#rib.trie, node, this.afi, this.peer, this.#table, this.#policy, this.#derived);
      if (!form) continue;
      const nextHop = inNextHopField(this.afi, this.peer) ? undefined : (form.mpNextHop ?? ipv6NextHopFor(p, this.peer));
      if (sendable(form, this.#rib.trie, node, this.afi, this.peer, nextHop, true, this.#events)) out.push({ id: localPathId(p), form, nextHop });
    }
    return out;
  }

  flush(send: Sender, budget: FlushBudget = { chunks: Infinity }): FlushResult {
    while (this.#queued.size > 0) {
      if (budget.chunks <= 0) return 'more';
      budget.chunks--;
      const batch: RouteNode[] = [];
      for (const n of this.#queued) {
        batch.push(n);
        if (batch.length === 4096) break;
      }
      if (this.pre) this.pre.changed(batch, this.peer);
      const withdraw: [RouteNode, number][] = [];
      // Released only after the messages are built: a released node may be freed and reused.
      const release: RouteNode[] = [];
      const announce = new Map<string, { form: OutForm; nextHop: Buffer | undefined; items: [RouteNode, number][] }>();
      for (const node of batch) {
        this.#queued.delete(node);
        const before = this.#advertised.get(node) ?? [];
        const now = this.#selected(node);
        for (const b of before) if (!now.some((x) => x.id === b.id)) withdraw.push([node, b.id]);
        for (const x of now) {
          const old = before.find((b) => b.id === x.id);
          if (old && sameForm(old.form, x.form) && (old.nextHop === x.nextHop || (old.nextHop && x.nextHop && old.nextHop.equals(x.nextHop)))) continue;
          const key = `${x.form.id}|${x.nextHop?.toString('hex') ?? ''}`;
          let g = announce.get(key);
          if (!g) announce.set(key, (g = { form: x.form, nextHop: x.nextHop, items: [] }));
          g.items.push([node, x.id]);
        }
        // One hold per node while queued or advertised: the queue's hold becomes the advertisement's.
        if (now.length > 0) this.#advertised.set(node, now);
        else this.#advertised.delete(node);
        if (before.length === 0 && now.length > 0) this.#count++;
        else if (before.length > 0 && now.length === 0) this.#count--;
        if (now.length === 0) release.push(node);
      }
      const messages: Buffer[] = [];
      if (withdraw.length > 0) messages.push(...encodeWithdrawals(this.#block(withdraw), this.peer.tx));
      for (const g of announce.values()) {
        const mp = inNextHopField(this.afi, this.peer) ? undefined : { safi: Safi.UNICAST, nextHop: g.nextHop! };
        for (const m of this.#table.updates.encode(g.form, this.peer.index, bytesFor(g.form, this.peer), this.#block(g.items), this.peer.tx, mp)) messages.push(m);
        this.sentPrefixes += g.items.length;
      }
      for (const n of release) this.#unhold(n);
      if (messages.length > 0 && !send(messages)) return 'blocked';
    }
    this.#resending = false;
    if (this.#trailer) {
      const t = this.#trailer;
      this.#trailer = undefined;
      return send([t]) ? 'done' : 'blocked';
    }
    return 'done';
  }

  #block(items: [RouteNode, number][]) {
    return nlriBlockOf(this.afi, this.#rib.trie, items.map((x) => x[0]), items.map((x) => x[1]));
  }
}
