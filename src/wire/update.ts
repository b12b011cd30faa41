// UPDATE messages (RFC 4271 4.3): decode with RFC 7606 outcomes, encode, and pack many prefixes
// behind one attribute set into as few messages as the negotiated maximum size allows.
// Must not import anything outside src/wire.

import { Afi, type AfiCode, AttrFlag, AttrType, ErrorCode, HEADER_LENGTH, MessageType, Safi, UpdateSubcode } from './constants.js';
import { type CodecContext, afiSafiKey, maxMessageLength } from './context.js';
import { BgpProtocolError } from './error.js';
import { beginMessage, endMessage } from './header.js';
import type { AttributeCache } from './attributes/cache.js';
import { type AttributeEncoding, decodePathAttributes } from './attributes/decode.js';
import { encodeAttributeList, writeAttribute } from './attributes/encode.js';
import { encodeMpReach, encodeMpUnreach } from './attributes/mp.js';
import type { AttributeError, ErrorAction, MpReach, MpUnreach, PathAttributes } from './attributes/types.js';
import { type NlriBlock, decodeNlri, emptyNlri, encodeNlri, entryWireLength, nlriCount } from './nlri.js';
import { Writer } from './writer.js';

export interface UpdateMessage {
  readonly type: 'update';
  /** IPv4 unicast withdrawals in the Withdrawn Routes field. */
  readonly withdrawn: NlriBlock;
  /** Path attributes other than MP_REACH/MP_UNREACH; null when there are none. Shared (interned). */
  readonly attributes: PathAttributes | null;
  /** IPv4 unicast prefixes in the NLRI field. */
  readonly nlri: NlriBlock;
  readonly mpReach?: MpReach;
  readonly mpUnreach?: MpUnreach;
  /** RFC 7606 findings, in the order found; absent when the UPDATE is clean. */
  readonly errors?: readonly AttributeError[];
  /** The strongest RFC 7606 action among `errors`. */
  readonly action?: ErrorAction;
  /** How the attribute list departed from canonical encoding (for byte-exact re-encoding). */
  readonly encoding?: AttributeEncoding;
}

const UNICAST_V4 = afiSafiKey(Afi.IPV4, Safi.UNICAST);

function malformedList(reason: string): BgpProtocolError {
  return new BgpProtocolError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, undefined, reason);
}

/** Decodes an UPDATE body (the octets after the header). */
export function decodeUpdate(buf: Buffer, start: number, end: number, ctx: CodecContext, cache?: AttributeCache): UpdateMessage {
  const addPath = ctx.addPath.has(UNICAST_V4);
  // RFC 4271 6.3: lengths that overrun the message are Malformed Attribute List.
  if (end - start < 4) throw malformedList('UPDATE shorter than its two length fields');
  const withdrawnLen = (buf[start] << 8) | buf[start + 1];
  const ws = start + 2;
  if (ws + withdrawnLen + 2 > end) throw malformedList(`Withdrawn Routes Length ${withdrawnLen} exceeds the message`);
  const withdrawn = decodeNlri(buf, ws, ws + withdrawnLen, Afi.IPV4, addPath);
  const al = ws + withdrawnLen;
  const attrLen = (buf[al] << 8) | buf[al + 1];
  const attrStart = al + 2;
  if (attrStart + attrLen > end) throw malformedList(`Total Path Attribute Length ${attrLen} exceeds the message`);
  const decoded = decodePathAttributes(buf, attrStart, attrStart + attrLen, ctx, cache);
  const nlri = decodeNlri(buf, attrStart + attrLen, end, Afi.IPV4, addPath);

  let errors = decoded.errors;
  const attrs = decoded.attrs;
  const reachable = nlri.words.length > 0 || (decoded.mpReach?.nlri?.words.length ?? 0) > 0;
  if (reachable) {
    // RFC 7606 3(d): a missing well-known mandatory attribute is treat-as-withdraw.
    const missing: number[] = [];
    if (attrs?.origin === undefined && !hasError(errors, AttrType.ORIGIN)) missing.push(AttrType.ORIGIN);
    if (attrs?.asPath === undefined && !hasError(errors, AttrType.AS_PATH)) missing.push(AttrType.AS_PATH);
    // RFC 4760 3: NEXT_HOP is only required for prefixes in the NLRI field.
    if (nlri.words.length > 0 && attrs?.nextHop === undefined && !hasError(errors, AttrType.NEXT_HOP)) missing.push(AttrType.NEXT_HOP);
    if (missing.length > 0) {
      errors = [...errors, ...missing.map((t) => ({ action: 'treat-as-withdraw' as const, attrType: t, code: ErrorCode.UPDATE_MESSAGE, subcode: UpdateSubcode.MISSING_WELL_KNOWN_ATTRIBUTE, reason: `missing well-known attribute ${t}` }))];
    }
  }

  const msg: { -readonly [K in keyof UpdateMessage]: UpdateMessage[K] } = { type: 'update', withdrawn, attributes: attrs, nlri };
  if (decoded.mpReach) msg.mpReach = decoded.mpReach;
  if (decoded.mpUnreach) msg.mpUnreach = decoded.mpUnreach;
  if (errors.length > 0) {
    msg.errors = errors;
    msg.action = errors.some((e) => e.action === 'treat-as-withdraw') ? 'treat-as-withdraw' : 'attribute-discard';
  }
  if (decoded.encoding) msg.encoding = decoded.encoding;
  return msg;
}

