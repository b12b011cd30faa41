// What BMP says about the daemon (RFC 7854, RFC 9069): per-peer headers for a neighbor's
// pre-policy and post-policy Adj-RIB-In and for our Loc-RIB, Peer Up and Down from a session's
// facts, and routes from the RIB's read face encoded as UPDATEs the collector can parse with the
// capabilities of the OPENs it was shown. No I/O; the stations (bmp.ts) send what this builds.

import type { PathRecord, Position, RouteRecord } from '../rib/index.js';
import {
  Afi, type AfiCode, BmpDownReason, BmpPeerFlag, BmpPeerType, type BmpPeer, type CodecContext, type NlriBlock, type NotificationMessage,
  type PathAttributes, Safi, afiSafiKey, encodeAnnouncements, encodeNotification, encodeOpen, encodePathAttributes, encodePeerDown, encodePerPeerHeader, encodeRouteMonitoring,
  encodeRouteMonitoringWith, encodeWithdrawals, endOfRibMessage, makeContext,
} from '../wire/index.js';

/** A neighbor as BMP shows it: who it is and how UPDATEs are encoded from it (rx) and to it (tx). */
export interface MonitoredPeer {
  readonly address: string;
  readonly asn: number;
  readonly bgpId: number;
  readonly rx: CodecContext;
  readonly tx: CodecContext;
}

/** A neighbor's Adj-RIB-In before and after import policy (RFC 7854), its Adj-RIB-Out before and after export policy (RFC 8671). */
export type RibView = 'pre-policy' | 'post-policy' | 'rib-out-pre-policy' | 'rib-out-post-policy';

export const isOutView = (v: RibView): boolean => v === 'rib-out-pre-policy' || v === 'rib-out-post-policy';

/**
 * The per-peer header of one of a neighbor's RIB views (RFC 7854 4.2; RFC 8671 4: the O flag for
 * the Adj-RIB-Out, whose UPDATEs are encoded as sent, so the A flag follows our side's encoding).
 */
export function peerHeader(p: MonitoredPeer, view: RibView, nowMs: number): BmpPeer {
  const out = isOutView(view);
  const post = view === 'post-policy' || view === 'rib-out-post-policy';
  const flags = (p.address.includes(':') ? BmpPeerFlag.V : 0) | (post ? BmpPeerFlag.L : 0) | ((out ? p.tx : p.rx).as4 ? 0 : BmpPeerFlag.A) | (out ? BmpPeerFlag.O : 0);
  return { type: BmpPeerType.GLOBAL, flags, address: p.address, asn: p.asn, bgpId: p.bgpId, timestampMs: nowMs };
}

/** RFC 9069 4.1: the Loc-RIB instance peer: our own AS and identifier, no address. */
export function locRibHeader(asn: number, bgpId: number, nowMs: number): BmpPeer {
  return { type: BmpPeerType.LOC_RIB, flags: 0, address: null, asn, bgpId, timestampMs: nowMs };
}

/** How Loc-RIB routes are encoded: 4-octet AS paths, no ADD-PATH. */
export const LOC_RIB_CONTEXT = makeContext({ as4: true, extendedMessage: true });

const widened = new WeakMap<CodecContext, CodecContext>();

/**
 * A session's context with room for extended messages (RFC 8654): a route after import policy
 * may carry more than fits the 4,096 octets the neighbor sent it in, and a BMP message is not
 * bound by the session's size.
 */
export function wide(ctx: CodecContext): CodecContext {
  if (ctx.extendedMessage) return ctx;
  let w = widened.get(ctx);
  if (!w) widened.set(ctx, (w = makeContext({ as4: ctx.as4, addPath: ctx.addPath, extendedMessage: true })));
  return w;
}

/**
 * RFC 9069 4.4: the Loc-RIB instance's Peer Up carries an OPEN of ours as both the sent and the
 * received one: our AS and identifier, the families and 4-octet AS numbers.
 */
export function locRibOpen(asn: number, bgpId: number): Buffer {
  return encodeOpen({
    type: 'open', version: 4, myAs: asn > 0xffff ? 23456 : asn, holdTime: 0, bgpId,
    params: [[{ type: 'multiprotocol', afi: Afi.IPV4, safi: Safi.UNICAST }, { type: 'multiprotocol', afi: Afi.IPV6, safi: Safi.UNICAST }, { type: 'four-octet-as', asn }]],
  });
}

/** Why a session ended, as RFC 7854 4.9 codes it. */
export function peerDownMessage(header: BmpPeer, reason: string, notification: { direction: 'sent' | 'received'; message: NotificationMessage } | undefined): Buffer {
  if (reason === 'peer-deconfigured') return encodePeerDown(header, BmpDownReason.PEER_DECONFIGURED);
  if (notification) {
    return encodePeerDown(header, notification.direction === 'sent' ? BmpDownReason.LOCAL_NOTIFICATION : BmpDownReason.REMOTE_NOTIFICATION, encodeNotification(notification.message));
  }
  if (reason === 'connection-lost') return encodePeerDown(header, BmpDownReason.REMOTE_NO_NOTIFICATION);
  // Closed here without a NOTIFICATION (a graceful-restart stop, a lost connection we noticed):
  // no FSM event code applies (0).
  return encodePeerDown(header, BmpDownReason.LOCAL_NO_NOTIFICATION, 0);
}

