// MRT records (RFC 6396) for RIB snapshots: TABLE_DUMP_V2's PEER_INDEX_TABLE and per-prefix RIB
// records, with RFC 8050's ADD-PATH subtypes when paths carry identifiers. Pure encoders over
// Writer; the daemon decides what to dump and writes the file.
// Must not import anything outside src/wire.

import { AS_TRANS, Afi, type AfiCode, AttrType } from './constants.js';
import { makeContext } from './context.js';
import { encodeAttributeList } from './attributes/encode.js';
import type { PathAttributes } from './attributes/types.js';
import { encodePrefix } from './nlri.js';
import { Writer } from './writer.js';

/** RFC 6396 4: MRT types used here. */
export const MrtType = { TABLE_DUMP_V2: 13, BGP4MP: 16 } as const;

/** RFC 6396 4.4 and RFC 8050 4: BGP4MP subtypes. */
export const Bgp4mp = {
  MESSAGE: 1,
  MESSAGE_AS4: 4,
  STATE_CHANGE_AS4: 5,
  MESSAGE_ADDPATH: 8,
  MESSAGE_AS4_ADDPATH: 9,
} as const;

/** The session a BGP4MP record speaks of. */
export interface Bgp4mpSession {
  readonly peerAs: number;
  readonly localAs: number;
  /** 4 or 16 octets each, of one family. */
  readonly peerAddress: Uint8Array;
  readonly localAddress: Uint8Array;
}

function bgp4mpHeader(w: Writer, s: Bgp4mpSession, as4: boolean): void {
  if (as4) w.u32(s.peerAs >>> 0).u32(s.localAs >>> 0);
  else w.u16(s.peerAs > 0xffff ? AS_TRANS : s.peerAs).u16(s.localAs > 0xffff ? AS_TRANS : s.localAs);
  // Interface index 0: not kept. The address family is the peer address's.
  w.u16(0).u16(s.peerAddress.length === 16 ? Afi.IPV6 : Afi.IPV4).bytes(s.peerAddress).bytes(s.localAddress);
}

/**
 * RFC 6396 4.4.2/4.4.3 (RFC 8050 4 with `addPath`): a BGP message as it was received, whole. The
 * AS-size of the record follows the session's (`as4`), since the message's AS_PATH is encoded so.
 */
export function encodeBgp4mpMessage(timestamp: number, s: Bgp4mpSession, as4: boolean, addPath: boolean, message: Uint8Array): Buffer {
  const subtype = as4 ? (addPath ? Bgp4mp.MESSAGE_AS4_ADDPATH : Bgp4mp.MESSAGE_AS4) : (addPath ? Bgp4mp.MESSAGE_ADDPATH : Bgp4mp.MESSAGE);
  const w = new Writer(44 + message.length);
  bgp4mpHeader(w, s, as4);
  w.bytes(message);
  return encodeMrtRecord(timestamp, MrtType.BGP4MP, subtype, w.finish());
}

/** RFC 6396 4.4.4: a session's state change (RFC 4271 8.2.2 numbering: 1 Idle .. 6 Established). */
export function encodeBgp4mpStateChange(timestamp: number, s: Bgp4mpSession, from: number, to: number): Buffer {
  const w = new Writer(48);
  bgp4mpHeader(w, s, true);
  w.u16(from).u16(to);
  return encodeMrtRecord(timestamp, MrtType.BGP4MP, Bgp4mp.STATE_CHANGE_AS4, w.finish());
}

/** RFC 6396 4.3 and RFC 8050 4: TABLE_DUMP_V2 subtypes. */
export const TableDumpV2 = {
  PEER_INDEX_TABLE: 1,
  RIB_IPV4_UNICAST: 2,
  RIB_IPV6_UNICAST: 4,
  RIB_IPV4_UNICAST_ADDPATH: 8,
  RIB_IPV6_UNICAST_ADDPATH: 10,
} as const;

/** RFC 6396 4.3.1: Peer Type bits. */
const PEER_IPV6 = 0x01;
const PEER_AS4 = 0x02;

/** RFC 6396 4.3.4: AS numbers in a RIB entry's AS_PATH are always 4 octets. */
const AS4 = makeContext({ as4: true });

export interface MrtPeer {
  readonly bgpId: number;
  /** 4 or 16 octets. */
  readonly address: Uint8Array;
  readonly asn: number;
}

