// What BMP says about the daemon (RFC 7854, RFC 9069, RFC 8671): per-peer headers for a
// neighbor's Adj-RIB-In and Adj-RIB-Out views and for our Loc-RIB, Peer Up and Down from a
// session's facts, End-of-RIB markers. Routes are encoded by the RIB's read face (query.ts) with
// the contexts given here. No I/O; the stations (bmp.ts) send what this builds.

import {
  Afi, BmpDownReason, BmpPeerFlag, BmpPeerType, type AfiCode, type BmpPeer, type CodecContext, type NotificationMessage, Safi, encodeNotification, encodeOpen,
  encodePeerDown, encodeRouteMonitoring, endOfRibMessage, makeContext,
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

/** RFC 7854 5: End-of-RIB after a family's initial dump. */
export function endOfRibMonitoring(header: BmpPeer, afi: AfiCode, ctx: CodecContext): Buffer {
  return encodeRouteMonitoring(header, endOfRibMessage(afi, Safi.UNICAST, ctx));
}
