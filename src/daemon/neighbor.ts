// A neighbor's configuration read for its parts: session options, families, graceful restart, BFD;
// and the counters a Peer (peer.ts) keeps for the life of the neighbor.

import { isIPv6 } from 'node:net';
import type { AddressFamilyName, DaemonConfig, NeighborConfig } from '../config/types.js';
import type { BfdTiming } from '../bfd/index.js';
import type { NegotiatedSession, SessionOptions } from '../fsm/index.js';
import type { RefusalReason } from '../rib/index.js';
import { Afi, type AttributeCache, Safi } from '../wire/index.js';

export interface NeighborCounts {
  /** Routes not sent because their UPDATE would be too large for this neighbor (RFC 8654 4). */
  unsendable: number;
  /** ROUTE-REFRESH requests (RFC 2918), each counted once: answered at once, deferred by the rate bound, or joined to an answer in progress. */
  refreshAnswered: number;
  refreshDeferred: number;
  refreshJoined: number;
  /** Malformed messages (a NOTIFICATION was sent), and RFC 7606 outcomes that kept the session. */
  malformed: number;
  treatAsWithdraw: number;
  attributeDiscard: number;
  /** Prefixes the RIB's ingress checks refused in earlier sessions (the current one's are the RIB's). */
  refused: Record<RefusalReason, number>;
}

export function emptyCounts(): NeighborCounts {
  return { unsendable: 0, refreshAnswered: 0, refreshDeferred: 0, refreshJoined: 0, malformed: 0, treatAsWithdraw: 0, attributeDiscard: 0, refused: { 'first-as': 0, 'next-hop': 0, exclusive: 0, loop: 0, 'path-limit': 0 } };
}

/** Whether the session runs over IPv6: an IPv6 neighbor, or an interface one (link-local). */
export function overIpv6(n: NeighborConfig): boolean {
  return n.interface !== undefined || isIPv6(n.address);
}

/** RFC 8950 offered: asked for, or by default on an interface neighbor (IPv4 has no address there; FRR does the same). */
export function extendedNextHopOf(n: NeighborConfig): boolean {
  return (n.extendedNextHop ?? n.interface !== undefined) && overIpv6(n);
}

/** RFC 8950 in force on a session: we offered IPv4 unicast with IPv6 next hops and the neighbor did too. */
export function extendedNextHopNegotiated(n: NeighborConfig, neg: NegotiatedSession): boolean {
  return extendedNextHopOf(n) && neg.peerCapabilities.some((c) => c.type === 'extended-next-hop' && c.entries.some((e) => e.afi === Afi.IPV4 && e.safi === Safi.UNICAST && e.nextHopAfi === Afi.IPV6));
}

/** The neighbor's families: as configured, else its session's family (both on an interface neighbor). */
export function addressFamiliesOf(n: NeighborConfig): { afi: number; safi: number }[] {
  const byDefault: AddressFamilyName[] = n.interface !== undefined ? ['ipv4-unicast', 'ipv6-unicast'] : isIPv6(n.address) ? ['ipv6-unicast'] : ['ipv4-unicast'];
  return (n.addressFamilies ?? byDefault).map((f) =>
    f === 'ipv4-unicast' ? { afi: Afi.IPV4, safi: Safi.UNICAST } : { afi: Afi.IPV6, safi: Safi.UNICAST });
}

export function gracefulRestartOf(n: NeighborConfig): { restartTime: number; stalePathTime: number; longLivedStaleTime: number } {
  const g = typeof n.gracefulRestart === 'object' ? n.gracefulRestart : {};
  return { restartTime: g.restartTime ?? 120, stalePathTime: g.stalePathTime ?? 360, longLivedStaleTime: g.longLivedStaleTime ?? 0 };
}

/** The neighbor's BFD timing (microseconds) and strict flag, or undefined when BFD is off. */
export function bfdOf(n: NeighborConfig): { timing: BfdTiming; strict: boolean } | undefined {
  if (!n.bfd) return undefined;
  const b = n.bfd === true ? {} : n.bfd;
  if (b.enabled === false) return undefined;
  return {
    timing: {
      desiredMinTxUs: (b.transmitInterval ?? 300) * 1000,
      requiredMinRxUs: (b.receiveInterval ?? 300) * 1000,
      detectMult: b.detectMultiplier ?? 3,
      passive: b.passive ?? false,
    },
    strict: b.strict ?? false,
  };
}

/**
 * The neighbor's session options. `restarting`: RFC 4724 restarting speaker with forwarding state
 * kept (our OPEN sets Restart State and each family's Forwarding State).
 */
export function sessionOptions(n: NeighborConfig, c: DaemonConfig, routerId: number, cache: AttributeCache, restarting = false, remoteAddress = n.address): SessionOptions {
  const gr = gracefulRestartOf(n);
  return {
    bfdStrict: bfdOf(n)?.strict ?? false,
    remoteAddress,
    remotePort: n.port,
    localAddress: n.localAddress,
    passive: n.passive,
    password: n.password,
    ttlSecurityHops: n.ttlSecurityHops,
    ttl: n.ebgpMultihop,
    timers: timersOf(n),
    attributeCache: cache,
    open: {
      localAs: n.localAs ?? c.asn,
      routerId,
      remoteAs: n.remoteAs,
      holdTime: n.holdTime ?? c.holdTime ?? 90,
      keepaliveTime: n.keepaliveTime ?? c.keepaliveTime,
      minHoldTime: 3,
      afiSafis: addressFamiliesOf(n),
      extendedMessage: true,
      // RFC 8950: IPv4 unicast with IPv6 next hops, offered on IPv6 sessions that ask for it.
      ...(extendedNextHopOf(n) ? { extendedNextHop: [{ afi: Afi.IPV4, safi: Safi.UNICAST, nextHopAfi: Afi.IPV6 }] } : {}),
      // With fib.retain our kernel routes survive a restart: the families are listed so that
      // helpers keep our routes (RFC 4724 4.2); without it they are not, and helpers drop ours.
      // With long-lived graceful restart the families are listed as well (F bit clear without
      // retain): FRR keeps a peer's routes through a restart, long-lived included, only for them.
      ...(n.gracefulRestart === false ? {} : { gracefulRestart: { restartTime: gr.restartTime, restarting, forwarding: restarting, families: (c.fib?.retain ?? false) || gr.longLivedStaleTime > 0 } }),
      // RFC 9494: helpers keep our routes (least preferred) this long past the restart time; we do theirs.
      ...(n.gracefulRestart === false || !gr.longLivedStaleTime ? {} : { longLivedStaleTime: gr.longLivedStaleTime }),
      ...(addPathMode(n) ? { addPath: addressFamiliesOf(n).map((f) => ({ ...f, sendReceive: addPathMode(n) })) } : {}),
    },
  };
}

/** The session timers of a neighbor: openHoldTime is the FSM's "large" OpenSent hold time. */
function timersOf(n: NeighborConfig): SessionOptions['timers'] {
  if (!n.timers) return undefined;
  const { openHoldTime, ...rest } = n.timers;
  return openHoldTime === undefined ? rest : { ...rest, largeHoldTime: openHoldTime };
}

/** RFC 7911 capability Send/Receive field for the neighbor: 1 receive, 2 send, 3 both, 0 none. */
function addPathMode(n: NeighborConfig): number {
  return (n.addPath?.receive ? 1 : 0) | (n.addPath?.send !== undefined ? 2 : 0);
}
