// The daemon's read model: what the API, the CLI and the metrics see. Plain JSON-ready objects,
// computed on demand from the sessions and the RIB (nothing is copied on the hot path). Route
// listings are paged: a full table is never built in one response.

import { parsePrefix, parseIpv4, parseCommunity } from '../config/prefix.js';
import { type PathRecord, type Gateway, type Position, type Resolution, type RouteRecord, judgeOrigin, prefixText } from '../rib/index.js';
import {
  Afi, type AfiCode, type PathAttributes, asPathText, attributeName, attributesJson, communityToString, extendedCommunityJson, ipv4ToString, ipv6ToString,
  messageJson, type NotificationMessage, notificationName,
} from '../wire/index.js';
import type * as C from './contract/index.js';
import type { Daemon, Peer } from './daemon.js';
import { bfdOf, extendedNextHopNegotiated } from './neighbor.js';

type FamilyName = C.FamilyName;
const afiOf = (f: FamilyName): AfiCode => (f === 'ipv4-unicast' ? Afi.IPV4 : Afi.IPV6);

function total(c: object): number {
  return (Object.values(c) as number[]).reduce((a, b) => a + b, 0);
}

/** Which directions RFC 8212 blocks for a neighbor without policy. */
function rfc8212Of(n: Peer) {
  return { importBlocked: n.rfc8212Blocked('import'), exportBlocked: n.rfc8212Blocked('export') };
}

/**
 * A neighbor's BFD session (null without BFD): configuration, state and diagnostics, negotiated
 * intervals and detection time, counters. State changes reach it at once; counters every second.
 */
export function bfdDetail(d: Daemon, n: Peer): C.BfdSession | null {
  const b = bfdOf(n.config);
  if (!b) return null;
  const key = n.config.address;
  const s = d.bfd.snapshot(key);
  const iso = (ms: number | null | undefined) => (ms !== null && ms !== undefined ? new Date(ms).toISOString() : null);
  return {
    peer: key,
    strict: b.strict,
    configured: { transmitIntervalMs: b.timing.desiredMinTxUs / 1000, receiveIntervalMs: b.timing.requiredMinRxUs / 1000, detectMultiplier: b.timing.detectMult, passive: b.timing.passive },
    // Before the worker's first report: AdminDown for a neighbor shut down (no session runs), else Down.
    state: s?.state ?? (n.config.enabled === false ? 'AdminDown' : 'Down'),
    remoteState: s?.remoteState ?? null,
    localDiag: s?.localDiag ?? 'none',
    remoteDiag: s?.remoteDiag ?? 'none',
    localDiscriminator: s?.localDiscriminator ?? null,
    remoteDiscriminator: s?.remoteDiscriminator ?? null,
    transmitIntervalMs: s?.transmitIntervalMs ?? null,
    receiveIntervalMs: s?.receiveIntervalMs ?? null,
    detectionTimeMs: s?.detectionTimeMs ?? null,
    remoteDetectMultiplier: s?.remoteDetectMultiplier ?? null,
    upSince: iso(s?.upSince),
    lastStateChange: iso(s?.lastStateChangeAt),
    upTransitions: s?.upTransitions ?? 0,
    downTransitions: s?.downTransitions ?? 0,
    packetsSent: s?.packetsSent ?? 0,
    packetsReceived: s?.packetsReceived ?? 0,
    packetsDiscarded: s?.packetsDiscarded ?? 0,
    error: d.bfd.error(key) ?? null,
  };
}

/** Every BFD session (like FRR's `show bfd peers`). */
export function bfdSessions(d: Daemon): C.BfdSessions {
  const sessions = [...d.neighbors.values()].map((n) => bfdDetail(d, n)).filter((x) => x !== null);
  return { sessions, unmatchedPackets: d.bfd.unmatchedPackets };
}

