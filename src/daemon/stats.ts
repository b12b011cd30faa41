// Counters and states of the whole daemon in one snapshot, taken once per scrape: metrics read
// this, never the daemon's fields (one session snapshot per neighbor, however many series).

import type { FibStats } from '../fib/index.js';
import type { SessionSnapshot, StateName } from '../fsm/index.js';
import type { RefusalReason } from '../rib/index.js';
import { Afi } from '../wire/index.js';
import type { Daemon } from './daemon.js';
import type { RefusedReason } from './dynamic.js';
import type { NeighborCounts } from './neighbor.js';
import type * as C from './contract/index.js';
import { bfdDetail, rpkiStatus } from './read-model.js';

export type FamilyName = 'ipv4-unicast' | 'ipv6-unicast';

export interface NeighborStats {
  readonly address: string;
  /** The negotiated AS, else the configured one (a number, 'internal' or 'external'). */
  readonly peerAs: string;
  readonly dynamic: boolean;
  readonly state: StateName;
  readonly adminShutdown: boolean;
  readonly uptimeSeconds: number;
  readonly sent: SessionSnapshot['sent'];
  readonly received: SessionSnapshot['received'];
  readonly flaps: number;
  readonly connectFailures: number;
  readonly lastDownReason: string | null;
  /** Per family the session carries (after import policy, sent, before import policy when kept). */
  readonly accepted: Partial<Record<FamilyName, number>>;
  readonly advertised: Partial<Record<FamilyName, number>>;
  readonly receivedPrePolicy: Partial<Record<FamilyName, number>>;
  readonly counts: NeighborCounts;
  readonly refused: Record<RefusalReason, number>;
  /** An interface (unnumbered) neighbor's router advertisements and address changes; null otherwise. */
  readonly unnumbered: { readonly sent: number; readonly heard: number; readonly invalid: number; readonly others: number; readonly changes: number } | null;
  readonly bfd: {
    readonly state: string;
    readonly upSeconds: number;
    readonly detectionSeconds: number | null;
    readonly transmitSeconds: number | null;
    readonly downTransitions: number;
    readonly packetsSent: number;
    readonly packetsReceived: number;
  } | null;
}

export interface DaemonStats {
  readonly neighbors: readonly NeighborStats[];
  readonly prefixes: Record<FamilyName, number>;
  readonly paths: Record<FamilyName, number>;
  /** Octets of each Loc-RIB's columns (prefixes and paths). */
  readonly ribBytes: Record<FamilyName, number>;
  /** Every peer's Adj-RIB-Out columns, by family. */
  readonly adjRibOutBytes: Record<FamilyName, number>;
  readonly attributeSets: number;
  readonly attributeCache: number;
  readonly fib: FibStats | null;
  /** Tracked next hops that resolve and that do not; null when next hops are not tracked. */
  readonly nexthops: { readonly reachable: number; readonly unreachable: number } | null;
  readonly refused: Record<RefusedReason, number>;
  /** RPKI caches as the API shows them. */
  readonly rpkiCaches: C.RpkiStatus['caches'];
  readonly bmpCollectors: C.BmpStatus['collectors'];
}

const FAMILY = { [Afi.IPV4]: 'ipv4-unicast', [Afi.IPV6]: 'ipv6-unicast' } as const;

export function daemonStats(d: Daemon): DaemonStats {
  const neighbors: NeighborStats[] = [];
  for (const [address, n] of d.neighbors) {
    const s = n.session.snapshot();
    const stats = d.rib.peerStats(n.index);
    const receivedPrePolicy: Partial<Record<FamilyName, number>> = {};
    for (const afi of [Afi.IPV4, Afi.IPV6] as const) {
      const adjIn = d.rib.adjRibIn(n.index, afi);
      if (adjIn) receivedPrePolicy[FAMILY[afi]] = adjIn.prefixes;
    }
    const b = bfdDetail(d, n);
    const link = n.config.interface === undefined ? undefined : d.unnumbered.linkOf(n.config.interface);
    neighbors.push({
      address,
      peerAs: String(s.negotiated?.peerAs ?? n.config.remoteAs),
      dynamic: n.dynamic,
      state: s.state,
      adminShutdown: !s.enabled,
      uptimeSeconds: s.state === 'Established' && s.establishedAtMs !== null ? (d.now() - s.establishedAtMs) / 1000 : 0,
      sent: s.sent,
      received: s.received,
      flaps: s.flaps,
      connectFailures: s.connectFailures,
      lastDownReason: s.lastDownReason,
      accepted: (stats?.received ?? {}) as Partial<Record<FamilyName, number>>,
      advertised: (stats?.advertised ?? {}) as Partial<Record<FamilyName, number>>,
      receivedPrePolicy,
      counts: n.counts,
      refused: n.refusals(),
      unnumbered: link ? { ...link.advertisements, others: link.others, changes: link.changes } : null,
      bfd: b && {
        state: b.state,
        upSeconds: b.upSince ? (Date.now() - Date.parse(b.upSince)) / 1000 : 0,
        detectionSeconds: b.detectionTimeMs !== null ? b.detectionTimeMs / 1000 : null,
        transmitSeconds: b.transmitIntervalMs !== null ? b.transmitIntervalMs / 1000 : null,
        downTransitions: b.downTransitions,
        packetsSent: b.packetsSent,
        packetsReceived: b.packetsReceived,
      },
    });
  }
  return {
    neighbors,
    prefixes: { 'ipv4-unicast': d.rib.v4.prefixes, 'ipv6-unicast': d.rib.v6.prefixes },
    paths: { 'ipv4-unicast': d.rib.v4.paths, 'ipv6-unicast': d.rib.v6.paths },
    ribBytes: { 'ipv4-unicast': d.rib.v4.bytes, 'ipv6-unicast': d.rib.v6.bytes },
    adjRibOutBytes: { 'ipv4-unicast': d.rib.outBytes(Afi.IPV4), 'ipv6-unicast': d.rib.outBytes(Afi.IPV6) },
    attributeSets: d.rib.attrs.size,
    attributeCache: d.attributeCacheSize,
    fib: d.fibBridge?.fib.stats() ?? null,
    nexthops: d.nexthopTracking?.tracker.counts() ?? null,
    refused: { ...d.refused },
    rpkiCaches: rpkiStatus(d).caches,
    bmpCollectors: d.bmp.monitor.status(),
  };
}
