// The RIB of one router: the Loc-RIBs of IPv4 and IPv6 unicast, the attribute table, the peers
// and their Adj-RIBs-Out. It applies received UPDATEs (after the ingress checks of ingress.ts)
// and local originations, and hands every change to the peers' Adj-RIBs-Out and to its
// listeners (the FIB, events).
// Must not import fsm, api, daemon, node:net or metrics libraries.

import {
  Afi, type AfiCode, type AsPath, type AttributeCache, RouteRefreshSubtype, Safi, nlriCount, type NlriBlock, type PathAttributes, type UpdateMessage, afiSafiKey, encodeRouteRefresh, mergeAs4Path, stride,
} from '../wire/index.js';
import { AdjRibOut, type FlushBudget, type FlushResult, type OutputEvents, type Sender } from './adj-rib-out.js';
import { AddPathOut } from './adj-rib-out-add-path.js';
import { PrePolicyView } from './adj-rib-out-view.js';
import type { AggregateSpec } from './aggregate.js';
import { Aggregation } from './aggregation.js';
import { type AttrEntry, AttrTable } from './attr-table.js';
import { DEFAULT_DECISION, type DecisionOptions } from './decision.js';
import type { NexthopTracker } from './nexthop-tracker.js';
import type { ExportPeer } from './export.js';
import { LocRib, type RouteNode } from './loc-rib.js';
import { Path, type RibPeer, addressOctets } from './path.js';
import { type PeerIngress, type RefusalReason, effectiveAction, ingressAttrs, isPeerNextHop, ownNextHop, refusal, unclaimed, withinPathLimit } from './ingress.js';
import { type PolicyContext, type PolicySet, type RouteMap, PolicyCache, evaluateRouteMap, matchesRpki } from './policy/index.js';
import { type RpkiState, type VrpTable, judgeOrigin, routeOriginAs } from './vrp-table.js';

/** A peer's Adj-RIB-Out for one AFI: one path per prefix, or several with ADD-PATH send. */
export type PeerOutput = AdjRibOut | AddPathOut;

/** Distinct MP_REACH next hops remembered for sharing (a fabric has a handful). */
const MAX_NEXT_HOPS = 4096;

const NO_POLICIES: PolicySet = { prefixLists: new Map(), communityLists: new Map(), largeCommunityLists: new Map(), asPathLists: new Map(), routeMaps: new Map() };

export interface RibOptions {
  readonly localAs: number;
  readonly routerId: number;
  readonly clusterId: number;
  readonly decision: DecisionOptions;
  readonly policies: PolicySet;
  readonly events?: RibEvents;
  /** Milliseconds on the daemon's clock, read once per UPDATE or origination: when paths arrived. */
  readonly now?: () => number;
  /** The decode cache the RIB's UPDATEs were decoded with: its entries keep the attribute table's slots. */
  readonly attributeCache?: AttributeCache;
}

/** What the RIB reports beside its changes (the daemon logs and counts it). */
export interface RibEvents extends OutputEvents {
  /**
   * Generating a peer's output failed (a bug, or a resource limit): that peer's output is dropped
   * and the daemon ends its session; every other peer carries on.
   */
  outputFailed?(peerIndex: number, error: Error): void;
}

/** Routes a peer announced before import policy (soft-reconfiguration inbound), one table per AFI. */
type AdjRibIn = Record<AfiCode, LocRib>;

export interface RibListener {
  /** The selection for a prefix changed (FIB, events). */
  changed?(afi: AfiCode, node: RouteNode): void;
}

interface PeerState {
  peer: ExportPeer;
  ingress: PeerIngress;
  /** Prefixes refused by the ingress checks, by reason. */
  readonly refused: Record<RefusalReason, number>;
  readonly out: Map<AfiCode, PeerOutput>;
  readonly adjIn: AdjRibIn | undefined;
  send: Sender | undefined;
}

const NO_CHANGES = { changed: () => {} };

function idle(s: PeerState): boolean {
  for (const o of s.out.values()) if (!o.idle) return false;
  return true;
}

/** UPDATE-generating chunks (1,024 prefixes each, adj-rib-out.ts) per peer per turn of the event loop. */
const FLUSH_CHUNKS_PER_TURN = 32;

export const LOCAL_PEER_INDEX = 0;
/** Aggregates are local paths with their own path id, so that they never replace an origination of the same prefix. */
const AGGREGATE_PATH_ID = 1;

