// BMP (RFC 7854) toward monitoring stations (bmp-station.ts, one per configured collector): what
// each is sent, from the daemon's events. A Peer Up per Established neighbor and for our Loc-RIB
// (RFC 9069), live Route Monitoring (pre-policy: the UPDATEs as received; post-policy: the
// neighbor's routes after import policy; Loc-RIB: our best paths; RFC 8671 Adj-RIB-Out: what a
// neighbor would get without its export policy, and the UPDATEs as sent to it), Peer Down,
// Statistics Reports on a timer. An UPDATE the RIB holds as it came is framed, not encoded again,
// in every view it stands for.

import type { TimerHandle } from '../fsm/index.js';
import type { LocRibWatch } from '../rib/index.js';
import { Afi, type AfiCode, MessageType, Safi, type UpdateMessage, encodePerPeerHeader, endOfRib, endOfRibMessage, type NotificationMessage } from '../wire/index.js';
import { LOC_RIB_CONTEXT, type MonitoredPeer, type RibView, locRibHeader, peerDownMessage, peerHeader, wide } from './bmp-feed.js';
import { type BmpCollector, type BmpContext, type BmpPeerInfo, BmpStation, type BmpStationStatus, type BmpView } from './bmp-station.js';

export type { BmpCollector, BmpContext, BmpPeerInfo, BmpStationStatus, BmpView } from './bmp-station.js';
export { MAX_QUEUED } from './bmp-station.js';

/** A neighbor's encoded per-peer headers, by view, for one millisecond of one session. */
interface PeerHeads {
  readonly peer: MonitoredPeer & { index: number };
  readonly ms: number;
  readonly byView: Partial<Record<RibView, Buffer>>;
}

/** The NLRI blocks an UPDATE names (announced and withdrawn), per unicast family. */
function nlriBlocks(m: UpdateMessage): { afi: AfiCode; words: Uint32Array; announced: boolean }[] {
  const out: { afi: AfiCode; words: Uint32Array; announced: boolean }[] = [];
  if (m.withdrawn.words.length > 0) out.push({ afi: Afi.IPV4, words: m.withdrawn.words, announced: false });
  if (m.nlri.words.length > 0) out.push({ afi: Afi.IPV4, words: m.nlri.words, announced: true });
  const reach = m.mpReach?.nlri;
  if (reach && reach.words.length > 0 && (reach.afi === Afi.IPV4 || reach.afi === Afi.IPV6)) out.push({ afi: reach.afi, words: reach.words, announced: true });
  const unreach = m.mpUnreach?.withdrawn;
  if (unreach && unreach.words.length > 0 && (unreach.afi === Afi.IPV4 || unreach.afi === Afi.IPV6)) out.push({ afi: unreach.afi, words: unreach.words, announced: false });
  return out;
}

/**
 * Whether the RIB holds an UPDATE's attributes as received: no attribute was discarded (RFC
 * 7606), the import policy sets nothing, and no LOCAL_PREF from an eBGP neighbor was dropped
 * (RFC 4271 5.1.5: the UPDATE shows one the RIB does not keep).
 */
function attributesAsReceived(p: BmpPeerInfo, m: UpdateMessage): boolean {
  return (m.errors?.length ?? 0) === 0 && p.importKeepsRoutes() && (p.ibgp || m.attributes?.localPref === undefined);
}

/** Every configured collector, fed from the daemon's events. */
export class BmpMonitor {
  readonly #ctx: BmpContext;
  #stations: BmpStation[] = [];
  /** The stations by the view they watch (asked per UPDATE: kept, not filtered each time). */
  #watching = new Map<BmpView, BmpStation[]>();
  #statsTimer: TimerHandle | undefined;
  #statsInterval = 0;
  #unwatch: (() => void) | undefined;
  #unwatchPre: (() => void) | undefined;
  #locRibWatch: LocRibWatch | undefined;
  /** Per-peer headers by neighbor and view, made again when the millisecond (their timestamp) or the session changes. */
  readonly #heads = new Map<number, PeerHeads>();

  constructor(ctx: BmpContext) {
    this.#ctx = ctx;
  }

  get active(): boolean {
    return this.#stations.length > 0;
  }

  status(): BmpStationStatus[] {
    return this.#stations.map((s) => s.status());
  }

  /** (Re)starts the stations of a configuration; statistics every `statisticsInterval` seconds (0: none). */
  configure(collectors: readonly BmpCollector[], statisticsInterval: number, start: boolean): void {
    this.stop('configuration changed');
    this.#stations = collectors.map((c) => new BmpStation(c, this.#ctx));
    const views = new Set(collectors.flatMap((c) => c.monitor));
    this.#watching = new Map([...views].map((v) => [v, this.#stations.filter((s) => s.monitors(v))]));
    this.#statsInterval = statisticsInterval;
    if (start) this.start();
  }