function hasError(errors: readonly AttributeError[], type: number): boolean {
  return errors.some((e) => e.attrType === type);
}

/** RFC 4724 2: the End-of-RIB marker's AFI/SAFI key, or undefined for any other UPDATE. */
export function endOfRib(msg: UpdateMessage): number | undefined {
  if (msg.withdrawn.words.length > 0 || msg.nlri.words.length > 0 || msg.mpReach) return undefined;
  if (!msg.attributes && !msg.mpUnreach) return UNICAST_V4;
  if (msg.attributes || !msg.mpUnreach) return undefined;
  const u = msg.mpUnreach;
  const empty = u.withdrawn ? u.withdrawn.words.length === 0 : (u.rawNlri?.length ?? 0) === 0;
  return empty ? afiSafiKey(u.afi, u.safi) : undefined;
}

export function endOfRibMessage(afi: number, safi: number, ctx: CodecContext): Buffer {
  if (afi === Afi.IPV4 && safi === Safi.UNICAST) return encodeUpdate({ type: 'update', withdrawn: emptyNlri(Afi.IPV4), attributes: null, nlri: emptyNlri(Afi.IPV4) }, ctx)[0];
  return encodeUpdate({ type: 'update', withdrawn: emptyNlri(Afi.IPV4), attributes: null, nlri: emptyNlri(Afi.IPV4), mpUnreach: { afi, safi, withdrawn: null, rawNlri: Buffer.alloc(0) } }, ctx)[0];
}

function mpTypesOf(msg: UpdateMessage): number[] {
  const t: number[] = [];
  if (msg.mpReach) t.push(AttrType.MP_REACH_NLRI);
  if (msg.mpUnreach) t.push(AttrType.MP_UNREACH_NLRI);
  return t;
}

/** The message as one UPDATE, whatever its size. */
function encodeWhole(msg: UpdateMessage, ctx: CodecContext): Buffer {
  const w = new Writer(256);
  const start = beginMessage(w, MessageType.UPDATE);
  const wl = w.reserve(2);
  encodeNlri(w, msg.withdrawn);
  w.patch(wl, 2);
  const al = w.reserve(2);
  encodeAttributeList(w, msg.attributes, ctx, mpTypesOf(msg), (v, type) => {
    if (type === AttrType.MP_REACH_NLRI) encodeMpReach(v, msg.mpReach!);
    else encodeMpUnreach(v, msg.mpUnreach!);
  }, msg.encoding);
  w.patch(al, 2);
  encodeNlri(w, msg.nlri);
  endMessage(w, start);
  return Buffer.from(w.finish());
}

/**
 * Encodes an UPDATE. When it does not fit the negotiated maximum, it is split: withdrawals first,
 * then announcements, each packed as full as the size allows.
 */
export function encodeUpdate(msg: UpdateMessage, ctx: CodecContext): Buffer[] {
  const whole = encodeWhole(msg, ctx);
  if (whole.length <= maxMessageLength(ctx)) return [whole];
  const out: Buffer[] = [];
  if (msg.withdrawn.words.length > 0) out.push(...encodeWithdrawals(msg.withdrawn, ctx));
  if (msg.mpUnreach?.withdrawn) out.push(...encodeWithdrawals(msg.mpUnreach.withdrawn, ctx, msg.mpUnreach.safi));
  const attrBytes = attributeBytes(msg.attributes, ctx);
  if (msg.nlri.words.length > 0) out.push(...encodeAnnouncements(attrBytes, msg.nlri, ctx));
  if (msg.mpReach?.nlri) out.push(...encodeAnnouncements(attrBytes, msg.mpReach.nlri, ctx, { safi: msg.mpReach.safi, nextHop: msg.mpReach.nextHop }));
  return out;
}

function attributeBytes(attrs: PathAttributes | null, ctx: CodecContext): Buffer {
  const w = new Writer(128);
  encodeAttributeList(w, attrs, ctx);
  return Buffer.from(w.finish());
}

