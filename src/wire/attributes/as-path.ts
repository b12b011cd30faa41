// AS_PATH and AS4_PATH: decode, encode, path length for the decision process, and the RFC 6793
// 4.2.3 merge of AS_PATH with AS4_PATH from 2-octet speakers. RFC 4271 4.3/5.1.2, RFC 5065, RFC 6793.
// Must not import anything outside src/wire.

import { AS_TRANS, AsPathSegmentType, type AsPathSegmentTypeCode, ErrorCode, UpdateSubcode } from '../constants.js';
import { BgpProtocolError } from '../error.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import type { AsPath, AsPathSegment, PathAttributes } from './types.js';

// An AsPath is one flat array: each segment is its type, its ASN count, then its ASNs (RFC 4271
// 4.3's own layout, ASNs as numbers). One array a path instead of a list of segment objects each
// with its own array: 96 octets against 176 for a path of four ASNs, a full table holding 195k.

/** RFC 7606 7.2: a bad segment type, a zero-length segment or an overrun is a malformed AS_PATH. */
export function decodeAsPath(r: Reader, as4: boolean): AsPath {
  const width = as4 ? 4 : 2;
  const b = r.buf;
  const start = r.pos;
  const end = start + r.remaining;
  // First pass: check every segment header and count the array's length, so it is made exact-size
  // (pushing into [] reserves 17 slots).
  let size = 0;
  for (let p = start; p < end;) {
    if (end - p < 2) throw new BgpProtocolError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.MALFORMED_AS_PATH, undefined, 'truncated AS path segment header');
    const type = b[p];
    const count = b[p + 1];
    if (type < AsPathSegmentType.AS_SET || type > AsPathSegmentType.AS_CONFED_SET || count === 0 || count * width > end - p - 2) {
      throw new BgpProtocolError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.MALFORMED_AS_PATH, undefined, `bad AS path segment (type ${type}, ${count} ASNs)`);
    }
    size += 2 + count;
    p += 2 + count * width;
  }
  const path = new Array<number>(size);
  let p = start;
  for (let i = 0; i < size;) {
    const count = b[p + 1];
    path[i++] = b[p];
    path[i++] = count;
    p += 2;
    if (as4) {
      for (let k = 0; k < count; k++, p += 4) path[i++] = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
    } else {
      for (let k = 0; k < count; k++, p += 2) path[i++] = (b[p] << 8) | b[p + 1];
    }
  }
  r.pos = end;
  return path;
}

/** Writes segments; runs longer than 255 ASNs are split into several segments of the same type. */
export function encodeAsPath(w: Writer, path: AsPath, as4: boolean): void {
  for (let s = 0; s < path.length; s += 2 + path[s + 1]) {
    const type = path[s];
    const first = s + 2;
    const last = first + path[s + 1];
    for (let i = first; i < last; i += 255) {
      const end = Math.min(last, i + 255);
      w.u8(type).u8(end - i);
      for (let k = i; k < end; k++) {
        if (as4) w.u32(path[k]);
        else w.u16(path[k] > 0xffff ? AS_TRANS : path[k]);
      }
    }
  }
}

/** The path's segments as objects, for readers that are not on the hot path (JSON, aggregation, policy). */
export function asPathSegments(path: AsPath): AsPathSegment[] {
  const out: AsPathSegment[] = [];
  for (let s = 0; s < path.length; s += 2 + path[s + 1]) {
    out.push({ type: path[s] as AsPathSegmentTypeCode, asns: path.slice(s + 2, s + 2 + path[s + 1]) });
  }
  return out;
}

/** A path made of segment objects; empty segments are dropped (RFC 7606 7.2 forbids them on the wire). */
export function asPathFrom(segments: readonly AsPathSegment[]): AsPath {
  const out: number[] = [];
  for (const s of segments) {
    if (s.asns.length === 0) continue;
    out.push(s.type, s.asns.length);
    for (const a of s.asns) out.push(a);
  }
  return out.slice();
}

/** A path of one AS_SEQUENCE (none for no ASNs). */
export function asSequence(...asns: number[]): AsPath {
  return asPathFrom([{ type: AsPathSegmentType.AS_SEQUENCE, asns }]);
}

/** True when some ASN needs 4 octets, so a 2-octet peer must also be sent AS4_PATH. */
export function needsAs4(path: AsPath): boolean {
  for (let s = 0; s < path.length; s += 2 + path[s + 1]) {
    for (let k = s + 2; k < s + 2 + path[s + 1]; k++) if (path[k] > 0xffff) return true;
  }
  return false;
}

/** How many times `asn` appears in the path, in any segment (RFC 4271 9.1.2 loop detection). */
export function countAs(path: AsPath, asn: number): number {
  let n = 0;
  for (let s = 0; s < path.length; s += 2 + path[s + 1]) {
    for (let k = s + 2; k < s + 2 + path[s + 1]; k++) if (path[k] === asn) n++;
  }
  return n;
}

