// Prometheus metrics, pulled: one snapshot of the daemon (daemonStats) per scrape, which every
// collector reads, so nothing on the hot path touches prom-client (the UPDATE latency histogram
// is our own, bucket-histogram.ts). Counters are counters (their values read at scrape time from
// state the daemon keeps, so a neighbor's series go with it); every peer series has the labels
// peer and peer_as. Names and their frr_exporter, GoBGP and MetalLB equivalents are in the README.

import { PerformanceObserver, constants } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { BucketHistogram } from './bucket-histogram.js';
import type { DaemonProcess } from '../daemon/process.js';
import type { DaemonStats, FamilyName, NeighborStats } from '../daemon/stats.js';
import { VERSION } from './version.js';

/** RFC 4273 bgpPeerState numbering (as GoBGP's bgp_peer_state). */
const STATE_CODE: Record<string, number> = { Idle: 1, Connect: 2, Active: 3, OpenSent: 4, OpenConfirm: 5, Established: 6 };
const FAMILIES: readonly FamilyName[] = ['ipv4-unicast', 'ipv6-unicast'];
const BFD_STATE_CODE: Record<string, number> = { AdminDown: 0, Down: 1, Init: 2, Up: 3 };
const PEER = ['peer', 'peer_as'] as const;

export interface Metrics {
  readonly registry: Registry;
  /** The exposition text: one daemon snapshot for the whole scrape. */
  scrape(): Promise<string>;
}

