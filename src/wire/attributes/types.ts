// Decoded path attributes: one immutable object per distinct attribute set, shared by every path
// that carries it (the decoder interns them by their wire bytes). RFC 4271 5, RFC 1997, RFC 4360,
// RFC 4456, RFC 6793, RFC 8092. Must not import anything outside src/wire.

import type { AsPathSegmentTypeCode, OriginCode } from '../constants.js';
import type { NlriBlock } from '../nlri.js';

/** One segment of an AS path, as readers off the hot path see it (`asPathSegments`). */
export interface AsPathSegment {
  readonly type: AsPathSegmentTypeCode;
  readonly asns: readonly number[];
}
/** Each segment as its type, its ASN count, then its ASNs, in one array (`as-path.ts`). */
export type AsPath = readonly number[];

export interface Aggregator {
  readonly asn: number;
  /** IPv4 address as an unsigned 32-bit number. */
  readonly address: number;
}

/** An extended community as its two big-endian 32-bit halves (RFC 4360: 8 octets). */
export type ExtendedCommunity = readonly [high: number, low: number];
/** RFC 8092: global administrator, local data 1, local data 2. */
export type LargeCommunity = readonly [global: number, local1: number, local2: number];

/** An attribute the codec does not interpret, kept with its flags as received. */
export interface RawAttribute {
  readonly flags: number;
  readonly type: number;
  readonly value: Buffer;
}

export interface PathAttributes {
  readonly origin?: OriginCode;
  readonly asPath?: AsPath;
  /** IPv4 NEXT_HOP as an unsigned 32-bit number. */
  readonly nextHop?: number;
  readonly med?: number;
  readonly localPref?: number;
  readonly atomicAggregate?: true;
  readonly aggregator?: Aggregator;
  readonly communities?: readonly number[];
  readonly originatorId?: number;
  readonly clusterList?: readonly number[];
  readonly extendedCommunities?: readonly ExtendedCommunity[];
  /** RFC 6793: only meaningful between 2-octet speakers; see mergeAs4Path. */
  readonly as4Path?: AsPath;
  readonly as4Aggregator?: Aggregator;
  readonly largeCommunities?: readonly LargeCommunity[];
  /** RFC 9234 Only to Customer: the AS that set it. */
  readonly onlyToCustomer?: number;
  readonly unknown?: readonly RawAttribute[];
}

export interface MpReach {
  readonly afi: number;
  readonly safi: number;
  /** 4 (IPv4), 16 (IPv6 global) or 32 (global plus link-local) octets, as on the wire. */
  readonly nextHop: Buffer;
  /** Decoded for IPv4/IPv6 unicast and multicast; null for AFI/SAFIs the codec does not parse. */
  readonly nlri: NlriBlock | null;
  /** The undecoded NLRI field when `nlri` is null. */
  readonly rawNlri?: Buffer;
}

export interface MpUnreach {
  readonly afi: number;
  readonly safi: number;
  readonly withdrawn: NlriBlock | null;
  readonly rawNlri?: Buffer;
}

/** RFC 7606 outcomes, weakest first; the strongest one found applies to the whole UPDATE. */
export type ErrorAction = 'attribute-discard' | 'treat-as-withdraw';

export interface AttributeError {
  readonly action: ErrorAction;
  /** The attribute type code at fault (0 when the attribute list itself is at fault). */
  readonly attrType: number;
  /** The NOTIFICATION code/subcode RFC 4271 6.3 names for it, for logs and counters. */
  readonly code: number;
  readonly subcode: number;
  readonly reason: string;
}

