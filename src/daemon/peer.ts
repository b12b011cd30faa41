// One neighbor, configured or dynamic: its Session and everything the daemon keeps beside it, the
// negotiated state, counters, max-prefix, graceful-restart stale routes, route refresh, each timer
// on the injected clock. The daemon composes peers; a peer talks to the rest through PeerContext.

import { isIPv6 } from 'node:net';
import { type NetworkInterfaceInfo, networkInterfaces } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseIpv4, parseIpv6 } from '../config/prefix.js';
import type { DaemonConfig, NeighborConfig } from '../config/types.js';
import { type Clock, MAX_TIMEOUT_MS, type NegotiatedSession, Session, type StateName, type TimerHandle } from '../fsm/index.js';
import { type ExportPeer, type RefusalReason, type Rib, type RouteMap, addressOctets, effectiveAction } from '../rib/index.js';
import { Afi, type AfiCode, type AttributeCache, CeaseSubcode, ErrorCode, type NotificationMessage, RouteRefreshSubtype, Safi, type UpdateMessage, addressToOctets, afiSafiKey, endOfRib, isLinkLocalIpv6 } from '../wire/index.js';
import type { DaemonEvents } from './events.js';
import { type NeighborCounts, addressFamiliesOf, emptyCounts, extendedNextHopNegotiated, gracefulRestartOf, sessionOptions } from './neighbor.js';
import { TokenBucket } from './rate-limit.js';

/** What a peer needs from the daemon around it. */
export interface PeerContext {
  readonly clock: Clock;
  readonly rib: Rib;
  readonly events: DaemonEvents;
  readonly cache: AttributeCache;
  readonly routerId: number;
  /** The daemon-wide configuration in force (a reload replaces it). */
  config(): DaemonConfig;
  /** RFC 4724: we restart with forwarding state kept (our OPEN says so). */
  restarting(): boolean;
  /** End-of-RIB for `afiSafi` from this peer (the restart waits for every peer's). */
  endOfRib(peer: Peer, afiSafi: number): void;
  /**
   * The session is up without the graceful restart capability, or with Restart State set: RFC 4724
   * 4.1 has our selection deferral wait for no End-of-RIB from it (the kept kernel routes still do).
   */
  noEndOfRibExpected?(peer: Peer): void;
  /** A dynamic neighbor's session failed or ended after `uptimeMs`: its source may be damped. */
  dynamicDown(peer: Peer, uptimeMs: number): void;
  /** A dynamic neighbor's session is Idle: the neighbor goes (it exists for one session, as FRR's listen range). */
  dynamicIdle(peer: Peer): void;
  scheduleFlush(): void;
  /** Routes went away: the decode cache may shed what nothing holds. */
  routesReleased(): void;
  /** After an UPDATE was applied: why V8's heap can take no more routes (heap-guard.ts), or undefined. */
  heapFull(): string | undefined;
  /** Watchers of sessions and received UPDATEs (BMP). */
  readonly monitor: Required<PeerMonitor>;
}

/** What a monitor (BMP) hears from a neighbor: its session up and down, each UPDATE once applied. */
export interface PeerMonitor {
  up?(peer: Peer): void;
  down?(peer: Peer, reason: string, notification: { direction: 'sent' | 'received'; message: NotificationMessage } | undefined): void;
  update?(peer: Peer, m: UpdateMessage, frame: Buffer | undefined): void;
  /** Messages the RIB sent the neighbor (UPDATEs, End-of-RIB), as written (RFC 8671 post-policy Adj-RIB-Out). */
  sent?(peer: Peer, messages: readonly Buffer[]): void;
  /** Every state change of the session (RFC 4271 8). */
  state?(peer: Peer, from: StateName, to: StateName): void;
}

/**
 * One monitor that tells each of `monitors` (those in the list when it is called). A monitor that
 * fails is reported (`failed`) and the neighbor's session carries on: watching never costs BGP.
 */
