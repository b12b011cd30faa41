// BMP in the daemon: the configured collectors (bmp.ts) fed from the neighbors' sessions and the
// RIB's read face; the Peer's monitor hooks land here.

import { hostname } from 'node:os';
import type { DaemonConfig } from '../config/types.js';
import type { Clock } from '../fsm/index.js';
import type { RibQuery, RouteMap } from '../rib/index.js';
import { Afi, type AfiCode } from '../wire/index.js';
import { type BmpCollector, type BmpPeerInfo, BmpMonitor } from './bmp.js';
import type { Peer, PeerMonitor } from './peer.js';

export interface BmpLinkContext {
  readonly clock: Clock;
  readonly query: RibQuery;
  readonly localAs: number;
  readonly routerId: number;
  readonly established: () => Iterable<Peer>;
  readonly peerStats: (p: Peer) => { routes: number; prePolicy: number | undefined; loops: number };
  readonly log: (level: 'info' | 'warn', collector: string, message: string) => void;
}

/**
 * An import policy that changes nothing of what it lets in: none, or a route-map whose entries set
 * at most a weight (local to us, not a route attribute). 'deny' lets nothing in.
 */
function keepsRoutes(map: RouteMap | 'deny' | undefined): boolean {
  if (map === undefined || map === 'deny') return true;
  // Asked per UPDATE; a route-map object does not change (a reload makes a new one).
  let keeps = keeping.get(map);
  if (keeps === undefined) keeping.set(map, (keeps = map.entries.every((e) => Object.keys(e.set).every((k) => k === 'weight'))));
  return keeps;
}
const keeping = new WeakMap<RouteMap, boolean>();

/** A neighbor as BMP needs it, or undefined while it is not Established with both OPENs known. */
function infoOf(p: Peer, stats: BmpLinkContext['peerStats']): BmpPeerInfo | undefined {
  const neg = p.negotiated;
  const opens = p.session.opens();
  if (!p.up || !neg || !opens) return undefined;
  const c = p.session.snapshot().connection;
  const families = [Afi.IPV4, Afi.IPV6].filter((afi) => neg.afiSafis.some((k) => k >>> 8 === afi)) as AfiCode[];
  return {
    index: p.index, address: p.remoteAddress ?? p.address, asn: neg.peerAs, bgpId: neg.peerId, rx: neg.rx, tx: neg.tx, families, opens, ibgp: neg.ibgp,
    importKeepsRoutes: () => keepsRoutes(p.policy('import')),
    local: { address: c?.localAddress ?? null, port: c?.localPort ?? 0, remotePort: c?.remotePort ?? 0 },
    stats: () => stats(p),
  };
}

export class BmpLink implements PeerMonitor {
  readonly monitor: BmpMonitor;
  readonly #ctx: BmpLinkContext;
  /** Each Established neighbor's facts, made once per session (they do not change while it is up). */
  readonly #infos = new Map<Peer, BmpPeerInfo>();

  constructor(ctx: BmpLinkContext) {
    this.#ctx = ctx;
    this.monitor = new BmpMonitor({
      clock: ctx.clock,
      query: ctx.query,
      localAs: ctx.localAs,
      routerId: ctx.routerId,
      sysName: hostname(),
      sysDescr: `nodebgp (BGP-4 in TypeScript), Node.js ${process.version}`,
      peers: () => [...ctx.established()].map((p) => this.#info(p)).filter((x): x is BmpPeerInfo => x !== undefined),
      wallNow: () => Date.now(),
      log: ctx.log,
    });
  }

  configure(config: DaemonConfig, start: boolean): void {
    // Pre-policy by default, as GoBGP: the UPDATEs as received cost BGP little (framed, not
    // encoded again); every other view encodes routes again and is asked for by name.
    const collectors: BmpCollector[] = (config.bmp?.collectors ?? []).map((c) => ({ address: c.address, port: c.port ?? 1790, monitor: c.monitor ?? ['pre-policy'] }));
    this.monitor.configure(collectors, config.bmp?.statisticsInterval ?? 60, start);
  }

  #info(peer: Peer): BmpPeerInfo | undefined {
    let info = this.#infos.get(peer);
    if (!info) {
      info = infoOf(peer, this.#ctx.peerStats);
      if (info) this.#infos.set(peer, info);
    }
    return info;
  }

  up(peer: Peer): void {
    this.#infos.delete(peer);
    if (!this.monitor.active) return;
    const info = this.#info(peer);
    if (info) this.monitor.peerUp(info);
  }

  down(peer: Peer, reason: string, notification: Parameters<Required<PeerMonitor>['down']>[2]): void {
    this.#infos.delete(peer);
    const neg = peer.negotiated;
    if (!this.monitor.active || !neg) return;
    this.monitor.peerDown({ index: peer.index, address: peer.remoteAddress ?? peer.address, asn: neg.peerAs, bgpId: neg.peerId, rx: neg.rx, tx: neg.tx }, reason, notification);
  }

  sent(peer: Peer, messages: readonly Buffer[]): void {
    const neg = peer.negotiated;
    if (!this.monitor.active || !neg || !peer.up) return;
    const info = this.#info(peer);
    if (info) this.monitor.sent(info, messages);
  }

  update(peer: Peer, m: Parameters<Required<PeerMonitor>['update']>[1], frame: Buffer | undefined): void {
    if (!this.monitor.active) return;
    const info = this.#info(peer);
    if (info) this.monitor.update(info, m, frame);
  }
}
