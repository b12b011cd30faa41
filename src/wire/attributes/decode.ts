// Decodes the Path Attributes field of an UPDATE: walks the TLVs, applies RFC 7606 (attribute
// discard, treat-as-withdraw, or a thrown error for session reset), and interns the attribute set.
// Must not import anything outside src/wire.

import { AttrFlag, AttrType, ErrorCode, UpdateSubcode } from '../constants.js';
import type { CodecContext } from '../context.js';
import { BgpProtocolError, isBgpProtocolError } from '../error.js';
import { Reader } from '../reader.js';
import { type AttributeCache, NO_ERRORS } from './cache.js';
import { DESCRIPTOR_BY_TYPE, type MutablePathAttributes, attributeName } from './descriptors.js';
import { decodeMpReach, decodeMpUnreach } from './mp.js';
import { OctetChunks } from '../octet-chunks.js';
import type { AttributeError, MpReach, MpUnreach, PathAttributes, RawAttribute } from './types.js';

/** How a received attribute list differs from the encoder's canonical form, so it re-encodes exactly. */
export interface AttributeEncoding {
  /** Type codes in wire order, when not ascending. */
  readonly order?: readonly number[];
  /** Flags octets as received, for attributes whose flags differ from the canonical ones. */
  readonly flags?: Readonly<Record<number, number>>;
}

export interface DecodedAttributes {
  readonly attrs: PathAttributes | null;
  readonly mpReach?: MpReach;
  readonly mpUnreach?: MpUnreach;
  readonly errors: readonly AttributeError[];
  readonly encoding?: AttributeEncoding;
}

/** The flags the encoder writes for an attribute of `type` whose value is `len` octets. */
export function canonicalFlags(type: number, len: number, rawFlags: number): number {
  const d = DESCRIPTOR_BY_TYPE[type];
  let base: number;
  if (d) base = d.flags;
  else if (type === AttrType.MP_REACH_NLRI || type === AttrType.MP_UNREACH_NLRI) base = AttrFlag.OPTIONAL;
  else base = rawFlags & ~AttrFlag.EXTENDED_LENGTH;
  return len > 255 ? base | AttrFlag.EXTENDED_LENGTH : base;
}

// Per-call scratch: [type, flags, tlvStart, valueStart, valueEnd] per attribute.
const FIELDS = 5;
let walk = new Int32Array(64 * FIELDS);
let keyRanges = new Int32Array(64 * 2);
// Duplicate detection: seen[type] === stamp means "already in this UPDATE" (no per-call clearing).
const seen = new Uint32Array(256);
let stamp = 0;
const valueReader = new Reader(Buffer.alloc(0));
/**
 * Unknown attributes' values, kept as long as their set: in chunks of their own, not as slices
 * of Node's shared buffer pool (a kept slice holds its whole 64 KB slab).
 */
const unknownValues = new OctetChunks();

function sessionReset(subcode: number, data: Buffer, reason: string): BgpProtocolError {
  return new BgpProtocolError(ErrorCode.UPDATE_MESSAGE, subcode, Buffer.from(data), reason);
}

