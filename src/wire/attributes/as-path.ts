// AS_PATH and AS4_PATH: decode, encode, path length for the decision process, and the RFC 6793
// 4.2.3 merge of AS_PATH with AS4_PATH from 2-octet speakers. RFC 4271 4.3/5.1.2, RFC 5065, RFC 6793.
// Must not import anything outside src/wire.

import { AS_TRANS, AsPathSegmentType, type AsPathSegmentTypeCode, ErrorCode, UpdateSubcode } from '../constants.js';
import { BgpProtocolError } from '../error.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import type { AsPath, AsPathSegment, PathAttributes } from './types.js';

/** RFC 7606 7.2: a bad segment type, a zero-length segment or an overrun is a malformed AS_PATH. */
export function decodeAsPath(r: Reader, as4: boolean): AsPath {
  if (r.remaining === 0) return [];
  // Nearly every path is one segment: its array is made with its one element, not grown.
  const first = decodeSegment(r, as4);
  if (r.remaining === 0) return [first];
  const segments: AsPathSegment[] = [first];
  while (r.remaining > 0) segments.push(decodeSegment(r, as4));
  // Exact size (a grown array keeps room for 17).
  return segments.slice();
}

function decodeSegment(r: Reader, as4: boolean): AsPathSegment {
  if (r.remaining < 2) throw new BgpProtocolError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.MALFORMED_AS_PATH, undefined, 'truncated AS path segment header');
  const type = r.u8();
  const count = r.u8();
  const overrun = count * (as4 ? 4 : 2) > r.remaining;
  if (type < AsPathSegmentType.AS_SET || type > AsPathSegmentType.AS_CONFED_SET || count === 0 || overrun) {
    throw new BgpProtocolError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.MALFORMED_AS_PATH, undefined, `bad AS path segment (type ${type}, ${count} ASNs)`);
  }
  // Bounds were checked above for the whole segment: read the octets directly.
  const b = r.buf;
  let p = r.pos;
  // Exact-size arrays: pushing into [] reserves 17 slots, 150 octets per set in a full table.
  const asns = new Array<number>(count);
  if (as4) {
    for (let i = 0; i < count; i++, p += 4) asns[i] = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
  } else {
    for (let i = 0; i < count; i++, p += 2) asns[i] = (b[p] << 8) | b[p + 1];
  }
  r.pos = p;
  return { type: type as AsPathSegmentTypeCode, asns };
}

/** Writes segments; runs longer than 255 ASNs are split into several segments of the same type. */
export function encodeAsPath(w: Writer, path: AsPath, as4: boolean): void {
  for (const seg of path) {
    const asns = seg.asns;
    for (let i = 0; i < asns.length; i += 255) {
      const end = Math.min(asns.length, i + 255);
      w.u8(seg.type).u8(end - i);
      for (let k = i; k < end; k++) {
        if (as4) w.u32(asns[k]);
        else w.u16(asns[k] > 0xffff ? AS_TRANS : asns[k]);
      }
    }
  }
}

/** True when some ASN needs 4 octets, so a 2-octet peer must also be sent AS4_PATH. */
export function needsAs4(path: AsPath): boolean {
  return path.some((s) => s.asns.some((a) => a > 0xffff));
}

/**
 * Path length for best-path selection (RFC 4271 9.1.2.2 a): an AS_SET counts as one, confederation
 * segments count zero (RFC 5065 5.3).
 */
export function asPathLength(path: AsPath | undefined): number {
  if (!path) return 0;
  let n = 0;
  for (const s of path) {
    if (s.type === AsPathSegmentType.AS_SEQUENCE) n += s.asns.length;
    else if (s.type === AsPathSegmentType.AS_SET) n += 1;
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
  const tail = as4.filter((s) => s.type === AsPathSegmentType.AS_SEQUENCE || s.type === AsPathSegmentType.AS_SET);
  const keep = asPathLength(path) - asPathLength(tail);
  if (keep < 0) return path;
  const head: AsPathSegment[] = [];
  let left = keep;
  for (const s of path) {
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
  return [...head, ...tail];
}

/** The AS path as text, as operators read it and FRR's as-path regexes match it. */
export function asPathText(path: AsPath | undefined): string {
  if (!path) return '';
  return path
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
