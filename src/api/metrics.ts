// Prometheus metrics, pulled: collectors read the daemon's read model at scrape time, so nothing
// on the hot path touches prom-client except the UPDATE latency histogram. Names and labels are in
// the README with their frr_exporter and GoBGP equivalents.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { NeighborRuntime } from '../daemon/daemon.js';
import type { DaemonProcess } from '../daemon/process.js';
import { bfdDetail } from '../daemon/read-model.js';

/** RFC 4273 bgpPeerState numbering (as GoBGP's bgp_peer_state). */
const STATE_CODE: Record<string, number> = { Idle: 1, Connect: 2, Active: 3, OpenSent: 4, OpenConfirm: 5, Established: 6 };
const FAMILIES = ['ipv4-unicast', 'ipv6-unicast'] as const;
const BFD_STATE_CODE: Record<string, number> = { AdminDown: 0, Down: 1, Init: 2, Up: 3 };

export function createMetrics(proc: DaemonProcess): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  const d = () => proc.daemon;
  const peerLabels = ['peer', 'peer_as'] as const;
  const each = (fn: (labels: { peer: string; peer_as: string }, n: NeighborRuntime) => void) => {
    for (const [address, n] of d().neighbors) {
      const asn = n.negotiated?.peerAs ?? n.config.remoteAs;
      fn({ peer: address, peer_as: String(asn) }, n);
    }
  };
  const gauge = (name: string, help: string, labelNames: readonly string[], collect: (g: Gauge<string>) => void) =>
    new Gauge({ name, help, labelNames: [...labelNames], registers: [registry], collect() { this.reset(); collect(this); } });

  /** A counter whose value is read at scrape time from state the daemon keeps (it goes with its neighbor). */
  const counter = (name: string, help: string, labelNames: readonly string[], collect: (c: Counter<string>) => void) =>
    new Counter({ name, help, labelNames: [...labelNames], registers: [registry], collect() { this.reset(); collect(this); } });
  counter('nodebgp_peer_route_refresh_requests_total', 'ROUTE-REFRESH requests from the peer by outcome: answered, deferred (rate bound) or joined (an answer was in progress)', [...peerLabels, 'outcome'], (c) => each((l, n) => {
    c.inc({ ...l, outcome: 'answered' }, n.counts.refreshAnswered);
    c.inc({ ...l, outcome: 'deferred' }, n.counts.refreshDeferred);
    c.inc({ ...l, outcome: 'joined' }, n.counts.refreshJoined);
  }));
  counter('nodebgp_peer_malformed_messages_total', 'Malformed messages received from the peer (answered with a NOTIFICATION)', peerLabels, (c) => each((l, n) => c.inc(l, n.counts.malformed)));
  counter('nodebgp_peer_update_errors_total', 'UPDATEs with malformed attributes that kept the session, by RFC 7606 action', [...peerLabels, 'action'], (c) => each((l, n) => {
    c.inc({ ...l, action: 'treat-as-withdraw' }, n.counts.treatAsWithdraw);
    c.inc({ ...l, action: 'attribute-discard' }, n.counts.attributeDiscard);
  }));
  counter('nodebgp_peer_routes_refused_total', 'Prefixes from the peer refused by the ingress checks, by reason: first-as, next-hop, exclusive (another neighbor holds it), loop', [...peerLabels, 'reason'], (c) => each((l, n) => {
    for (const [reason, v] of Object.entries(d().refusals(n))) c.inc({ ...l, reason }, v);
  }));
  counter('nodebgp_connections_refused_total', 'Incoming BGP connections refused: source not a neighbor, or its dynamic range full', ['reason'], (c) => {
    for (const [reason, v] of Object.entries(d().refused)) c.inc({ reason }, v);
  });
  counter('nodebgp_routes_unsendable_total', 'Routes not sent to the peer because their UPDATE would exceed its maximum message size (RFC 8654 4)', peerLabels, (c) => each((l, n) => c.inc(l, n.counts.unsendable)));

  gauge('nodebgp_peer_state', 'Session state (RFC 4273 numbering: 1 Idle .. 6 Established)', peerLabels, (g) => each((l, n) => g.set(l, STATE_CODE[n.session.snapshot().state])));
  gauge('nodebgp_peer_up', '1 when the session is Established', peerLabels, (g) => each((l, n) => g.set(l, n.up ? 1 : 0)));
  gauge('nodebgp_peer_admin_shutdown', '1 when the neighbor is administratively down', peerLabels, (g) => each((l, n) => g.set(l, n.session.snapshot().enabled ? 0 : 1)));
  gauge('nodebgp_peer_uptime_seconds', 'Seconds since the session reached Established (0 when down)', peerLabels, (g) => each((l, n) => {
    const s = n.session.snapshot();
    g.set(l, s.state === 'Established' && s.establishedAtMs !== null ? (d().now() - s.establishedAtMs) / 1000 : 0);
  }));
  const messages = (dir: 'sent' | 'received') => gauge(`nodebgp_peer_messages_${dir}_total`, `BGP messages ${dir}, by type`, [...peerLabels, 'type'], (g) => each((l, n) => {
    for (const [type, v] of Object.entries(n.session.snapshot()[dir])) g.set({ ...l, type }, v as number);
  }));
  messages('sent');
  messages('received');
  gauge('nodebgp_peer_flaps_total', 'Times the session left Established', peerLabels, (g) => each((l, n) => g.set(l, n.session.snapshot().flaps)));
  gauge('nodebgp_peer_last_down_reason', 'The last reason the session went down (value 1, reason as label)', [...peerLabels, 'reason'], (g) => each((l, n) => {
    const r = n.session.snapshot().lastDownReason;
    if (r) g.set({ ...l, reason: r }, 1);
  }));
  const prefixes = (name: string, help: string, read: (n: NeighborRuntime, family: (typeof FAMILIES)[number]) => number | undefined) =>
    gauge(name, help, [...peerLabels, 'afi_safi'], (g) => each((l, n) => {
      for (const f of FAMILIES) {
        const v = read(n, f);
        if (v !== undefined) g.set({ ...l, afi_safi: f }, v);
      }
    }));
  prefixes('nodebgp_peer_prefixes_accepted', 'Prefixes accepted from the peer (after import policy)', (n, f) => d().rib.peerStats(n.index)?.received[f]);
  prefixes('nodebgp_peer_prefixes_advertised', 'Prefixes advertised to the peer', (n, f) => d().rib.peerStats(n.index)?.advertised[f]);
  prefixes('nodebgp_peer_prefixes_received', 'Prefixes received before import policy (neighbors with softReconfigurationInbound)', (n, f) =>
    d().rib.adjRibIn(n.index, f === 'ipv4-unicast' ? 1 : 2)?.prefixes);

  const bfd = (name: string, help: string, read: (s: NonNullable<ReturnType<typeof bfdDetail>>) => number | null) =>
    gauge(name, help, peerLabels, (g) => each((l, n) => {
      const b = bfdDetail(d(), n);
      const v = b ? read(b) : null;
      if (v !== null) g.set(l, v);
    }));
  bfd('nodebgp_bfd_session_state', 'BFD session state (RFC 5880 numbering: 0 AdminDown, 1 Down, 2 Init, 3 Up)', (b) => BFD_STATE_CODE[b.state]);
  bfd('nodebgp_bfd_session_up', '1 when the BFD session is Up', (b) => (b.state === 'Up' ? 1 : 0));
  bfd('nodebgp_bfd_session_uptime_seconds', 'Seconds since the BFD session came Up (0 when not Up)', (b) => (b.upSince ? (Date.now() - Date.parse(b.upSince)) / 1000 : 0));
  bfd('nodebgp_bfd_detection_time_seconds', 'Negotiated detection time', (b) => (b.detectionTimeMs !== null ? b.detectionTimeMs / 1000 : null));
  bfd('nodebgp_bfd_transmit_interval_seconds', 'Negotiated transmit interval', (b) => (b.transmitIntervalMs !== null ? b.transmitIntervalMs / 1000 : null));
  bfd('nodebgp_bfd_session_down_total', 'Times the BFD session went from Up to Down', (b) => b.downTransitions);
  bfd('nodebgp_bfd_packets_sent_total', 'BFD control packets sent', (b) => b.packetsSent);
  bfd('nodebgp_bfd_packets_received_total', 'BFD control packets received', (b) => b.packetsReceived);

  gauge('nodebgp_rib_prefixes', 'Prefixes in the Loc-RIB', ['afi_safi'], (g) => {
    g.set({ afi_safi: 'ipv4-unicast' }, d().rib.v4.prefixes);
    g.set({ afi_safi: 'ipv6-unicast' }, d().rib.v6.prefixes);
  });
  gauge('nodebgp_rib_paths', 'Paths in the Loc-RIB (all candidates)', ['afi_safi'], (g) => {
    g.set({ afi_safi: 'ipv4-unicast' }, d().rib.v4.paths);
    g.set({ afi_safi: 'ipv6-unicast' }, d().rib.v6.paths);
  });
  gauge('nodebgp_attribute_sets', 'Distinct path attribute sets held', [], (g) => g.set(d().rib.attrs.size));
  gauge('nodebgp_fib_routes', 'Routes installed in the kernel', ['afi_safi'], (g) => {
    const f = d().fibBridge?.fib.stats();
    if (!f) return;
    g.set({ afi_safi: 'ipv4-unicast' }, f.installed.ipv4);
    g.set({ afi_safi: 'ipv6-unicast' }, f.installed.ipv6);
  });
  gauge('nodebgp_fib_pending', 'Prefixes waiting to be written to the kernel', [], (g) => {
    const f = d().fibBridge?.fib.stats();
    if (f) g.set(f.pending);
  });
  gauge('nodebgp_fib_errors_total', 'Routes the kernel refused', [], (g) => {
    const f = d().fibBridge?.fib.stats();
    if (f) g.set(f.errors);
  });
  gauge('nodebgp_neighbors', 'Configured and dynamic neighbors', [], (g) => g.set(d().neighbors.size));

  const latency = new Histogram({
    name: 'nodebgp_update_apply_seconds',
    help: 'Time to apply one received UPDATE to the RIB',
    buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1],
    registers: [registry],
  });
  const reloads = new Counter({ name: 'nodebgp_config_reloads_total', help: 'Configuration reloads by outcome', labelNames: ['outcome'], registers: [registry] });
  proc.subscribe({
    updateApplied: (s) => latency.observe(s),
  });
  proc.onReload = (ok) => reloads.inc({ outcome: ok ? 'applied' : 'refused' });
  return registry;
}
