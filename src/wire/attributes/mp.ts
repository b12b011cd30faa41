// MP_REACH_NLRI and MP_UNREACH_NLRI (RFC 4760), with IPv6 link-local second next hops (RFC 2545)
// and IPv6 next hops for IPv4 NLRI (RFC 8950). RFC 7606 7.11: a malformed MP attribute cannot be
// skipped safely (its NLRI cannot be located), so every error here resets the session.
// Must not import anything outside src/wire.

import { Afi, type AfiCode, ErrorCode, Safi, UpdateSubcode } from '../constants.js';
import { type CodecContext, afiSafiKey } from '../context.js';
import { BgpProtocolError } from '../error.js';
import { decodeNlri, encodeNlri } from '../nlri.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import type { MpReach, MpUnreach } from './types.js';

/** AFI/SAFIs whose NLRI the codec parses: IPv4/IPv6 unicast and multicast. */
export function isParsedAfiSafi(afi: number, safi: number): afi is AfiCode {
  return (afi === Afi.IPV4 || afi === Afi.IPV6) && (safi === Safi.UNICAST || safi === Safi.MULTICAST);
}

function optionalAttributeError(reason: string, value: Buffer): BgpProtocolError {
  return new BgpProtocolError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, Buffer.from(value), reason);
}

function validNextHopLength(afi: number, len: number): boolean {
  // IPv4 NLRI: an IPv4 next hop, or an IPv6 one (RFC 8950); IPv6 NLRI: global, or global + link-local.
  if (afi === Afi.IPV4) return len === 4 || len === 16 || len === 32;
  return len === 16 || len === 32;
}

/**
 * The NLRI inside an MP attribute. RFC 4760 7: an error in it is an UPDATE Message Error with
 * subcode Optional Attribute Error (3/9), not Invalid Network Field (3/10, the NLRI field's).
 */
function mpNlri(r: Reader, afi: AfiCode, addPath: boolean, whole: Buffer, name: string) {
  try {
    return decodeNlri(r.buf, r.pos, r.end, afi, addPath);
  } catch (e) {
    if (e instanceof BgpProtocolError) throw optionalAttributeError(`${name}: ${e.message}`, whole);
    throw e;
  }
}

export function decodeMpReach(r: Reader, ctx: CodecContext): MpReach {
  const whole = r.buf.subarray(r.pos, r.end);
  if (r.remaining < 5) throw optionalAttributeError('MP_REACH_NLRI shorter than its fixed fields', whole);
  const afi = r.u16();
  const safi = r.u8();
  const nhLen = r.u8();
  if (r.remaining < nhLen + 1) throw optionalAttributeError('MP_REACH_NLRI next hop runs past the attribute', whole);
  const nextHop = Buffer.from(r.bytes(nhLen));
  r.u8(); // RFC 4760 3: Reserved, ignored on receipt
  if (!isParsedAfiSafi(afi, safi)) return { afi, safi, nextHop, nlri: null, rawNlri: Buffer.from(r.rest()) };
  if (!validNextHopLength(afi, nhLen)) throw optionalAttributeError(`MP_REACH_NLRI next hop length ${nhLen} for AFI ${afi}`, whole);
  const nlri = mpNlri(r, afi, ctx.addPath.has(afiSafiKey(afi, safi)), whole, 'MP_REACH_NLRI');
  r.pos = r.end;
  return { afi, safi, nextHop, nlri };
}

export function decodeMpUnreach(r: Reader, ctx: CodecContext): MpUnreach {
  const whole = r.buf.subarray(r.pos, r.end);
  if (r.remaining < 3) throw optionalAttributeError('MP_UNREACH_NLRI shorter than its fixed fields', whole);
  const afi = r.u16();
  const safi = r.u8();
  if (!isParsedAfiSafi(afi, safi)) return { afi, safi, withdrawn: null, rawNlri: Buffer.from(r.rest()) };
  const withdrawn = mpNlri(r, afi, ctx.addPath.has(afiSafiKey(afi, safi)), whole, 'MP_UNREACH_NLRI');
  r.pos = r.end;
  return { afi, safi, withdrawn };
}

export function encodeMpReach(w: Writer, mp: MpReach, from = 0, to?: number): void {
  w.u16(mp.afi).u8(mp.safi).u8(mp.nextHop.length).bytes(mp.nextHop).u8(0);
  if (mp.nlri) encodeNlri(w, mp.nlri, from, to);
  else if (mp.rawNlri) w.bytes(mp.rawNlri);
}

export function encodeMpUnreach(w: Writer, mp: MpUnreach, from = 0, to?: number): void {
  w.u16(mp.afi).u8(mp.safi);
  if (mp.withdrawn) encodeNlri(w, mp.withdrawn, from, to);
  else if (mp.rawNlri) w.bytes(mp.rawNlri);
}