/** Like FRR's `show bgp summary json`: one entry per neighbor, counters and prefixes per family. */
export function summary(d: Daemon): C.Summary {
  const now = d.now();
  const peers: Record<string, C.SummaryPeer> = {};
  for (const [address, n] of d.neighbors) {
    const s = n.session.snapshot();
    const stats = d.rib.peerStats(n.index);
    peers[address] = {
      remoteAs: s.negotiated?.peerAs ?? n.config.remoteAs,
      localAs: n.config.localAs ?? d.config.asn,
      description: n.config.description ?? null,
      peerGroup: n.config.peerGroup ?? null,
      dynamic: n.dynamic,
      state: s.state,
      adminShutdown: !s.enabled,
      peerUptimeMsec: s.establishedAtMs !== null && s.state === 'Established' ? Math.round(now - s.establishedAtMs) : 0,
      msgRcvd: total(s.received),
      msgSent: total(s.sent),
      pfxRcd: stats ? total(stats.received) : 0,
      pfxSnt: stats ? total(stats.advertised) : 0,
      outQueue: stats?.pending ?? 0,
      connectionsDropped: s.flaps,
      lastDownReason: s.lastDownReason,
      /** Since the session last went down (null: it never did); FRR shows it in Up/Down. */
      lastDownMsec: s.lastDownAtMs !== null ? Math.round(now - s.lastDownAtMs) : null,
      /** Accepted and sent prefixes per negotiated family. */
      families: Object.fromEntries(Object.keys(stats?.advertised ?? {}).map((f) => [f, { pfxRcd: stats!.received[f] ?? 0, pfxSnt: stats!.advertised[f] ?? 0 }])),
      rfc8212: rfc8212Of(n),
      bfdState: bfdDetail(d, n)?.state ?? null,
    };
  }
  return {
    routerId: d.routerId,
    as: d.config.asn,
    uptimeMsec: Math.round(d.now() - d.startedAt),
    ribCount: { 'ipv4-unicast': d.rib.v4.prefixes, 'ipv6-unicast': d.rib.v6.prefixes },
    pathCount: { 'ipv4-unicast': d.rib.v4.paths, 'ipv6-unicast': d.rib.v6.paths },
    attributeSets: d.rib.attrs.size,
    fib: d.fibBridge ? { ...d.fibBridge.fib.stats(), table: d.fibBridge.fib.options.table, restarting: d.restarting } : null,
    totalPeers: d.neighbors.size,
    establishedPeers: [...d.neighbors.values()].filter((n) => n.up).length,
    peers,
  };
}

