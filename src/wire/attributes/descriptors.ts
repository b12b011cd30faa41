// The path attribute table: for each attribute the codec interprets, its code, expected flags,
// the RFC 7606 action when it is malformed, and its value decoder and encoder.
// MP_REACH_NLRI / MP_UNREACH_NLRI are handled by mp.ts because they carry NLRI, not path data.
// RFC 4271 5, RFC 1997, RFC 4360, RFC 4456, RFC 6793, RFC 7606 7, RFC 8092.
// Must not import anything outside src/wire.

import { AttrFlag, AttrType, ErrorCode, Origin, type OriginCode, UpdateSubcode } from '../constants.js';
import type { CodecContext } from '../context.js';
import { BgpProtocolError } from '../error.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { decodeAsPath, encodeAsPath } from './as-path.js';
import type { Aggregator, ErrorAction, ExtendedCommunity, LargeCommunity, PathAttributes } from './types.js';

export type MutablePathAttributes = { -readonly [K in keyof PathAttributes]: PathAttributes[K] };

export interface AttributeDescriptor {
  readonly type: number;
  readonly name: string;
  /** The Optional and Transitive bits the attribute must carry. */
  readonly flags: number;
  /** RFC 7606 section 7: what a malformed instance costs. */
  readonly onError: ErrorAction;
  /** Decodes the value (the reader is capped to it) into `out`; throws BgpProtocolError when malformed. */
  decode(r: Reader, ctx: CodecContext, out: MutablePathAttributes): void;
  /** Whether `attrs` carries this attribute. */
  has(attrs: PathAttributes): boolean;
  /** Writes the value octets. */
  encode(w: Writer, attrs: PathAttributes, ctx: CodecContext): void;
}

const WELL_KNOWN = AttrFlag.TRANSITIVE;
const OPTIONAL_TRANSITIVE = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE;
const OPTIONAL = AttrFlag.OPTIONAL;

function malformed(subcode: number, reason: string): BgpProtocolError {
  return new BgpProtocolError(ErrorCode.UPDATE_MESSAGE, subcode, undefined, reason);
}

function exactLength(r: Reader, n: number, name: string): void {
  if (r.remaining !== n) throw malformed(UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, `${name} length ${r.remaining}, expected ${n}`);
}

function multipleOf(r: Reader, n: number, name: string): void {
  if (r.remaining === 0 || r.remaining % n !== 0) {
    throw malformed(UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, `${name} length ${r.remaining} is not a non-zero multiple of ${n}`);
  }
}

function u32List(r: Reader): number[] {
  const out = new Array<number>(r.remaining >>> 2);
  for (let i = 0; i < out.length; i++) out[i] = r.u32();
  return out;
}

function decodeAggregator(r: Reader, as4: boolean, name: string): Aggregator {
  exactLength(r, as4 ? 8 : 6, name);
  const asn = as4 ? r.u32() : r.u16();
  return { asn, address: r.u32() };
}

const ORIGIN: AttributeDescriptor = {
  type: AttrType.ORIGIN, name: 'ORIGIN', flags: WELL_KNOWN, onError: 'treat-as-withdraw',
  decode(r, _ctx, out) {
    exactLength(r, 1, 'ORIGIN');
    const v = r.u8();
    if (v > Origin.INCOMPLETE) throw malformed(UpdateSubcode.INVALID_ORIGIN_ATTRIBUTE, `ORIGIN value ${v}`);
    out.origin = v as OriginCode;
  },
  has: (a) => a.origin !== undefined,
  encode: (w, a) => void w.u8(a.origin!),
};

const AS_PATH: AttributeDescriptor = {
  type: AttrType.AS_PATH, name: 'AS_PATH', flags: WELL_KNOWN, onError: 'treat-as-withdraw',
  decode(r, ctx, out) {
    out.asPath = decodeAsPath(r, ctx.as4);
  },
  has: (a) => a.asPath !== undefined,
  encode: (w, a, ctx) => encodeAsPath(w, a.asPath!, ctx.as4),
};