export function monitors(list: () => readonly PeerMonitor[], failed: (e: Error) => void): Required<PeerMonitor> {
  // Each event by name with its (at most three) arguments, not a closure per call: `update` comes
  // once per received UPDATE.
  const each = (event: keyof PeerMonitor, a: unknown, b?: unknown, c?: unknown) => {
    for (const m of list()) {
      try {
        (m[event] as ((a: unknown, b: unknown, c: unknown) => void) | undefined)?.call(m, a, b, c);
      } catch (e) {
        failed(e as Error);
      }
    }
  };
  return {
    up: (p) => each('up', p),
    down: (p, r, n) => each('down', p, r, n),
    update: (p, u, f) => each('update', p, u, f),
    sent: (p, msgs) => each('sent', p, msgs),
    state: (p, a, b) => each('state', p, a, b),
  };
}

/** Route refreshes a peer gets answered at once, and then one per this many milliseconds. */
export const REFRESH_BURST = 3;
export const REFRESH_EVERY_MS = 10_000;

export class Peer {
  readonly session: Session;
  up = false;
  /** AFIs whose max-prefix warning was raised in this session. */
  readonly warned = new Set<number>();
  /** What the last session negotiated (graceful restart decides on it after the session is gone). */
  negotiated?: NegotiatedSession;
  /** AFI/SAFIs whose End-of-RIB came in this session. */
  endOfRib?: Set<number>;
  /** Counters kept for the life of the neighbor (metrics read them; they go with it). */
  readonly counts: NeighborCounts = emptyCounts();
  /** The last NOTIFICATION sent that a session-down report has named (so each is named once). */
  #lastSent?: NotificationMessage | null;
  /** The NOTIFICATION that ended the session going down now (for monitors). */
  #ending: { direction: 'sent' | 'received'; message: NotificationMessage } | undefined;
  /** Stale paths from a graceful restart are held until this timer (restart or stale-path time). */
  #stale: TimerHandle | undefined;
  /** Max-prefix restart after a teardown. */
  #restartAfter: TimerHandle | undefined;
  /** RFC 7313: per AFI, the wait for the peer's EoRR after its BoRR. */
  readonly #eorrWait = new Map<number, TimerHandle>();
  /** RFC 2918 requests answered beyond the burst wait for this bucket; one deferred answer per AFI. */
  #refreshBucket: TokenBucket | undefined;
  readonly #refreshDeferred = new Map<number, TimerHandle>();
  #learned: string | undefined;

  constructor(
    readonly ctx: PeerContext,
    readonly index: number,
    public config: NeighborConfig,
    /** Created for a source in a dynamic-neighbor range (removed when its session ends). */
    readonly dynamic: boolean,
  ) {
    const address = config.address;
    this.session = new Session(
      sessionOptions(config, ctx.config(), ctx.routerId, ctx.cache, ctx.restarting(), config.interface === undefined ? config.address : ''),
      {
        stateChange: (from, to) => {
          ctx.events.sessionState?.(address, from, to);
          ctx.monitor.state(this, from, to);
          if (dynamic && to === 'Idle') ctx.dynamicIdle(this);
        },
        established: (neg) => this.#established(neg),
        down: (reason, wasEstablished, uptimeMs) => {
          const notification = this.#endingNotification(reason);
          if (dynamic) ctx.dynamicDown(this, uptimeMs);
          ctx.events.sessionDown?.(address, reason, { wasEstablished, uptimeMs, dynamic, ...(notification ? { notification } : {}) });
          this.#ending = notification;
          this.ended(reason);
        },
        notification: (dir, m) => ctx.events.notification?.(address, dir, m),
        wireError: (err, frame) => {
          this.counts.malformed++;
          ctx.events.wireError?.(address, err, frame);
        },
        connectFailed: (reason) => ctx.events.connectFailed?.(address, reason, dynamic),
        message: (m, frame) => {
          if (m.type === 'update') this.#update(m, frame);
          else if ((m.afi === Afi.IPV4 || m.afi === Afi.IPV6) && m.safi === Safi.UNICAST) this.#routeRefresh(m.afi, m.subtype);
        },
        writable: () => {
          if (ctx.rib.flush(index) === 'more') ctx.scheduleFlush();
        },
      },
      ctx.clock,
    );
  }

  /** The neighbor's name: its address, or its interface (unnumbered). */
  get address(): string {
    return this.config.address;
  }