/** One neighbor in detail: configuration, negotiated capabilities, timers, counters, errors. */
export function neighborDetail(d: Daemon, n: Peer): C.Neighbor {
  const s = n.session.snapshot();
  const neg = s.negotiated;
  const stats = d.rib.peerStats(n.index);
  const c = n.config;
  const link = c.interface === undefined ? undefined : d.unnumbered.linkOf(c.interface);
  return {
    address: c.address,
    unnumbered: link ? { interface: c.interface!, neighborAddress: link.learned ?? null, advertisements: link.advertisements, otherSources: link.others, addressChanges: link.changes } : null,
    description: c.description ?? null,
    peerGroup: c.peerGroup ?? null,
    dynamic: n.dynamic,
    remoteAs: neg?.peerAs ?? c.remoteAs,
    localAs: c.localAs ?? d.config.asn,
    type: neg ? (neg.ibgp ? 'internal' : 'external') : null,
    state: s.state,
    adminShutdown: !s.enabled,
    establishedAt: s.establishedAtMs !== null ? d.wallTime(s.establishedAtMs).toISOString() : null,
    connection: s.connection ?? null,
    remoteRouterId: neg ? ipv4ToString(neg.peerId) : null,
    timers: {
      holdTimeConfigured: c.holdTime ?? d.config.holdTime ?? 90,
      holdTime: neg?.holdTime ?? null,
      keepaliveTime: neg?.keepaliveTime ?? null,
    },
    capabilities: neg ? {
      families: neg.afiSafis.map((k) => (k >>> 8 === Afi.IPV4 ? 'ipv4-unicast' : 'ipv6-unicast')),
      fourOctetAs: neg.as4,
      routeRefresh: neg.routeRefresh,
      enhancedRouteRefresh: neg.enhancedRouteRefresh,
      extendedMessage: neg.extendedMessage,
      gracefulRestart: neg.gracefulRestart ? { restartTime: neg.gracefulRestart.restartTime, restartState: neg.gracefulRestart.restartState, notification: neg.gracefulRestart.notification } : null,
      /** Per negotiated family: ADD-PATH each way (RFC 7911), graceful restart forwarding state (RFC 4724), extended next hop (RFC 8950). */
      byFamily: Object.fromEntries(neg.afiSafis.map((k) => [k >>> 8 === Afi.IPV4 ? 'ipv4-unicast' : 'ipv6-unicast', {
        addPath: { send: neg.tx.addPath.has(k), receive: neg.rx.addPath.has(k) },
        gracefulRestart: neg.gracefulRestart?.afiSafis.some((e) => e.key === k) ? { forwarding: neg.gracefulRestart.afiSafis.find((e) => e.key === k)!.forwarding } : null,
        extendedNextHop: k >>> 8 === Afi.IPV4 && extendedNextHopNegotiated(c, neg),
        longLivedStaleTime: neg.longLivedStaleTime?.get(k) ?? null,
      }])),
      hostname: neg.hostname ?? null,
      received: neg.peerCapabilities.map((cap) => cap.type),
    } : null,
    messages: { sent: s.sent, received: s.received },
    prefixes: stats ? { received: stats.received, advertised: stats.advertised, pending: stats.pending } : null,
    liveness: s.liveness,
    bfd: bfdDetail(d, n),
    policy: {
      import: c.importPolicy ?? null,
      export: c.exportPolicy ?? null,
      rfc8212: rfc8212Of(n),
      softReconfigurationInbound: c.softReconfigurationInbound ?? false,
      maxPrefix: c.maxPrefix ?? null,
      gracefulShutdown: c.gracefulShutdown ?? false,
    },
    flaps: s.flaps,
    connectFailures: s.connectFailures,
    connectRetryCounter: s.failures,
    lastDownReason: s.lastDownReason,
    lastDownAt: s.lastDownAtMs !== null ? d.wallTime(s.lastDownAtMs).toISOString() : null,
    lastNotificationSent: s.lastNotificationSent ? notificationJson(s.lastNotificationSent) : null,
    lastNotificationReceived: s.lastNotificationReceived ? notificationJson(s.lastNotificationReceived) : null,
  };
}

/** A NOTIFICATION: code and subcode, FRR's name for it ("Cease/Administrative Shutdown"), the RFC 9003 text, the data in hex. */
function notificationJson(n: NotificationMessage): C.Notification {
  const wire = messageJson(n) as { communication?: string };
  return { code: n.code, subcode: n.subcode, name: notificationName(n.code, n.subcode), communication: wire.communication ?? null, data: n.data.toString('hex') };
}

// --- routes --------------------------------------------------------------------------------------

export interface RouteQuery {
  readonly family: FamilyName;
  /** Exact prefix; with `longer`, every prefix inside it. */
  readonly prefix?: string;
  readonly longer?: boolean;
  /** Longest-prefix match for an address. */
  readonly lookup?: string;
  /** Only paths from this neighbor ("local" for our own). */
  readonly neighbor?: string;
  /** Only paths carrying this community. */
  readonly community?: string;
  /** Only paths in this RFC 6811 state (FRR's `show bgp ipv4 unicast rpki invalid`). */
  readonly rpki?: C.RpkiState;
  /** Page size (at most 1000) and the prefix the previous page ended with. */
  readonly limit?: number;
  readonly after?: string;
}

