// Cutting a namespace off the network without touching its links: an nftables table that drops
// everything in and out (a dead path with carrier still up, which only BFD or a hold timer sees),
// and a one-neighbor nodebgpd configuration for the BFD tests.
import { inNs } from './netns.js';

/** Drops all traffic of `ns`; the rule is surely in place between `before` and `after` (epoch ms). */
export function cutLink(ns: string): { before: number; after: number } {
  const before = Date.now();
  inNs(ns, 'nft', ['table inet linkcut { chain i { type filter hook input priority 0; policy drop; }; chain o { type filter hook output priority 0; policy drop; }; }']);
  return { before, after: Date.now() };
}

export function restoreLink(ns: string): void {
  inNs(ns, 'nft', ['delete', 'table', 'inet', 'linkcut']);
}

/**
 * nodebgpd announcing `pod` to one eBGP neighbor with BFD; retry timers at 1 s so that the
 * session is back quickly after each cut.
 */
export function bfdNodeConfig(o: { me: string; pod: string; neighbor: string; remoteAs: number; bfd: string }): string {
  return `
asn: 64512
routerId: ${o.me}
listen: { addresses: [0.0.0.0] }
ebgpRequiresPolicy: false
originate:
  - prefix: ${o.pod}
neighbors:
  - address: ${o.neighbor}
    remoteAs: ${o.remoteAs}
    timers: { connectRetryTime: 1, idleHoldTime: 1, idleHoldMaxTime: 1 }
    bfd: ${o.bfd}
`;
}
