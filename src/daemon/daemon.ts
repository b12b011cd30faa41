// The composition root: configuration -> sessions -> RIB. One writer: every change to the RIB is
// applied here, from session events (the event loop delivers them one at a time) and commands.
// Output is paced by the sessions' sockets: the RIB flushes a peer's Adj-RIB-Out when it can send.

import { isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { buildPolicySet } from '../config/policy.js';
import { parseCommunity, parseIpv4, parseIpv6, parsePrefix } from '../config/prefix.js';
import type { DaemonConfig, NeighborConfig } from '../config/types.js';
import { type Clock, Listener, type NegotiatedSession, Session, SystemClock, neighborRouter } from '../fsm/index.js';
import { type ExportPeer, type RouteMap, Rib, addressOctets } from '../rib/index.js';
import { Afi, AttributeCache, Safi, endOfRib } from '../wire/index.js';

export interface NeighborRuntime {
  readonly index: number;
  readonly config: NeighborConfig;
  readonly session: Session;
  up: boolean;
  /** AFIs whose max-prefix warning was raised in this session. */
  readonly warned: Set<number>;
  /** What the last session negotiated (graceful restart decides on it after the session is gone). */
  negotiated?: NegotiatedSession;
  /** Stale paths from a graceful restart are held until this timer (restart or stale-path time). */
  staleTimer?: NodeJS.Timeout;
}

/** What the daemon reports as it runs (logs, metrics and tests subscribe). */
export interface DaemonEvents {
  sessionState?(neighbor: string, from: string, to: string): void;
  sessionDown?(neighbor: string, reason: string): void;
  /** A neighbor crossed its max-prefix warning threshold, or its limit (and was torn down unless warning-only). */
  maxPrefix?(neighbor: string, afi: string, count: number, limit: number, action: 'warning' | 'teardown'): void;
}

export interface DaemonOptions {
  readonly clock?: Clock;
  readonly events?: DaemonEvents;
}

export class Daemon {
  readonly config: DaemonConfig;
  readonly rib: Rib;
  readonly neighbors = new Map<string, NeighborRuntime>();
  readonly listener: Listener;
  readonly #clock: Clock;
  readonly #events: DaemonEvents;
  readonly #cache = new AttributeCache();
  readonly #routerId: number;
  #flushScheduled = false;

  constructor(config: DaemonConfig, options: DaemonOptions = {}) {
    this.config = config;
    this.#clock = options.clock ?? new SystemClock();
    this.#events = options.events ?? {};
    this.#routerId = parseIpv4(config.routerId);
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
    });
    for (const n of config.neighbors) {
      for (const name of [n.importPolicy, n.exportPolicy]) {
        if (name !== undefined && !this.rib.options.policies.routeMaps.has(name)) throw new Error(`neighbor ${n.address}: route-map "${name}" is not defined`);
      }
    }
    config.neighbors.forEach((n, i) => this.#addNeighbor(n, i + 1));
    const listen = config.listen ?? {};
    this.listener = new Listener({ addresses: listen.addresses ?? ['0.0.0.0', '::'], port: listen.port ?? 179 }, neighborRouter(new Map([...this.neighbors].map(([a, n]) => [a, n.session]))));
    for (const o of config.originate ?? []) this.originate(o.prefix, o.communities ?? [], o.med, o.localPref);
  }

  async start(): Promise<void> {
    await this.listener.start();
    for (const n of this.neighbors.values()) {
      if (n.config.password) this.listener.setPassword(n.config.address, n.config.password);
      if (n.config.enabled !== false) n.session.start();
    }
  }

  /** SIGTERM: Cease / Administrative Shutdown to every peer, then close the listener. */
  async stop(message = 'nodebgp shutting down'): Promise<void> {
    for (const n of this.neighbors.values()) n.session.stop(message);
    await new Promise((r) => setTimeout(r, 100));
    for (const n of this.neighbors.values()) n.session.close();
    await this.listener.close();
  }

  originate(prefix: string, communities: readonly string[] = [], med?: number, localPref?: number): void {
    const p = parsePrefix(prefix);
    const attrs = {
      origin: 0 as const,
      asPath: [],
      ...(communities.length > 0 ? { communities: communities.map(parseCommunity) } : {}),
      ...(med !== undefined ? { med } : {}),
      ...(localPref !== undefined ? { localPref } : {}),
    };
    this.rib.originate(p.afi, p.words, p.length, attrs);
    this.#scheduleFlush();
  }

  /** Soft reset out: sends the neighbor everything again. Returns false for an unknown neighbor. */
  softResetOut(address: string): boolean {
    const n = this.neighbors.get(address);
    if (!n) return false;
    this.rib.resend(n.index);
    return true;
  }

  withdrawOriginated(prefix: string): void {
    const p = parsePrefix(prefix);
    this.rib.withdrawOriginated(p.afi, p.words, p.length);
    this.#scheduleFlush();
  }

  #addNeighbor(n: NeighborConfig, index: number): void {
    const c = this.config;
    const afiSafis = (n.addressFamilies ?? (isIPv6(n.address) ? ['ipv6-unicast'] : ['ipv4-unicast'])).map((f) =>
      f === 'ipv4-unicast' ? { afi: Afi.IPV4, safi: Safi.UNICAST } : { afi: Afi.IPV6, safi: Safi.UNICAST });
    const holdTime = n.holdTime ?? c.holdTime ?? 90;
    let runtime: NeighborRuntime;
    const session = new Session(
      {
        remoteAddress: n.address,
        remotePort: n.port,
        localAddress: n.localAddress,
        passive: n.passive,
        password: n.password,
        ttlSecurityHops: n.ttlSecurityHops,
        ttl: n.ebgpMultihop,
        timers: n.timers,
        attributeCache: this.#cache,
        open: {
          localAs: n.localAs ?? c.asn,
          routerId: this.#routerId,
          remoteAs: n.remoteAs,
          holdTime,
          keepaliveTime: n.keepaliveTime ?? c.keepaliveTime,
          minHoldTime: 3,
          afiSafis,
          extendedMessage: true,
          ...(n.gracefulRestart === false ? {} : { gracefulRestart: { restartTime: grOf(n).restartTime } }),
        },
      },
      {
        stateChange: (from, to) => this.#events.sessionState?.(n.address, from, to),
        established: (neg) => this.#up(runtime, neg),
        down: (reason) => {
          this.#events.sessionDown?.(n.address, reason);
          this.#down(runtime, reason);
        },
        message: (m) => {
          if (m.type === 'update') {
            const eor = endOfRib(m);
            // RFC 4724 4.2: End-of-RIB from a restarted peer ends the wait; what it did not resend goes.
            if (eor !== undefined && runtime.staleTimer) this.#endStale(runtime, (eor >>> 8) as 1 | 2);
            this.rib.applyUpdate(index, m);
            this.#checkMaxPrefix(runtime);
            this.#scheduleFlush();
          } else if (m.subtype === 0 && (m.afi === Afi.IPV4 || m.afi === Afi.IPV6) && m.safi === Safi.UNICAST) {
            // RFC 2918: a ROUTE-REFRESH is answered by sending the Adj-RIB-Out again.
            this.rib.resend(index, m.afi);
          }
        },
        writable: () => this.rib.flush(index),
      },
      this.#clock,
    );
    runtime = { index, config: n, session, up: false, warned: new Set() };
    this.neighbors.set(n.address, runtime);
  }

  #up(r: NeighborRuntime, neg: NegotiatedSession): void {
    const n = r.config;
    r.negotiated = neg;
    if (r.staleTimer) {
      // RFC 4724 4.2: back after a restart. Without the capability now, stale routes go at once;
      // otherwise they wait for its End-of-RIB, at most the stale-path time.
      if (!neg.gracefulRestart) this.#endStale(r);
      else this.#holdStale(r, grOf(n).stalePathTime);
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
      groupKey: `${neg.ibgp ? 'i' : 'e'}|${localAs}|${localIpv4}|${localIpv6.toString('hex')}|${neg.tx.as4 ? 4 : 2}|${n.nextHopSelf ? 's' : ''}|${n.routeReflectorClient ? 'c' : ''}|${n.gracefulShutdown ? 'g' : ''}`,
    };
    r.up = true;
    const importMap = this.#policyFor(n.importPolicy, neg.ibgp);
    this.rib.peerUp({ ...peer, exportMap: this.#policyFor(n.exportPolicy, neg.ibgp) }, { allowasIn: n.allowasIn ?? 0, localIpv4: local && !isIPv6(local) ? parseIpv4(local) : undefined, importMap }, neg.afiSafis, (msgs) => r.session.send(msgs));
  }

  /**
   * The route-map for one direction of a neighbor. RFC 8212: an eBGP neighbor with no policy
   * exchanges nothing (as FRR's ebgp-requires-policy) unless `ebgpRequiresPolicy: false`.
   */
  #policyFor(name: string | undefined, ibgp: boolean): RouteMap | 'deny' | undefined {
    if (name !== undefined) return this.rib.options.policies.routeMaps.get(name);
    return !ibgp && (this.config.ebgpRequiresPolicy ?? true) ? 'deny' : undefined;
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
        r.session.stopFor(1, 'max-prefix', data);
        if (cfg.restartAfter) {
          const t = setTimeout(() => r.session.start(), cfg.restartAfter * 1000);
          t.unref();
        }
        return;
      }
      if (count >= warnAt && !r.warned.has(afi)) {
        r.warned.add(afi);
        this.#events.maxPrefix?.(r.config.address, name, count, cfg.limit, 'warning');
      }
    }
  }

  #down(r: NeighborRuntime, reason: string): void {
    if (!r.up) return;
    r.up = false;
    r.warned.clear();
    const peerGr = r.negotiated?.gracefulRestart;
    // RFC 4724 4.2: a lost connection or an expired hold timer is a restart we help with; a
    // NOTIFICATION (without the RFC 8538 extension) or an administrative stop is not.
    const graceful = peerGr && r.config.gracefulRestart !== false && ['connection-lost', 'hold-timer-expired', 'send-hold-timer-expired'].includes(reason);
    if (graceful) {
      this.rib.peerDownGraceful(r.index);
      this.#holdStale(r, peerGr.restartTime);
    } else {
      this.#clearStale(r);
      this.rib.peerDown(r.index);
    }
    this.#scheduleFlush();
  }

  #holdStale(r: NeighborRuntime, seconds: number): void {
    if (r.staleTimer) clearTimeout(r.staleTimer);
    r.staleTimer = setTimeout(() => this.#endStale(r), seconds * 1000);
    r.staleTimer.unref();
  }

  #endStale(r: NeighborRuntime, afi?: 1 | 2): void {
    this.rib.purgeStale(r.index, afi);
    if (afi === undefined) this.#clearStale(r);
    this.#scheduleFlush();
  }

  #clearStale(r: NeighborRuntime): void {
    if (r.staleTimer) clearTimeout(r.staleTimer);
    r.staleTimer = undefined;
  }

  /** Changes from one socket read are sent together, once the read is processed. */
  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.rib.flushAll();
    });
  }
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

function grOf(n: NeighborConfig): { restartTime: number; stalePathTime: number } {
  const g = typeof n.gracefulRestart === 'object' ? n.gracefulRestart : {};
  return { restartTime: g.restartTime ?? 120, stalePathTime: g.stalePathTime ?? 360 };
}

function mappedIpv6(v4: number): Buffer {
  const b = Buffer.alloc(16);
  b[10] = 0xff;
  b[11] = 0xff;
  b.writeUInt32BE(v4 >>> 0, 12);
  return b;
}