export class Rib {
  readonly attrs: AttrTable;
  /** MP_REACH next hops by their octets: a table's paths share a few Buffers, not one per UPDATE. */
  readonly #nextHops = new Map<string, Buffer>();
  readonly v4: LocRib;
  readonly v6: LocRib;
  readonly options: RibOptions;
  readonly local: RibPeer;
  readonly #peers = new Map<number, PeerState>();
  /** Every peer seen, by index: stale paths outlive the session that brought them. */
  readonly #known = new Map<number, RibPeer>();
  /**
   * RFC 4724 4.1, the restarting speaker's selection deferral: while set, nothing goes to any peer
   * (no UPDATE, no End-of-RIB); what changes is queued in the Adj-RIBs-Out as usual and sent by
   * the first flush after it is cleared.
   */
  outputHeld = false;
  /** Where the peers' pre-policy Adj-RIB-Out changes go while a monitor watches them (RFC 8671). */
  #preSink: ((peerIndex: number, afi: AfiCode, messages: Buffer[]) => void) | undefined;
  /** The policy set and the outputs shared between routes with the same attributes (replaced together on reload). */
  readonly policy: { policies: PolicySet; cache: PolicyCache; localAs: number; rpki?: PolicyContext['rpki'] };
  readonly #listeners: RibListener[] = [];
  readonly #aggregation: Aggregation;
  /** The time new paths are stamped with (Path.at), read once per UPDATE: seconds on the clock. */
  #at = 0;

  constructor(options: Partial<RibOptions> & { localAs: number; routerId: number }) {
    this.options = { clusterId: options.routerId, decision: DEFAULT_DECISION, policies: NO_POLICIES, ...options };
    this.policy = { policies: this.options.policies, cache: new PolicyCache(), localAs: this.options.localAs };
    this.attrs = new AttrTable(this.options.attributeCache);
    const sink = (afi: AfiCode) => ({ changed: (node: RouteNode) => this.#changed(afi, node) });
    this.v4 = new LocRib(32, this.attrs, sink(Afi.IPV4), this.options.decision);
    this.v6 = new LocRib(128, this.attrs, sink(Afi.IPV6), this.options.decision);
    this.local = { index: LOCAL_PEER_INDEX, address: '0.0.0.0', addressOctets: addressOctets('0.0.0.0'), asn: this.options.localAs, bgpId: this.options.routerId, ibgp: false, local: true, rrClient: false };
    this.#aggregation = new Aggregation({
      localAs: this.options.localAs,
      routerId: this.options.routerId,
      table: (afi) => this.table(afi),
      announce: (spec, attrs) => {
        const w = spec.words;
        this.table(spec.afi).announce(w[0], w[1], w[2], w[3], spec.len, new Path(this.local, AGGREGATE_PATH_ID, this.attrs.acquire(attrs), 0, 0, false, this.#stamp()));
      },
      withdraw: (spec) => {
        const w = spec.words;
        this.table(spec.afi).withdraw(w[0], w[1], w[2], w[3], spec.len, this.local, AGGREGATE_PATH_ID);
      },
    });
  }

  /** Reads the clock for the paths about to arrive; returns the stamp. */
  #stamp(): number {
    this.#at = this.options.now ? Math.floor(this.options.now() / 1000) : 0;
    return this.#at;
  }

  addListener(l: RibListener): void {
    this.#listeners.push(l);
  }

  removeListener(l: RibListener): void {
    const i = this.#listeners.indexOf(l);
    if (i >= 0) this.#listeners.splice(i, 1);
  }

  /**
   * Every peer's output per family, in the order peers came up. Kept as peers come and go, not
   * rebuilt: 2,000 reflector clients coming up at once would cost 2,000 rebuilds of 2,000.
   */
  readonly #outputs: { v4: PeerOutput[]; v6: PeerOutput[] } = { v4: [], v6: [] };

  #addOutputs(s: PeerState): void {
    for (const [afi, o] of s.out) (afi === Afi.IPV4 ? this.#outputs.v4 : this.#outputs.v6).push(o);
  }

  #removeOutputs(s: PeerState): void {
    for (const [afi, o] of s.out) {
      const list = afi === Afi.IPV4 ? this.#outputs.v4 : this.#outputs.v6;
      const i = list.indexOf(o);
      if (i >= 0) list.splice(i, 1);
    }
  }

