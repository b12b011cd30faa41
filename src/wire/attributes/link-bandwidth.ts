// The link bandwidth extended community (draft-ietf-idr-link-bandwidth 2): type 0x00 (transitive,
// what FRR sends unless told otherwise) or 0x40 (non-transitive), subtype 0x04; the two-octet AS
// of the speaker that set it, then the bandwidth in octets per second as an IEEE 754 float.

import { AS_TRANS } from '../constants.js';
import type { ExtendedCommunity } from './types.js';

const SUBTYPE = 0x04;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Whether an extended community is a link bandwidth one. */
export function isLinkBandwidth([hi]: ExtendedCommunity): boolean {
  const type = hi >>> 24;
  return (type === 0x00 || type === 0x40) && ((hi >>> 16) & 0xff) === SUBTYPE;
}

/** The first link bandwidth of a list, in octets per second; undefined when there is none. */
export function linkBandwidthOf(list: readonly ExtendedCommunity[] | undefined): number | undefined {
  if (!list) return undefined;
  for (const c of list) {
    if (!isLinkBandwidth(c)) continue;
    u32[0] = c[1];
    const v = f32[0];
    return Number.isFinite(v) && v > 0 ? v : 0;
  }
  return undefined;
}

/** Mbps (FRR's unit for `set extcommunity bandwidth`) as the community's octets per second. */
export const mbpsToOctets = (mbps: number): number => (mbps * 1e6) / 8;

/** A link bandwidth community set by `asn` (AS_TRANS beyond two octets) for `octetsPerSecond`. */
export function linkBandwidthCommunity(asn: number, octetsPerSecond: number, transitive = true): ExtendedCommunity {
  f32[0] = octetsPerSecond;
  const hi = (((transitive ? 0x00 : 0x40) << 24) | (SUBTYPE << 16) | (asn > 0xffff ? AS_TRANS : asn)) >>> 0;
  return [hi, u32[0]];
}