export function decodePathAttributes(buf: Buffer, start: number, end: number, ctx: CodecContext, cache?: AttributeCache): DecodedAttributes {
  let errors: AttributeError[] | undefined;
  let n = 0;
  let p = start;
  let truncated = false;
  // RFC 7606 4: an attribute overrunning the field, or too few octets left for a header, is
  // treat-as-withdraw; the Total Path Attribute Length still locates the NLRI.
  while (p < end) {
    if (end - p < 3) {
      truncated = true;
      break;
    }
    const flags = buf[p];
    const type = buf[p + 1];
    const ext = (flags & AttrFlag.EXTENDED_LENGTH) !== 0;
    if (ext && end - p < 4) {
      truncated = true;
      break;
    }
    const len = ext ? (buf[p + 2] << 8) | buf[p + 3] : buf[p + 2];
    const vs = p + (ext ? 4 : 3);
    if (vs + len > end) {
      truncated = true;
      break;
    }
    if ((n + 1) * FIELDS > walk.length) {
      const grown = new Int32Array(walk.length * 2);
      grown.set(walk);
      walk = grown;
    }
    const o = n * FIELDS;
    walk[o] = type;
    walk[o + 1] = flags;
    walk[o + 2] = p;
    walk[o + 3] = vs;
    walk[o + 4] = vs + len;
    n++;
    p = vs + len;
  }
  if (truncated) {
    (errors ??= []).push({ action: 'treat-as-withdraw', attrType: 0, code: ErrorCode.UPDATE_MESSAGE, subcode: UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, reason: 'path attribute runs past the Total Path Attribute Length' });
  }

  let mpReach: MpReach | undefined;
  let mpUnreach: MpUnreach | undefined;
  let ordered = true;
  let flagsHint: Record<number, number> | undefined;
  let prevType = -1;
  let keyCount = 0;
  let keyLength = 0;
  if (keyRanges.length < n * 2) keyRanges = new Int32Array(n * 2);

  for (let i = 0; i < n; i++) {
    const o = i * FIELDS;
    const type = walk[o];
    const flags = walk[o + 1];
    const vs = walk[o + 3];
    const ve = walk[o + 4];
    if (type <= prevType) ordered = false;
    prevType = type;
    if (flags !== canonicalFlags(type, ve - vs, flags)) (flagsHint ??= {})[type] = flags;
    if (type === AttrType.MP_REACH_NLRI || type === AttrType.MP_UNREACH_NLRI) {
      const tlv = buf.subarray(walk[o + 2], ve);
      // RFC 7606 3(g): a repeated MP attribute resets the session.
      if ((type === AttrType.MP_REACH_NLRI ? mpReach : mpUnreach) !== undefined) {
        throw sessionReset(UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, Buffer.alloc(0), `${attributeName(type)} appears twice`);
      }
      if ((flags & (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE)) !== AttrFlag.OPTIONAL) {
        throw sessionReset(UpdateSubcode.ATTRIBUTE_FLAGS_ERROR, tlv, `${attributeName(type)} flags 0x${flags.toString(16)}`);
      }
      const r = new Reader(buf, vs, ve, ErrorCode.UPDATE_MESSAGE, UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR);
      if (type === AttrType.MP_REACH_NLRI) mpReach = decodeMpReach(r, ctx);
      else mpUnreach = decodeMpUnreach(r, ctx);
      continue;
    }
    keyRanges[keyCount * 2] = walk[o + 2];
    keyRanges[keyCount * 2 + 1] = ve;
    keyCount++;
    keyLength += ve - walk[o + 2];
  }

  let attrs: PathAttributes | null = null;
  if (keyCount > 0) {
    // The same octets decode differently with 2- and 4-octet AS numbers: the flag is part of the key.
    const tweak = ctx.as4 ? 1 : 0;
    const hash = cache && !truncated ? cache.hash(buf, keyRanges, keyCount, tweak) : 0;
    const cached = cache && !truncated ? cache.lookup(hash, buf, keyRanges, keyCount, keyLength) : undefined;
    if (cache && cached !== undefined) {
      attrs = cached;
      if (cache.foundErrors.length > 0) (errors ??= []).push(...cache.foundErrors);
    } else {
      const own: AttributeError[] = [];
      attrs = decodeEntries(buf, n, ctx, own);
      if (own.length > 0) (errors ??= []).push(...own);
      if (cache && !truncated) cache.store(hash, buf, keyRanges, keyCount, keyLength, attrs, own, tweak);
    }
  }

  let encoding: AttributeEncoding | undefined;
  if (!ordered || flagsHint) {
    const order: number[] = [];
    if (!ordered) for (let i = 0; i < n; i++) order.push(walk[i * FIELDS]);
    encoding = ordered ? { flags: flagsHint } : flagsHint ? { order, flags: flagsHint } : { order };
  }
  const out: { -readonly [K in keyof DecodedAttributes]: DecodedAttributes[K] } = { attrs, errors: errors ?? NO_ERRORS };
  if (mpReach) out.mpReach = mpReach;
  if (mpUnreach) out.mpUnreach = mpUnreach;
  if (encoding) out.encoding = encoding;
  return out;
}

/** Decodes every non-MP attribute recorded by the walk. */
function decodeEntries(buf: Buffer, n: number, ctx: CodecContext, errors: AttributeError[]): PathAttributes {
  const out: MutablePathAttributes = {};
  stamp = (stamp + 1) >>> 0 || 1;
  let unknown: RawAttribute[] | undefined;
  for (let i = 0; i < n; i++) {
    const o = i * FIELDS;
    const type = walk[o];
    if (type === AttrType.MP_REACH_NLRI || type === AttrType.MP_UNREACH_NLRI) continue;
    const flags = walk[o + 1];
    const vs = walk[o + 3];
    const ve = walk[o + 4];
    // RFC 7606 3(g): any other repeated attribute: keep the first, discard the rest.
    if (seen[type] === stamp) {
      errors.push({ action: 'attribute-discard', attrType: type, code: ErrorCode.UPDATE_MESSAGE, subcode: UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, reason: `${attributeName(type)} appears twice` });
      continue;
    }
    seen[type] = stamp;
    const d = DESCRIPTOR_BY_TYPE[type];
    if (!d) {
      // RFC 4271 6.3: an unrecognized well-known attribute resets the session.
      if ((flags & AttrFlag.OPTIONAL) === 0) {
        throw sessionReset(UpdateSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE, buf.subarray(walk[o + 2], ve), `unrecognized well-known attribute ${type}`);
      }
      (unknown ??= []).push({ flags: flags & ~AttrFlag.EXTENDED_LENGTH, type, value: unknownValues.copy(buf.subarray(vs, ve)) });
      continue;
    }
    // RFC 7606 3(c): Optional/Transitive bits in conflict make the attribute malformed.
    if ((flags & (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE)) !== d.flags) {
      errors.push({ action: d.onError, attrType: type, code: ErrorCode.UPDATE_MESSAGE, subcode: UpdateSubcode.ATTRIBUTE_FLAGS_ERROR, reason: `${d.name} flags 0x${flags.toString(16)}` });
      continue;
    }
    const r = valueReader.reset(buf, vs, ve, ErrorCode.UPDATE_MESSAGE, UpdateSubcode.ATTRIBUTE_LENGTH_ERROR);
    try {
      d.decode(r, ctx, out);
      if (r.remaining !== 0) throw new BgpProtocolError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, undefined, `${d.name} has ${r.remaining} trailing octets`);
    } catch (e) {
      if (!isBgpProtocolError(e)) throw e;
      errors.push({ action: d.onError, attrType: type, code: e.code, subcode: e.subcode, reason: e.message });
    }
  }
  if (unknown) out.unknown = unknown;
  return out;
}