  /** Where the session goes: the address, or the link-local address learned on the interface (with its zone). */
  get remoteAddress(): string | undefined {
    return this.config.interface === undefined ? this.config.address : this.#learned;
  }

  /** Starts the session, unless it has nowhere to go yet (an interface neighbor not yet heard). */
  startSession(): void {
    if (this.remoteAddress !== undefined) this.session.start();
  }

  /** An unnumbered neighbor's link-local address (`fe80::1%eth1`) was learned, changed or (undefined) lost. */
  learn(address: string | undefined): void {
    this.#learned = address;
    this.session.setRemoteAddress(address ?? '');
  }

  /** The NOTIFICATION that ended a session: the last one, if it came with this failure. */
  #endingNotification(reason: string): { direction: 'sent' | 'received'; message: NotificationMessage } | undefined {
    const snap = this.session.snapshot();
    const sent = snap.lastNotificationSent;
    const received = snap.lastNotificationReceived;
    const named = reason === 'notification-received' && received ? { direction: 'received' as const, message: received }
      : this.#lastSent !== sent && sent ? { direction: 'sent' as const, message: sent } : undefined;
    this.#lastSent = sent;
    return named;
  }

  // --- received UPDATEs and ROUTE-REFRESHes ------------------------------------------------------

  #update(m: UpdateMessage, frame: Buffer | undefined): void {
    const { ctx } = this;
    const t0 = performance.now();
    const eor = endOfRib(m);
    if (eor !== undefined) {
      (this.endOfRib ??= new Set()).add(eor);
      // RFC 4724 4.2: End-of-RIB from a restarted peer ends the wait; what it did not resend goes.
      if (this.#stale) {
        this.#endStale((eor >>> 8) as 1 | 2);
        // Every family's End-of-RIB is in: nothing is held stale any more.
        if (this.negotiated?.afiSafis.every((k) => this.endOfRib!.has(k))) this.#clearStale();
      }
      ctx.endOfRib(this, eor);
    }
    if (m.errors) this.#updateErrors(m);
    try {
      ctx.rib.applyUpdate(this.index, m);
    } catch (e) {
      // The RIB's columns could not grow (an allocation failed): this neighbor's routes are
      // refused as max-prefix refuses them; no other session or route is touched.
      if (!(e instanceof RangeError)) throw e;
      this.#ribFull(m, e);
      ctx.scheduleFlush();
      return;
    }
    ctx.monitor.update(this, m, frame);
    ctx.routesReleased();
    // Near V8's heap limit, where the next allocation could end the process: this neighbor's
    // routes are refused as when the columns cannot grow.
    const heapFull = ctx.heapFull();
    if (heapFull !== undefined) {
      this.#ribFull(m, new Error(heapFull));
      ctx.scheduleFlush();
      return;
    }
    this.checkMaxPrefix();
    ctx.scheduleFlush();
    ctx.events.updateApplied?.((performance.now() - t0) / 1000);
  }

  /** RFC 7606 outcomes short of a reset: counted per neighbor and action, and reported. */
  #updateErrors(m: UpdateMessage): void {
    const action = effectiveAction(m, this.negotiated?.ibgp ?? false);
    if (action === undefined) return;
    if (action === 'treat-as-withdraw') this.counts.treatAsWithdraw++;
    else this.counts.attributeDiscard++;
    this.ctx.events.updateErrors?.(this.address, action, m.errors!, this.dynamic);
  }

  /**
   * RFC 2918: a ROUTE-REFRESH is answered by sending the Adj-RIB-Out again, framed by BoRR/EoRR when
   * enhanced route refresh is negotiated. RFC 7313 4: the peer's own BoRR marks its routes of the
   * family stale until its EoRR, which drops what it did not resend; should EoRR not come, the
   * stale-path time ends the wait.
   */
  #routeRefresh(afi: 1 | 2, subtype: number): void {
    const enhanced = this.negotiated?.enhancedRouteRefresh ?? false;
    if (subtype === RouteRefreshSubtype.NORMAL) {
      this.#answerRefresh(afi, enhanced);
      return;
    }
    // RFC 7313 5: BoRR/EoRR without the capability negotiated are ignored.
    if (!enhanced) return;
    this.#cancel(this.#eorrWait, afi);
    if (subtype === RouteRefreshSubtype.BEGINNING_OF_ROUTE_REFRESH) {
      this.ctx.rib.beginRefresh(this.index, afi);
      this.#eorrWait.set(afi, this.ctx.clock.setTimeout(() => this.#endRefresh(afi), gracefulRestartOf(this.config).stalePathTime * 1000));
    } else if (subtype === RouteRefreshSubtype.END_OF_ROUTE_REFRESH) {
      this.#endRefresh(afi);
    }
  }

  /**
   * A peer's ROUTE-REFRESH costs a whole table, so what it can ask for is bounded: a request while
   * one is being answered (or waits) joins it, and beyond REFRESH_BURST requests answers come at
   * most one per REFRESH_EVERY_MS, the later ones deferred to then (one per family at most).
   */
  #answerRefresh(afi: 1 | 2, enhanced: boolean): void {
    if (this.#refreshDeferred.has(afi)) {
      this.counts.refreshJoined++;
      return;
    }
    const now = this.ctx.clock.now();
    const bucket = (this.#refreshBucket ??= new TokenBucket(REFRESH_BURST, REFRESH_EVERY_MS, now));
    const wait = bucket.wait(now);
    if (wait > 0) {
      this.counts.refreshDeferred++;
      this.ctx.events.notice?.(this.address, `ROUTE-REFRESH requests are rate-limited (${REFRESH_BURST} at once, then one per ${REFRESH_EVERY_MS / 1000} s): answered in ${Math.ceil(wait / 1000)} s`);
      this.#refreshDeferred.set(afi, this.ctx.clock.setTimeout(() => {
        this.#refreshDeferred.delete(afi);
        if (this.up) this.#resendFor(afi, this.negotiated?.enhancedRouteRefresh ?? false);
      }, wait));
      return;
    }
    if (this.#resendFor(afi, enhanced)) this.counts.refreshAnswered++;
    else this.counts.refreshJoined++;
  }

  /** Sends the family's table again (a token spent); false when an answer in progress covers it. */
  #resendFor(afi: 1 | 2, enhanced: boolean): boolean {
    const done = this.ctx.rib.resend(this.index, afi, enhanced);
    if (done.started === 0) return false;
    this.#refreshBucket?.take(this.ctx.clock.now());
    this.ctx.scheduleFlush();
    return true;
  }

  #endRefresh(afi: 1 | 2): void {
    this.#eorrWait.delete(afi);
    this.ctx.rib.endRefresh(this.index, afi);
    this.ctx.scheduleFlush();
  }

  // --- the session's life ------------------------------------------------------------------------

  #established(neg: NegotiatedSession): void {
    const { ctx } = this;
    const n = this.config;
    this.negotiated = neg;
    this.endOfRib = undefined;
    if (!neg.gracefulRestart || neg.gracefulRestart.restartState) ctx.noEndOfRibExpected?.(this);
    if (this.#stale) {
      // RFC 4724 4.2: back after a restart. Without the capability now, stale routes go at once;
      // otherwise they wait for its End-of-RIB, at most the stale-path time.
      if (!neg.gracefulRestart) this.#endStale();
      else this.#holdStale(gracefulRestartOf(n).stalePathTime);
    }
    const local = this.session.snapshot().connection?.localAddress ?? '';
    const remote = this.remoteAddress ?? n.address;
    // RFC 8950 both ways on an IPv6 session, and no IPv4 next hop of ours configured: IPv4 routes
    // go with our IPv6 next hop (on an unnumbered link we have no IPv4 address to give).
    const ipv4OverIpv6 = isIPv6(local) && !n.nextHopIpv4 && extendedNextHopNegotiated(n, neg);
    const ourIpv4 = n.nextHopIpv4 ? parseIpv4(n.nextHopIpv4) : local && !isIPv6(local) ? parseIpv4(local) : ctx.routerId;
    const localIpv4 = ipv4OverIpv6 ? undefined : ourIpv4;
    // Over IPv4, an IPv6 next hop is wanted only with IPv6 routes to send: the interface lookup
    // (getifaddrs, an object per address) is not paid by every IPv4-only session coming up.
    const sendsIpv6 = neg.afiSafis.includes(afiSafiKey(Afi.IPV6, Safi.UNICAST));
    const localIpv6 = n.nextHopIpv6 ? parseIpv6(n.nextHopIpv6) : local && isIPv6(local) ? ownIpv6NextHop(local) : sendsIpv6 ? (sameInterfaceIpv6(local) ?? mappedIpv6(ourIpv4)) : undefined;
    const localAs = n.localAs ?? ctx.config().asn;
    const peer: ExportPeer = {
      index: this.index,
      address: remote,
      addressOctets: addressOctets(remote),
      asn: neg.peerAs,
      bgpId: neg.peerId,
      ibgp: neg.ibgp,
      local: false,
      rrClient: n.routeReflectorClient ?? false,
      localAs,
      routerId: ctx.routerId,
      clusterId: ctx.rib.options.clusterId,
      localIpv4,
      localIpv6,
      ...(ipv4OverIpv6 ? { ipv4OverIpv6 } : {}),
      nextHopSelf: n.nextHopSelf ?? false,
      tx: neg.tx,
      gracefulShutdown: n.gracefulShutdown ?? false,
      longLived: neg.peerCapabilities.some((c) => c.type === 'long-lived-graceful-restart'),
      ...(n.addPath?.send !== undefined ? { addPathSend: n.addPath.send } : {}),
      groupKey: `${neg.ibgp ? 'i' : 'e'}|${localAs}|${localIpv4 === undefined ? '-' : 'v4'}|${neg.tx.as4 ? 4 : 2}|${n.nextHopSelf ? 's' : ''}|${n.routeReflectorClient ? 'c' : ''}|${n.gracefulShutdown ? 'g' : ''}`,
    };
    this.up = true;
    const exclusive = n.exclusivePrefixes !== undefined ? ctx.rib.policy.policies.prefixLists.get(n.exclusivePrefixes) : undefined;
    const ingress = {
      allowasIn: n.allowasIn ?? 0,
      localIpv4: local && !isIPv6(local) ? parseIpv4(local) : undefined,
      importMap: this.policy('import'),
      keepAdjRibIn: n.softReconfigurationInbound ?? false,
      ...(n.addPath?.receive ? { maxPathsPerPrefix: n.addPath.maxPathsPerPrefix ?? 64 } : {}),
      // FRR's default: enforce-first-as on eBGP.
      enforceFirstAs: !neg.ibgp && (n.enforceFirstAs ?? true),
      ...(n.enforceNextHop ? { peerNextHop: isIPv6(remote) ? { ipv4: undefined, ipv6: addressToOctets(remote) } : { ipv4: parseIpv4(remote), ipv6: undefined } } : {}),
      // One group per peer group (a neighbor without one is a group of its own).
      ...(exclusive ? { exclusive: { list: exclusive, group: n.peerGroup ?? n.address } } : {}),
    };
    // Monitors hear of the session first: the RIB's first UPDATEs toward it go out in peerUp.
    ctx.monitor.up(this);
    ctx.rib.peerUp({ ...peer, exportMap: this.policy('export') }, ingress, neg.afiSafis, (msgs) => {
      const ok = this.session.send(msgs);
      // Written (or queued behind a full socket) only while Established: what the neighbor gets.
      if (this.up) ctx.monitor.sent(this, msgs);
      return ok;
    });
    // The table goes out over the next turns (a budget per turn), or as the socket drains.
    ctx.scheduleFlush();
  }

  /** A route was not sent: its UPDATE would be larger than this neighbor takes (RFC 8654 4). */
  unsendable(prefix: string, octets: number, max: number): void {
    this.counts.unsendable++;
    this.ctx.events.routeUnsendable?.(this.address, prefix, octets, max);
  }

  /** Writing to it failed: contained to this neighbor, whose session ends with a Cease outside the RIB's flush. */
  outputFailed(e: Error): void {
    queueMicrotask(() => {
      this.ctx.events.outputFailed?.(this.address, e.message);
      this.session.automaticStop(CeaseSubcode.OUT_OF_RESOURCES, 'internal-error', `output failed: ${e.message}`.slice(0, 200));
    });
  }

  /**
   * The session left Established (or the neighbor goes): its routes are withdrawn, or kept stale
   * when the peer restarts gracefully.
   */
  ended(reason: string): void {
    this.#clearRefresh();
    if (!this.up) return;
    const { ctx } = this;
    const refused = ctx.rib.peerStats(this.index)?.refused;
    if (refused) for (const k of Object.keys(refused) as RefusalReason[]) this.counts.refused[k] += refused[k];
    this.up = false;
    this.warned.clear();
    ctx.monitor.down(this, reason, this.#ending);
    this.#ending = undefined;
    const peerGr = this.negotiated?.gracefulRestart;
    // RFC 4724 4.2: a lost connection or an expired hold timer is a restart we help with; a
    // NOTIFICATION (without the RFC 8538 extension) or an administrative stop is not.
    // RFC 8538 4: with the N bit on both sides a received NOTIFICATION other than Hard Reset is
    // also a restart to help with (we always send N).
    const last = this.session.snapshot().lastNotificationReceived;
    const softNotification = reason === 'notification-received' && (peerGr?.notification ?? false) && !(last?.code === ErrorCode.CEASE && last.subcode === CeaseSubcode.HARD_RESET);
    // RFC 9494 4.2: long-lived graceful restart alone (no GR capability) is a restart time of 0.
    const longLived = (this.negotiated?.longLivedStaleTime?.size ?? 0) > 0;
    const graceful = (peerGr || longLived) && !this.dynamic && this.config.gracefulRestart !== false && (softNotification || ['connection-lost', 'hold-timer-expired', 'send-hold-timer-expired'].includes(reason));
    if (graceful) {
      ctx.rib.peerDownGraceful(this.index);
      this.#holdStale(peerGr?.restartTime ?? 0);
    } else {
      this.#clearStale();
      ctx.rib.peerDown(this.index);
    }
    ctx.routesReleased();
    ctx.scheduleFlush();
  }

  /** Whether routes of a graceful restart are held stale. */
  get holdingStale(): boolean {
    return this.#stale !== undefined;
  }

  #holdStale(seconds: number): void {
    this.#clearStale();
    this.#stale = this.ctx.clock.setTimeout(() => {
      this.#stale = undefined;
      if (!this.#longLivedStale()) this.#endStale();
    }, seconds * 1000);
  }

  /**
   * RFC 9494 4.2: the restart time is over and the session is still down. Families with a
   * long-lived stale time keep their paths that long, with LLGR_STALE (least preferred; NO_LLGR
   * ones go); the others' paths go now. False when long-lived graceful restart does not apply.
   */
  #longLivedStale(): boolean {
    const times = this.negotiated?.longLivedStaleTime;
    if (this.up || !times || times.size === 0) return false;
    let longest = 0;
    for (const afi of [Afi.IPV4, Afi.IPV6] as const) {
      const t = times.get(afiSafiKey(afi, Safi.UNICAST));
      if (t) {
        this.ctx.rib.longLivedStale(this.index, afi);
        longest = Math.max(longest, t);
      } else {
        this.ctx.rib.purgeStale(this.index, afi);
      }
    }
    this.ctx.events.notice?.(this.address, `restart time over without the session: its routes are kept ${longest} s more, long-lived stale (RFC 9494), least preferred`);
    this.ctx.routesReleased();
    this.ctx.scheduleFlush();
    this.#longTimer(longest * 1000, () => {
      this.#stale = undefined;
      this.#endStale();
    });
    return true;
  }

  /** A stale timer of any length: a timer holds at most 2^31-1 ms (24.8 days), a long-lived stale time up to 2^24-1 s (194 days). */
  #longTimer(ms: number, fn: () => void): void {
    const step = Math.min(ms, MAX_TIMEOUT_MS);
    this.#stale = this.ctx.clock.setTimeout(() => (ms > step ? this.#longTimer(ms - step, fn) : fn()), step);
  }

  #endStale(afi?: 1 | 2): void {
    this.ctx.rib.purgeStale(this.index, afi);
    this.ctx.routesReleased();
    if (afi === undefined) this.#clearStale();
    this.ctx.scheduleFlush();
  }

  #clearStale(): void {
    if (this.#stale) this.ctx.clock.clearTimeout(this.#stale);
    this.#stale = undefined;
  }

  /** Ends the waits for EoRR and the deferred answers (the session went down or the neighbor goes). */
  #clearRefresh(): void {
    for (const afi of [...this.#eorrWait.keys()]) this.#cancel(this.#eorrWait, afi);
    for (const afi of [...this.#refreshDeferred.keys()]) this.#cancel(this.#refreshDeferred, afi);
  }

  #cancel(timers: Map<number, TimerHandle>, afi: number): void {
    const t = timers.get(afi);
    if (t) this.ctx.clock.clearTimeout(t);
    timers.delete(afi);
  }

  /** Every timer of the peer stopped (the neighbor goes, or the daemon stops). */
  clearTimers(): void {
    this.#clearStale();
    this.#clearRefresh();
    if (this.#restartAfter) this.ctx.clock.clearTimeout(this.#restartAfter);
    this.#restartAfter = undefined;
  }

  // --- policy and limits -------------------------------------------------------------------------

  /**
   * The route-map for one direction. RFC 8212: an eBGP neighbor with no policy exchanges nothing
   * (as FRR's ebgp-requires-policy) unless `ebgpRequiresPolicy: false`.
   */
  policy(direction: 'import' | 'export'): RouteMap | 'deny' | undefined {
    const name = direction === 'import' ? this.config.importPolicy : this.config.exportPolicy;
    if (name !== undefined) return this.ctx.rib.policy.policies.routeMaps.get(name) ?? 'deny';
    return !(this.negotiated?.ibgp ?? false) && (this.ctx.config().ebgpRequiresPolicy ?? true) ? 'deny' : undefined;
  }

  /** Whether RFC 8212 blocks a direction of this neighbor (shown in the API). */
  rfc8212Blocked(direction: 'import' | 'export'): boolean {
    const name = direction === 'import' ? this.config.importPolicy : this.config.exportPolicy;
    return name === undefined && this.negotiated !== undefined && !this.negotiated.ibgp && (this.ctx.config().ebgpRequiresPolicy ?? true);
  }

  /** Soft reset in: import policy again from the kept routes, else a ROUTE-REFRESH (RFC 2918). */
  softIn(): 'from-memory' | 'route-refresh' | 'not-possible' {
    if (this.ctx.rib.reimport(this.index)) return 'from-memory';
    let asked = false;
    for (const f of addressFamiliesOf(this.config)) asked = this.session.requestRefresh(f.afi, f.safi) || asked;
    return asked ? 'route-refresh' : 'not-possible';
  }

  /** New route-maps (and drain flag) for a live session: soft in and soft out. */
  repolicy(): void {
    this.ctx.rib.setPeerPolicy(this.index, this.policy('import'), this.policy('export'), this.config.gracefulShutdown ?? false);
    this.softIn();
    this.ctx.rib.reexport(this.index);
    this.ctx.scheduleFlush();
  }

  /**
   * Max-prefix (RFC 4486): past the warning threshold a warning, once per session; past the limit
   * Cease 6/1 with AFI, SAFI and the limit as data, and a restart after `restartAfter` seconds.
   */
  checkMaxPrefix(): void {
    if (!this.config.maxPrefix || !this.up) return;
    for (const afi of [Afi.IPV4, Afi.IPV6] as const) {
      const name = afi === Afi.IPV4 ? 'ipv4-unicast' : 'ipv6-unicast';
      const cfg = this.#maxPrefixFor(name);
      if (!cfg) continue;
      const count = this.ctx.rib.received(this.index, afi);
      const warnAt = Math.floor((cfg.limit * (cfg.warningThreshold ?? 75)) / 100);
      if (count > cfg.limit && !cfg.warningOnly) {
        this.ctx.events.maxPrefix?.(this.address, name, count, cfg.limit, 'teardown');
        this.#maxPrefixStop(afi, cfg.limit, cfg.restartAfter);
        return;
      }
      if (count >= warnAt && !this.warned.has(afi)) {
        this.warned.add(afi);
        this.ctx.events.maxPrefix?.(this.address, name, count, cfg.limit, 'warning');
      }
    }
  }

  /** The max-prefix settings of a family (one setting for both, or one per family). */
  #maxPrefixFor(name: 'ipv4-unicast' | 'ipv6-unicast') {
    const mp = this.config.maxPrefix;
    return mp && ('limit' in mp ? mp : mp[name]);
  }

  /**
   * RFC 4486 Cease 6/1 with AFI, SAFI and `bound` as data; the session stays down, or starts again
   * after `restartAfter` seconds.
   */
  #maxPrefixStop(afi: AfiCode, bound: number, restartAfter: number | undefined): void {
    const data = Buffer.alloc(7);
    data.writeUInt16BE(afi, 0);
    data[2] = Safi.UNICAST;
    data.writeUInt32BE(bound >>> 0, 3);
    this.session.stopFor(CeaseSubcode.MAX_PREFIXES_REACHED, 'max-prefix', data);
    if (restartAfter) {
      this.#restartAfter = this.ctx.clock.setTimeout(() => {
        this.#restartAfter = undefined;
        this.startSession();
      }, restartAfter * 1000);
    }
  }

  /**
   * The RIB could not hold this neighbor's routes (an allocation failed while its UPDATE was
   * applied): ended as max-prefix ends a session, with the count held as the bound, and started
   * again after the max-prefix restart time when one is configured (else by a reset).
   */
  #ribFull(m: UpdateMessage, e: Error): void {
    const afi = m.mpReach?.afi === Afi.IPV6 ? Afi.IPV6 : Afi.IPV4;
    const name = afi === Afi.IPV4 ? 'ipv4-unicast' : 'ipv6-unicast';
    const count = this.ctx.rib.received(this.index, afi);
    this.ctx.events.ribFull?.(this.address, name, count, e.message);
    this.#maxPrefixStop(afi, count, this.#maxPrefixFor(name)?.restartAfter);
  }

  /** Refusals of the current session and the earlier ones (metrics). */
  refusals(): Record<RefusalReason, number> {
    const now = this.ctx.rib.peerStats(this.index)?.refused;
    const out = { ...this.counts.refused };
    if (now) for (const k of Object.keys(out) as RefusalReason[]) out[k] += now[k];
    return out;
  }
}