export class QueryError extends Error {}

function nextHopText(nh: number | Buffer): string {
  if (typeof nh === 'number') return nh === 0 ? 'self' : ipv4ToString(nh);
  if (nh.length === 0 || nh.every((b) => b === 0)) return 'self';
  return ipv6ToString(nh.subarray(0, 16));
}

/** A path in the contract's shape; `wall` turns the RIB's clock into wall time. */
export function pathJson(p: PathRecord, wall: (ms: number) => Date): C.Path {
  const attrs = p.attrs;
  return {
    from: p.peerAddress ?? p.source,
    peerAs: p.peerAs,
    pathId: p.pathId,
    nextHop: nextHopText(p.nextHop),
    asPath: asPathText(p.asPath),
    origin: ORIGINS[attrs.origin ?? 0],
    med: attrs.med ?? null,
    localPref: attrs.localPref ?? null,
    weight: p.weight,
    communities: (attrs.communities ?? []).map(communityToString),
    largeCommunities: (attrs.largeCommunities ?? []).map(([g, a, b]) => `${g}:${a}:${b}`),
    originatorId: attrs.originatorId !== undefined ? ipv4ToString(attrs.originatorId) : null,
    clusterList: (attrs.clusterList ?? []).map(ipv4ToString),
    atomicAggregate: attrs.atomicAggregate ?? false,
    aggregator: attrs.aggregator ? { asn: attrs.aggregator.asn, address: ipv4ToString(attrs.aggregator.address) } : null,
    extendedCommunities: (attrs.extendedCommunities ?? []).map(extendedCommunityJson),
    /** Attributes we do not interpret, as received (optional transitive ones are passed on). */
    unknownAttributes: (attrs.unknown ?? []).map((u) => ({ type: u.type, name: attributeName(u.type), flags: u.flags, value: u.value.toString('hex') })),
    stale: p.stale,
    lastUpdate: wall(p.at * 1000).toISOString(),
  };
}

const ORIGINS = ['igp', 'egp', 'incomplete'] as const;

/** A route's paths, at most MAX_PATHS_SHOWN of them (the count of the rest is given). */
function routeJson<P>(r: RouteRecord, path: (p: PathRecord) => P): { prefix: string; paths: P[]; pathsNotShown?: number } {
  const paths = r.paths.slice(0, MAX_PATHS_SHOWN).map(path);
  return { prefix: r.prefix, paths, ...(r.paths.length > MAX_PATHS_SHOWN ? { pathsNotShown: r.paths.length - MAX_PATHS_SHOWN } : {}) };
}

/** A Loc-RIB route: each path with the decision's outcome. */
function rankedJson(d: Daemon, r: RouteRecord): C.Route {
  const wall = (ms: number) => d.wallTime(ms);
  return routeJson(r, (p) => ({ ...pathJson(p, wall), best: p.best, multipath: p.multipath, lostOn: p.lostOn, rpki: p.rpki, nexthop: nexthopJson(p.nexthop) }));
}

function nexthopJson(r: Resolution | null): C.RankedPath['nexthop'] {
  return r && { accessible: r.reachable, metric: r.reachable ? r.metric : null, via: r.via };
}

/** A page holds at most this many octets of JSON (besides its count limit): large attribute sets cannot make one huge. */
export const PAGE_BYTES = 4 * 1024 * 1024;
/** Paths listed per route in a page; the rest are counted. */
const MAX_PATHS_SHOWN = 256;

/** A page of `items` (already after the cursor): at most `limit` and PAGE_BYTES; `next` is the last prefix when more follow. */
function paged<T extends { prefix: string }, J>(items: Iterable<T>, limit: number, render: (t: T) => J): C.PageOf<J> {
  const out: J[] = [];
  let bytes = 0;
  let last: string | null = null;
  for (const it of items) {
    const json = render(it);
    const size = JSON.stringify(json).length;
    if (out.length === limit || (out.length > 0 && bytes + size > PAGE_BYTES)) return { items: out, next: last };
    out.push(json);
    bytes += size;
    last = it.prefix;
  }
  return { items: out, next: null };
}

