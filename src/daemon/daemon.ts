// The composition root: configuration -> sessions -> RIB. One writer: every change to the RIB is
// applied here, from session events (the event loop delivers them one at a time), API commands
// and config reloads, each a synchronous method, so they never interleave.
// Output is paced by the sessions' sockets: the RIB flushes a peer's Adj-RIB-Out when it can send.

import { BlockList, isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { performance } from 'node:perf_hooks';
import { type ConfigDiff, diffConfig, isEmptyDiff } from '../config/diff.js';
import { buildPolicySet } from '../config/policy.js';
import { parseCommunity, parseIpv4, parseIpv6, parsePrefix } from '../config/prefix.js';
import type { DaemonConfig, DynamicNeighborsConfig, NeighborConfig } from '../config/types.js';
import { BfdManager, type BfdManagerOptions, type BfdStateChange } from '../bfd/index.js';
import { type Clock, type DownReason, Listener, type TimerHandle, type NegotiatedSession, Session, SystemClock, neighborRouter } from '../fsm/index.js';
import { type AggregateSpec, type ExportPeer, type RefusalReason, type RouteMap, Rib, RibQuery, addressOctets, effectiveAction, prefixText } from '../rib/index.js';
import { Afi, type AttributeError, AttributeCache, type BgpProtocolError, type UpdateMessage, CeaseSubcode, canonicalAddress, ErrorCode, type NotificationMessage, RouteRefreshSubtype, Safi, endOfRib, ipv4ToString, ipv6ToString } from '../wire/index.js';
import { RT_TABLE_MAIN, TableLock } from '../fib/index.js';
import { FibBridge, ifindexOfAddress } from './fib-bridge.js';
import { DynamicRanges, type RefusedReason } from './dynamic.js';
import { TokenBucket } from './rate-limit.js';

export type { RefusedReason } from './dynamic.js';
import { type NeighborRuntime, addressFamiliesOf, bfdOf, emptyCounts, gracefulRestartOf, sessionOptions } from './neighbor.js';

export type { NeighborRuntime } from './neighbor.js';

/** What the daemon reports as it runs (logs, metrics and tests subscribe). */
export interface DaemonEvents {
  sessionState?(neighbor: string, from: string, to: string): void;
  /**
   * The session went to Idle. `uptimeMs`: how long it had been Established (0: it never got
   * there, a failed attempt); `notification`: the one that ended it, sent or received.
   */
  sessionDown?(neighbor: string, reason: string, detail: SessionDownDetail): void;
  /** A neighbor crossed its max-prefix warning threshold, or its limit (and was torn down unless warning-only). */
  maxPrefix?(neighbor: string, afi: string, count: number, limit: number, action: 'warning' | 'teardown'): void;
  notification?(neighbor: string, direction: 'sent' | 'received', n: NotificationMessage): void;
  /** A malformed message from a neighbor, with its octets when known. */
  wireError?(neighbor: string, err: BgpProtocolError, frame: Buffer | undefined): void;
  /** Time spent applying one UPDATE to the RIB, in seconds. */
  updateApplied?(seconds: number): void;
  neighborAdded?(neighbor: string, dynamic: boolean): void;
  neighborRemoved?(neighbor: string): void;
  /** Something an operator should know (RFC 8212 default applied, dynamic range full, ...). */
  notice?(neighbor: string | undefined, message: string): void;
  /** A neighbor's BFD session changed state (detected in the BFD worker at `change.at`). */
  bfdState?(neighbor: string, change: BfdStateChange): void;
  /** A BFD session could not start, or BFD could not check the TTL. */
  bfdError?(neighbor: string | undefined, message: string): void;
  /** A route too large for a neighbor's UPDATEs was not sent to it (RFC 8654 4); `octets` it would need, `max` it takes. */
  routeUnsendable?(neighbor: string, prefix: string, octets: number, max: number): void;
  /** An outgoing TCP connection to a neighbor failed (errno code, or 'timeout' for a handshake that never completed). */
  connectFailed?(neighbor: string, reason: string, dynamic: boolean): void;
  /** RFC 7606: an UPDATE's routes were withdrawn (treat-as-withdraw) or attributes dropped (attribute-discard). */
  updateErrors?(neighbor: string, action: 'treat-as-withdraw' | 'attribute-discard', errors: readonly AttributeError[], dynamic: boolean): void;
  /** A connection was refused: its source is no neighbor, or its dynamic range is full. */
  connectionRefused?(source: string, reason: RefusedReason): void;
  /** Generating a neighbor's output failed; its session is ended (Cease), no other is touched. */
  outputFailed?(neighbor: string, message: string): void;
  /** The kernel refused a route (errno), or the netlink socket failed (prefix undefined). */
  fibError?(prefix: string | undefined, errno: number, message: string): void;
  /** One of our kernel routes was removed by someone else (another process, `ip route del`); it is installed again. */
  fibRestored?(prefix: string): void;
  /** Kernel routes of an earlier run found at start, and the ones removed when reconciled. */
  fibStarted?(kept: number, restarting: boolean): void;
  fibReconciled?(removed: number, reason: 'start' | 'end-of-rib' | 'timer'): void;
}

export interface SessionDownDetail {
  readonly wasEstablished: boolean;
  readonly uptimeMs: number;
  readonly notification?: { readonly direction: 'sent' | 'received'; readonly message: NotificationMessage };
  readonly dynamic: boolean;
}

export interface DaemonOptions {
  readonly clock?: Clock;
  readonly events?: DaemonEvents;
  /** BFD control port (3784) and worker snapshot interval; tests change them. */
  readonly bfd?: BfdManagerOptions;
  /**
   * A full garbage collection (nodebgpd exposes V8's to itself): run after a large part of the
   * table went away, so that the memory goes back to the system instead of waiting for V8.
   */
  readonly collectGarbage?: () => void;
}


export class CommandError extends Error {
  constructor(readonly code: 'not-found' | 'invalid' | 'conflict', message: string) {
    super(message);
  }
}

export interface AnnounceRequest {
  readonly prefix: string;
  readonly communities?: readonly string[];
  readonly med?: number;
  readonly localPref?: number;
  /** Next hop to announce (default: our address on each session). */
  readonly nextHop?: string;
}

/** What a reload did. Lists hold at most RELOAD_LISTED entries; `counts` has the full numbers. */
export interface ReloadResult {
  readonly changed: boolean;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly reset: readonly string[];
  readonly soft: readonly string[];
  readonly policyChanged: boolean;
  readonly originated: readonly string[];
  readonly withdrawn: readonly string[];
  readonly counts: { readonly added: number; readonly removed: number; readonly reset: number; readonly soft: number; readonly originated: number; readonly withdrawn: number };
}

export const RELOAD_LISTED = 100;

export class Daemon {
  config: DaemonConfig;
  readonly rib: Rib;
  /** The RIB's read face: all the API and metrics may ask of the RIB. */
  readonly query: RibQuery;
  readonly neighbors = new Map<string, NeighborRuntime>();
  /** The same neighbors by their RIB peer index. */
  readonly #byIndex = new Map<number, NeighborRuntime>();
  readonly listener: Listener;
  /** BFD sessions by neighbor address, run in a worker thread. */
  readonly bfd: BfdManager;
  readonly startedAtMs = Date.now();
  /** Incoming connections refused, by reason (sources are not kept: an attacker chooses them). */
  readonly refused: Record<RefusedReason, number> = { 'unknown-source': 0, 'dynamic-limit': 0, 'dynamic-pending': 0, 'dynamic-damped': 0 };
  readonly #sessions = new Map<string, Session>();
  readonly #clock: Clock;
  readonly #events: DaemonEvents;
  readonly #collectGarbage: (() => void) | undefined;
  /** Paths held at the most since memory was last given back, and the collection scheduled. */
  #pathsPeak = 0;
  #compaction: TimerHandle | undefined;
  readonly #cache = new AttributeCache();
  readonly #routerId: number;
  readonly #dynamic: DynamicRanges;
  #nextIndex = 1;
  #flushScheduled = false;
  #started = false;
  /** Kernel routes, when installed (fib.enabled). */
  fibBridge: FibBridge | undefined;
  /**
   * RFC 4724 restarting speaker (fib.retain with routes kept from the last run): our OPENs carry
   * Restart State and Forwarding State until every neighbor has sent End-of-RIB, or the time runs out.
   */
  #restart: { waiting: Set<string>; timer: NodeJS.Timeout } | undefined;

  constructor(config: DaemonConfig, options: DaemonOptions = {}) {
    this.config = config;
    this.#clock = options.clock ?? new SystemClock();
    this.#events = options.events ?? {};
    this.#collectGarbage = options.collectGarbage;
    this.#routerId = parseIpv4(config.routerId);
    this.bfd = new BfdManager({ stateChange: (key, c) => this.#bfdChanged(key, c), error: (key, m) => this.#events.bfdError?.(key, m) }, options.bfd);
    const bp = config.bestpath ?? {};
    this.rib = new Rib({
      localAs: config.asn,
      routerId: this.#routerId,
      clusterId: config.clusterId ? parseIpv4(config.clusterId) : this.#routerId,
      decision: {
        alwaysCompareMed: bp.alwaysCompareMed ?? false,
        deterministicMed: bp.deterministicMed ?? true,
        multipathRelax: bp.multipathRelax ?? false,
        maxPathsEbgp: config.maximumPaths?.ebgp ?? 1,
        maxPathsIbgp: config.maximumPaths?.ibgp ?? 1,
      },
      policies: buildPolicySet(config.policy),
      events: {
        unsendable: (peer, afi, node, octets, max) => {
          const r = this.#byIndex.get(peer.index);
          if (r) r.counts.unsendable++;
          this.#events.routeUnsendable?.(peer.address, prefixText(afi, node), octets, max);
        },
        // Contained to the one peer: its session ends with a Cease, outside the RIB's flush.
        outputFailed: (index, e) => queueMicrotask(() => {
          const r = this.#byIndex.get(index);
          if (!r) return;
          this.#events.outputFailed?.(r.config.address, e.message);
          r.session.automaticStop(CeaseSubcode.OUT_OF_RESOURCES, 'internal-error', `output failed: ${e.message}`.slice(0, 200));
        }),
      },
    });
    this.query = new RibQuery(this.rib);
    for (const n of config.neighbors) {
      for (const name of [n.importPolicy, n.exportPolicy]) {
        if (name !== undefined && !this.rib.policy.policies.routeMaps.has(name)) throw new Error(`neighbor ${n.address}: route-map "${name}" is not defined`);
      }
    }
    for (const n of config.neighbors) this.#addNeighbor(n, false);
    this.#dynamic = new DynamicRanges(() => this.#clock.now());
    this.#dynamic.set(config.dynamicNeighbors ?? []);
    const listen = config.listen ?? {};
    const router = neighborRouter(this.#sessions, [{ prefix: '::', length: 0, session: (a) => this.#dynamicSession(a) }, { prefix: '0.0.0.0', length: 0, session: (a) => this.#dynamicSession(a) }]);
    this.listener = new Listener({ addresses: listen.addresses ?? ['0.0.0.0', '::'], port: listen.port ?? 179 }, router);
    this.listener.onRefused = (source, reason) => this.#refuse(source, reason as RefusedReason);
    for (const o of config.originate ?? []) this.announce(o);
    this.rib.setAggregates(aggregateSpecs(config.aggregates));
  }

  /** Attribute sets in the decode cache (metrics, tests). */
  get attributeCacheSize(): number {
    return this.#cache.size;
  }

  /** The session clock's now (milliseconds, monotonic): session timestamps are on it. */
  now(): number {
    return this.#clock.now();
  }

  /** A session timestamp as wall-clock time. */
  wallTime(ms: number): Date {
    return new Date(Date.now() - (this.#clock.now() - ms));
  }

  get routerId(): string {
    return this.config.routerId;
  }

  /**
   * Takes the routing table, listens, then looks at the kernel and starts every enabled neighbor.
   * What can fail (the table lock, the ports) comes before anything with side effects (removing
   * an earlier run's kernel routes), so a second instance started by mistake changes nothing.
   */
  async start(): Promise<void> {
    const fib = this.config.fib ?? {};
    if (fib.enabled !== false) this.#tableLock = await TableLock.acquire(fib.table ?? RT_TABLE_MAIN);
    try {
      await this.listener.start();
      await this.#startFib();
    } catch (e) {
      await this.listener.close();
      this.#tableLock?.release();
      this.#tableLock = undefined;
      throw e;
    }
    this.#started = true;
    for (const n of this.neighbors.values()) this.#startNeighbor(n);
    // What loading and starting left behind goes back to the system once we are running.
    if (this.#collectGarbage) {
      this.#compaction = this.#clock.setTimeout(() => {
        this.#compaction = undefined;
        this.#collectGarbage!();
      }, 2000);
    }
  }

  #tableLock: TableLock | undefined;

  get restarting(): boolean {
    return this.#restart !== undefined;
  }

  /**
   * Opens the kernel side and looks at what an earlier run left: with `retain` those routes keep
   * forwarding and we restart gracefully; otherwise they are removed now.
   */
  async #startFib(): Promise<void> {
    const c = this.config.fib ?? {};
    if (c.enabled === false) return;
    const bridge = new FibBridge({
      config: c,
      clock: this.#clock,
      rib: this.rib,
      filter: () => (this.config.fib?.filter ? this.rib.policy.policies.routeMaps.get(this.config.fib.filter) : undefined),
      ifindexOfPeer: (index) => {
        const local = this.#byIndex.get(index)?.session.snapshot().connection?.localAddress;
        return local ? ifindexOfAddress(local) : undefined;
      },
      events: {
        routeError: (family, dst, len, errno) => this.#events.fibError?.(kernelPrefixText(family, dst, len), errno, `the kernel refused the route (errno ${errno})`),
        transportError: (e) => this.#events.fibError?.(undefined, 0, `netlink: ${e.message}`),
        routeRestored: (family, dst, len) => this.#events.fibRestored?.(kernelPrefixText(family, dst, len)),
      },
    });
    this.fibBridge = bridge;
    const kept = await bridge.fib.start();
    if (kept > 0 && c.retain) {
      const waiting = new Set([...this.neighbors.values()].filter((n) => !n.dynamic && n.config.enabled !== false).map((n) => n.config.address));
      const timer = setTimeout(() => this.#endRestart('timer'), (c.restartTime ?? 120) * 1000);
      timer.unref();
      this.#restart = { waiting, timer };
      this.#setOpens();
      this.#events.fibStarted?.(kept, true);
      if (waiting.size === 0) this.#endRestart('end-of-rib');
      return;
    }
    this.#events.fibStarted?.(kept, false);
    if (kept > 0) this.#events.fibReconciled?.(bridge.fib.reconcile(), 'start');
  }

  /** Our OPEN for every neighbor, with or without the restart bits. */
  #setOpens(): void {
    for (const n of this.neighbors.values()) n.session.setOpen(sessionOptions(n.config, this.config, this.#routerId, this.#cache, this.restarting).open);
  }

  /** RFC 4724: End-of-RIB from a neighbor while we restart; all in: the kept kernel routes are reconciled. */
  #restartEndOfRib(r: NeighborRuntime, afiSafi: number): void {
    if (!this.#restart) return;
    (r.endOfRib ??= new Set()).add(afiSafi);
    const all = r.negotiated?.afiSafis.every((k) => r.endOfRib!.has(k)) ?? false;
    if (all) this.#restart.waiting.delete(r.config.address);
    if (this.#restart.waiting.size === 0) this.#endRestart('end-of-rib');
  }

  #endRestart(reason: 'end-of-rib' | 'timer'): void {
    const r = this.#restart;
    if (!r) return;
    clearTimeout(r.timer);
    this.#restart = undefined;
    this.#setOpens();
    // What the restart did not install again is removed once what is pending has gone out.
    const bridge = this.fibBridge;
    if (bridge) void bridge.fib.settled().then(() => this.#events.fibReconciled?.(bridge.fib.reconcile(), reason));
  }

  get started(): boolean {
    return this.#started;
  }

  /**
   * SIGTERM: Cease / Administrative Shutdown to every peer and our kernel routes removed; or, with
   * fib.retain, a graceful restart: connections dropped without NOTIFICATION (peers keep our
   * routes, RFC 4724) and the kernel routes kept for the next run.
   */
  async stop(message = 'nodebgp shutting down'): Promise<void> {
    const retain = (this.config.fib?.retain ?? false) && this.fibBridge !== undefined;
    // Kept routes must not follow the sessions going down: the kernel is left as it is from here.
    if (retain) this.fibBridge!.close();
    for (const n of this.neighbors.values()) {
      if (retain) n.session.abandon();
      else n.session.stop(message);
      // RFC 5880 6.8.16: BFD peers hear AdminDown, not a failure.
      this.bfd.setAdminDown(n.config.address, true);
    }
    await new Promise((r) => setTimeout(r, 100));
    for (const n of this.neighbors.values()) {
      n.session.close();
      this.#clearTimers(n);
    }
    if (this.#restart) clearTimeout(this.#restart.timer);
    if (this.#compaction) this.#clock.clearTimeout(this.#compaction);
    if (this.fibBridge) {
      if (!retain) await this.fibBridge.fib.withdrawAll();
      this.fibBridge.close();
      this.fibBridge = undefined;
    }
    await this.bfd.close();
    await this.listener.close();
    this.#tableLock?.release();
    this.#tableLock = undefined;
    this.#started = false;
  }

  // --- commands -----------------------------------------------------------------------------------

  /** Originates a prefix (runtime announce, or config `originate`). */
  announce(r: AnnounceRequest): void {
    const p = parsePrefix(r.prefix);
    const communities = (r.communities ?? []).map(parseCommunity);
    const attrs = {
      origin: 0 as const,
      asPath: [],
      ...(communities.length > 0 ? { communities } : {}),
      ...(r.med !== undefined ? { med: r.med } : {}),
      ...(r.localPref !== undefined ? { localPref: r.localPref } : {}),
    };
    let nextHop: number | Buffer = 0;
    if (r.nextHop !== undefined) {
      if (isIPv6(r.nextHop) !== (p.afi === Afi.IPV6)) throw new CommandError('invalid', `next hop ${r.nextHop} is not of the prefix's address family`);
      nextHop = p.afi === Afi.IPV6 ? parseIpv6(r.nextHop) : parseIpv4(r.nextHop);
    }
    this.rib.originate(p.afi, p.words, p.length, attrs, nextHop);
    this.#scheduleFlush();
  }

  /** Withdraws an originated prefix; false when it was not originated. */
  withdraw(prefix: string): boolean {
    const p = parsePrefix(prefix);
    // An aggregate of the same prefix is not withdrawn here.
    if (!this.query.isOriginated(p.afi, { words: p.words, len: p.length })) return false;
    this.rib.withdrawOriginated(p.afi, p.words, p.length);
    this.#scheduleFlush();
    return true;
  }

  neighbor(address: string): NeighborRuntime {
    const n = this.neighbors.get(canonicalAddress(address));
    if (!n) throw new CommandError('not-found', `no neighbor ${address} (configured: ${[...this.neighbors.keys()].join(', ') || 'none'})`);
    return n;
  }

  /** Administrative shutdown (Cease 6/2 with the message); stays down until enabled. */
  shutdownNeighbor(address: string, message?: string): void {
    const n = this.neighbor(address);
    n.config = { ...n.config, enabled: false };
    n.session.stop(message);
    this.#syncBfd(n);
  }

  enableNeighbor(address: string): void {
    const n = this.neighbor(address);
    n.config = { ...n.config, enabled: true };
    if (this.#started) {
      this.#syncBfd(n);
      n.session.start();
    }
  }

  /** Hard reset: Cease 6/4, then the session starts again. */
  resetNeighbor(address: string, message?: string): void {
    this.neighbor(address).session.reset(message);
  }

  /**
   * Soft reset without touching the session. Out: send the Adj-RIB-Out again. In: re-apply import
   * policy from the kept routes (soft-reconfiguration inbound), or ask the peer to resend
   * (ROUTE-REFRESH, RFC 2918). Returns what was done.
   */
  softReset(address: string, direction: 'in' | 'out' | 'both' = 'both'): { in?: 'from-memory' | 'route-refresh' | 'not-possible'; out?: 'resent' } {
    const n = this.neighbor(address);
    if (!n.up) throw new CommandError('conflict', `neighbor ${address} is not Established`);
    const result: { in?: 'from-memory' | 'route-refresh' | 'not-possible'; out?: 'resent' } = {};
    if (direction !== 'out') result.in = this.#softIn(n);
    if (direction !== 'in') {
      // With enhanced route refresh the whole table again, between BoRR and EoRR (the peer drops
      // what is not resent); without it only the differences to what was sent, so that routes the
      // policy now denies are withdrawn (a plain resend cannot withdraw them).
      if (n.negotiated?.enhancedRouteRefresh) this.rib.resend(n.index, undefined, true);
      else this.rib.reexport(n.index);
      result.out = 'resent';
    }
    this.#scheduleFlush();
    return result;
  }

  #softIn(n: NeighborRuntime): 'from-memory' | 'route-refresh' | 'not-possible' {
    if (this.rib.reimport(n.index)) return 'from-memory';
    let asked = false;
    for (const f of addressFamiliesOf(n.config)) asked = n.session.requestRefresh(f.afi, f.safi) || asked;
    return asked ? 'route-refresh' : 'not-possible';
  }

  /**
   * Applies a new configuration: refused (nothing changes) when it needs a restart; otherwise
   * neighbors are added, removed, reset or updated in place, and policy is re-applied by soft
   * reconfiguration (sessions stay up).
   */
  async reload(next: DaemonConfig): Promise<ReloadResult> {
    const d: ConfigDiff = diffConfig(this.config, next);
    if (d.restartNeeded.length > 0) throw new CommandError('conflict', `changing ${d.restartNeeded.join(', ')} needs a restart of nodebgpd; nothing was changed`);
    const policies = d.policyChanged ? buildPolicySet(next.policy) : undefined;
    this.config = next;
    if (policies) this.rib.setPolicies(policies);
    for (const a of d.removed) this.#removeNeighbor(this.neighbors.get(a)!, CeaseSubcode.PEER_DECONFIGURED, 'peer-deconfigured');
    // A reset neighbor keeps its BFD session (the path did not change); #startNeighbor adjusts it.
    for (const n of d.reset) this.#removeNeighbor(this.neighbors.get(n.address)!, CeaseSubcode.OTHER_CONFIGURATION_CHANGE, 'config-change', true);
    for (const n of [...d.added, ...d.reset]) {
      const r = this.#addNeighbor(n, false);
      if (this.#started) this.#startNeighbor(r);
    }
    if (d.dynamicChanged) this.#dynamic.set(next.dynamicNeighbors ?? []);
    if (d.aggregatesChanged) this.rib.setAggregates(aggregateSpecs(next.aggregates));
    // The FIB filter (or the lists it reads) changed: every prefix is looked at again.
    if (d.fibFilterChanged || d.policyChanged) this.fibBridge?.refreshAll();
    const softNames = new Set(d.soft.map((n) => n.address));
    for (const n of d.soft) this.#applySoft(this.neighbors.get(n.address)!, n);
    if (d.policyChanged) {
      for (const r of this.neighbors.values()) {
        if (softNames.has(r.config.address) || !r.up) continue;
        this.#repolicy(r);
      }
    }
    // Hundreds of thousands of originations are applied a slice per turn of the event loop, so
    // that sessions keep their timers meanwhile.
    await inSlices(d.originateRemoved, (a) => this.withdraw(a));
    await inSlices(d.originateAdded, (o) => this.announce(o));
    this.#scheduleFlush();
    const listed = <T>(xs: readonly T[], f: (x: T) => string) => xs.slice(0, RELOAD_LISTED).map(f);
    return {
      changed: !isEmptyDiff(d),
      added: listed(d.added, (n) => n.address),
      removed: listed(d.removed, (a) => a),
      reset: listed(d.reset, (n) => n.address),
      soft: listed(d.soft, (n) => n.address),
      policyChanged: d.policyChanged,
      originated: listed(d.originateAdded, (o) => o.prefix),
      withdrawn: listed(d.originateRemoved, (a) => a),
      counts: { added: d.added.length, removed: d.removed.length, reset: d.reset.length, soft: d.soft.length, originated: d.originateAdded.length, withdrawn: d.originateRemoved.length },
    };
  }

  /** Settings that change in place: policy, max-prefix, graceful shutdown, description, enabled. */
  #applySoft(r: NeighborRuntime, n: NeighborConfig): void {
    const before = r.config;
    r.config = n;
    if ((before.enabled ?? true) !== (n.enabled ?? true)) {
      if (n.enabled === false) r.session.stop('neighbor disabled by configuration');
      else if (this.#started) r.session.start();
    }
    if (this.#started) this.#syncBfd(r);
    if (r.up) {
      this.#repolicy(r);
      this.#checkMaxPrefix(r);
    }
  }

  /** New route-maps (and drain flag) for a live session: soft in and soft out. */
  #repolicy(r: NeighborRuntime): void {
    const ibgp = r.negotiated?.ibgp ?? false;
    this.rib.setPeerPolicy(r.index, this.#policyFor(r.config.importPolicy, ibgp), this.#policyFor(r.config.exportPolicy, ibgp), r.config.gracefulShutdown ?? false);
    this.#softIn(r);
    this.rib.reexport(r.index);
    this.#scheduleFlush();
  }

  // --- neighbors ----------------------------------------------------------------------------------

  #startNeighbor(n: NeighborRuntime): void {
    if (n.config.password) this.listener.setPassword(n.config.address, n.config.password);
    this.#syncBfd(n);
    if (n.config.enabled !== false) n.session.start();
  }

  /**
   * Starts, changes (by a Poll Sequence, without a flap) or stops the neighbor's BFD session to
   * match its configuration. It runs whatever the BGP state (strict mode needs it before BGP), but
   * not for a neighbor that is administratively down: that one's session goes (the peer is told
   * AdminDown first), as FRR deregisters it on `neighbor shutdown`.
   */
  #syncBfd(r: NeighborRuntime): void {
    const b = bfdOf(r.config);
    const key = r.config.address;
    if (!b || r.config.enabled === false) return this.bfd.remove(key);
    this.bfd.add(key, { peer: key, local: r.config.localAddress, timing: b.timing });
  }

  /**
   * RFC 5882: BFD Up releases a strict session and retries a waiting one; Up to Down is a path
   * failure that ends the session (Cease / BFD Down). Down because the peer is AdminDown is not
   * (RFC 5882 3.2), nor is our own AdminDown.
   */
  #bfdChanged(key: string, c: BfdStateChange): void {
    const r = this.neighbors.get(key);
    if (!r) return;
    this.#events.bfdState?.(key, c);
    if (c.to === 'Up') r.session.bfd(true);
    else if (c.from === 'Up' && c.to === 'Down' && c.remoteState !== 'AdminDown') r.session.bfd(false);
  }

  #addNeighbor(n: NeighborConfig, dynamic: boolean): NeighborRuntime {
    const index = this.#nextIndex++;
    let runtime: NeighborRuntime;
    const session = new Session(
      sessionOptions(n, this.config, this.#routerId, this.#cache, this.restarting),
      {
        stateChange: (from, to) => {
          this.#events.sessionState?.(n.address, from, to);
          // A dynamic neighbor exists for one session (as FRR's listen range): gone when it ends.
          if (runtime.dynamic && to === 'Idle') setImmediate(() => this.neighbors.get(n.address) === runtime && this.#removeNeighbor(runtime));
        },
        established: (neg) => this.#up(runtime, neg),
        down: (reason, wasEstablished, uptimeMs) => {
          const snap = session.snapshot();
          // The NOTIFICATION that ended it: the last one, if it came with this failure.
          const sent = snap.lastNotificationSent;
          const received = snap.lastNotificationReceived;
          const notification = reason === 'notification-received' && received ? { direction: 'received' as const, message: received }
            : runtime.lastSent !== sent && sent ? { direction: 'sent' as const, message: sent } : undefined;
          runtime.lastSent = sent;
          // A source whose session failed or did not last waits before it may come back.
          if (dynamic) this.#dynamic.ended(n.address, uptimeMs);
          this.#events.sessionDown?.(n.address, reason, { wasEstablished, uptimeMs, dynamic, ...(notification ? { notification } : {}) });
          this.#down(runtime, reason);
        },
        notification: (dir, m) => this.#events.notification?.(n.address, dir, m),
        wireError: (err, frame) => {
          runtime.counts.malformed++;
          this.#events.wireError?.(n.address, err, frame);
        },
        connectFailed: (reason) => this.#events.connectFailed?.(n.address, reason, dynamic),
        message: (m) => {
          if (m.type === 'update') {
            const t0 = performance.now();
            const eor = endOfRib(m);
            // RFC 4724 4.2: End-of-RIB from a restarted peer ends the wait; what it did not resend goes.
            if (eor !== undefined && runtime.staleTimer) this.#endStale(runtime, (eor >>> 8) as 1 | 2);
            if (eor !== undefined) this.#restartEndOfRib(runtime, eor);
            if (m.errors) this.#updateErrors(runtime, m);
            this.rib.applyUpdate(index, m);
            this.#trimCache();
            this.#checkMaxPrefix(runtime);
            this.#scheduleFlush();
            this.#events.updateApplied?.((performance.now() - t0) / 1000);
          } else if ((m.afi === Afi.IPV4 || m.afi === Afi.IPV6) && m.safi === Safi.UNICAST) {
            this.#routeRefresh(runtime, m.afi, m.subtype);
          }
        },
        writable: () => {
          if (this.rib.flush(index) === 'more') this.#scheduleFlush();
        },
      },
      this.#clock,
    );
    runtime = { index, config: n, session, up: false, warned: new Set(), dynamic, counts: emptyCounts() };
    this.neighbors.set(n.address, runtime);
    this.#byIndex.set(index, runtime);
    this.#sessions.set(n.address, session);
    this.#events.neighborAdded?.(n.address, dynamic);
    if (!dynamic && !n.importPolicy && !n.exportPolicy && n.remoteAs !== this.config.asn && n.remoteAs !== 'internal' && (this.config.ebgpRequiresPolicy ?? true)) {
      this.#events.notice?.(n.address, 'eBGP neighbor without importPolicy/exportPolicy: nothing is accepted or sent (RFC 8212; set ebgpRequiresPolicy: false to change)');
    }
    return runtime;
  }

  /** Stops and forgets a neighbor; its routes are withdrawn. */
  #removeNeighbor(r: NeighborRuntime, subcode: number = CeaseSubcode.PEER_DECONFIGURED, reason: DownReason = 'peer-deconfigured', keepBfd = false): void {
    if (r.session.snapshot().state !== 'Idle') r.session.stopFor(subcode, reason);
    r.session.close();
    if (!keepBfd) this.bfd.remove(r.config.address);
    this.#clearTimers(r);
    if (r.up) this.#down(r, reason);
    this.rib.peerDown(r.index);
    if (r.config.password) this.listener.setPassword(r.config.address, undefined);
    this.neighbors.delete(r.config.address);
    this.#byIndex.delete(r.index);
    this.#sessions.delete(r.config.address);
    this.#events.neighborRemoved?.(r.config.address);
    this.#scheduleFlush();
  }

  #clearTimers(r: NeighborRuntime): void {
    this.#clearStale(r);
    this.#clearRefresh(r);
    if (r.restartTimer) clearTimeout(r.restartTimer);
    r.restartTimer = undefined;
  }

  /** RFC 7606 outcomes short of a reset: counted per neighbor and action, and reported. */
  #updateErrors(r: NeighborRuntime, m: UpdateMessage): void {
    const action = effectiveAction(m, r.negotiated?.ibgp ?? false);
    if (action === undefined) return;
    if (action === 'treat-as-withdraw') r.counts.treatAsWithdraw++;
    else r.counts.attributeDiscard++;
    this.#events.updateErrors?.(r.config.address, action, m.errors!, r.dynamic);
  }

  #refuse(source: string, reason: RefusedReason): void {
    this.refused[reason]++;
    this.#events.connectionRefused?.(source, reason);
  }

  /** A connection from an unconfigured source: a session from the first dynamic range holding it, or why not. */
  #dynamicSession(address: string): Session | RefusedReason {
    const admitted = this.#dynamic.admit(address, (cfg) => {
      let all = 0;
      let pending = 0;
      for (const n of this.neighbors.values()) {
        if (!n.dynamic || n.config.peerGroup !== cfg.peerGroup) continue;
        all++;
        if (!n.up) pending++;
      }
      return { all, pending };
    });
    if (typeof admitted === 'string') return admitted;
    const r = this.#addNeighbor({ ...admitted.template, address, passive: true }, true);
    this.#syncBfd(r);
    r.session.start();
    return r.session;
  }

  /**
   * RFC 2918: a ROUTE-REFRESH is answered by sending the Adj-RIB-Out again, framed by BoRR/EoRR when
   * enhanced route refresh is negotiated. RFC 7313 4: the peer's own BoRR marks its routes of the
   * family stale until its EoRR, which drops what it did not resend; should EoRR not come, the
   * stale-path time ends the wait.
   */
  #routeRefresh(r: NeighborRuntime, afi: 1 | 2, subtype: number): void {
    const enhanced = r.negotiated?.enhancedRouteRefresh ?? false;
    if (subtype === RouteRefreshSubtype.NORMAL) {
      this.#answerRefresh(r, afi, enhanced);
      return;
    }
    // RFC 7313 5: BoRR/EoRR without the capability negotiated are ignored.
    if (!enhanced) return;
    const timers = (r.refreshTimers ??= new Map());
    clearTimeout(timers.get(afi));
    timers.delete(afi);
    if (subtype === RouteRefreshSubtype.BEGINNING_OF_ROUTE_REFRESH) {
      this.rib.beginRefresh(r.index, afi);
      const t = setTimeout(() => this.#endRefresh(r, afi), gracefulRestartOf(r.config).stalePathTime * 1000);
      t.unref();
      timers.set(afi, t);
    } else if (subtype === RouteRefreshSubtype.END_OF_ROUTE_REFRESH) {
      this.#endRefresh(r, afi);
    }
  }

  /**
   * A peer's ROUTE-REFRESH costs a whole table, so what it can ask for is bounded: a request while
   * one is being answered (or waits) joins it, and beyond REFRESH_BURST requests answers come at
   * most one per REFRESH_EVERY_MS, the later ones deferred to then (one per family at most).
   */
  #answerRefresh(r: NeighborRuntime, afi: 1 | 2, enhanced: boolean): void {
    const deferred = (r.refreshDeferred ??= new Map());
    if (deferred.has(afi)) {
      r.counts.refreshJoined++;
      return;
    }
    const now = this.#clock.now();
    const bucket = (r.refreshBucket ??= new TokenBucket(REFRESH_BURST, REFRESH_EVERY_MS, now));
    const wait = bucket.wait(now);
    if (wait > 0) {
      r.counts.refreshDeferred++;
      this.#events.notice?.(r.config.address, `ROUTE-REFRESH requests are rate-limited (${REFRESH_BURST} at once, then one per ${REFRESH_EVERY_MS / 1000} s): answered in ${Math.ceil(wait / 1000)} s`);
      deferred.set(afi, this.#clock.setTimeout(() => {
        deferred.delete(afi);
        if (r.up) this.#resendFor(r, afi, r.negotiated?.enhancedRouteRefresh ?? false);
      }, wait));
      return;
    }
    if (this.#resendFor(r, afi, enhanced)) r.counts.refreshAnswered++;
    else r.counts.refreshJoined++;
  }

  /** Sends the family's table again (a token spent); false when an answer in progress covers it. */
  #resendFor(r: NeighborRuntime, afi: 1 | 2, enhanced: boolean): boolean {
    const done = this.rib.resend(r.index, afi, enhanced);
    if (done.started === 0) return false;
    r.refreshBucket?.take(this.#clock.now());
    this.#scheduleFlush();
    return true;
  }

  #endRefresh(r: NeighborRuntime, afi: 1 | 2): void {
    r.refreshTimers?.delete(afi);
    this.rib.endRefresh(r.index, afi);
    this.#scheduleFlush();
  }

  /** Ends the waits for EoRR and the deferred answers (the session went down or the neighbor goes). */
  #clearRefresh(r: NeighborRuntime): void {
    for (const t of r.refreshTimers?.values() ?? []) clearTimeout(t);
    r.refreshTimers?.clear();
    for (const t of r.refreshDeferred?.values() ?? []) this.#clock.clearTimeout(t);
    r.refreshDeferred?.clear();
  }

  #up(r: NeighborRuntime, neg: NegotiatedSession): void {
    const n = r.config;
    r.negotiated = neg;
    r.endOfRib = undefined;
    if (r.staleTimer) {
      // RFC 4724 4.2: back after a restart. Without the capability now, stale routes go at once;
      // otherwise they wait for its End-of-RIB, at most the stale-path time.
      if (!neg.gracefulRestart) this.#endStale(r);
      else this.#holdStale(r, gracefulRestartOf(n).stalePathTime);
    }
    const conn = r.session.snapshot().connection;
    const local = conn?.localAddress ?? '';
    const localIpv4 = n.nextHopIpv4 ? parseIpv4(n.nextHopIpv4) : local && !isIPv6(local) ? parseIpv4(local) : this.#routerId;
    const localIpv6 = n.nextHopIpv6 ? parseIpv6(n.nextHopIpv6) : local && isIPv6(local) ? parseIpv6(local) : sameInterfaceIpv6(local) ?? mappedIpv6(localIpv4);
    const localAs = n.localAs ?? this.config.asn;
    const peer: ExportPeer = {
      index: r.index,
      address: n.address,
      addressOctets: addressOctets(n.address),
      asn: neg.peerAs,
      bgpId: neg.peerId,
      ibgp: neg.ibgp,
      local: false,
      rrClient: n.routeReflectorClient ?? false,
      localAs,
      routerId: this.#routerId,
      clusterId: this.rib.options.clusterId,
      localIpv4,
      localIpv6,
      nextHopSelf: n.nextHopSelf ?? false,
      tx: neg.tx,
      gracefulShutdown: n.gracefulShutdown ?? false,
      ...(n.addPath?.send !== undefined ? { addPathSend: n.addPath.send } : {}),
      groupKey: `${neg.ibgp ? 'i' : 'e'}|${localAs}|${localIpv4}|${localIpv6.toString('hex')}|${neg.tx.as4 ? 4 : 2}|${n.nextHopSelf ? 's' : ''}|${n.routeReflectorClient ? 'c' : ''}|${n.gracefulShutdown ? 'g' : ''}`,
    };
    r.up = true;
    const importMap = this.#policyFor(n.importPolicy, neg.ibgp);
    const remote = n.address;
    const exclusive = n.exclusivePrefixes !== undefined ? this.rib.policy.policies.prefixLists.get(n.exclusivePrefixes) : undefined;
    const ingress = {
      allowasIn: n.allowasIn ?? 0,
      localIpv4: local && !isIPv6(local) ? parseIpv4(local) : undefined,
      importMap,
      keepAdjRibIn: n.softReconfigurationInbound ?? false,
      ...(n.addPath?.receive ? { maxPathsPerPrefix: n.addPath.maxPathsPerPrefix ?? 64 } : {}),
      // FRR's default: enforce-first-as on eBGP.
      enforceFirstAs: !neg.ibgp && (n.enforceFirstAs ?? true),
      ...(n.enforceNextHop ? { peerNextHop: isIPv6(remote) ? { ipv4: undefined, ipv6: parseIpv6(remote) } : { ipv4: parseIpv4(remote), ipv6: undefined } } : {}),
      // One group per peer group (a neighbor without one is a group of its own).
      ...(exclusive ? { exclusive: { list: exclusive, group: n.peerGroup ?? n.address } } : {}),
    };
    this.rib.peerUp({ ...peer, exportMap: this.#policyFor(n.exportPolicy, neg.ibgp) }, ingress, neg.afiSafis, (msgs) => r.session.send(msgs));
    // The table goes out over the next turns (a budget per turn), or as the socket drains.
    this.#scheduleFlush();
  }

  /**
   * The route-map for one direction of a neighbor. RFC 8212: an eBGP neighbor with no policy
   * exchanges nothing (as FRR's ebgp-requires-policy) unless `ebgpRequiresPolicy: false`.
   */
  #policyFor(name: string | undefined, ibgp: boolean): RouteMap | 'deny' | undefined {
    if (name !== undefined) return this.rib.policy.policies.routeMaps.get(name) ?? 'deny';
    return !ibgp && (this.config.ebgpRequiresPolicy ?? true) ? 'deny' : undefined;
  }

  /** Whether RFC 8212 blocks a direction of a neighbor (shown in the API). */
  rfc8212Blocked(r: NeighborRuntime, direction: 'import' | 'export'): boolean {
    const name = direction === 'import' ? r.config.importPolicy : r.config.exportPolicy;
    return name === undefined && r.negotiated !== undefined && !r.negotiated.ibgp && (this.config.ebgpRequiresPolicy ?? true);
  }

  /**
   * Max-prefix (RFC 4486): past the warning threshold a warning, once per session; past the limit
   * Cease 6/1 with AFI, SAFI and the limit as data, and a restart after `restartAfter` seconds.
   */
  #checkMaxPrefix(r: NeighborRuntime): void {
    const mp = r.config.maxPrefix;
    if (!mp || !r.up) return;
    for (const afi of [Afi.IPV4, Afi.IPV6] as const) {
      const name = afi === Afi.IPV4 ? 'ipv4-unicast' : 'ipv6-unicast';
      const cfg = 'limit' in mp ? mp : mp[name];
      if (!cfg) continue;
      const count = this.rib.received(r.index, afi);
      const warnAt = Math.floor((cfg.limit * (cfg.warningThreshold ?? 75)) / 100);
      if (count > cfg.limit && !cfg.warningOnly) {
        this.#events.maxPrefix?.(r.config.address, name, count, cfg.limit, 'teardown');
        const data = Buffer.alloc(7);
        data.writeUInt16BE(afi, 0);
        data[2] = Safi.UNICAST;
        data.writeUInt32BE(cfg.limit >>> 0, 3);
        r.session.stopFor(CeaseSubcode.MAX_PREFIXES_REACHED, 'max-prefix', data);
        if (cfg.restartAfter) {
          r.restartTimer = setTimeout(() => r.session.start(), cfg.restartAfter * 1000);
          r.restartTimer.unref();
        }
        return;
      }
      if (count >= warnAt && !r.warned.has(afi)) {
        r.warned.add(afi);
        this.#events.maxPrefix?.(r.config.address, name, count, cfg.limit, 'warning');
      }
    }
  }

  /** Refusals of the current session and the earlier ones (metrics). */
  refusals(r: NeighborRuntime): Record<RefusalReason, number> {
    const now = this.rib.peerStats(r.index)?.refused;
    const out = { ...r.counts.refused };
    if (now) for (const k of Object.keys(out) as RefusalReason[]) out[k] += now[k];
    return out;
  }

  #down(r: NeighborRuntime, reason: string): void {
    this.#clearRefresh(r);
    if (!r.up) return;
    const refused = this.rib.peerStats(r.index)?.refused;
    if (refused) for (const k of Object.keys(refused) as RefusalReason[]) r.counts.refused[k] += refused[k];
    r.up = false;
    r.warned.clear();
    const peerGr = r.negotiated?.gracefulRestart;
    // RFC 4724 4.2: a lost connection or an expired hold timer is a restart we help with; a
    // NOTIFICATION (without the RFC 8538 extension) or an administrative stop is not.
    // RFC 8538 4: with the N bit on both sides a received NOTIFICATION other than Hard Reset is
    // also a restart to help with (we always send N).
    const last = r.session.snapshot().lastNotificationReceived;
    const softNotification = reason === 'notification-received' && (peerGr?.notification ?? false) && !(last?.code === ErrorCode.CEASE && last.subcode === CeaseSubcode.HARD_RESET);
    const graceful = peerGr && !r.dynamic && r.config.gracefulRestart !== false && (softNotification || ['connection-lost', 'hold-timer-expired', 'send-hold-timer-expired'].includes(reason));
    if (graceful) {
      this.rib.peerDownGraceful(r.index);
      this.#holdStale(r, peerGr.restartTime);
    } else {
      this.#clearStale(r);
      this.rib.peerDown(r.index);
    }
    this.#trimCache();
    this.#scheduleFlush();
  }

  #holdStale(r: NeighborRuntime, seconds: number): void {
    if (r.staleTimer) clearTimeout(r.staleTimer);
    r.staleTimer = setTimeout(() => this.#endStale(r), seconds * 1000);
    r.staleTimer.unref();
  }

  #endStale(r: NeighborRuntime, afi?: 1 | 2): void {
    this.rib.purgeStale(r.index, afi);
    this.#trimCache();
    if (afi === undefined) this.#clearStale(r);
    this.#scheduleFlush();
  }

  #clearStale(r: NeighborRuntime): void {
    if (r.staleTimer) clearTimeout(r.staleTimer);
    r.staleTimer = undefined;
  }

  /**
   * Attribute sets no path holds any more leave the decode cache once they are three quarters of
   * it, so that memory returns when routes go (one sweep per that many dead sets: amortized O(1)).
   * The sweep runs SWEEP_SLICE entries per turn of the event loop: a million dead sets would
   * otherwise be one pause of about a second.
   */
  #trimCache(): void {
    if (!this.#cache.sweeping && this.#cache.size > 4 * this.rib.attrs.size + 1024) {
      this.#cache.beginSweep((a) => a !== null && this.rib.attrs.holds(a));
      const step = () => {
        if (!this.#cache.sweepStep(SWEEP_SLICE)) setImmediate(step);
      };
      setImmediate(step);
    }
    this.#compactWhenShrunk();
  }

  /**
   * When the table has lost seven eighths of its paths (at least 50,000) since memory was last
   * given back, a full collection runs a second later (once, however many withdrawals follow).
   * Not earlier: a full collection costs in proportion to what is still live, and this one runs
   * all at once (V8's own run alongside, a little at a time).
   */
  #compactWhenShrunk(): void {
    if (!this.#collectGarbage) return;
    const paths = this.rib.v4.paths + this.rib.v6.paths;
    if (paths > this.#pathsPeak) this.#pathsPeak = paths;
    if (this.#compaction || this.#pathsPeak - paths < 50_000 || paths > this.#pathsPeak / 8) return;
    this.#compaction = this.#clock.setTimeout(() => {
      this.#compaction = undefined;
      this.#pathsPeak = this.rib.v4.paths + this.rib.v6.paths;
      this.#collectGarbage!();
    }, 1000);
  }

  /** Changes from one socket read are sent together, once the read is processed. */
  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      if (this.rib.flushAll()) this.#scheduleFlush();
    });
  }
}

