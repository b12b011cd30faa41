// The composition root: configuration -> peers (src/daemon/peer.ts) -> RIB, with BFD, the kernel
// and dynamic neighbors beside them. One writer: every change to the RIB is applied here or by a
// peer, from session events (the event loop delivers them one at a time), API commands and
// config reloads, each a synchronous step, so they never interleave. Output is paced by the
// sessions' sockets: the RIB flushes a peer's Adj-RIB-Out when it can send.

import { type ConfigDiff, diffConfig } from '../config/diff.js';
import { buildPolicySet } from '../config/policy.js';
import { parseIpv4, parsePrefix } from '../config/prefix.js';
import type { DaemonConfig, NeighborConfig } from '../config/types.js';
import { BfdManager, type BfdManagerOptions, type BfdStateChange } from '../bfd/index.js';
import { type Clock, type DownReason, Listener, type Session, SystemClock, neighborRouter } from '../fsm/index.js';
import { Rib, RibQuery } from '../rib/index.js';
import { Afi, AttributeCache, CeaseSubcode } from '../wire/index.js';
import { type KernelRoute, RT_TABLE_MAIN, TableLock } from '../fib/index.js';
import { type AnnounceRequest, CommandError, type ReloadResult, type SoftResetResult } from './commands.js';
import { DynamicRanges, type RefusedReason, dynamicCounts } from './dynamic.js';
import type { DaemonEvents } from './events.js';
import { FibBridge } from './fib-bridge.js';
import { NexthopTracking, connectedOnlyOf } from './nexthop-tracking.js';
import { MemoryKeeper } from './memory.js';
import { HeapGuard, v8Heap } from './heap-guard.js';
import { DumpSchedule, type RibDump, writeRibDump } from './mrt-dump.js';
import { bfdVerdict, syncBfd } from './bfd-link.js';
import { sessionOptions } from './neighbor.js';
import { aggregateSpecs, originationOf } from './origination.js';
import { Peer, type PeerContext, type PeerMonitor, monitors } from './peer.js';
import { UpdateLog } from './mrt-updates.js';
import { PeerTable } from './peer-table.js';
import { inSlices, reloadResult } from './reload.js';
import { type RestartEnd, RestartWait } from './restart.js';
import { ribSettings } from './rib-setup.js';
import { RpkiLink, fibFilterMatchesRpki } from './rpki.js';
import { BmpLink } from './bmp-link.js';
import { Unnumbered, type UnnumberedOptions } from './unnumbered.js';

export type { RefusedReason } from './dynamic.js';
export type { DaemonEvents, SessionDownDetail } from './events.js';
export { type AnnounceRequest, CommandError, RELOAD_LISTED, type ReloadResult } from './commands.js';
export { Peer } from './peer.js';

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
  /** Unnumbered neighbors' router advertisement socket and link reader; tests give their own. */
  readonly unnumbered?: UnnumberedOptions['advertiser'];
}

export class Daemon {
  config: DaemonConfig;
  readonly rib: Rib;
  /** The RIB's read face: all the API and metrics may ask of the RIB. */
  readonly query: RibQuery;
  readonly neighbors = new PeerTable();
  readonly listener: Listener;
  /** BFD sessions by neighbor address, run in a worker thread. */
  readonly bfd: BfdManager;
  /** When the daemon was made, on its clock (see now()). */
  readonly startedAt: number;
  /** Incoming connections refused, by reason (sources are not kept: an attacker chooses them). */
  readonly refused: Record<RefusedReason, number> = { 'unknown-source': 0, 'dynamic-limit': 0, 'dynamic-pending': 0, 'dynamic-damped': 0 };
  readonly #clock: Clock;
  #dumping = false;
  readonly #dumps: DumpSchedule;
  readonly #events: DaemonEvents;
  readonly #cache = new AttributeCache();
  readonly #memory: MemoryKeeper;
  readonly #routerId: number;
  readonly #dynamic: DynamicRanges;
  readonly #peerContext: PeerContext;
  #flushScheduled = false;
  #started = false;
  #tableLock: TableLock | undefined;
  /** Kernel routes, when installed (fib.enabled). */
  fibBridge: FibBridge | undefined;
  /** Next-hop tracking, with the FIB (fib.nexthopTracking). */
  nexthopTracking: NexthopTracking | undefined;
  /** RFC 4724 restarting speaker: kernel routes kept from the last run, until every End-of-RIB. */
  #restart: RestartWait | undefined;
  /**
   * RFC 4724 4.1 selection deferral within it: ends at the End-of-RIB of every neighbor but those
   * without the capability or restarting themselves (they wait for ours), or with the restart.
   */
  #deferral: RestartWait | undefined;
  /** RPKI caches (RFC 8210) and revalidation when their VRPs change. */
  readonly rpki: RpkiLink;
  /** BMP monitoring stations (RFC 7854). */
  readonly bmp: BmpLink;
  /** MRT update log (mrt.updatesInterval), while configured and started. */
  #updateLog: UpdateLog | undefined;
  /** What watches every neighbor: BMP, and the MRT update log while one runs (read per UPDATE: kept, not made per call). */
  #monitors: readonly PeerMonitor[] = [];
  /** Interface neighbors: their links' router advertisements and learned addresses. */
  readonly unnumbered: Unnumbered;