function positionOf(text: string, afi: AfiCode, what: string): Position {
  const p = parsePrefix(text);
  if (p.afi !== afi) throw new QueryError(`${what} ${text} is not of the family asked for`);
  return { words: p.words, len: p.length };
}

/** A page of the Loc-RIB of one family, filtered. */
export function routes(d: Daemon, q: RouteQuery): C.RoutePage {
  const afi = afiOf(q.family);
  const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
  const only = pathFilter(q);
  const after = q.after !== undefined ? positionOf(q.after, afi, 'after') : undefined;
  let records: Iterable<RouteRecord>;
  if (q.lookup !== undefined) {
    const hit = d.query.lookup(afi, { words: addressWords(afi, q.lookup), len: afi === Afi.IPV4 ? 32 : 128 });
    records = hit && !after ? [hit] : [];
  } else if (q.prefix !== undefined) {
    const p = positionOf(q.prefix, afi, 'prefix');
    if (q.longer) records = d.query.routes(afi, { within: p, ...(after ? { after } : {}), ...(only ? { only } : {}) });
    else {
      // One prefix in detail, as FRR's `show bgp ipv4 unicast PREFIX`: also whom it was sent to.
      const hit = d.query.route(afi, p, only);
      return paged(hit && !after ? [hit] : [], limit, (r) => ({ ...rankedJson(d, r), advertisedTo: d.query.advertisedTo(afi, p) }));
    }
  } else records = d.query.routes(afi, { ...(after ? { after } : {}), ...(only ? { only } : {}) });
  return paged(records, limit, (r) => rankedJson(d, r));
}

function pathFilter(q: RouteQuery): ((p: PathRecord) => boolean) | undefined {
  const tests: ((p: PathRecord) => boolean)[] = [];
  if (q.neighbor !== undefined) {
    const who = q.neighbor.toLowerCase();
    tests.push((p) => (who === 'local' ? p.source !== 'peer' : p.peerAddress === who));
  }
  if (q.community !== undefined) {
    const c = parseCommunity(q.community);
    tests.push((p) => p.attrs.communities?.includes(c) ?? false);
  }
  if (q.rpki !== undefined) {
    const want = q.rpki;
    tests.push((p) => p.rpki === want);
  }
  return tests.length === 0 ? undefined : (p) => tests.every((t) => t(p));
}

function addressWords(afi: AfiCode, address: string): [number, number, number, number] {
  if (afi === Afi.IPV4) {
    if (address.includes(':')) throw new QueryError(`${address} is not an IPv4 address`);
    return [parseIpv4(address), 0, 0, 0];
  }
  const p = parsePrefix(`${address}/128`);
  return [...p.words];
}

/**
 * A neighbor's routes: `received` pre-policy (needs softReconfigurationInbound), `accepted`
 * (post-policy, in the Loc-RIB) or `advertised` (what its Adj-RIB-Out sent).
 */
export function neighborRoutes(d: Daemon, n: Peer, which: 'received' | 'accepted' | 'advertised', family: FamilyName, limit = 100, afterText?: string): C.NeighborRoutePage {
  const afi = afiOf(family);
  const max = Math.min(Math.max(limit, 1), 1000);
  const after = afterText !== undefined ? positionOf(afterText, afi, 'after') : undefined;
  const o = after ? { after } : {};
  if (which === 'received') {
    const received = d.query.received(n.index, afi, o);
    if (!received) throw new QueryError(n.up ? `pre-policy routes are kept only with softReconfigurationInbound: true (neighbor ${n.config.address})` : `neighbor ${n.config.address} is not Established`);
    const wall = (ms: number) => d.wallTime(ms);
    return paged(received, max, (r) => routeJson(r, (p) => pathJson(p, wall)));
  }
  if (which === 'accepted') return paged(d.query.accepted(n.index, afi, o), max, (r) => rankedJson(d, r));
  const advertised = d.query.advertised(n.index, afi, o);
  if (!advertised) throw new QueryError(`neighbor ${n.config.address} is not Established for ${family}`);
  // The path shape of the other views (the attributes as sent; `attributes` as the wire JSON has them).
  return paged(advertised, max, (r) => ({ prefix: r.prefix, paths: r.attrs ? [sentPathJson(r.attrs)] : [], attributes: r.attrs ? attributesJson(r.attrs) as Record<string, unknown> : null }));
}