/** The first ASN when the path begins with an AS_SEQUENCE (RFC 4271 6.3's first-AS check), else undefined. */
export function leadingAs(path: AsPath): number | undefined {
  return path.length > 0 && path[0] === AsPathSegmentType.AS_SEQUENCE ? path[2] : undefined;
}

/**
 * The neighbouring AS for MED comparison (RFC 4271 9.1.2.2 c): the first ASN of the first
 * AS_SEQUENCE, confederation segments skipped (RFC 5065 5.3); 0 when an AS_SET or nothing comes first.
 */
export function neighborAs(path: AsPath): number {
  for (let s = 0; s < path.length; s += 2 + path[s + 1]) {
    if (path[s] === AsPathSegmentType.AS_SEQUENCE) return path[s + 2];
    if (path[s] === AsPathSegmentType.AS_SET) return 0;
  }
  return 0;
}

/** Whether two paths have the same segments (one array each: the same numbers in order). */
export function asPathsEqual(a: AsPath, b: AsPath): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The last segment's start (its type's index), or -1 for an empty path. */
export function lastSegment(path: AsPath): number {
  let last = -1;
  for (let s = 0; s < path.length; s += 2 + path[s + 1]) last = s;
  return last;
}

/** The path with `asns` in front, joined to a leading AS_SEQUENCE when it stays within 255 ASNs. */
export function prependAs(path: AsPath, asns: readonly number[]): AsPath {
  if (asns.length === 0) return path;
  const join = path.length > 0 && path[0] === AsPathSegmentType.AS_SEQUENCE && path[1] + asns.length <= 255;
  // Exact-size array, no spreads: a full table's eBGP export makes one per attribute set.
  const out = new Array<number>(path.length + asns.length + (join ? 0 : 2));
  out[0] = AsPathSegmentType.AS_SEQUENCE;
  out[1] = asns.length + (join ? path[1] : 0);
  let i = 2;
  for (let k = 0; k < asns.length; k++) out[i++] = asns[k];
  for (let k = join ? 2 : 0; k < path.length; k++) out[i++] = path[k];
  return out;
}

/** The path without its confederation segments (what AS4_PATH may carry, RFC 6793 4.2.3). */
export function withoutConfederation(path: AsPath): AsPath {
  return asPathFrom(asPathSegments(path).filter((s) => s.type === AsPathSegmentType.AS_SEQUENCE || s.type === AsPathSegmentType.AS_SET));
}

/**
 * Path length for best-path selection (RFC 4271 9.1.2.2 a): an AS_SET counts as one, confederation
 * segments count zero (RFC 5065 5.3).
 */
export function asPathLength(path: AsPath | undefined): number {
  if (!path) return 0;
  let n = 0;
  for (let s = 0; s < path.length; s += 2 + path[s + 1]) {
    if (path[s] === AsPathSegmentType.AS_SEQUENCE) n += path[s + 1];
    else if (path[s] === AsPathSegmentType.AS_SET) n += 1;
  }
  return n;
}

/**
 * RFC 6793 4.2.3: the path a NEW speaker uses for a route received from an OLD (2-octet) speaker.
 * AS4_PATH is ignored when AGGREGATOR carries a real 2-octet AS, or when it is longer than AS_PATH;
 * otherwise the leading ASNs of AS_PATH are kept and AS4_PATH replaces the tail.
 */
export function mergeAs4Path(attrs: PathAttributes): AsPath | undefined {
  const path = attrs.asPath;
  const as4 = attrs.as4Path;
  if (!as4 || !path) return path;
  if (attrs.aggregator && attrs.aggregator.asn !== AS_TRANS) return path;
  // Confederation segments in AS4_PATH are discarded (RFC 6793 4.2.3).
  const tail = withoutConfederation(as4);
  const keep = asPathLength(path) - asPathLength(tail);
  if (keep < 0) return path;
  const head: AsPathSegment[] = [];
  let left = keep;
  for (const s of asPathSegments(path)) {
    if (left === 0) break;
    if (s.type === AsPathSegmentType.AS_SEQUENCE) {
      const take = Math.min(left, s.asns.length);
      head.push({ type: s.type, asns: s.asns.slice(0, take) });
      left -= take;
    } else if (s.type === AsPathSegmentType.AS_SET) {
      head.push(s);
      left -= 1;
    } else {
      head.push(s);
    }
  }
  return asPathFrom([...head, ...asPathSegments(tail)]);
}

/** The AS path as text, as operators read it and FRR's as-path regexes match it. */
export function asPathText(path: AsPath | undefined): string {
  if (!path) return '';
  return asPathSegments(path)
    .map((s) => {
      const list = s.asns.join(' ');
      switch (s.type) {
        case AsPathSegmentType.AS_SET: return `{${s.asns.join(',')}}`;
        case AsPathSegmentType.AS_CONFED_SEQUENCE: return `(${list})`;
        case AsPathSegmentType.AS_CONFED_SET: return `[${s.asns.join(',')}]`;
        default: return list;
      }
    })
    .join(' ');
}