const NEXT_HOP: AttributeDescriptor = {
  type: AttrType.NEXT_HOP, name: 'NEXT_HOP', flags: WELL_KNOWN, onError: 'treat-as-withdraw',
  decode(r, _ctx, out) {
    exactLength(r, 4, 'NEXT_HOP');
    out.nextHop = r.u32();
  },
  has: (a) => a.nextHop !== undefined,
  encode: (w, a) => void w.u32(a.nextHop!),
};

const MULTI_EXIT_DISC: AttributeDescriptor = {
  type: AttrType.MULTI_EXIT_DISC, name: 'MULTI_EXIT_DISC', flags: OPTIONAL, onError: 'treat-as-withdraw',
  decode(r, _ctx, out) {
    exactLength(r, 4, 'MULTI_EXIT_DISC');
    out.med = r.u32();
  },
  has: (a) => a.med !== undefined,
  encode: (w, a) => void w.u32(a.med!),
};

const LOCAL_PREF: AttributeDescriptor = {
  type: AttrType.LOCAL_PREF, name: 'LOCAL_PREF', flags: WELL_KNOWN, onError: 'treat-as-withdraw',
  decode(r, _ctx, out) {
    exactLength(r, 4, 'LOCAL_PREF');
    out.localPref = r.u32();
  },
  has: (a) => a.localPref !== undefined,
  encode: (w, a) => void w.u32(a.localPref!),
};

const ATOMIC_AGGREGATE: AttributeDescriptor = {
  type: AttrType.ATOMIC_AGGREGATE, name: 'ATOMIC_AGGREGATE', flags: WELL_KNOWN, onError: 'attribute-discard',
  decode(r, _ctx, out) {
    exactLength(r, 0, 'ATOMIC_AGGREGATE');
    out.atomicAggregate = true;
  },
  has: (a) => a.atomicAggregate === true,
  encode: () => {},
};

const AGGREGATOR: AttributeDescriptor = {
  type: AttrType.AGGREGATOR, name: 'AGGREGATOR', flags: OPTIONAL_TRANSITIVE, onError: 'attribute-discard',
  decode(r, ctx, out) {
    out.aggregator = decodeAggregator(r, ctx.as4, 'AGGREGATOR');
  },
  has: (a) => a.aggregator !== undefined,
  encode(w, a, ctx) {
    const { asn, address } = a.aggregator!;
    if (ctx.as4) w.u32(asn);
    else w.u16(asn > 0xffff ? 23456 : asn);
    w.u32(address);
  },
};

const COMMUNITIES: AttributeDescriptor = {
  type: AttrType.COMMUNITIES, name: 'COMMUNITIES', flags: OPTIONAL_TRANSITIVE, onError: 'treat-as-withdraw',
  decode(r, _ctx, out) {
    multipleOf(r, 4, 'COMMUNITIES');
    out.communities = u32List(r);
  },
  has: (a) => a.communities !== undefined,
  encode(w, a) {
    for (const c of a.communities!) w.u32(c);
  },
};

const ORIGINATOR_ID: AttributeDescriptor = {
  type: AttrType.ORIGINATOR_ID, name: 'ORIGINATOR_ID', flags: OPTIONAL, onError: 'treat-as-withdraw',
  decode(r, _ctx, out) {
    exactLength(r, 4, 'ORIGINATOR_ID');
    out.originatorId = r.u32();
  },
  has: (a) => a.originatorId !== undefined,
  encode: (w, a) => void w.u32(a.originatorId!),
};

const CLUSTER_LIST: AttributeDescriptor = {
  type: AttrType.CLUSTER_LIST, name: 'CLUSTER_LIST', flags: OPTIONAL, onError: 'treat-as-withdraw',
  decode(r, _ctx, out) {
    multipleOf(r, 4, 'CLUSTER_LIST');
    out.clusterList = u32List(r);
  },
  has: (a) => a.clusterList !== undefined,
  encode(w, a) {
    for (const c of a.clusterList!) w.u32(c);
  },
};