/** What was sent for a prefix, in the path shape: from us, with the attributes as they went out. */
function sentPathJson(a: PathAttributes): C.SentPath {
  return {
    from: 'self',
    nextHop: a.nextHop !== undefined ? ipv4ToString(a.nextHop) : null,
    asPath: asPathText(a.asPath ?? []),
    origin: ORIGINS[a.origin ?? 0],
    med: a.med ?? null,
    localPref: a.localPref ?? null,
    weight: 0,
    communities: (a.communities ?? []).map(communityToString),
    largeCommunities: (a.largeCommunities ?? []).map(([g, l1, l2]) => `${g}:${l1}:${l2}`),
    extendedCommunities: (a.extendedCommunities ?? []).map(extendedCommunityJson),
    stale: false,
  };
}

/** The tracked next hops and how each resolves, like FRR's `show bgp nexthop`. */
export function trackedNexthops(d: Daemon): C.TrackedNexthops {
  const t = d.nexthopTracking?.tracker;
  const text = (g: Gateway) => `${g.address.length === 4 ? ipv4ToString(g.address.readUInt32BE(0)) : ipv6ToString(g.address)}${g.ifindex ? `%${g.ifindex}` : ''}`;
  return {
    tracking: t !== undefined,
    nexthops: (t?.entries() ?? []).map((e) => ({
      nexthop: e.nexthop, connectedOnly: e.connectedOnly, accessible: e.resolution.reachable, metric: e.resolution.reachable ? e.resolution.metric : null,
      via: e.resolution.via, gateways: e.resolution.gateways.map(text),
    })),
  };
}

/** The RPKI caches, like FRR's `show rpki cache-connection`. */
export function rpkiStatus(d: Daemon): C.RpkiStatus {
  const caches = d.rpki.caches?.status() ?? [];
  return {
    caches: caches.map((c) => ({
      address: c.config.address, port: c.config.port, preference: c.config.preference, connected: c.connected, inUse: c.inUse,
      state: c.session.state, protocolVersion: c.session.version, sessionId: c.session.sessionId ?? null, serial: c.session.serial ?? null,
      refreshInterval: c.session.intervals.refresh, retryInterval: c.session.intervals.retry, expireInterval: c.session.intervals.expire,
      vrps: { ipv4: c.table.count(1), ipv6: c.table.count(2) },
      updates: c.session.updates, resets: c.session.resets, errors: c.session.errors, lastError: c.session.lastError ?? null,
    })),
  };
}

/** A prefix and origin AS judged against the caches in use, with the VRPs covering it (FRR's `show rpki prefix`). */
export function rpkiValidate(d: Daemon, prefix: string, originAs: number): C.RpkiValidation {
  const caches = d.rpki.caches;
  if (!caches) throw new QueryError('no rpki.caches are configured');
  const p = parsePrefix(prefix);
  const tables = caches.active;
  const covering = tables.flatMap((t) => t.coveringVrps(p.afi, p.words, p.length))
    .map((v) => ({ prefix: prefixText(v.afi, v.words, v.length), maxLength: v.maxLength, asn: v.asn }));
  return { prefix: prefixText(p.afi, p.words, p.length), originAs, state: judgeOrigin(tables, p.afi, p.words, p.length, originAs), covering };
}
