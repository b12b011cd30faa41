// Reading MRT files (RFC 6396; RFC 8050 ADD-PATH subtypes): TABLE_DUMP_V2 peer index tables and
// RIB records, BGP4MP messages and state changes, as plain JSON-ready objects, one per record.
// Bounded: every length is checked against the record and the file; a record that does not fit
// ends the reading with an error (the stream cannot be resynchronised past a bad header).
// Must not import anything outside src/wire.

import { Afi, AttrType } from './constants.js';
import { isBgpProtocolError } from './error.js';
import { makeContext } from './context.js';
import { decodePathAttributes } from './attributes/decode.js';
import { attributesJson, messageJson } from './json.js';
import { decodeMessage } from './messages.js';
import { Bgp4mp, MrtType, TableDumpV2 } from './mrt.js';
import { Reader } from './reader.js';
import { ipv4ToString, ipv6ToString } from './text.js';

type Json = Record<string, unknown>;

export class MrtError extends Error {}

const STATE_NAMES = ['', 'Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];

const address = (b: Buffer) => (b.length === 4 ? ipv4ToString(b.readUInt32BE(0)) : ipv6ToString(b));

function prefix(c: Reader, afi: number): string {
  const len = c.u8();
  const width = afi === Afi.IPV4 ? 32 : 128;
  if (len > width) throw new MrtError(`prefix length ${len} is longer than ${width}`);
  const raw = c.bytes(Math.ceil(len / 8));
  const full = Buffer.alloc(width / 8);
  raw.copy(full);
  return `${address(full)}/${len}`;
}

/**
 * RIB entry attributes (RFC 6396 4.3.4): AS numbers in 4 octets, and MP_REACH_NLRI holding only
 * its next hop (length and address), which is taken out before the rest is decoded.
 */
function ribAttributes(attrs: Buffer): Json {
  let nextHop: string[] | undefined;
  const rest: Buffer[] = [];
  for (let p = 0; p < attrs.length; ) {
    if (p + 3 > attrs.length) throw new MrtError('attribute header truncated');
    const flags = attrs[p];
    const type = attrs[p + 1];
    const ext = (flags & 0x10) !== 0;
    const hl = ext ? 4 : 3;
    if (p + hl > attrs.length) throw new MrtError('attribute header truncated');
    const len = ext ? attrs.readUInt16BE(p + 2) : attrs[p + 2];
    if (p + hl + len > attrs.length) throw new MrtError(`attribute ${type} overruns its entry`);
    if (type === AttrType.MP_REACH_NLRI) {
      let v = attrs.subarray(p + hl, p + hl + len);
      // Some writers (FRR among them) keep the whole MP_REACH_NLRI form (AFI, SAFI, then the next
      // hop): read past AFI and SAFI when they are there, as bgpdump does.
      if (v.length >= 4 && v[0] === 0 && (v[1] === Afi.IPV4 || v[1] === Afi.IPV6) && 4 + v[3] <= v.length) v = v.subarray(3);
      const n = v[0] ?? 0;
      if (1 + n > v.length) throw new MrtError('MP_REACH_NLRI next hop overruns the attribute');
      const nh = v.subarray(1, 1 + n);
      nextHop = n === 4 ? [ipv4ToString(nh.readUInt32BE(0))] : n >= 16 ? [ipv6ToString(nh), ...(n === 32 ? [ipv6ToString(nh, 16)] : [])] : [];
    } else rest.push(attrs.subarray(p, p + hl + len));
    p += hl + len;
  }
  const body = Buffer.concat(rest);
  let d: ReturnType<typeof decodePathAttributes>;
  try {
    d = decodePathAttributes(body, 0, body.length, AS4);
  } catch (e) {
    // An error a session would reset for (RFC 7606 3): said on the entry, the reading goes on.
    if (!isBgpProtocolError(e)) throw e;
    return { error: e.message, hex: attrs.toString('hex') };
  }
  return { ...(d.attrs ? attributesJson(d.attrs) as Json : {}), ...(nextHop ? { mpNextHop: nextHop } : {}), ...(d.errors.length > 0 ? { errors: d.errors.map((e) => e.reason) } : {}) };
}

const AS4 = makeContext({ as4: true });

/** Reads every record of an MRT file; calls `out` with each as JSON, and throws MrtError at a record that cannot be read. */
export function readMrt(file: Buffer, out: (record: Json) => void): void {
  const peers: { address: string; asn: number }[] = [];
  for (let p = 0; p < file.length; ) {
    if (p + 12 > file.length) throw new MrtError(`header truncated at offset ${p}`);
    const time = file.readUInt32BE(p);
    const type = file.readUInt16BE(p + 4);
    const subtype = file.readUInt16BE(p + 6);
    const length = file.readUInt32BE(p + 8);
    if (p + 12 + length > file.length) throw new MrtError(`record at offset ${p} claims ${length} octets, the file holds ${file.length - p - 12}`);
    const c = new Reader(file, p + 12, p + 12 + length);
    const at = new Date(time * 1000).toISOString();
    let record: Json;
    try {
      record = readRecord(c, type, subtype, at, length, peers);
    } catch (e) {
      // A read past the record's end: the bounded reader's (the codec's) error, as ours.
      if (isBgpProtocolError(e)) throw new MrtError(`record at offset ${p} truncated: ${e.message}`);
      throw e;
    }
    out(record);
    p += 12 + length;
  }
}

/** One record's body as JSON; a peer index table replaces `peers` for the records after it. */
function readRecord(c: Reader, type: number, subtype: number, at: string, length: number, peers: { address: string; asn: number }[]): Json {
  if (type === MrtType.TABLE_DUMP_V2 && subtype === TableDumpV2.PEER_INDEX_TABLE) {
    const collectorId = ipv4ToString(c.u32());
    const view = c.bytes(c.u16()).toString('utf8');
    const count = c.u16();
    const table: { address: string; asn: number }[] = [];
    for (let i = 0; i < count; i++) {
      const t = c.u8();
      c.bytes(4); // the peer's BGP identifier: not shown
      const addr = address(c.bytes(t & 1 ? 16 : 4));
      const asn = t & 2 ? c.u32() : c.u16();
      table.push({ address: addr, asn });
    }
    peers.splice(0, peers.length, ...table);
    return { mrt: 'peer-index-table', time: at, collectorId, view, peers: table.map((x, i) => ({ index: i, ...x })) };
  }
  if (type === MrtType.TABLE_DUMP_V2 && [TableDumpV2.RIB_IPV4_UNICAST, TableDumpV2.RIB_IPV6_UNICAST, TableDumpV2.RIB_IPV4_UNICAST_ADDPATH, TableDumpV2.RIB_IPV6_UNICAST_ADDPATH].includes(subtype as 2)) {
    const addPath = subtype === TableDumpV2.RIB_IPV4_UNICAST_ADDPATH || subtype === TableDumpV2.RIB_IPV6_UNICAST_ADDPATH;
    const afi = subtype === TableDumpV2.RIB_IPV4_UNICAST || subtype === TableDumpV2.RIB_IPV4_UNICAST_ADDPATH ? Afi.IPV4 : Afi.IPV6;
    const sequence = c.u32();
    const pfx = prefix(c, afi);
    const count = c.u16();
    const entries: Json[] = [];
    for (let i = 0; i < count; i++) {
      const index = c.u16();
      const originated = new Date(c.u32() * 1000).toISOString();
      const pathId = addPath ? c.u32() : undefined;
      const attrs = c.bytes(c.u16());
      const peer = peers[index];
      if (!peer) throw new MrtError(`RIB entry names peer ${index}; the peer index table has ${peers.length}`);
      entries.push({ peer: peer.address, peerAs: peer.asn, originated, ...(pathId !== undefined ? { pathId } : {}), attributes: ribAttributes(attrs) });
    }
    return { mrt: 'rib', time: at, sequence, prefix: pfx, entries };
  }
  if (type === MrtType.BGP4MP && subtype !== Bgp4mp.STATE_CHANGE_AS4 && [Bgp4mp.MESSAGE, Bgp4mp.MESSAGE_AS4, Bgp4mp.MESSAGE_ADDPATH, Bgp4mp.MESSAGE_AS4_ADDPATH].includes(subtype as 1)) {
    const as4 = subtype === Bgp4mp.MESSAGE_AS4 || subtype === Bgp4mp.MESSAGE_AS4_ADDPATH;
    const session = bgp4mpSession(c, as4);
    const message = c.rest();
    // RFC 8050: the ADD-PATH subtypes say path identifiers are present, in both families.
    const addPath = subtype === Bgp4mp.MESSAGE_ADDPATH || subtype === Bgp4mp.MESSAGE_AS4_ADDPATH;
    const ctx = makeContext({ as4, extendedMessage: true, addPath: addPath ? new Set([0x101, 0x201]) : new Set() });
    let decoded: Json;
    try {
      decoded = messageJson(decodeMessage(message, ctx)) as Json;
    } catch (e) {
      decoded = { error: (e as Error).message, hex: message.toString('hex') };
    }
    return { mrt: 'bgp4mp', time: at, ...session, message: decoded };
  }
  if (type === MrtType.BGP4MP && (subtype === Bgp4mp.STATE_CHANGE_AS4 || subtype === 0)) {
    const session = bgp4mpSession(c, subtype === Bgp4mp.STATE_CHANGE_AS4);
    const from = c.u16();
    const to = c.u16();
    return { mrt: 'state-change', time: at, ...session, from: STATE_NAMES[from] ?? from, to: STATE_NAMES[to] ?? to };
  }
  return { mrt: 'unknown', time: at, type, subtype, length };
}


function bgp4mpSession(c: Reader, as4: boolean): Json {
  const peerAs = as4 ? c.u32() : c.u16();
  const localAs = as4 ? c.u32() : c.u16();
  c.u16(); // interface index
  const afi = c.u16();
  if (afi !== Afi.IPV4 && afi !== Afi.IPV6) throw new MrtError(`BGP4MP address family ${afi}`);
  const n = afi === Afi.IPV4 ? 4 : 16;
  return { peer: address(c.bytes(n)), peerAs, local: address(c.bytes(n)), localAs };
}