const EXTENDED_COMMUNITIES: AttributeDescriptor = {
  type: AttrType.EXTENDED_COMMUNITIES, name: 'EXTENDED_COMMUNITIES', flags: OPTIONAL_TRANSITIVE, onError: 'treat-as-withdraw',
  decode(r, _ctx, out) {
    multipleOf(r, 8, 'EXTENDED_COMMUNITIES');
    const list = new Array<ExtendedCommunity>(r.remaining / 8);
    for (let i = 0; i < list.length; i++) list[i] = [r.u32(), r.u32()];
    out.extendedCommunities = list;
  },
  has: (a) => a.extendedCommunities !== undefined,
  encode(w, a) {
    for (const [hi, lo] of a.extendedCommunities!) w.u32(hi).u32(lo);
  },
};

const AS4_PATH: AttributeDescriptor = {
  type: AttrType.AS4_PATH, name: 'AS4_PATH', flags: OPTIONAL_TRANSITIVE, onError: 'attribute-discard',
  decode(r, _ctx, out) {
    out.as4Path = decodeAsPath(r, true);
  },
  has: (a) => a.as4Path !== undefined,
  encode: (w, a) => encodeAsPath(w, a.as4Path!, true),
};

const AS4_AGGREGATOR: AttributeDescriptor = {
  type: AttrType.AS4_AGGREGATOR, name: 'AS4_AGGREGATOR', flags: OPTIONAL_TRANSITIVE, onError: 'attribute-discard',
  decode(r, _ctx, out) {
    out.as4Aggregator = decodeAggregator(r, true, 'AS4_AGGREGATOR');
  },
  has: (a) => a.as4Aggregator !== undefined,
  encode(w, a) {
    w.u32(a.as4Aggregator!.asn).u32(a.as4Aggregator!.address);
  },
};

const LARGE_COMMUNITIES: AttributeDescriptor = {
  type: AttrType.LARGE_COMMUNITIES, name: 'LARGE_COMMUNITIES', flags: OPTIONAL_TRANSITIVE, onError: 'treat-as-withdraw',
  decode(r, _ctx, out) {
    multipleOf(r, 12, 'LARGE_COMMUNITIES');
    const list = new Array<LargeCommunity>(r.remaining / 12);
    for (let i = 0; i < list.length; i++) list[i] = [r.u32(), r.u32(), r.u32()];
    out.largeCommunities = list;
  },
  has: (a) => a.largeCommunities !== undefined,
  encode(w, a) {
    for (const [g, l1, l2] of a.largeCommunities!) w.u32(g).u32(l1).u32(l2);
  },
};

const ONLY_TO_CUSTOMER: AttributeDescriptor = {
  // RFC 9234 5: a malformed OTC (length other than 4) is treat-as-withdraw.
  type: AttrType.ONLY_TO_CUSTOMER, name: 'ONLY_TO_CUSTOMER', flags: OPTIONAL_TRANSITIVE, onError: 'treat-as-withdraw',
  decode(r, _ctx, out) {
    exactLength(r, 4, 'ONLY_TO_CUSTOMER');
    out.onlyToCustomer = r.u32();
  },
  has: (a) => a.onlyToCustomer !== undefined,
  encode: (w, a) => void w.u32(a.onlyToCustomer!),
};

/** In ascending type code: the canonical order the encoder writes (RFC 4271 5: SHOULD order by type). */
export const DESCRIPTORS: readonly AttributeDescriptor[] = [
  ORIGIN, AS_PATH, NEXT_HOP, MULTI_EXIT_DISC, LOCAL_PREF, ATOMIC_AGGREGATE, AGGREGATOR, COMMUNITIES,
  ORIGINATOR_ID, CLUSTER_LIST, EXTENDED_COMMUNITIES, AS4_PATH, AS4_AGGREGATOR, LARGE_COMMUNITIES, ONLY_TO_CUSTOMER,
];

export const DESCRIPTOR_BY_TYPE: readonly (AttributeDescriptor | undefined)[] = (() => {
  const table: (AttributeDescriptor | undefined)[] = new Array(256).fill(undefined);
  for (const d of DESCRIPTORS) table[d.type] = d;
  return table;
})();

export function attributeName(type: number): string {
  if (type === AttrType.MP_REACH_NLRI) return 'MP_REACH_NLRI';
  if (type === AttrType.MP_UNREACH_NLRI) return 'MP_UNREACH_NLRI';
  return DESCRIPTOR_BY_TYPE[type]?.name ?? `ATTR_${type}`;
}