/** An interface's global IPv6 address (not link-local), if it has one. */
function globalIpv6Of(addrs: readonly NetworkInterfaceInfo[] | undefined): Buffer | undefined {
  const v6 = addrs?.find((a) => a.family === 'IPv6' && !isLinkLocalIpv6(addressToOctets(a.address)));
  return v6 ? addressToOctets(v6.address) : undefined;
}

/**
 * The global IPv6 address on the interface that holds `ipv4`: the next hop we announce for IPv6
 * prefixes over an IPv4 session (as FRR does), so the peer can reach it on the link.
 */
function sameInterfaceIpv6(ipv4: string): Buffer | undefined {
  for (const addrs of Object.values(networkInterfaces())) {
    if (!addrs?.some((a) => a.family === 'IPv4' && a.address === ipv4)) continue;
    const v6 = globalIpv6Of(addrs);
    if (v6) return v6;
  }
  return undefined;
}

/**
 * Our IPv6 next hop on a session from `local`: that address; from a link-local one (unnumbered),
 * RFC 2545 3's pair: a global address on the same interface (with none, the link-local address
 * again, as FRR sends it) and the link-local address, so the neighbor reaches us on the link.
 */
function ownIpv6NextHop(local: string): Buffer {
  const [text, zone] = local.split('%');
  const own = addressToOctets(text);
  if (!isLinkLocalIpv6(own)) return own;
  const global = zone === undefined ? undefined : globalIpv6Of(networkInterfaces()[zone]);
  return Buffer.concat([global ?? own, own]);
}

function mappedIpv6(v4: number): Buffer {
  const b = Buffer.alloc(16);
  b[10] = 0xff;
  b[11] = 0xff;
  b.writeUInt32BE(v4 >>> 0, 12);
  return b;
}