export function createMetrics(proc: DaemonProcess): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  // prom-client's totals of active handles, requests and resources are gauges named like
  // counters (promtool warns); the same numbers by type stay (nodejs_active_handles{type}, ...).
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  let snapshot: DaemonStats | undefined;
  const stats = () => (snapshot ??= proc.queries.stats());
  const each = (fn: (labels: { peer: string; peer_as: string }, n: NeighborStats) => void) => {
    for (const n of stats().neighbors) fn({ peer: n.address, peer_as: n.peerAs }, n);
  };
  const gauge = (name: string, help: string, labelNames: readonly string[], collect: (g: Gauge<string>) => void) =>
    new Gauge({ name, help, labelNames: [...labelNames], registers: [registry], collect() { this.reset(); collect(this); } });
  /** A counter whose value is read at scrape time from state the daemon keeps. */
  const counter = (name: string, help: string, labelNames: readonly string[], collect: (c: Counter<string>) => void) =>
    new Counter({ name, help, labelNames: [...labelNames], registers: [registry], collect() { this.reset(); collect(this); } });

  new Gauge({ name: 'nodebgp_build_info', help: 'nodebgp version and the Node.js runtime (value 1)', labelNames: ['version', 'node_version'], registers: [registry] })
    .set({ version: VERSION, node_version: process.version }, 1);

  // --- sessions -------------------------------------------------------------------------------
  gauge('nodebgp_peer_state', 'Session state (RFC 4273 numbering: 1 Idle .. 6 Established)', PEER, (g) => each((l, n) => g.set(l, STATE_CODE[n.state])));
  gauge('nodebgp_peer_up', '1 when the session is Established', PEER, (g) => each((l, n) => g.set(l, n.state === 'Established' ? 1 : 0)));
  gauge('nodebgp_peer_admin_shutdown', '1 when the neighbor is administratively down', PEER, (g) => each((l, n) => g.set(l, n.adminShutdown ? 1 : 0)));
  gauge('nodebgp_peer_uptime_seconds', 'Seconds since the session reached Established (0 when down)', PEER, (g) => each((l, n) => g.set(l, n.uptimeSeconds)));
  for (const dir of ['sent', 'received'] as const) {
    counter(`nodebgp_peer_messages_${dir}_total`, `BGP messages ${dir}, by type`, [...PEER, 'type'], (c) => each((l, n) => {
      for (const [type, v] of Object.entries(n[dir])) c.inc({ ...l, type }, v as number);
    }));
  }
  counter('nodebgp_peer_flaps_total', 'Times the session left Established', PEER, (c) => each((l, n) => c.inc(l, n.flaps)));
  counter('nodebgp_peer_connect_failures_total', 'Outgoing TCP connections refused, failed, or not completed within the connect-retry time', PEER, (c) => each((l, n) => c.inc(l, n.connectFailures)));
  gauge('nodebgp_peer_last_down_reason', 'The last reason the session went down (value 1, the reason as a label)', [...PEER, 'reason'], (g) => each((l, n) => {
    if (n.lastDownReason) g.set({ ...l, reason: n.lastDownReason }, 1);
  }));

  // --- routes per neighbor --------------------------------------------------------------------
  const perFamily = (name: string, help: string, read: (n: NeighborStats) => Partial<Record<FamilyName, number>>) =>
    gauge(name, help, [...PEER, 'afi_safi'], (g) => each((l, n) => {
      const values = read(n);
      for (const f of FAMILIES) if (values[f] !== undefined) g.set({ ...l, afi_safi: f }, values[f]!);
    }));
  perFamily('nodebgp_peer_prefixes_accepted', 'Prefixes accepted from the peer (after import policy)', (n) => n.accepted);
  perFamily('nodebgp_peer_prefixes_advertised', 'Prefixes advertised to the peer', (n) => n.advertised);
  perFamily('nodebgp_peer_prefixes_received', 'Prefixes received before import policy (neighbors with softReconfigurationInbound)', (n) => n.receivedPrePolicy);
  counter('nodebgp_peer_route_refresh_requests_total', 'ROUTE-REFRESH requests from the peer by outcome: answered, deferred (rate bound) or joined (an answer was in progress)', [...PEER, 'outcome'], (c) => each((l, n) => {
    c.inc({ ...l, outcome: 'answered' }, n.counts.refreshAnswered);
    c.inc({ ...l, outcome: 'deferred' }, n.counts.refreshDeferred);
    c.inc({ ...l, outcome: 'joined' }, n.counts.refreshJoined);
  }));
  counter('nodebgp_peer_malformed_messages_total', 'Malformed messages received from the peer (answered with a NOTIFICATION)', PEER, (c) => each((l, n) => c.inc(l, n.counts.malformed)));
  counter('nodebgp_peer_update_errors_total', 'UPDATEs with malformed attributes that kept the session, by RFC 7606 action', [...PEER, 'action'], (c) => each((l, n) => {
    c.inc({ ...l, action: 'treat-as-withdraw' }, n.counts.treatAsWithdraw);
    c.inc({ ...l, action: 'attribute-discard' }, n.counts.attributeDiscard);
  }));
  counter('nodebgp_peer_routes_refused_total', 'Prefixes from the peer refused by the ingress checks, by reason: first-as, next-hop, exclusive (another neighbor holds it), loop, path-limit', [...PEER, 'reason'], (c) => each((l, n) => {
    for (const [reason, v] of Object.entries(n.refused)) c.inc({ ...l, reason }, v);
  }));
  // Unnumbered neighbors: the router advertisements on their links (RFC 4861).
  const unnumbered = (fn: (l: Record<string, string>, u: NonNullable<DaemonStats['neighbors'][number]['unnumbered']>) => void) => each((l, n) => n.unnumbered && fn(l, n.unnumbered));
  counter('nodebgp_peer_router_advertisements_total', 'Router advertisements on an unnumbered neighbor\'s link: sent, heard (valid, any source), invalid (refused, RFC 4861 6.1.2)', [...PEER, 'kind'], (c) => unnumbered((l, u) => {
    for (const kind of ['sent', 'heard', 'invalid'] as const) c.inc({ ...l, kind }, u[kind]);
  }));
  counter('nodebgp_peer_router_advertisements_ignored_total', 'Valid router advertisements on an unnumbered neighbor\'s link from a source that is not the neighbor', PEER, (c) => unnumbered((l, u) => c.inc(l, u.others)));
  counter('nodebgp_peer_address_changes_total', 'Times an unnumbered neighbor\'s link-local address changed', PEER, (c) => unnumbered((l, u) => c.inc(l, u.changes)));
  counter('nodebgp_routes_unsendable_total', 'Routes not sent to the peer because their UPDATE would exceed its maximum message size (RFC 8654 4)', PEER, (c) => each((l, n) => c.inc(l, n.counts.unsendable)));

  // --- BFD ------------------------------------------------------------------------------------
  const bfd = (name: string, help: string, read: (b: NonNullable<NeighborStats['bfd']>) => number | null, kind: 'gauge' | 'counter' = 'gauge') => {
    const collect = (m: Gauge<string> | Counter<string>) => each((l, n) => {
      const v = n.bfd ? read(n.bfd) : null;
      if (v === null) return;
      if (m instanceof Gauge) m.set(l, v);
      else m.inc(l, v);
    });
    return kind === 'gauge' ? gauge(name, help, PEER, collect) : counter(name, help, PEER, collect);
  };
  bfd('nodebgp_bfd_session_state', 'BFD session state (RFC 5880 numbering: 0 AdminDown, 1 Down, 2 Init, 3 Up)', (b) => BFD_STATE_CODE[b.state]);
  bfd('nodebgp_bfd_session_up', '1 when the BFD session is Up', (b) => (b.state === 'Up' ? 1 : 0));
  bfd('nodebgp_bfd_session_uptime_seconds', 'Seconds since the BFD session came Up (0 when not Up)', (b) => b.upSeconds);
  bfd('nodebgp_bfd_detection_time_seconds', 'Negotiated detection time', (b) => b.detectionSeconds);
  bfd('nodebgp_bfd_transmit_interval_seconds', 'Negotiated transmit interval', (b) => b.transmitSeconds);
  bfd('nodebgp_bfd_session_down_total', 'Times the BFD session went from Up to Down', (b) => b.downTransitions, 'counter');
  bfd('nodebgp_bfd_packets_sent_total', 'BFD control packets sent', (b) => b.packetsSent, 'counter');
  bfd('nodebgp_bfd_packets_received_total', 'BFD control packets received', (b) => b.packetsReceived, 'counter');

  // --- the RIB, the kernel, the listener ------------------------------------------------------
  gauge('nodebgp_rib_prefixes', 'Prefixes in the Loc-RIB', ['afi_safi'], (g) => {
    for (const f of FAMILIES) g.set({ afi_safi: f }, stats().prefixes[f]);
  });
  gauge('nodebgp_rib_paths', 'Paths in the Loc-RIB (all candidates)', ['afi_safi'], (g) => {
    for (const f of FAMILIES) g.set({ afi_safi: f }, stats().paths[f]);
  });
  gauge('nodebgp_rib_bytes', 'Octets of the Loc-RIB\'s columns: prefixes and paths, as allocated (they grow in chunks); attribute sets not counted', ['afi_safi'], (g) => {
    for (const f of FAMILIES) g.set({ afi_safi: f }, stats().ribBytes[f]);
  });
  gauge('nodebgp_adj_rib_out_bytes', 'Octets of every neighbor\'s Adj-RIB-Out columns (the form sent and a queued bit per prefix), as allocated; ADD-PATH outputs not counted', ['afi_safi'], (g) => {
    for (const f of FAMILIES) g.set({ afi_safi: f }, stats().adjRibOutBytes[f]);
  });
  gauge('nodebgp_attribute_sets', 'Distinct path attribute sets held by the RIB', [], (g) => g.set(stats().attributeSets));
  gauge('nodebgp_attribute_cache_entries', 'Decoded attribute sets in the decode cache', [], (g) => g.set(stats().attributeCache));
  gauge('nodebgp_fib_routes', 'Routes installed in the kernel', ['afi_safi'], (g) => {
    const f = stats().fib;
    if (!f) return;
    g.set({ afi_safi: 'ipv4-unicast' }, f.installed.ipv4);
    g.set({ afi_safi: 'ipv6-unicast' }, f.installed.ipv6);
  });
  gauge('nodebgp_fib_pending', 'Prefixes waiting to be written to the kernel', [], (g) => {
    const f = stats().fib;
    if (f) g.set(f.pending);
  });
  counter('nodebgp_fib_errors_total', 'Routes the kernel refused', [], (c) => {
    const f = stats().fib;
    if (f) c.inc(f.errors);
  });
  counter('nodebgp_fib_restored_total', 'Routes of ours someone else removed from the kernel, installed again', [], (c) => {
    const f = stats().fib;
    if (f) c.inc(f.restored);
  });
  gauge('nodebgp_nexthops', 'Tracked BGP next hops by state: reachable (resolve through a route) or unreachable (their paths are not used); absent without next-hop tracking', ['state'], (g) => {
    const n = stats().nexthops;
    if (n) for (const [state, v] of Object.entries(n)) g.set({ state }, v);
  });
  gauge('nodebgp_neighbors', 'Configured and dynamic neighbors', [], (g) => g.set(stats().neighbors.length));
  counter('nodebgp_connections_refused_total', 'Incoming BGP connections refused, by reason: unknown-source, dynamic-limit, dynamic-pending, dynamic-damped', ['reason'], (c) => {
    for (const [reason, v] of Object.entries(stats().refused)) c.inc({ reason }, v);
  });

  // --- RPKI caches (RFC 8210) -----------------------------------------------------------------
  const caches = (fn: (labels: { cache: string }, c: DaemonStats['rpkiCaches'][number]) => void) => {
    for (const c of stats().rpkiCaches) fn({ cache: `${c.address}:${c.port}` }, c);
  };
  gauge('nodebgp_rpki_cache_up', '1 when the RTR connection to the cache is up', ['cache'], (g) => caches((l, c) => g.set(l, c.connected ? 1 : 0)));
  gauge('nodebgp_rpki_cache_in_use', '1 when routes are judged against this cache\'s VRPs (the most preferred caches with data)', ['cache'], (g) => caches((l, c) => g.set(l, c.inUse ? 1 : 0)));
  gauge('nodebgp_rpki_vrps', 'Validated ROA payloads held from the cache', ['cache', 'afi_safi'], (g) => caches((l, c) => {
    g.set({ ...l, afi_safi: 'ipv4-unicast' }, c.vrps.ipv4);
    g.set({ ...l, afi_safi: 'ipv6-unicast' }, c.vrps.ipv6);
  }));
  gauge('nodebgp_rpki_cache_serial', 'The serial of the cache\'s data held (absent before the first End of Data)', ['cache'], (g) => caches((l, c) => {
    if (c.serial !== null) g.set(l, c.serial);
  }));
  counter('nodebgp_rpki_cache_updates_total', 'Data from the cache applied: serial (incremental) or reset (whole table)', ['cache', 'kind'], (c) => caches((l, x) => {
    c.inc({ ...l, kind: 'serial' }, x.updates);
    c.inc({ ...l, kind: 'reset' }, x.resets);
  }));
  counter('nodebgp_rpki_cache_errors_total', 'RTR protocol errors with the cache, sent or received', ['cache'], (c) => caches((l, x) => c.inc(l, x.errors)));

  // --- BMP collectors (RFC 7854) --------------------------------------------------------------
  const collectors = (fn: (labels: { collector: string }, c: DaemonStats['bmpCollectors'][number]) => void) => {
    for (const c of stats().bmpCollectors) fn({ collector: `${c.address}:${c.port}` }, c);
  };
  gauge('nodebgp_bmp_collector_up', '1 when the connection to the BMP collector is up', ['collector'], (g) => collectors((l, c) => g.set(l, c.up ? 1 : 0)));
  counter('nodebgp_bmp_messages_sent_total', 'BMP messages sent to the collector', ['collector'], (c) => collectors((l, x) => c.inc(l, x.messages)));
  counter('nodebgp_bmp_sent_bytes_total', 'Octets of BMP sent to the collector', ['collector'], (c) => collectors((l, x) => c.inc(l, x.octets)));
  counter('nodebgp_bmp_resyncs_total', 'Times the collector fell too far behind, was dropped and given a whole dump again', ['collector'], (c) => collectors((l, x) => c.inc(l, x.resyncs)));

  // The heap right after the last full (mark-compact) collection: what is really held.
  let heapAfterGc = 0;
  const gcWatch = new PerformanceObserver((list) => {
    if (list.getEntries().some((e) => (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) heapAfterGc = getHeapStatistics().used_heap_size;
  });
  gcWatch.observe({ entryTypes: ['gc'] });
  gauge('nodebgp_heap_after_gc_bytes', 'V8 heap in use right after the last full garbage collection', [], (g) => g.set(heapAfterGc));

  const latency = new BucketHistogram('nodebgp_update_apply_seconds', 'Time to apply one received UPDATE to the RIB', [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1]);
  registry.registerMetric(latency as unknown as Parameters<Registry['registerMetric']>[0]);
  const reloads = new Counter({ name: 'nodebgp_config_reloads_total', help: 'Configuration reloads by outcome', labelNames: ['outcome'], registers: [registry] });
  reloads.inc({ outcome: 'applied' }, 0);
  reloads.inc({ outcome: 'refused' }, 0);
  proc.queries.subscribe({ updateApplied: (s) => latency.observe(s) });
  proc.onReload = (ok) => reloads.inc({ outcome: ok ? 'applied' : 'refused' });

  return {
    registry,
    async scrape() {
      snapshot = undefined;
      try {
        return await registry.metrics();
      } finally {
        snapshot = undefined;
      }
    },
  };
}
