// What we originate, from its text form (config `originate`, the API's announce) to the RIB's
// terms: prefixes and aggregates parsed once, the next hop checked against the prefix's family.

import { isIPv6 } from 'node:net';
import { parseCommunity, parseIpv4, parseIpv6, parsePrefix } from '../config/prefix.js';
import type { DaemonConfig } from '../config/types.js';
import type { AggregateSpec } from '../rib/index.js';
import { Afi, type AfiCode, type PathAttributes, linkBandwidthCommunity, mbpsToOctets } from '../wire/index.js';
import { type AnnounceRequest, CommandError } from './commands.js';

export interface Origination {
  readonly afi: AfiCode;
  readonly words: readonly [number, number, number, number];
  readonly len: number;
  readonly attrs: PathAttributes;
  /** 0: our address on each session. */
  readonly nextHop: number | Buffer;
}

/**
 * An announce request in the RIB's terms (ORIGIN IGP, an empty AS_PATH; a link bandwidth in Mbps
 * as the extended community `localAs` sets); throws ParseError or CommandError.
 */
export function originationOf(r: AnnounceRequest, localAs: number): Origination {
  const p = parsePrefix(r.prefix);
  const communities = (r.communities ?? []).map(parseCommunity);
  const attrs = {
    origin: 0 as const,
    asPath: [],
    ...(communities.length > 0 ? { communities } : {}),
    ...(r.linkBandwidth !== undefined ? { extendedCommunities: [linkBandwidthCommunity(localAs, mbpsToOctets(r.linkBandwidth))] } : {}),
    ...(r.med !== undefined ? { med: r.med } : {}),
    ...(r.localPref !== undefined ? { localPref: r.localPref } : {}),
  };
  let nextHop: number | Buffer = 0;
  if (r.nextHop !== undefined) {
    if (isIPv6(r.nextHop) !== (p.afi === Afi.IPV6)) throw new CommandError('invalid', `next hop ${r.nextHop} is not of the prefix's address family`);
    nextHop = p.afi === Afi.IPV6 ? parseIpv6(r.nextHop) : parseIpv4(r.nextHop);
  }
  return { afi: p.afi, words: p.words, len: p.length, attrs, nextHop };
}

export function aggregateSpecs(list: DaemonConfig['aggregates']): AggregateSpec[] {
  return (list ?? []).map((a) => {
    const p = parsePrefix(a.prefix);
    return { afi: p.afi, words: [p.words[0], p.words[1], p.words[2], p.words[3]], len: p.length, summaryOnly: a.summaryOnly ?? false, asSet: a.asSet ?? false };
  });
}