  start(): void {
    if (this.#stations.length === 0) return;
    for (const s of this.#stations) s.start();
    if (this.#watchers('loc-rib').length > 0) {
      // Changes are read once the current step is done (the last best per prefix).
      const w = this.#ctx.query.watchLocRib(() => setImmediate(() => this.#flushLocRib(w)));
      this.#locRibWatch = w;
      this.#unwatch = () => w.stop();
    }
    if (this.#watchers('rib-out-pre-policy').length > 0) {
      this.#unwatchPre = this.#ctx.query.watchPrePolicyOut((index, _afi, msgs) => this.#prePolicyOut(index, msgs));
    }
    this.#armStats();
  }

  stop(text: string): void {
    for (const s of this.#stations) s.stop(text);
    this.#unwatch?.();
    this.#unwatch = undefined;
    this.#locRibWatch = undefined;
    this.#unwatchPre?.();
    this.#unwatchPre = undefined;
    if (this.#statsTimer) this.#ctx.clock.clearTimeout(this.#statsTimer);
    this.#statsTimer = undefined;
  }

  #armStats(): void {
    if (this.#statsInterval <= 0) return;
    this.#statsTimer = this.#ctx.clock.setTimeout(() => {
      try {
        for (const s of this.#stations) s.statistics();
      } catch (e) {
        this.#ctx.log('warn', 'statistics', `BMP statistics failed: ${(e as Error).message}`);
      }
      this.#armStats();
    }, this.#statsInterval * 1000);
  }

  peerUp(p: BmpPeerInfo): void {
    for (const s of this.#stations) s.peerUp(p);
  }

  peerDown(p: MonitoredPeer & { index: number }, reason: string, notification?: { direction: 'sent' | 'received'; message: NotificationMessage }): void {
    if (!this.active) return;
    const msg = peerDownMessage(peerHeader(p, 'pre-policy', this.#ctx.wallNow()), reason, notification);
    for (const s of this.#stations) s.peerDown(p.index, msg);
  }

  #watchers(view: BmpView): readonly BmpStation[] {
    return this.#watching.get(view) ?? [];
  }

  /** A neighbor's per-peer headers at `ms` (looked up once per UPDATE for all its views). */
  #headsAt(p: MonitoredPeer & { index: number }, ms: number): PeerHeads {
    let c = this.#heads.get(p.index);
    if (c?.peer !== p || c.ms !== ms) this.#heads.set(p.index, (c = { peer: p, ms, byView: {} }));
    return c;
  }

  /** The encoded per-peer header of one of those views: made once per millisecond, not per UPDATE. */
  #head(c: PeerHeads, view: RibView): Buffer {
    return (c.byView[view] ??= encodePerPeerHeader(peerHeader(c.peer, view, c.ms)));
  }

  #locRibHeadCache: { ms: number; head: Buffer } | undefined;

  /** The encoded per-peer header of our Loc-RIB at `ms` (RFC 9069), made once per millisecond. */
  #locRibHead(ms = this.#ctx.wallNow()): Buffer {
    const c = this.#ctx;
    if (this.#locRibHeadCache?.ms !== ms) this.#locRibHeadCache = { ms, head: encodePerPeerHeader(locRibHeader(c.localAs, c.routerId, ms)) };
    return this.#locRibHeadCache.head;
  }

  /**
   * Route Monitoring of a neighbor's view for the stations that watch it: `updates` (BGP messages)
   * framed behind the view's per-peer header. Nothing is built when no station watches.
   */
  #monitor(index: number, view: RibView, peer: () => (MonitoredPeer & { index: number }) | undefined, updates: () => readonly Buffer[], ms = this.#ctx.wallNow()): void {
    const stations = this.#watchers(view);
    if (stations.length === 0) return;
    const watching = stations.length === 1 ? (stations[0].announced(index) ? stations : []) : stations.filter((s) => s.announced(index));
    if (watching.length === 0) return;
    const p = peer();
    if (!p) return;
    const head = this.#head(this.#headsAt(p, ms), view);
    const msgs = updates();
    for (const s of watching) s.sendRouteMonitoring(head, msgs);
  }

  /**
   * An UPDATE from a neighbor, after the RIB applied it: as received, its routes after policy,
   * and (RFC 9069) the Loc-RIB's change when the UPDATE is that change itself. Each station gets
   * the views it watches in that order; the views the UPDATE itself stands for are framed behind
   * their per-peer headers together (one room check, no message encoded again).
   */
  update(p: BmpPeerInfo, m: UpdateMessage, frame: Buffer | undefined): void {
    // One timestamp for the UPDATE in every view (RFC 7854 4.2: when its routes were received).
    const ms = this.#ctx.wallNow();
    const eor = endOfRib(m);
    // The RIB holds the UPDATE's attributes as they came: it can stand for the views after policy.
    const kept = frame !== undefined && eor === undefined && attributesAsReceived(p, m);
    // Its own post-policy form when, besides, every prefix it announces is held (none refused by
    // policy or the ingress checks); its withdrawals are withdrawals after policy too.
    const postWhole = kept && this.#ctx.query.lastUpdateWhole();
    // Asked whether a station watches or not: the prefixes it reports leave the Loc-RIB feed.
    const locRib = kept && this.#locRibAsReceived(p, m);
    const heads = this.#headsAt(p, ms);
    let post: Buffer[] | undefined;
    for (const s of this.#stations) {
      const seen = s.announced(p.index);
      const pre = seen && frame && s.monitors('pre-policy') ? this.#head(heads, 'pre-policy') : undefined;
      const postHead = seen && s.monitors('post-policy') ? this.#head(heads, 'post-policy') : undefined;
      const loc = locRib && s.monitors('loc-rib') ? this.#locRibHead(ms) : undefined;
      if (postHead && !postWhole) {
        // Post-policy encoded again from the RIB (once for every station), in its place between the others.
        if (frame) s.sendViews(pre, undefined, undefined, frame);
        s.sendRouteMonitoring(postHead, (post ??= this.#postPolicy(p, m, eor)));
        if (frame) s.sendViews(undefined, undefined, loc, frame);
      } else if (frame) s.sendViews(pre, postHead, loc, frame);
    }
  }

  /**
   * Whether the Loc-RIB's change is the UPDATE that made it (then it is framed once instead of
   * encoded again): every prefix it names now has the neighbor's path as best (or, withdrawn,
   * none). Without ADD-PATH and with 4-octet AS numbers (the Loc-RIB's encoding); otherwise the
   * prefixes wait for the next flush, as any change does.
   */
  #locRibAsReceived(p: BmpPeerInfo, m: UpdateMessage): boolean {
    const w = this.#locRibWatch;
    return w !== undefined && p.rx.as4 && p.rx.addPath.size === 0 && w.asReceived(p.index, nlriBlocks(m));
  }

  /** An UPDATE's post-policy form when it is not the UPDATE itself: its End-of-RIB, or its prefixes as the RIB holds them. */
  #postPolicy(p: BmpPeerInfo, m: UpdateMessage, eor: number | undefined): Buffer[] {
    if (eor !== undefined) return [endOfRibMessage((eor >>> 8) as AfiCode, Safi.UNICAST, p.rx)];
    const ctx = wide(p.rx);
    return nlriBlocks(m).flatMap(({ afi, words }) => this.#ctx.query.postPolicyUpdates(p.index, afi, words, ctx));
  }

  /** RFC 8671 post-policy Adj-RIB-Out: the UPDATEs (End-of-RIB included) as written to the neighbor. */
  sent(p: MonitoredPeer & { index: number }, messages: readonly Buffer[]): void {
    this.#monitor(p.index, 'rib-out-post-policy', () => p, () => messages.filter((m) => m[18] === MessageType.UPDATE));
  }

  /**
   * RFC 8671 pre-policy Adj-RIB-Out: changes of what a neighbor would get without its export
   * policy, reported by the RIB as it reconsiders prefixes for the neighbor (inside its flush:
   * contained, as a failure there would end the neighbor's output).
   */
  #prePolicyOut(index: number, messages: Buffer[]): void {
    try {
      this.#monitor(index, 'rib-out-pre-policy', () => this.#ctx.peers().find((x) => x.index === index), () => messages);
    } catch (e) {
      this.#ctx.log('warn', 'rib-out', `BMP Adj-RIB-Out monitoring failed: ${(e as Error).message}`);
    }
  }

  /** RFC 9069: our best paths that changed since the last flush, packed by attributes as UPDATEs are. */
  #flushLocRib(w: LocRibWatch): void {
    if (this.#locRibWatch !== w) return; // stopped meanwhile
    try {
      const head = this.#locRibHead();
      const msgs = w.take(LOC_RIB_CONTEXT).flatMap(({ messages }) => messages);
      for (const s of this.#watchers('loc-rib')) s.sendRouteMonitoring(head, msgs);
    } catch (e) {
      // Outside any session's step: a failure here must not end the process, nor BGP.
      this.#ctx.log('warn', 'loc-rib', `BMP Loc-RIB monitoring failed: ${(e as Error).message}`);
    }
  }
}
