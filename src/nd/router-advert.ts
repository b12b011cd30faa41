// IPv6 Router Advertisements (RFC 4861 4.2) as unnumbered BGP uses them: each end of a link
// advertises itself so the other learns its link-local address (FRR's zebra does the same for
// `neighbor IF interface`). Pure: the message body we send, the validation of one received
// (RFC 4861 6.1.2), and the ancillary data the kernel hands with it. No I/O, no timers.
// Must not import anything outside src/nd.

export const ICMPV6_ROUTER_ADVERT = 134;
/** RFC 4861 4.6.1: Source Link-layer Address option. */
const OPTION_SOURCE_LINK_LAYER = 1;
/** Type, code, checksum, cur hop limit, flags, router lifetime, reachable time, retrans timer. */
const RA_FIXED_LENGTH = 16;
/** RFC 4861 6.1.2: a valid advertisement arrives with hop limit 255 (it was sent on the link). */
export const ND_HOP_LIMIT = 255;

/** Linux ancillary data: IPPROTO_IPV6 level, IPV6_PKTINFO and IPV6_HOPLIMIT (RFC 3542). */
const SOL_IPV6 = 41;
const IPV6_PKTINFO = 50;
const IPV6_HOPLIMIT = 52;

export class NdError extends Error {}

export interface RouterAdvert {
  readonly curHopLimit: number;
  /** Seconds; 0: not a default router (RFC 4861 4.2). */
  readonly routerLifetime: number;
  readonly sourceLinkLayer: Buffer | undefined;
}

/**
 * Our advertisement: router lifetime 0, so hosts on the link never take us as their default router
 * (it only tells the neighbor where we are), no prefixes, and our MAC as the source link-layer
 * address so the neighbor needs no solicitation. The kernel fills the checksum (RFC 3542 3.1).
 */
export function encodeRouterAdvert(mac: Buffer | undefined): Buffer {
  const option = mac && mac.length === 6 ? 8 : 0;
  const b = Buffer.alloc(RA_FIXED_LENGTH + option);
  b[0] = ICMPV6_ROUTER_ADVERT;
  b[4] = 64;
  if (option) {
    b[RA_FIXED_LENGTH] = OPTION_SOURCE_LINK_LAYER;
    b[RA_FIXED_LENGTH + 1] = 1;
    mac!.copy(b, RA_FIXED_LENGTH + 2);
  }
  return b;
}

/**
 * A received advertisement, validated as RFC 4861 6.1.2 asks (the source address and hop limit
 * are the caller's, from the packet): code 0, at least 16 octets, every option's length non-zero
 * and inside the message. Throws NdError naming what is wrong.
 */
export function decodeRouterAdvert(b: Buffer): RouterAdvert {
  if (b.length < RA_FIXED_LENGTH) throw new NdError(`router advertisement of ${b.length} octets (at least ${RA_FIXED_LENGTH})`);
  if (b[0] !== ICMPV6_ROUTER_ADVERT) throw new NdError(`ICMPv6 type ${b[0]} is not a router advertisement`);
  if (b[1] !== 0) throw new NdError(`router advertisement with code ${b[1]} (must be 0)`);
  let sourceLinkLayer: Buffer | undefined;
  for (let o = RA_FIXED_LENGTH; o < b.length;) {
    if (o + 2 > b.length) throw new NdError(`option header cut short at octet ${o}`);
    const len = b[o + 1] * 8;
    if (len === 0) throw new NdError(`option ${b[o]} at octet ${o} has length 0`);
    if (o + len > b.length) throw new NdError(`option ${b[o]} at octet ${o} runs past the message (${len} octets, ${b.length - o} left)`);
    if (b[o] === OPTION_SOURCE_LINK_LAYER) sourceLinkLayer = b.subarray(o + 2, o + len);
    o += len;
  }
  return { curHopLimit: b[4], routerLifetime: b.readUInt16BE(6), sourceLinkLayer };
}

/** What the kernel told about a received packet: its hop limit and the interface it came in on. */
export interface Arrival {
  readonly hopLimit: number | undefined;
  readonly ifindex: number | undefined;
}

/** Reads IPV6_HOPLIMIT and IPV6_PKTINFO from recvmsg's control data (struct cmsghdr, 64-bit Linux). */
export function parseArrival(control: Buffer): Arrival {
  let hopLimit: number | undefined;
  let ifindex: number | undefined;
  // struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; } then data, 8-octet aligned.
  for (let o = 0; o + 16 <= control.length;) {
    const len = Number(control.readBigUInt64LE(o));
    if (len < 16 || o + len > control.length) break;
    const level = control.readInt32LE(o + 8);
    const type = control.readInt32LE(o + 12);
    if (level === SOL_IPV6 && type === IPV6_HOPLIMIT && len >= 20) hopLimit = control.readInt32LE(o + 16);
    // struct in6_pktinfo { struct in6_addr ipi6_addr; unsigned int ipi6_ifindex; }
    if (level === SOL_IPV6 && type === IPV6_PKTINFO && len >= 36) ifindex = control.readUInt32LE(o + 32);
    o += (len + 7) & ~7;
  }
  return { hopLimit, ifindex };
}