export interface MrtRibEntry {
  /** Index into the PEER_INDEX_TABLE. */
  readonly peerIndex: number;
  /** When the path was received (seconds since the epoch). */
  readonly originated: number;
  /** RFC 7911 path identifier (ADD-PATH subtypes only). */
  readonly pathId: number;
  /** With the AS path merged from AS4_PATH (RFC 6793), as the RIB keeps it. */
  readonly attrs: PathAttributes;
  /** IPv4 next hop as a number, or next-hop octets (IPv6, or IPv4 over IPv6 per RFC 8950). */
  readonly nextHop: number | Uint8Array;
}

/** The MRT common header (RFC 6396 2) around a body. */
export function encodeMrtRecord(timestamp: number, type: number, subtype: number, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(12 + body.length);
  out.writeUInt32BE(timestamp >>> 0, 0);
  out.writeUInt16BE(type, 4);
  out.writeUInt16BE(subtype, 6);
  out.writeUInt32BE(body.length, 8);
  out.set(body, 12);
  return out;
}

/** RFC 6396 4.3.1: the collector's BGP ID, a view name and the peers the RIB records index. */
export function encodePeerIndexTable(timestamp: number, collectorId: number, viewName: string, peers: readonly MrtPeer[]): Buffer {
  if (peers.length > 0xffff) throw new RangeError(`${peers.length} peers do not fit a PEER_INDEX_TABLE`);
  const w = new Writer(64 + peers.length * 27);
  const name = Buffer.from(viewName, 'utf8');
  w.u32(collectorId >>> 0).u16(name.length).bytes(name).u16(peers.length);
  for (const p of peers) {
    // Always 4-octet AS numbers: any AS fits, and readers take both.
    w.u8((p.address.length === 16 ? PEER_IPV6 : 0) | PEER_AS4).u32(p.bgpId >>> 0).bytes(p.address).u32(p.asn >>> 0);
  }
  return encodeMrtRecord(timestamp, MrtType.TABLE_DUMP_V2, TableDumpV2.PEER_INDEX_TABLE, w.finish());
}

/**
 * RFC 6396 4.3.2 (and RFC 8050 4 with `addPath`): one prefix with its paths. The prefix is key
 * words and a length. Attributes as a BGP speaker would send them, except that AS_PATH is in
 * 4-octet form and an IPv6 (or RFC 8950) next hop travels in an MP_REACH_NLRI holding only its
 * length and address (RFC 6396 4.3.4).
 */
export function encodeRibRecord(timestamp: number, afi: AfiCode, sequence: number, words: readonly number[], len: number, entries: readonly MrtRibEntry[], addPath: boolean): Buffer {
  const subtype = afi === Afi.IPV4
    ? (addPath ? TableDumpV2.RIB_IPV4_UNICAST_ADDPATH : TableDumpV2.RIB_IPV4_UNICAST)
    : (addPath ? TableDumpV2.RIB_IPV6_UNICAST_ADDPATH : TableDumpV2.RIB_IPV6_UNICAST);
  if (entries.length > 0xffff) throw new RangeError(`${entries.length} paths do not fit one RIB record`);
  const w = new Writer(64 + entries.length * 64);
  w.u32(sequence >>> 0);
  encodePrefix(w, len, words);
  w.u16(entries.length);
  for (const e of entries) {
    w.u16(e.peerIndex).u32(e.originated >>> 0);
    if (addPath) w.u32(e.pathId >>> 0);
    const at = w.reserve(2);
    encodeEntryAttributes(w, e);
    w.patch(at, 2);
  }
  return encodeMrtRecord(timestamp, MrtType.TABLE_DUMP_V2, subtype, w.finish());
}

function encodeEntryAttributes(w: Writer, e: MrtRibEntry): void {
  // The AS path is given merged (RFC 6793): AS4_PATH and AS4_AGGREGATOR would only repeat it.
  const { as4Path: _p, as4Aggregator: _a, nextHop: _n, ...attrs } = e.attrs;
  if (typeof e.nextHop === 'number') {
    encodeAttributeList(w, { ...attrs, nextHop: e.nextHop }, AS4);
    return;
  }
  const nextHop = e.nextHop;
  encodeAttributeList(w, attrs, AS4, [AttrType.MP_REACH_NLRI], (v) => {
    v.u8(nextHop.length).bytes(nextHop);
  });
}