const stride = (afi: AfiCode) => (afi === Afi.IPV4 ? 3 : 6);

function block(afi: AfiCode, entries: readonly { at: Position; pathId: number }[], addPath: boolean): NlriBlock {
  const st = stride(afi);
  const words = new Uint32Array(entries.length * st);
  entries.forEach((e, i) => {
    const b = i * st;
    words[b] = e.pathId;
    words[b + 1] = e.at.len;
    for (let k = 0; k < st - 2; k++) words[b + 2 + k] = e.at.words[k];
  });
  return { afi, addPath, words };
}

/**
 * Encoded attribute lists by attribute set, context and next hop: routes that share attributes
 * (most do) are encoded once, as the Adj-RIB-Out does, not once per message.
 */
const encoded = new WeakMap<PathAttributes, WeakMap<CodecContext, Map<number | string, Buffer>>>();

function attributeBytes(attrs: PathAttributes, ctx: CodecContext, afi: AfiCode, nextHop: number | Buffer): Buffer {
  let byCtx = encoded.get(attrs);
  if (!byCtx) encoded.set(attrs, (byCtx = new WeakMap()));
  let byNh = byCtx.get(ctx);
  if (!byNh) byCtx.set(ctx, (byNh = new Map()));
  const nhKey = afi === Afi.IPV4 ? (typeof nextHop === 'number' ? nextHop : nextHop.readUInt32BE(0)) : '';
  let b = byNh.get(nhKey);
  if (!b) {
    // IPv4 unicast carries its next hop in NEXT_HOP; IPv6 in MP_REACH_NLRI (added per message).
    const { nextHop: _nh, ...rest } = attrs;
    b = encodePathAttributes(afi === Afi.IPV4 ? { ...rest, nextHop: nhKey as number } : rest, ctx);
    byNh.set(nhKey, b);
  }
  return b;
}

/** One UPDATE's worth of paths: same attributes and next hop. */
interface Group {
  readonly attrs: PathAttributes;
  readonly nextHop: number | Buffer;
  readonly entries: { at: Position; pathId: number }[];
}

/**
 * Route Monitoring messages for routes (announcements, grouped by attributes and next hop) and
 * withdrawals, encoded with `ctx` (packed to its message size as any UPDATE).
 */
export function routeMessages(header: BmpPeer, afi: AfiCode, sessionCtx: CodecContext, routes: readonly { at: Position; path: PathRecord }[], withdrawn: readonly { at: Position; pathId: number }[]): Buffer[] {
  const ctx = wide(sessionCtx);
  const addPath = ctx.addPath.has(afiSafiKey(afi, Safi.UNICAST));
  const out: Buffer[] = [];
  const head = encodePerPeerHeader(header);
  if (withdrawn.length > 0) for (const u of encodeWithdrawals(block(afi, withdrawn, addPath), ctx)) out.push(encodeRouteMonitoringWith(head, u));
  const groups = new Map<PathAttributes, Group[]>();
  for (const r of routes) {
    let list = groups.get(r.path.attrs);
    if (!list) groups.set(r.path.attrs, (list = []));
    const nh = r.path.nextHop;
    let g = list.find((x) => (typeof nh === 'number' ? x.nextHop === nh : Buffer.isBuffer(x.nextHop) && x.nextHop.equals(nh)));
    if (!g) list.push((g = { attrs: r.path.attrs, nextHop: nh, entries: [] }));
    g.entries.push({ at: r.at, pathId: r.path.pathId });
  }
  for (const list of groups.values()) {
    for (const g of list) {
      const bytes = attributeBytes(g.attrs, ctx, afi, g.nextHop);
      const mp = afi === Afi.IPV4 ? undefined : { safi: Safi.UNICAST, nextHop: typeof g.nextHop === 'number' ? Buffer.alloc(16) : g.nextHop };
      for (const u of encodeAnnouncements(bytes, block(afi, g.entries, addPath), ctx, mp)) out.push(encodeRouteMonitoringWith(head, u));
    }
  }
  return out;
}

/** The routes of a listing as Route Monitoring, a page at a time (paths picked by `pick`). */
export function recordsMessages(header: BmpPeer, afi: AfiCode, ctx: CodecContext, records: readonly RouteRecord[], pick: (p: PathRecord) => boolean): Buffer[] {
  const routes = records.flatMap((r) => r.paths.filter(pick).map((path) => ({ at: r.at, path })));
  return routeMessages(header, afi, ctx, routes, []);
}

/** RFC 7854 5: End-of-RIB after a family's initial dump. */
export function endOfRibMonitoring(header: BmpPeer, afi: AfiCode, ctx: CodecContext): Buffer {
  return encodeRouteMonitoring(header, endOfRibMessage(afi, Safi.UNICAST, ctx));
}