/** Route refreshes a peer gets answered at once, and then one per this many milliseconds. */
const REFRESH_BURST = 3;
const REFRESH_EVERY_MS = 10_000;

/** Decode-cache entries a sweep visits per turn of the event loop (about 20 ms). */
const SWEEP_SLICE = 32_768;

/** Items per turn of the event loop when a reload applies many of them. */
const RELOAD_SLICE = 2000;

async function inSlices<T>(items: readonly T[], apply: (item: T) => void): Promise<void> {
  for (let i = 0; i < items.length; i += RELOAD_SLICE) {
    if (i > 0) await new Promise((r) => setImmediate(r));
    for (const item of items.slice(i, i + RELOAD_SLICE)) apply(item);
  }
}

function kernelPrefixText(family: 4 | 6, dst: Buffer, len: number): string {
  return `${family === 4 ? ipv4ToString(dst.readUInt32BE(0)) : ipv6ToString(dst)}/${len}`;
}

function aggregateSpecs(list: DaemonConfig['aggregates']): AggregateSpec[] {
  return (list ?? []).map((a) => {
    const p = parsePrefix(a.prefix);
    return { afi: p.afi, words: [p.words[0], p.words[1], p.words[2], p.words[3]], len: p.length, summaryOnly: a.summaryOnly ?? false, asSet: a.asSet ?? false };
  });
}

/**
 * The global IPv6 address on the interface that holds `ipv4`: the next hop we announce for IPv6
 * prefixes over an IPv4 session (as FRR does), so the peer can reach it on the link.
 */
function sameInterfaceIpv6(ipv4: string): Buffer | undefined {
  for (const addrs of Object.values(networkInterfaces())) {
    if (!addrs?.some((a) => a.family === 'IPv4' && a.address === ipv4)) continue;
    const v6 = addrs.find((a) => a.family === 'IPv6' && !a.address.toLowerCase().startsWith('fe80'));
    if (v6) return parseIpv6(v6.address);
  }
  return undefined;
}

function mappedIpv6(v4: number): Buffer {
  const b = Buffer.alloc(16);
  b[10] = 0xff;
  b[11] = 0xff;
  b.writeUInt32BE(v4 >>> 0, 12);
  return b;
}