/** Splits entries into runs whose wire size fits `avail` octets; calls `emit(from, to, octets)`. */
function pack(block: NlriBlock, avail: number, emit: (from: number, to: number, octets: number) => void): void {
  const count = nlriCount(block);
  let from = 0;
  let used = 0;
  for (let i = 0; i < count; i++) {
    const l = entryWireLength(block, i);
    if (used + l > avail) {
      if (i === from) throw new Error(`a prefix does not fit the ${avail} octets left in an UPDATE`);
      emit(from, i, used);
      from = i;
      used = 0;
    }
    used += l;
  }
  if (from < count) emit(from, count, used);
}

/**
 * The octets left for NLRI in one UPDATE that announces behind `attrBytes` (RFC 4271 4.3): the
 * header, both length fields, the attributes and, for MP_REACH_NLRI, its fixed part and next hop.
 * A prefix whose entry is longer than this cannot be sent to the peer at all (RFC 8654 4: an
 * UPDATE larger than the peer accepts must not be sent).
 */
export function announcementRoom(attrBytes: number, afi: AfiCode, ctx: CodecContext, mp?: { readonly nextHop: { readonly length: number } }): number {
  const mpFixed = mp || afi !== Afi.IPV4 ? 4 + 5 + (mp?.nextHop.length ?? 16) : 0;
  return maxMessageLength(ctx) - (HEADER_LENGTH + 4 + attrBytes + mpFixed);
}

/** The wire length of one NLRI entry of `len` bits (RFC 4271 4.3, RFC 7911 3). */
export function nlriEntryLength(len: number, addPath: boolean): number {
  return (addPath ? 4 : 0) + 1 + ((len + 7) >>> 3);
}

/** The next hop and SAFI that send prefixes in MP_REACH_NLRI rather than the NLRI field. */
export interface MpNextHop {
  readonly safi: number;
  readonly nextHop: Buffer;
}

/**
 * Packs prefixes sharing one attribute set (`attrBytes` from encodePathAttributes) into UPDATEs.
 * IPv4 unicast goes in the NLRI field unless `mp` is given; IPv6 always goes in MP_REACH_NLRI.
 */
export function encodeAnnouncements(attrBytes: Buffer, nlri: NlriBlock, ctx: CodecContext, mp?: MpNextHop): Buffer[] {
  const max = maxMessageLength(ctx);
  const out: Buffer[] = [];
  if (!mp && nlri.afi === Afi.IPV4) {
    const fixed = HEADER_LENGTH + 4 + attrBytes.length;
    pack(nlri, max - fixed, (from, to, octets) => {
      const w = new Writer(fixed + octets);
      const start = beginMessage(w, MessageType.UPDATE);
      w.u16(0).u16(attrBytes.length).bytes(attrBytes);
      encodeNlri(w, nlri, from, to);
      endMessage(w, start);
      out.push(w.finish());
    });
    return out;
  }
  if (!mp) throw new Error('IPv6 prefixes need an MP_REACH_NLRI next hop');
  // MP_REACH_NLRI: 4-octet TLV header (extended length) + AFI, SAFI, next hop length, next hop, reserved.
  const mpFixed = 4 + 5 + mp.nextHop.length;
  const fixed = HEADER_LENGTH + 4 + attrBytes.length + mpFixed;
  pack(nlri, max - fixed, (from, to, octets) => {
    const w = new Writer(fixed + octets);
    const start = beginMessage(w, MessageType.UPDATE);
    w.u16(0);
    const al = w.reserve(2);
    writeAttribute(w, AttrType.MP_REACH_NLRI, AttrFlag.OPTIONAL, undefined, (v) => encodeMpReach(v, { afi: nlri.afi, safi: mp.safi, nextHop: mp.nextHop, nlri }, from, to));
    w.bytes(attrBytes);
    w.patch(al, 2);
    endMessage(w, start);
    out.push(w.finish());
  });
  return out;
}

/** Packs withdrawals into UPDATEs: IPv4 unicast in Withdrawn Routes, others in MP_UNREACH_NLRI. */
export function encodeWithdrawals(nlri: NlriBlock, ctx: CodecContext, safi: number = Safi.UNICAST): Buffer[] {
  const max = maxMessageLength(ctx);
  const out: Buffer[] = [];
  const useField = nlri.afi === Afi.IPV4 && safi === Safi.UNICAST;
  const fixed = HEADER_LENGTH + 4 + (useField ? 0 : 4 + 3);
  pack(nlri, max - fixed, (from, to, octets) => {
    const w = new Writer(fixed + octets);
    const start = beginMessage(w, MessageType.UPDATE);
    if (useField) {
      w.u16(octets);
      encodeNlri(w, nlri, from, to);
      w.u16(0);
    } else {
      w.u16(0);
      const al = w.reserve(2);
      writeAttribute(w, AttrType.MP_UNREACH_NLRI, AttrFlag.OPTIONAL, undefined, (v) => encodeMpUnreach(v, { afi: nlri.afi, safi, withdrawn: nlri }, from, to));
      w.patch(al, 2);
    }
    endMessage(w, start);
    out.push(w.finish());
  });
  return out;
}
