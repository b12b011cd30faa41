// BGP Monitoring Protocol messages (RFC 7854), with RFC 9069's Loc-RIB instance peer and RFC
// 8671's Adj-RIB-Out flag: pure encoders from the router's side. BGP messages inside them (OPENs,
// UPDATEs, NOTIFICATIONs) come already encoded; the daemon decides what to send and when.
// Must not import anything outside src/wire.

import { addressToOctets } from './text.js';

export const BMP_VERSION = 3;

/** RFC 7854 4.1: message types. */
export const BmpType = {
  ROUTE_MONITORING: 0,
  STATISTICS_REPORT: 1,
  PEER_DOWN: 2,
  PEER_UP: 3,
  INITIATION: 4,
  TERMINATION: 5,
} as const;

/** RFC 7854 4.2 and RFC 9069 4.1: peer types. */
export const BmpPeerType = { GLOBAL: 0, LOC_RIB: 3 } as const;

/** RFC 7854 4.2 peer flags (V: IPv6 address, L: post-policy, A: 2-octet AS paths), RFC 8671 O: Adj-RIB-Out. */
export const BmpPeerFlag = { V: 0x80, L: 0x40, A: 0x20, O: 0x10 } as const;

/** RFC 7854 4.9: Peer Down reasons. */
export const BmpDownReason = {
  LOCAL_NOTIFICATION: 1,
  LOCAL_NO_NOTIFICATION: 2,
  REMOTE_NOTIFICATION: 3,
  REMOTE_NO_NOTIFICATION: 4,
  PEER_DECONFIGURED: 5,
} as const;

/** RFC 7854 4.8: statistics types used here. */
export const BmpStat = {
  REJECTED_BY_POLICY: 0,
  AS_PATH_LOOP: 4,
  ADJ_RIB_IN_ROUTES: 7,
  LOC_RIB_ROUTES: 8,
  /** RFC 8671 6.2: routes in the Adj-RIB-Out before and after export policy. */
  ADJ_RIB_OUT_PRE_ROUTES: 14,
  ADJ_RIB_OUT_POST_ROUTES: 15,
} as const;

/** RFC 7854 4.3 and 4.5: Information TLVs (Initiation) and the Termination reason. */
const INFO_STRING = 0;
const INFO_SYS_DESCR = 1;
const INFO_SYS_NAME = 2;
const TERM_REASON = 1;
/** RFC 7854 4.5: "Administratively closed". */
export const TERM_ADMIN_CLOSE = 0;

/** Who a per-peer header speaks of (RFC 7854 4.2). */
export interface BmpPeer {
  readonly type: number;
  readonly flags: number;
  /** The peer's address (IPv4 or IPv6 text); for the Loc-RIB instance, zero. */
  readonly address: string | null;
  readonly asn: number;
  readonly bgpId: number;
  /** When the information was current: milliseconds since the epoch. */
  readonly timestampMs: number;
}

/** Common header (RFC 7854 4.1) in front of a body. */
function message(type: number, parts: readonly Buffer[]): Buffer {
  const length = 6 + parts.reduce((n, p) => n + p.length, 0);
  const head = Buffer.alloc(6);
  head[0] = BMP_VERSION;
  head.writeUInt32BE(length, 1);
  head[5] = type;
  return Buffer.concat([head, ...parts], length);
}

/** Addresses already turned into octets: a per-peer header is made for every message. */
const octetsOf = new Map<string, Buffer>();
const ZERO16 = Buffer.alloc(16);

/** 16 octets: an IPv4 address in the last four (RFC 7854 4.2), IPv6 as is; zero for none. */
function address16(address: string | null): Buffer {
  if (address === null) return ZERO16;
  let b = octetsOf.get(address);
  if (!b) {
    if (octetsOf.size >= 4096) octetsOf.clear();
    b = Buffer.alloc(16);
    const raw = addressToOctets(address);
    raw.copy(b, 16 - raw.length);
    octetsOf.set(address, b);
  }
  return b;
}

/** The per-peer header (RFC 7854 4.2): 42 octets. */
export function encodePerPeerHeader(p: BmpPeer): Buffer {
  const b = Buffer.alloc(42);
  b[0] = p.type;
  b[1] = p.flags;
  // Peer Distinguisher stays zero: a global instance peer (and the Loc-RIB of the default VRF).
  address16(p.address).copy(b, 10);
  b.writeUInt32BE(p.asn >>> 0, 26);
  b.writeUInt32BE(p.bgpId >>> 0, 30);
  b.writeUInt32BE(Math.floor(p.timestampMs / 1000) >>> 0, 34);
  b.writeUInt32BE(Math.floor((p.timestampMs % 1000) * 1000), 38);
  return b;
}