  /** Octets of every peer's Adj-RIB-Out columns for a family (ADD-PATH outputs, kept in maps, not counted). */
  outBytes(afi: AfiCode): number {
    let n = 0;
    for (const o of afi === Afi.IPV4 ? this.#outputs.v4 : this.#outputs.v6) if (o instanceof AdjRibOut) n += o.bytes;
    return n;
  }

  table(afi: AfiCode): LocRib {
    return afi === Afi.IPV4 ? this.v4 : this.v6;
  }

  #changed(afi: AfiCode, node: RouteNode): void {
    // Once per changed prefix (a full table: a million times): an array, not the peer map.
    const outs = afi === Afi.IPV4 ? this.#outputs.v4 : this.#outputs.v6;
    const from = outs.length > 0 ? this.table(afi).selectedFrom(node) : -1;
    for (let i = 0; i < outs.length; i++) outs[i].enqueue(node, from);
    for (const l of this.#listeners) l.changed?.(afi, node);
    if (this.#aggregation.any) this.#aggregation.changed(afi, node);
  }

  /**
   * Next-hop tracking: the tracker's cost is the decision's IGP cost of a path (Infinity: its next
   * hop does not resolve, and it is excluded); undefined stops it. Applies to what is selected
   * from now on.
   */
  trackNexthops(tracker: NexthopTracker | undefined): void {
    this.#nexthops = tracker;
    for (const t of [this.v4, this.v6]) {
      const { igpCost: _, ...rest } = t.options;
      t.options = tracker ? { ...rest, igpCost: tracker.cost } : rest;
    }
  }

  #nexthops: NexthopTracker | undefined;

  /** The next-hop tracker, when next hops are tracked. */
  get nexthops(): NexthopTracker | undefined {
    return this.#nexthops;
  }

  /** Next hops resolve differently: every prefix holding a path `affects` picks is selected again (sent at the next flush). Returns how many. */
  renexthop(affects: (p: Path) => boolean): number {
    let n = 0;
    for (const t of [this.v4, this.v6]) n += t.reconsider(t.peerIndexes, affects);
    return n;
  }

  /** This router and every peer seen (stale paths outlive their session), by index. */
  knownPeers(): RibPeer[] {
    return [this.local, ...[...this.#known.values()].sort((a, b) => a.index - b.index)];
  }

  // --- aggregation --------------------------------------------------------------------------------

  /**
   * Replaces the aggregates (config load or reload): the old ones are withdrawn, the new ones
   * formed at the next flush, and every peer reconsiders its prefixes (suppression may differ).
   */
  setAggregates(specs: readonly AggregateSpec[]): void {
    this.#aggregation.configure(specs);
    for (const s of this.#peers.values()) for (const o of s.out.values()) o.requeue();
  }

  /** The configured aggregates and whether each is originated now (for tests and diagnostics). */
  get aggregates(): readonly { spec: AggregateSpec; active: boolean }[] {
    return this.#aggregation.list;
  }

  // --- peers ------------------------------------------------------------------------------------

  /** A session reached Established: register the peer and queue the table for it. */
  peerUp(peer: ExportPeer, ingress: PeerIngress, afiSafis: readonly number[], send: Sender): void {
    const out = new Map<AfiCode, PeerOutput>();
    for (const afi of [Afi.IPV4, Afi.IPV6] as const) {
      const key = afiSafiKey(afi, Safi.UNICAST);
      if (!afiSafis.includes(key)) continue;
      // RFC 7911: several paths per prefix only when the peer agreed to receive them.
      const multi = peer.addPathSend !== undefined && peer.tx.addPath.has(key);
      if (multi) this.table(afi).everyChange = true;
      const events = this.options.events;
      out.set(afi, multi ? new AddPathOut(peer, afi, this.table(afi), this.attrs, this.policy, peer.addPathSend!, events) : new AdjRibOut(peer, afi, this.table(afi), this.attrs, this.policy, events));
    }
    const adjIn = ingress.keepAdjRibIn ? { [Afi.IPV4]: new LocRib(32, this.attrs, NO_CHANGES), [Afi.IPV6]: new LocRib(128, this.attrs, NO_CHANGES) } : undefined;
    const before = this.#peers.get(peer.index);
    if (before) this.#removeOutputs(before);
    const state: PeerState = { peer, ingress, out, adjIn, send, refused: { 'first-as': 0, 'next-hop': 0, exclusive: 0, loop: 0, 'path-limit': 0 } };
    this.#peers.set(peer.index, state);
    this.#addOutputs(state);
    this.#known.set(peer.index, peer);
    if (this.#preSink) for (const [afi, o] of out) this.#watchPre(peer.index, afi, o, false);
    for (const o of out.values()) o.start();
    this.flush(peer.index);
  }

  /** The session went down: withdraw what it announced, forget what it was sent. */
  peerDown(index: number): void {
    const s = this.#peers.get(index);
    if (!s) {
      this.purgeStale(index);
      return;
    }
    this.#peers.delete(index);
    this.#removeOutputs(s);
    for (const o of s.out.values()) o.reset();
    this.#dropAdjIn(s);
    this.v4.withdrawPeer(s.peer);
    this.v6.withdrawPeer(s.peer);
  }

  #dropAdjIn(s: PeerState): void {
    if (!s.adjIn) return;
    s.adjIn[Afi.IPV4].withdrawPeer(s.peer);
    s.adjIn[Afi.IPV6].withdrawPeer(s.peer);
  }

  // --- policy -------------------------------------------------------------------------------------

  /** A new policy set (config reload): later evaluations use it; callers re-apply per peer. */
  setPolicies(policies: PolicySet): void {
    this.policy.policies = policies;
    this.policy.cache = new PolicyCache();
  }

  // --- RPKI origin validation (RFC 6811) ----------------------------------------------------------

  /** The VRP tables routes are judged against (the preferred caches'), or undefined without RPKI. */
  setRpki(tables: (() => readonly VrpTable[]) | undefined): void {
    const localAs = this.options.localAs;
    this.policy.rpki = tables && ((afi, words, len, asPath) => judgeOrigin(tables(), afi, words, len, routeOriginAs(asPath, localAs)));
  }

  /** A route's validation state now, or null when no RPKI cache is configured. */
  originValidation(afi: AfiCode, words: readonly number[], len: number, asPath: AsPath): RpkiState | null {
    return this.policy.rpki ? this.policy.rpki(afi, words, len, asPath) : null;
  }

  /**
   * The VRPs changed within these ROA prefixes (or anywhere): routes there are run through
   * route-maps that match on RPKI state again. Import: from the kept pre-policy routes; peers
   * without them are returned, to be asked for their routes again (ROUTE-REFRESH). Export: the
   * prefixes are reconsidered for every peer whose export map matches on RPKI state.
   */
  revalidate(areas: readonly { afi: AfiCode; words: readonly number[]; length: number }[] | 'all'): number[] {
    const refresh: number[] = [];
    for (const [index, s] of this.#peers) {
      if (matchesRpki(s.ingress.importMap)) {
        if (s.adjIn) this.reimport(index, areas);
        else refresh.push(index);
      }
      if (!matchesRpki(s.peer.exportMap)) continue;
      for (const [afi, o] of s.out) {
        if (areas === 'all') o.requeue();
        else for (const node of this.#nodesWithin(this.table(afi), afi, areas)) o.enqueue(node);
      }
      this.flush(index);
    }
    return refresh;
  }

  /** The nodes of `table` inside any of the areas of this family, each once. */
  #nodesWithin(table: LocRib, afi: AfiCode, areas: readonly { afi: AfiCode; words: readonly number[]; length: number }[]): Set<RouteNode> {
    const nodes = new Set<RouteNode>();
    for (const a of areas) {
      if (a.afi !== afi) continue;
      for (const n of table.trie.covered(a.words[0], a.words[1] ?? 0, a.words[2] ?? 0, a.words[3] ?? 0, a.length)) nodes.add(n);
    }
    return nodes;
  }

  /** Replaces a peer's route-maps (both directions) without touching its session. */
  setPeerPolicy(index: number, importMap: RouteMap | 'deny' | undefined, exportMap: RouteMap | 'deny' | undefined, gracefulShutdown: boolean): void {
    const s = this.#peers.get(index);
    if (!s) return;
    s.ingress = { ...s.ingress, importMap };
    // The drain flag changes the attributes sent, so it is the last field of the group key.
    s.peer = { ...s.peer, exportMap, gracefulShutdown, groupKey: s.peer.groupKey.replace(/\|g?$/, gracefulShutdown ? '|g' : '|') };
    for (const o of s.out.values()) o.peer = s.peer;
  }

  /**
   * Sends every Established peer's pre-policy Adj-RIB-Out changes to `sink` (undefined: none): what
   * each would get without its export route-map (RFC 8671), kept only while watched.
   */
  watchPrePolicyOut(sink: ((peerIndex: number, afi: AfiCode, messages: Buffer[]) => void) | undefined): void {
    this.#preSink = sink;
    for (const [index, s] of this.#peers) {
      for (const [afi, o] of s.out) {
        if (sink) this.#watchPre(index, afi, o, true);
        else o.pre = undefined;
      }
    }
  }

  #watchPre(index: number, afi: AfiCode, o: PeerOutput, fill: boolean): void {
    const multi = o instanceof AddPathOut;
    const view = new PrePolicyView(afi, this.table(afi), this.attrs, multi, (n) => o.preSelect(n), (m) => this.#preSink?.(index, afi, m));
    if (fill) view.fill(o.peer);
    o.pre = view;
  }

  /** The Adj-RIB-Out of an Established peer for an AFI. */
  adjRibOut(index: number, afi: AfiCode): PeerOutput | undefined {
    return this.#peers.get(index)?.out.get(afi);
  }

  /** The peers (addresses) a prefix was sent to: FRR's "Advertised to". */
  advertisedTo(afi: AfiCode, node: RouteNode): string[] {
    const out: string[] = [];
    for (const s of this.#peers.values()) if (s.out.get(afi)?.sent(node)) out.push(s.peer.address);
    return out;
  }

  /** Whether the peer's pre-policy routes are kept (soft reconfiguration from memory is possible). */
  hasAdjRibIn(index: number): boolean {
    return this.#peers.get(index)?.adjIn !== undefined;
  }

  /** The pre-policy routes of a peer, or undefined without soft-reconfiguration inbound. */
  adjRibIn(index: number, afi: AfiCode): LocRib | undefined {
    return this.#peers.get(index)?.adjIn?.[afi];
  }

  /**
   * Soft reset in from memory: the kept pre-policy routes go through the current import policy
   * again; what it now denies is withdrawn, what it now permits (or changes) is announced.
   */
  reimport(index: number, areas: readonly { afi: AfiCode; words: readonly number[]; length: number }[] | 'all' = 'all'): boolean {
    this.#stamp();
    const s = this.#peers.get(index);
    if (!s?.adjIn) return false;
    for (const afi of [Afi.IPV4, Afi.IPV6] as const) {
      const rib = this.table(afi);
      const stride = afi === Afi.IPV4 ? 3 : 6;
      const adjIn = s.adjIn[afi];
      const each = (fn: (node: RouteNode) => void) => (areas === 'all' ? adjIn.trie.forEach(fn) : this.#nodesWithin(adjIn, afi, areas).forEach(fn));
      each((node) => {
        for (const p of adjIn.candidates(node)) {
          const words = new Uint32Array(stride);
          words[0] = p.pathId;
          words[1] = adjIn.trie.len(node);
          for (let i = 0; i < stride - 2; i++) words[2 + i] = adjIn.trie.word(node, i);
          const block: NlriBlock = { afi, addPath: false, words };
          this.#importBlock(s, block, p.entry.attrs, p.nextHop, rib, p.entry);
        }
      });
    }
    return true;
  }

  /**
   * Soft reset out, or the answer to a ROUTE-REFRESH (RFC 2918): the peer's Adj-RIB-Out forgets
   * what it sent and queues the whole table again. With enhanced route refresh negotiated
   * (RFC 7313 4) the resend is framed: BoRR before it, EoRR once it has drained, so the peer can
   * drop what we no longer send.
   */
  resend(index: number, afi?: AfiCode, enhanced = false): { started: number; joined: number } {
    const done = { started: 0, joined: 0 };
    const s = this.#peers.get(index);
    if (!s) return done;
    for (const [a, o] of s.out) {
      if (afi !== undefined && a !== afi) continue;
      // A whole-table send still draining answers this request too: it sends the table as it is
      // when each prefix goes out, and later changes follow as usual. Nothing restarts.
      if (o.resending) {
        done.joined++;
        continue;
      }
      done.started++;
      o.reset();
      if (enhanced && s.send) {
        // BoRR goes out ahead of everything the reset queues (the socket keeps the order).
        s.send([encodeRouteRefresh({ type: 'route-refresh', afi: a, safi: Safi.UNICAST, subtype: RouteRefreshSubtype.BEGINNING_OF_ROUTE_REFRESH })]);
        o.start(encodeRouteRefresh({ type: 'route-refresh', afi: a, safi: Safi.UNICAST, subtype: RouteRefreshSubtype.END_OF_ROUTE_REFRESH }));
      } else {
        o.start(null);
      }
    }
    this.flush(index);
    return done;
  }

  /**
   * After an export-policy change (reload, drain): every prefix is reconsidered against what the
   * peer was sent; withdrawals for what is now denied, updates for what changed, nothing else.
   */
  reexport(index: number): void {
    const s = this.#peers.get(index);
    if (!s) return;
    for (const o of s.out.values()) o.requeue();
    this.flush(index);
  }

  /**
   * RFC 7313 4: the peer begins a refresh of a family (BoRR): its routes there are marked stale,
   * and each one it sends again replaces its stale copy.
   */
  beginRefresh(index: number, afi: AfiCode): number {
    const s = this.#peers.get(index);
    if (!s) return 0;
    s.adjIn?.[afi].markStale(s.peer);
    return this.table(afi).markStale(s.peer);
  }

  /** RFC 7313 4: EoRR (or its timer): what the peer did not send again is withdrawn. */
  endRefresh(index: number, afi: AfiCode): number {
    const s = this.#peers.get(index);
    if (!s) return 0;
    s.adjIn?.[afi].withdrawPeer(s.peer, true);
    return this.table(afi).withdrawPeer(s.peer, true);
  }

  /**
   * RFC 4724 4.2 (receiving speaker): the peer went down in a way graceful restart covers; its
   * routes stay, marked stale, and keep forwarding until it resends them or purgeStale() runs.
   */
  peerDownGraceful(index: number): number {
    const s = this.#peers.get(index);
    if (!s) return 0;
    this.#peers.delete(index);
    this.#removeOutputs(s);
    for (const o of s.out.values()) o.reset();
    this.#dropAdjIn(s);
    return this.v4.markStale(s.peer) + this.v6.markStale(s.peer);
  }

  /** RFC 9494: a peer's stale paths of a family become long-lived stale (see LocRib.longLivedStale). */
  longLivedStale(index: number, afi: AfiCode): number {
    const peer = this.#known.get(index);
    return peer ? this.table(afi).longLivedStale(peer) : 0;
  }

  /** Drops a peer's stale paths (End-of-RIB received, or its restart or stale time ran out). */
  purgeStale(index: number, afi?: AfiCode): number {
    const peer = this.#known.get(index);
    if (!peer) return 0;
    let n = 0;
    if (afi === undefined || afi === Afi.IPV4) n += this.v4.withdrawPeer(peer, true);
    if (afi === undefined || afi === Afi.IPV6) n += this.v6.withdrawPeer(peer, true);
    return n;
  }

  /**
   * Sends what the peer's Adj-RIBs-Out have pending, as far as its transport and this turn's
   * budget take ('more': call again at the next turn). A failure is contained to this peer: its
   * output stops and `outputFailed` tells the daemon to end its session.
   */
  flush(index: number): FlushResult {
    const s = this.#peers.get(index);
    if (!s?.send || this.outputHeld) return 'done';
    const budget: FlushBudget = { chunks: FLUSH_CHUNKS_PER_TURN };
    let result: FlushResult = 'done';
    try {
      for (const o of s.out.values()) {
        const r = o.flush(s.send, budget);
        if (r === 'blocked') return 'blocked';
        if (r === 'more') result = 'more';
      }
    } catch (e) {
      s.send = undefined;
      this.options.events?.outputFailed?.(index, e instanceof Error ? e : new Error(String(e)));
      return 'done';
    }
    return result;
  }

  /** Paths currently accepted from a peer for an AFI (pfxRcd; what max-prefix counts). */
  received(index: number, afi: AfiCode): number {
    const s = this.#peers.get(index);
    return s ? this.table(afi).pathsFrom(s.peer) : 0;
  }

  /** Flushes every peer (after a batch of changes); true when some peer has more for the next turn. */
  flushAll(): boolean {
    if (this.#aggregation.any) this.#aggregation.update();
    let more = false;
    for (const [index, s] of this.#peers) {
      // Most peers have nothing queued in most turns (2,000 reflector clients, one of them coming up).
      if (!s.send || idle(s)) continue;
      more = this.flush(index) === 'more' || more;
    }
    this.#shrinkOutputs(Afi.IPV4);
    this.#shrinkOutputs(Afi.IPV6);
    return more;
  }

  /** Per family: its trie was empty at the last flushAll. */
  readonly #wasEmpty = { [Afi.IPV4]: true, [Afi.IPV6]: true };

  /**
   * A family's table has gone since the last flushAll (its trie emptied, which happens only once
   * the last peer released it): every Adj-RIB-Out of the family returns its columns, also those
   * flushed before that. Once, as the trie empties: an empty trie queues nothing that could grow them.
   */
  #shrinkOutputs(afi: AfiCode): void {
    const empty = this.table(afi).trie.denseLimit === 0;
    if (empty && !this.#wasEmpty[afi]) for (const o of afi === Afi.IPV4 ? this.#outputs.v4 : this.#outputs.v6) if (o instanceof AdjRibOut) o.shrink();
    this.#wasEmpty[afi] = empty;
  }

  peerStats(index: number): { received: Record<string, number>; advertised: Record<string, number>; pending: number; refused: Record<RefusalReason, number> } | undefined {
    const s = this.#peers.get(index);
    if (!s) return undefined;
    const name = (afi: number) => (afi === Afi.IPV4 ? 'ipv4-unicast' : 'ipv6-unicast');
    const advertised: Record<string, number> = {};
    let pending = 0;
    for (const [afi, o] of s.out) {
      advertised[name(afi)] = o.advertised;
      pending += o.pending;
    }
    const received: Record<string, number> = {};
    for (const afi of s.out.keys()) received[name(afi)] = this.table(afi).pathsFrom(s.peer);
    return { received, advertised, pending, refused: { ...s.refused } };
  }

  // --- input ------------------------------------------------------------------------------------

  /**
   * Whether the last UPDATE applied went into the Loc-RIB whole: every prefix it announced is
   * held from its peer (none refused by the ingress checks or denied by import policy). A monitor
   * reads it right after applyUpdate (BMP post-policy frames such an UPDATE as received).
   */
  lastUpdateWhole = false;

  /** Applies one received UPDATE from an Established peer. */
  applyUpdate(index: number, msg: UpdateMessage): void {
    this.lastUpdateWhole = false;
    const s = this.#peers.get(index);
    if (!s) return;
    this.lastUpdateWhole = true;
    // One UPDATE is one batch: an entry many of its paths touch is reselected once.
    this.#stamp();
    const v4 = this.v4.open();
    try {
      const v6 = this.v6.open();
      try {
        this.#apply(s, msg);
      } finally {
        if (v6) this.v6.close();
      }
    } finally {
      if (v4) this.v4.close();
    }
  }

  #apply(s: PeerState, msg: UpdateMessage): void {
    const peer = s.peer;
    this.#withdrawBlock(s, msg.withdrawn);
    if (msg.mpUnreach?.withdrawn) this.#withdrawBlock(s, msg.mpUnreach.withdrawn);
    const attrs = msg.attributes;
    const v4 = msg.nlri.words.length > 0;
    const mp = msg.mpReach?.nlri && msg.mpReach.safi === Safi.UNICAST ? msg.mpReach.nlri : undefined;
    if (!v4 && !mp) return;
    // RFC 7606 treat-as-withdraw, and routes failing the ingress checks, are withdrawn.
    const refused = attrs ? refusal(s, attrs, this.options) : undefined;
    const usable = attrs && effectiveAction(msg, peer.ibgp) !== 'treat-as-withdraw' && refused === undefined ? ingressAttrs(peer, attrs) : null;
    // Two calls, not a list of the two blocks: an UPDATE is no garbage beyond what it decoded to.
    if (v4) this.#reach(s, msg.nlri, attrs?.nextHop, refused, usable);
    if (mp) this.#reach(s, mp, this.#nextHop(msg.mpReach!.nextHop), refused, usable);
  }

  /** One block of reachable prefixes of an UPDATE: imported, or withdrawn when not usable. */
  #reach(s: PeerState, block: NlriBlock, nextHop: number | Buffer | undefined, refused: RefusalReason | undefined, usable: PathAttributes | null): void {
    if (refused) s.refused[refused] += nlriCount(block);
    if (!usable || nextHop === undefined || ownNextHop(s.ingress, nextHop)) {
      this.lastUpdateWhole = false;
      this.#withdrawBlock(s, block);
      return;
    }
    if (s.ingress.peerNextHop && !isPeerNextHop(nextHop, s.ingress.peerNextHop)) {
      s.refused['next-hop'] += nlriCount(block);
      this.lastUpdateWhole = false;
      this.#withdrawBlock(s, block);
      return;
    }
    if (s.adjIn) this.#keepBlock(s, block, usable, nextHop);
    this.#importBlock(s, block, usable, nextHop, this.table(block.afi));
  }

  /** The one Buffer for these next hop octets (bounded: a peer sending endless next hops only empties it). */
  #nextHop(b: Buffer): Buffer {
    const key = b.toString('latin1');
    let kept = this.#nextHops.get(key);
    if (!kept) {
      if (this.#nextHops.size >= MAX_NEXT_HOPS) this.#nextHops.clear();
      this.#nextHops.set(key, (kept = b));
    }
    return kept;
  }

  #keepBlock(s: PeerState, block: NlriBlock, attrs: PathAttributes, nextHop: number | Buffer): void {
    const rib = s.adjIn![block.afi];
    const st = stride(block.afi);
    const w = block.words;
    for (let b = 0; b < w.length; b += st) {
      const path = new Path(s.peer, w[b], this.attrs.acquire(attrs), nextHop, 0, false, this.#at);
      if (st === 3) rib.announce(w[b + 2], 0, 0, 0, w[b + 1], path);
      else rib.announce(w[b + 2], w[b + 3], w[b + 4], w[b + 5], w[b + 1], path);
    }
  }

  /**
   * Import policy, then into `rib` (the Loc-RIB; re-import from the kept routes uses it too, and
   * gives the entry it has for the set as `known`).
   */
  #importBlock(s: PeerState, block: NlriBlock, attrs: PathAttributes, nextHop: number | Buffer, rib: LocRib, known?: AttrEntry): void {
    const map = s.ingress.importMap;
    if (map === 'deny') {
      this.lastUpdateWhole = false;
      return this.#withdrawMain(rib, s, block);
    }
    const whole = block.words.length;
    if (s.ingress.exclusive) block = unclaimed(s, block, rib, (words, len) => this.#claimedByOther(s, rib, words, len));
    if (block.addPath && s.ingress.maxPathsPerPrefix !== undefined) block = withinPathLimit(s, block, rib, s.ingress.maxPathsPerPrefix);
    if (block.words.length !== whole) this.lastUpdateWhole = false;
    const st = stride(block.afi);
    const w = block.words;
    const count = w.length / st;
    if (map) return this.#announceWithPolicy(s, block, attrs, nextHop, map, rib, known);
    const entry = this.attrs.acquire(attrs, known);
    entry.refs += count - 1;
    // Paths of one path id (0: no ADD-PATH) are the same value for every prefix of the block: one
    // immutable Path, which the store copies into its columns, instead of one garbage object a prefix.
    const shared = new Path(s.peer, 0, entry, nextHop, 0, false, this.#at);
    for (let i = 0, b = 0; i < count; i++, b += st) {
      const path = w[b] === 0 ? shared : new Path(s.peer, w[b], entry, nextHop, 0, false, this.#at);
      if (st === 3) rib.announce(w[b + 2], 0, 0, 0, w[b + 1], path);
      else rib.announce(w[b + 2], w[b + 3], w[b + 4], w[b + 5], w[b + 1], path);
    }
  }

  /** Whether another peer of `s`'s exclusivity group holds this prefix or one covering it. */
  #claimedByOther(s: PeerState, rib: LocRib, words: readonly number[], len: number): boolean {
    const group = s.ingress.exclusive!.group;
    for (const node of rib.trie.covering(words[0], words[1], words[2], words[3], len)) {
      for (const p of rib.candidates(node)) {
        if (p.peer.index === s.peer.index) continue;
        if (this.#peers.get(p.peer.index)?.ingress.exclusive?.group === group) return true;
      }
    }
    return false;
  }

  /** Import policy per prefix; denied prefixes are withdrawn (they may have been accepted before). */
  #announceWithPolicy(s: PeerState, block: NlriBlock, attrs: PathAttributes, nextHop: number | Buffer, map: RouteMap, rib: LocRib, known?: AttrEntry): void {
    const st = stride(block.afi);
    const w = block.words;
    const asPath = mergeAs4Path(attrs) ?? [];
    const ctx = this.policy;
    for (let b = 0; b < w.length; b += st) {
      const words = st === 3 ? [w[b + 2], 0, 0, 0] : [w[b + 2], w[b + 3], w[b + 4], w[b + 5]];
      const r = evaluateRouteMap(map, { afi: block.afi, words, length: w[b + 1], attrs, asPath, nextHop, peerAddress: s.peer.address, weight: 0 }, ctx);
      if (r.verdict === 'deny') {
        this.lastUpdateWhole = false;
        rib.withdraw(words[0], words[1], words[2], words[3], w[b + 1], s.peer, w[b]);
        continue;
      }
      rib.announce(words[0], words[1], words[2], words[3], w[b + 1], new Path(s.peer, w[b], this.attrs.acquire(r.attrs, known), r.nextHop, r.weight, false, this.#at));
    }
  }

  #withdrawBlock(s: PeerState, block: NlriBlock): void {
    if (block.words.length === 0) return;
    if (s.adjIn) this.#withdrawMain(s.adjIn[block.afi], s, block);
    this.#withdrawMain(this.table(block.afi), s, block);
  }

  #withdrawMain(rib: LocRib, s: PeerState, block: NlriBlock): void {
    const st = stride(block.afi);
    const w = block.words;
    for (let b = 0; b < w.length; b += st) {
      if (st === 3) rib.withdraw(w[b + 2], 0, 0, 0, w[b + 1], s.peer, w[b]);
      else rib.withdraw(w[b + 2], w[b + 3], w[b + 4], w[b + 5], w[b + 1], s.peer, w[b]);
    }
  }

  // --- local origination --------------------------------------------------------------------------

  /** Originates a prefix (pod CIDR, service IP) with the given attributes (ORIGIN IGP by default). */
  originate(afi: AfiCode, key: readonly [number, number, number, number], len: number, attrs: PathAttributes, nextHop: number | Buffer = 0): void {
    const entry = this.attrs.acquire({ origin: 0, asPath: [], ...attrs });
    this.table(afi).announce(key[0], key[1], key[2], key[3], len, new Path(this.local, 0, entry, nextHop, 0, false, this.#stamp()));
  }

  withdrawOriginated(afi: AfiCode, key: readonly [number, number, number, number], len: number): void {
    this.table(afi).withdraw(key[0], key[1], key[2], key[3], len, this.local, 0);
  }
}