  constructor(config: DaemonConfig, options: DaemonOptions = {}) {
    this.config = config;
    this.#clock = options.clock ?? new SystemClock();
    this.startedAt = this.#clock.now();
    this.#events = options.events ?? {};
    this.#routerId = parseIpv4(config.routerId);
    this.bfd = new BfdManager({ stateChange: (key, c) => this.#bfdChanged(key, c), error: (key, m) => this.#events.bfdError?.(key, m) }, options.bfd);
    this.rib = this.#newRib(config);
    this.query = new RibQuery(this.rib);
    this.bmp = new BmpLink({
      clock: this.#clock,
      query: this.query,
      localAs: config.asn,
      routerId: this.#routerId,
      established: () => [...this.neighbors.values()].filter((p) => p.up),
      peerStats: (p) => {
        const s = this.rib.peerStats(p.index);
        const routes = s ? Object.values(s.received).reduce((a, b) => a + b, 0) : 0;
        const kept = [Afi.IPV4, Afi.IPV6].map((afi) => this.rib.adjRibIn(p.index, afi)?.prefixes);
        const prePolicy = kept.some((n) => n !== undefined) ? kept.reduce<number>((a, n) => a + (n ?? 0), 0) : undefined;
        return { routes, prePolicy, loops: (s?.refused.loop ?? 0) + p.counts.refused.loop };
      },
      log: (level, collector, message) => this.#events.bmp?.(collector, level, message),
    });
    this.#setUpdateLog(undefined);
    this.#dumps = new DumpSchedule(this.#clock, () => this.#timedDump());
    this.#memory = new MemoryKeeper(this.#clock, this.rib, this.#cache, options.collectGarbage);
    const heap = new HeapGuard(this.#clock, v8Heap, options.collectGarbage);
    this.#peerContext = {
      clock: this.#clock,
      rib: this.rib,
      events: this.#events,
      cache: this.#cache,
      routerId: this.#routerId,
      config: () => this.config,
      restarting: () => this.restarting,
      endOfRib: (p) => {
        for (const w of [this.#deferral, this.#restart]) w?.endOfRib(p.address, p.negotiated?.afiSafis ?? [], p.endOfRib ?? new Set());
      },
      noEndOfRibExpected: (p) => this.#deferral?.exempt(p.address),
      dynamicDown: (p, uptimeMs) => this.#dynamic.ended(p.address, uptimeMs),
      dynamicIdle: (p) => setImmediate(() => this.neighbors.get(p.address) === p && this.#removeNeighbor(p)),
      scheduleFlush: () => this.#scheduleFlush(),
      routesReleased: () => this.#memory.released(),
      heapFull: () => heap.full(),
      monitor: monitors(() => this.#monitors, (e) => this.#events.bmp?.('monitor', 'warn', `a monitor (BMP or the MRT update log) failed: ${e.message}`)),
    };
    for (const n of config.neighbors) {
      for (const name of [n.importPolicy, n.exportPolicy]) {
        if (name !== undefined && !this.rib.policy.policies.routeMaps.has(name)) throw new Error(`neighbor ${n.address}: route-map "${name}" is not defined`);
      }
    }
    for (const n of config.neighbors) this.#addNeighbor(n, false);
    this.unnumbered = new Unnumbered({
      clock: this.#clock, events: this.#events, peers: () => this.neighbors.values(), started: () => this.#started, advertiser: options.unnumbered,
      learned: (p) => this.#started && syncBfd(this.bfd, p),
    });
    this.#dynamic = new DynamicRanges(() => this.#clock.now());
    this.#dynamic.set(config.dynamicNeighbors ?? []);
    const listen = config.listen ?? {};
    const router = neighborRouter({ get: (address) => this.neighbors.get(address)?.session ?? this.unnumbered.route(address) }, [{ prefix: '::', length: 0, session: (a) => this.#dynamicSession(a) }, { prefix: '0.0.0.0', length: 0, session: (a) => this.#dynamicSession(a) }]);
    this.listener = new Listener({ addresses: listen.addresses ?? ['0.0.0.0', '::'], port: listen.port ?? 179 }, router);
    this.listener.onRefused = (source, reason) => this.#refuse(source, reason as RefusedReason);
    for (const o of config.originate ?? []) this.announce(o);
    this.rib.setAggregates(aggregateSpecs(config.aggregates));
    this.rpki = new RpkiLink({
      clock: this.#clock,
      rib: this.rib,
      events: this.#events,
      refresh: (index) => this.neighbors.byIndex(index)?.softIn(),
      refreshFib: () => fibFilterMatchesRpki(this.rib, this.config) && this.fibBridge?.refreshAll(),
      flush: () => this.#scheduleFlush(),
    });
    this.rpki.configure(config, false);
    this.bmp.configure(config, false);
  }

  #newRib(config: DaemonConfig): Rib {
    return new Rib({
      ...ribSettings(config, this.#routerId),
      now: () => this.#clock.now(),
      attributeCache: this.#cache,
      events: {
        unsendable: (peer, _afi, prefix, octets, max) => this.neighbors.byIndex(peer.index)?.unsendable(prefix, octets, max),
        outputFailed: (index, e) => this.neighbors.byIndex(index)?.outputFailed(e),
      },
    });
  }

  /** Attribute sets in the decode cache (metrics, tests). */
  get attributeCacheSize(): number {
    return this.#cache.size;
  }

  /** The session clock's now (milliseconds, monotonic): session timestamps are on it. */
  now(): number {
    return this.#clock.now();
  }

  /** An MRT snapshot of the RIB (RFC 6396 TABLE_DUMP_V2) into mrt.directory; one at a time. */
  async dumpRib(name?: string): Promise<RibDump> {
    if (this.#dumping) throw new CommandError('conflict', 'a dump is under way');
    this.#dumping = true;
    try {
      return await writeRibDump(this.rib, this.config.mrt?.directory, name, (at) => Math.floor(this.wallTime(at * 1000).getTime() / 1000));
    } finally {
      this.#dumping = false;
    }
  }

  async #timedDump(): Promise<void> {
    try {
      this.#events.ribDumped?.(await this.dumpRib());
    } catch (e) {
      this.#events.ribDumpFailed?.((e as Error).message);
    }
  }

  /** A session timestamp as wall-clock time. */
  wallTime(ms: number): Date {
    return new Date(Date.now() - (this.#clock.now() - ms));
  }

  get routerId(): string {
    return this.config.routerId;
  }

  get started(): boolean {
    return this.#started;
  }

  get restarting(): boolean {
    return this.#restart !== undefined;
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
    for (const p of this.neighbors.values()) this.#startNeighbor(p);
    this.unnumbered.configure();
    this.#memory.started();
    this.#dumps.set(this.config.mrt?.ribInterval);
    this.rpki.start();
    this.bmp.monitor.start();
    this.#startUpdateLog();
  }

  /** The MRT update log of the configuration in force (none without mrt.updatesInterval). */
  #startUpdateLog(): void {
    this.#updateLog?.stop();
    this.#setUpdateLog(undefined);
    const m = this.config.mrt;
    if (!m?.directory || m.updatesInterval === undefined) return;
    const log = new UpdateLog({ directory: m.directory, interval: m.updatesInterval, ...(m.updatesMaxSize ? { maxSize: m.updatesMaxSize } : {}) }, this.#clock, (p) => p.config.localAs ?? this.config.asn, {
      rotated: (file, records, octets) => this.#events.mrtUpdates?.('info', `MRT update log ${file}: ${records} records, ${octets} bytes`),
      problem: (message) => this.#events.mrtUpdates?.('warn', message),
    });
    this.#setUpdateLog(log);
    log.start();
  }

  #setUpdateLog(log: UpdateLog | undefined): void {
    this.#updateLog = log;
    this.#monitors = log ? [this.bmp, log] : [this.bmp];
  }

  /**
   * Opens the kernel side and looks at what an earlier run left: with `retain` those routes keep
   * forwarding and we restart gracefully; otherwise they are removed now.
   */
  async #startFib(): Promise<void> {
    const c = this.config.fib ?? {};
    if (c.enabled === false) return;
    const tracking = c.nexthopTracking === false ? undefined : new NexthopTracking({
      rib: this.rib, clock: this.#clock, table: c.table ?? RT_TABLE_MAIN, resolveViaDefault: c.resolveViaDefault ?? false,
      connectedOnly: connectedOnlyOf((index) => this.neighbors.byIndex(index)?.config), events: this.#events, flush: () => this.#scheduleFlush(),
    });
    this.nexthopTracking = tracking;
    const bridge = new FibBridge({
      otherRoutes: tracking,
      config: c,
      clock: this.#clock,
      rib: this.rib,
      filter: () => (this.config.fib?.filter ? this.rib.policy.policies.routeMaps.get(this.config.fib.filter) : undefined),
      localAddressOfPeer: (index) => this.neighbors.byIndex(index)?.session.snapshot().connection?.localAddress,
      events: this.#events,
    });
    this.fibBridge = bridge;
    const others: KernelRoute[] = [];
    const kept = await bridge.fib.start((r) => others.push(r));
    tracking?.kernelRoutes(others);
    if (kept > 0 && c.retain) {
      const waiting = [...this.neighbors.values()].filter((p) => !p.dynamic && p.config.enabled !== false).map((p) => p.address);
      // RFC 4724 4.1: our selection waits for the neighbors' End-of-RIB (or restartTime): no
      // UPDATE or End-of-RIB of ours goes out, and the kernel keeps the routes it has, until then.
      // The kept routes nothing installed again go only once every neighbor has sent End-of-RIB.
      this.rib.outputHeld = true;
      bridge.fib.pause();
      this.#deferral = new RestartWait(this.#clock, waiting, c.restartTime ?? 120, () => this.#endDeferral());
      this.#restart = new RestartWait(this.#clock, waiting, c.restartTime ?? 120, (reason) => this.#endRestart(reason));
      this.#setOpens();
      this.#events.fibStarted?.(kept, true);
      return;
    }
    this.#events.fibStarted?.(kept, false);
    if (kept > 0) this.#events.fibReconciled?.(bridge.fib.reconcile(), 'start');
  }

  /** Our OPEN for every neighbor, with or without the restart bits. */
  #setOpens(): void {
    for (const p of this.neighbors.values()) p.session.setOpen(sessionOptions(p.config, this.config, this.#routerId, this.#cache, this.restarting).open);
  }

  /** Our selection goes out to the peers and into the kernel. */
  #endDeferral(): void {
    this.#deferral?.cancel();
    this.#deferral = undefined;
    this.rib.outputHeld = false;
    this.#scheduleFlush();
    this.fibBridge?.fib.resume();
  }

  #endRestart(reason: RestartEnd): void {
    this.#restart = undefined;
    this.#endDeferral();
    this.#setOpens();
    // What the restart did not install again is removed once what is pending has gone out.
    const bridge = this.fibBridge;
    if (bridge) void bridge.fib.settled().then(() => this.#events.fibReconciled?.(bridge.fib.reconcile(), reason));
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
    for (const p of this.neighbors.values()) {
      if (retain) p.session.abandon();
      else p.session.stop(message);
      // RFC 5880 6.8.16: BFD peers hear AdminDown, not a failure.
      this.bfd.setAdminDown(p.address, true);
    }
    // The NOTIFICATIONs and AdminDown packets leave before the sockets close.
    await new Promise<void>((r) => this.#clock.setTimeout(r, 100));
    for (const p of this.neighbors.values()) {
      p.session.close();
      p.clearTimers();
    }
    this.#restart?.cancel();
    this.#deferral?.cancel();
    this.unnumbered.close();
    this.rpki.stop();
    this.bmp.monitor.stop(message);
    this.#updateLog?.stop();
    this.#setUpdateLog(undefined);
    this.#memory.stop();
    this.#dumps.stop();
    this.nexthopTracking?.stop();
    this.nexthopTracking = undefined;
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
    const o = originationOf(r, this.config.asn);
    this.rib.originate(o.afi, o.words, o.len, o.attrs, o.nextHop);
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

  neighbor(address: string): Peer {
    return this.neighbors.find(address);
  }

  /** Administrative shutdown (Cease 6/2 with the message); stays down until enabled. */
  shutdownNeighbor(address: string, message?: string): void {
    const p = this.neighbor(address);
    p.config = { ...p.config, enabled: false };
    p.session.stop(message);
    syncBfd(this.bfd, p);
  }

  enableNeighbor(address: string): void {
    const p = this.neighbor(address);
    p.config = { ...p.config, enabled: true };
    if (this.#started) {
      syncBfd(this.bfd, p);
      p.startSession();
    }
  }

  /** Hard reset: Cease 6/4, then the session starts again. */
  resetNeighbor(address: string, message?: string): void {
    const p = this.neighbor(address);
    if (p.remoteAddress !== undefined) p.session.reset(message);
  }

  /**
   * Soft reset without touching the session. Out: send the Adj-RIB-Out again. In: re-apply import
   * policy from the kept routes (soft-reconfiguration inbound), or ask the peer to resend
   * (ROUTE-REFRESH, RFC 2918). Returns what was done.
   */
  softReset(address: string, direction: 'in' | 'out' | 'both' = 'both'): SoftResetResult {
    const p = this.neighbor(address);
    if (!p.up) throw new CommandError('conflict', `neighbor ${address} is not Established`);
    const result: SoftResetResult = {};
    if (direction !== 'out') result.in = p.softIn();
    if (direction !== 'in') {
      // With enhanced route refresh the whole table again, between BoRR and EoRR (the peer drops
      // what is not resent); without it only the differences to what was sent, so that routes the
      // policy now denies are withdrawn (a plain resend cannot withdraw them).
      if (p.negotiated?.enhancedRouteRefresh) this.rib.resend(p.index, undefined, true);
      else this.rib.reexport(p.index);
      result.out = 'resent';
    }
    this.#scheduleFlush();
    return result;
  }

  /**
   * Applies a new configuration: refused (nothing changes) when it needs a restart; otherwise
   * neighbors are added, removed, reset or updated in place, and policy is re-applied by soft
   * reconfiguration (sessions stay up).
   */
  async reload(next: DaemonConfig): Promise<ReloadResult> {
    const d: ConfigDiff = diffConfig(this.config, next);
    if (d.restartNeeded.length > 0) throw new CommandError('restart-needed', `changing ${d.restartNeeded.join(', ')} needs a restart of nodebgpd; nothing was changed`);
    const policies = d.policyChanged ? buildPolicySet(next.policy) : undefined;
    this.config = next;
    this.#dumps.set(next.mrt?.ribInterval);
    if (d.mrtChanged && this.#started) this.#startUpdateLog();
    if (policies) this.rib.setPolicies(policies);
    for (const a of d.removed) this.#removeNeighbor(this.neighbors.get(a)!, CeaseSubcode.PEER_DECONFIGURED, 'peer-deconfigured');
    // A reset neighbor keeps its BFD session (the path did not change); #startNeighbor adjusts it.
    for (const n of d.reset) this.#removeNeighbor(this.neighbors.get(n.address)!, CeaseSubcode.OTHER_CONFIGURATION_CHANGE, 'config-change', true);
    for (const n of [...d.added, ...d.reset]) {
      const p = this.#addNeighbor(n, false);
      if (this.#started) this.#startNeighbor(p);
    }
    if (this.#started) this.unnumbered.configure();
    if (d.dynamicChanged) this.#dynamic.set(next.dynamicNeighbors ?? []);
    if (d.aggregatesChanged) this.rib.setAggregates(aggregateSpecs(next.aggregates));
    if (d.rpkiChanged) this.rpki.configure(next, this.#started);
    if (d.bmpChanged) this.bmp.configure(next, this.#started);
    // The FIB filter (or the lists it reads) changed: every prefix is looked at again.
    if (d.fibFilterChanged || d.policyChanged) this.fibBridge?.refreshAll();
    const softNames = new Set(d.soft.map((n) => n.address));
    for (const n of d.soft) this.#applySoft(this.neighbors.get(n.address)!, n);
    if (d.policyChanged) {
      for (const p of this.neighbors.values()) if (!softNames.has(p.address) && p.up) p.repolicy();
    }
    // Hundreds of thousands of originations are applied a slice per turn of the event loop, so
    // that sessions keep their timers meanwhile.
    await inSlices(d.originateRemoved, (a) => this.withdraw(a));
    await inSlices(d.originateAdded, (o) => this.announce(o));
    this.#scheduleFlush();
    return reloadResult(d);
  }

  /** Settings that change in place: policy, max-prefix, graceful shutdown, description, enabled. */
  #applySoft(p: Peer, n: NeighborConfig): void {
    const before = p.config;
    p.config = n;
    if ((before.enabled ?? true) !== (n.enabled ?? true)) {
      if (n.enabled === false) p.session.stop('neighbor disabled by configuration');
      else if (this.#started) p.startSession();
    }
    if (this.#started) syncBfd(this.bfd, p);
    if (p.up) {
      p.repolicy();
      p.checkMaxPrefix();
    }
  }

  // --- neighbors ----------------------------------------------------------------------------------

  #addNeighbor(n: NeighborConfig, dynamic: boolean): Peer {
    const p = new Peer(this.#peerContext, this.neighbors.nextIndex(), n, dynamic);
    this.neighbors.add(p);
    this.#events.neighborAdded?.(n.address, dynamic);
    if (!dynamic && !n.importPolicy && !n.exportPolicy && n.remoteAs !== this.config.asn && n.remoteAs !== 'internal' && (this.config.ebgpRequiresPolicy ?? true)) {
      this.#events.notice?.(n.address, 'eBGP neighbor without importPolicy/exportPolicy: nothing is accepted or sent (RFC 8212; set ebgpRequiresPolicy: false to change)');
    }
    return p;
  }

  #startNeighbor(p: Peer): void {
    if (p.config.password) this.listener.setPassword(p.address, p.config.password);
    syncBfd(this.bfd, p);
    if (p.config.enabled !== false) p.startSession();
  }

  /** Stops and forgets a neighbor; its routes are withdrawn. */
  #removeNeighbor(p: Peer, subcode: number = CeaseSubcode.PEER_DECONFIGURED, reason: DownReason = 'peer-deconfigured', keepBfd = false): void {
    if (p.session.snapshot().state !== 'Idle') p.session.stopFor(subcode, reason);
    p.session.close();
    if (!keepBfd) this.bfd.remove(p.address);
    p.clearTimers();
    if (p.up) p.ended(reason);
    this.rib.peerDown(p.index);
    if (p.config.password) this.listener.setPassword(p.address, undefined);
    this.neighbors.remove(p);
    this.#events.neighborRemoved?.(p.address);
    this.#scheduleFlush();
  }

  /** RFC 5882: BFD's verdict on the neighbor's path reaches its session. */
  #bfdChanged(key: string, c: BfdStateChange): void {
    const p = this.neighbors.get(key);
    if (!p) return;
    this.#events.bfdState?.(key, c);
    const up = bfdVerdict(c);
    if (up !== undefined) p.session.bfd(up);
  }

  #refuse(source: string, reason: RefusedReason): void {
    this.refused[reason]++;
    this.#events.connectionRefused?.(source, reason);
  }

  /** A connection from an unconfigured source: a session from the first dynamic range holding it, or why not. */
  #dynamicSession(address: string): Session | RefusedReason {
    const admitted = this.#dynamic.admit(address, (cfg) => dynamicCounts(this.neighbors.values(), cfg.peerGroup));
    if (typeof admitted === 'string') return admitted;
    const p = this.#addNeighbor({ ...admitted.template, address, passive: true }, true);
    syncBfd(this.bfd, p);
    p.session.start();
    return p.session;
  }

  // --- output -------------------------------------------------------------------------------------

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