function tlv(type: number, value: Buffer): Buffer {
  const b = Buffer.alloc(4 + value.length);
  b.writeUInt16BE(type, 0);
  b.writeUInt16BE(value.length, 2);
  value.copy(b, 4);
  return b;
}

/** RFC 7854 4.3: Initiation, with sysDescr and sysName (both required) and an optional string. */
export function encodeInitiation(sysName: string, sysDescr: string, text?: string): Buffer {
  return message(BmpType.INITIATION, [
    tlv(INFO_SYS_DESCR, Buffer.from(sysDescr)), tlv(INFO_SYS_NAME, Buffer.from(sysName)), ...(text ? [tlv(INFO_STRING, Buffer.from(text))] : []),
  ]);
}

/** RFC 7854 4.5: Termination with a reason code (and a string). */
export function encodeTermination(reason: number, text?: string): Buffer {
  const r = Buffer.alloc(2);
  r.writeUInt16BE(reason, 0);
  return message(BmpType.TERMINATION, [...(text ? [tlv(INFO_STRING, Buffer.from(text))] : []), tlv(TERM_REASON, r)]);
}

/** RFC 7854 4.10: Peer Up: our address and ports on the session, then the OPEN we sent and the one we received. */
export function encodePeerUp(p: BmpPeer, local: { address: string | null; port: number; remotePort: number }, sentOpen: Buffer, receivedOpen: Buffer, text?: string): Buffer {
  const ports = Buffer.alloc(4);
  ports.writeUInt16BE(local.port, 0);
  ports.writeUInt16BE(local.remotePort, 2);
  return message(BmpType.PEER_UP, [encodePerPeerHeader(p), address16(local.address), ports, sentOpen, receivedOpen, ...(text ? [tlv(INFO_STRING, Buffer.from(text))] : [])]);
}

/**
 * RFC 7854 4.9: Peer Down: with a NOTIFICATION (reasons 1 and 3), the FSM event that ended the
 * session (reason 2), or nothing (4, 5).
 */
export function encodePeerDown(p: BmpPeer, reason: number, data: Buffer | number = Buffer.alloc(0)): Buffer {
  let body: Buffer;
  if (typeof data === 'number') {
    body = Buffer.alloc(2);
    body.writeUInt16BE(data, 0);
  } else body = data;
  return message(BmpType.PEER_DOWN, [encodePerPeerHeader(p), Buffer.from([reason]), body]);
}

/** RFC 7854 4.6: Route Monitoring: one BGP UPDATE (whole, with its header). */
export function encodeRouteMonitoring(p: BmpPeer, update: Buffer): Buffer {
  return encodeRouteMonitoringWith(encodePerPeerHeader(p), update);
}

/** Route Monitoring behind a per-peer header encoded once for many messages (one allocation: this runs per UPDATE). */
export function encodeRouteMonitoringWith(perPeerHeader: Buffer, update: Buffer): Buffer {
  const b = Buffer.allocUnsafe(routeMonitoringLength(perPeerHeader, update));
  writeRouteMonitoring(b, 0, perPeerHeader, update);
  return b;
}

/** The octets of a Route Monitoring message of `update` behind `perPeerHeader`. */
export function routeMonitoringLength(perPeerHeader: Buffer, update: Buffer): number {
  return 6 + perPeerHeader.length + update.length;
}

/** Writes that message into `b` at `offset` (room for routeMonitoringLength octets); returns where it ends. */
export function writeRouteMonitoring(b: Buffer, offset: number, perPeerHeader: Buffer, update: Buffer): number {
  const length = routeMonitoringLength(perPeerHeader, update);
  if (offset + length > b.length) throw new RangeError(`Route Monitoring of ${length} octets does not fit at ${offset} of ${b.length}`);
  b[offset] = BMP_VERSION;
  b.writeUInt32BE(length, offset + 1);
  b[offset + 5] = BmpType.ROUTE_MONITORING;
  // TypedArray set, not Buffer copy: the same octets without copy()'s argument handling (this runs per UPDATE per view).
  b.set(perPeerHeader, offset + 6);
  b.set(update, offset + 6 + perPeerHeader.length);
  return offset + length;
}

/** RFC 7854 4.8: Statistics Report: 32-bit counters and 64-bit gauges by type. */
export function encodeStatistics(p: BmpPeer, stats: readonly { type: number; value: number; gauge?: boolean }[]): Buffer {
  const count = Buffer.alloc(4);
  count.writeUInt32BE(stats.length, 0);
  const items = stats.map((s) => {
    const v = Buffer.alloc(s.gauge ? 8 : 4);
    if (s.gauge) v.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(s.value))), 0);
    else v.writeUInt32BE(Math.max(0, Math.floor(s.value)) >>> 0, 0);
    return tlv(s.type, v);
  });
  return message(BmpType.STATISTICS_REPORT, [encodePerPeerHeader(p), count, ...items]);
}
