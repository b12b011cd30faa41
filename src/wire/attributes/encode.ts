// Encodes path attributes: canonical order (ascending type code) and flags, extended length only
// when a value exceeds 255 octets, unless the decoder recorded how a peer laid them out.
// Must not import anything outside src/wire.

import { AttrFlag, AttrType } from '../constants.js';
import type { CodecContext } from '../context.js';
import { Writer } from '../writer.js';
import { DESCRIPTORS, DESCRIPTOR_BY_TYPE } from './descriptors.js';
import type { AttributeEncoding } from './decode.js';
import type { PathAttributes, RawAttribute } from './types.js';

/** Starts an attribute TLV with a 2-octet length placeholder; returns where it starts. */
export function beginAttribute(w: Writer, type: number): number {
  const at = w.pos;
  w.u8(0).u8(type).u16(0);
  return at;
}

/**
 * Finishes the TLV begun at `at`: sets its flags and length. Extended length is used when the
 * value exceeds 255 octets or the hint asks for it; otherwise the value moves back one octet
 * (values are short, the move is cheap).
 */
export function endAttribute(w: Writer, at: number, baseFlags: number, hintFlags: number | undefined): void {
  const vs = at + 4;
  const len = w.pos - vs;
  let flags = hintFlags ?? (baseFlags & ~AttrFlag.EXTENDED_LENGTH);
  if (len > 255) flags |= AttrFlag.EXTENDED_LENGTH;
  w.buf[at] = flags;
  if (flags & AttrFlag.EXTENDED_LENGTH) {
    w.buf[at + 2] = len >>> 8;
    w.buf[at + 3] = len & 0xff;
  } else {
    w.buf.copyWithin(at + 3, vs, w.pos);
    w.buf[at + 2] = len;
    w.pos -= 1;
  }
}

/** Writes one attribute whose value `value` writes. */
export function writeAttribute(w: Writer, type: number, baseFlags: number, hintFlags: number | undefined, value: (w: Writer) => void): void {
  const at = beginAttribute(w, type);
  value(w);
  endAttribute(w, at, baseFlags, hintFlags);
}

/** Writes the MP attribute of `type` through `mp` (MP attributes are written by the UPDATE encoder). */
export type MpWriter = (w: Writer, type: number) => void;

function presentTypes(attrs: PathAttributes | null, mpTypes: readonly number[]): number[] {
  const types: number[] = [];
  if (attrs) for (const d of DESCRIPTORS) if (d.has(attrs)) types.push(d.type);
  types.push(...mpTypes);
  if (attrs?.unknown) for (const u of attrs.unknown) types.push(u.type);
  return types.sort((a, b) => a - b);
}

/** Writes every attribute of `attrs`, plus the MP attributes named in `mpTypes` through `mp`. */
export function encodeAttributeList(w: Writer, attrs: PathAttributes | null, ctx: CodecContext, mpTypes: readonly number[] = [], mp?: MpWriter, encoding?: AttributeEncoding): void {
  if (mpTypes.length === 0 && !encoding?.order && !attrs?.unknown) {
    // The common case: known attributes only, in the table's (ascending) order.
    if (!attrs) return;
    for (const d of DESCRIPTORS) {
      if (!d.has(attrs)) continue;
      const at = beginAttribute(w, d.type);
      d.encode(w, attrs, ctx);
      endAttribute(w, at, d.flags, encoding?.flags?.[d.type]);
    }
    return;
  }
  let types = presentTypes(attrs, mpTypes);
  if (encoding?.order) {
    const wanted = encoding.order.filter((t) => types.includes(t));
    types = [...wanted, ...types.filter((t) => !wanted.includes(t))];
  }
  const unknownByType = new Map<number, RawAttribute>();
  if (attrs?.unknown) for (const u of attrs.unknown) unknownByType.set(u.type, u);
  for (const type of types) {
    const hint = encoding?.flags?.[type];
    if (type === AttrType.MP_REACH_NLRI || type === AttrType.MP_UNREACH_NLRI) {
      writeAttribute(w, type, AttrFlag.OPTIONAL, hint, (v) => mp!(v, type));
      continue;
    }
    const d = DESCRIPTOR_BY_TYPE[type];
    if (d) {
      writeAttribute(w, type, d.flags, hint, (v) => d.encode(v, attrs!, ctx));
      continue;
    }
    const raw = unknownByType.get(type)!;
    writeAttribute(w, type, raw.flags, hint, (v) => v.bytes(raw.value));
  }
}

/** The attribute octets of a set (no MP attributes), for prefixes packed behind them. */
export function encodePathAttributes(attrs: PathAttributes, ctx: CodecContext): Buffer {
  return Buffer.from(encodePathAttributesInto(new Writer(128), attrs, ctx));
}

/**
 * The same octets written into `w` from its start, for a caller that copies them at once and
 * reuses its writer: a view, valid until `w` is written again.
 */
export function encodePathAttributesInto(w: Writer, attrs: PathAttributes, ctx: CodecContext): Buffer {
  w.pos = 0;
  encodeAttributeList(w, attrs, ctx);
  return w.buf.subarray(0, w.pos);
}

/**
 * Where the value of attribute `type` starts in an encoded attribute list (encodePathAttributes'
 * output), or undefined when the list does not hold it. The list is trusted (we encoded it).
 */
export function attributeValueOffset(encoded: Uint8Array, type: number): number | undefined {
  for (let p = 0; p + 3 <= encoded.length; ) {
    const extended = (encoded[p] & AttrFlag.EXTENDED_LENGTH) !== 0;
    const length = extended ? (encoded[p + 2] << 8) | encoded[p + 3] : encoded[p + 2];
    const value = p + (extended ? 4 : 3);
    if (encoded[p + 1] === type) return value;
    p = value + length;
  }
  return undefined;
}

/**
 * RFC 4271 9.1.4 / 5: what a speaker sends on for a received set: unknown optional transitive
 * attributes get the Partial bit, unknown non-transitive ones are dropped.
 */
export function forPropagation(attrs: PathAttributes): PathAttributes {
  if (!attrs.unknown) return attrs;
  const kept = attrs.unknown
    .filter((u) => (u.flags & AttrFlag.TRANSITIVE) !== 0)
    .map((u) => ({ ...u, flags: u.flags | AttrFlag.PARTIAL }));
  const { unknown: _dropped, ...rest } = attrs;
  return kept.length > 0 ? { ...rest, unknown: kept } : rest;
}
