// Human tables for the CLI (the --json output is the API's JSON unchanged). Each formats a type of
// the API contract (src/daemon/contract), the same types the daemon answers with.

import type * as C from '../../daemon/contract/index.js';

export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: readonly (string | number)[]) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** FRR's Up/Down column: 00:01:02 under a day, then 1d02h03m. */
export function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return d > 0 ? `${d}d${pad(h)}h${pad(m)}m` : `${pad(h)}:${pad(m)}:${pad(s % 60)}`;
}

const FAMILY_TITLE: Record<string, string> = { 'ipv4-unicast': 'IPv4 Unicast Summary', 'ipv6-unicast': 'IPv6 Unicast Summary' };

/**
 * Like FRR's `show bgp summary`: one table per address family (a neighbor is listed under each
 * family it negotiated, or, while down, under its address's family). Up/Down is the time since the
 * session came up, or since it went down ("never" only if it never was up and never went down).
 */
export function summaryText(s: C.Summary): string {
  const upDown = (p: C.SummaryPeer) => (p.state === 'Established' ? duration(p.peerUptimeMsec) : p.lastDownMsec !== null ? duration(p.lastDownMsec) : 'never');
  const statePfx = (p: C.SummaryPeer, f: string) => (p.adminShutdown ? 'Idle (Admin)' : p.state !== 'Established' ? p.state : p.rfc8212.importBlocked ? '(Policy)' : p.families[f]?.pfxRcd ?? 0);
  const sections: string[] = [];
  for (const f of ['ipv4-unicast', 'ipv6-unicast']) {
    const peers = Object.entries(s.peers).filter(([addr, p]) => (p.families && Object.keys(p.families).length > 0 ? f in p.families : (f === 'ipv6-unicast') === addr.includes(':')));
    if (peers.length === 0) continue;
    const rows = peers.map(([addr, p]) => [
      addr, p.remoteAs, p.msgRcvd, p.msgSent, p.outQueue, upDown(p), statePfx(p, f), p.rfc8212.exportBlocked ? '(Policy)' : p.families[f]?.pfxSnt ?? 0, p.description ?? '',
    ]);
    sections.push(`${FAMILY_TITLE[f]}:\nBGP router identifier ${s.routerId}, local AS number ${s.as}\nRIB entries ${s.ribCount[f]}, paths ${s.pathCount[f]}\n\n${table(['Neighbor', 'AS', 'MsgRcvd', 'MsgSent', 'OutQ', 'Up/Down', 'State/PfxRcd', 'PfxSnt', 'Desc'], rows)}\n\nTotal number of neighbors ${peers.length}`);
  }
  return sections.length > 0 ? sections.join('\n\n') : `BGP router identifier ${s.routerId}, local AS number ${s.as}\nNo BGP neighbors`;
}

/** A path of any route view: the Loc-RIB's (ranked), a neighbor's received or advertised. */
type ListedPath = C.RankedPath | C.Path | C.SentPath;
const ranked = (p: ListedPath): p is C.RankedPath => 'best' in p;

const RPKI_CODE = { valid: 'V', invalid: 'I', notfound: 'N' } as const;

/** Like FRR's `show bgp ipv4 unicast`: one line per path, `*>` best, `*=` multipath. */
export function routesText(page: C.PageOf<{ prefix: string; paths: ListedPath[] }>): string {
  const rows: (string | number)[][] = [];
  for (const r of page.items) {
    r.paths.forEach((p, i) => {
      // FRR's RPKI validation codes in front: V valid, I invalid, N not found.
      const rpki = ranked(p) && p.rpki ? RPKI_CODE[p.rpki] : '';
      // FRR: no `*` (valid) for a path whose next hop is inaccessible.
      const valid = ranked(p) && p.nexthop?.accessible === false ? ' ' : '*';
      const code = `${rpki}${p.stale ? 'S' : valid}${ranked(p) && p.best ? '>' : ranked(p) && p.multipath ? '=' : ' '}`;
      const origin = p.origin === 'igp' ? 'i' : p.origin === 'egp' ? 'e' : '?';
      rows.push([code, i === 0 ? r.prefix : '', p.nextHop ?? '-', p.med ?? '', p.localPref ?? '', p.weight, `${p.asPath}${p.asPath ? ' ' : ''}${origin}`, p.from, ranked(p) && p.lostOn ? `lost on ${p.lostOn}` : p.communities.join(' ')]);
    });
  }
  const more = page.next ? `\n(more: --after ${page.next})` : '';
  return `${table(['', 'Network', 'Next Hop', 'Metric', 'LocPrf', 'Weight', 'Path', 'From', 'Note'], rows)}\n\nDisplayed ${page.items.length} routes${more}`;
}

/** Like FRR's `show bfd peers brief`, with the negotiated timers. */
export function bfdText(b: C.BfdSessions): string {
  const ms = (v: number | null) => (v === null ? '-' : `${v}ms`);
  const rows = b.sessions.map((s) => [
    s.peer, s.state, s.remoteState ?? '-', s.state === 'Up' && s.upSince ? duration(Date.now() - Date.parse(s.upSince)) : '-',
    ms(s.transmitIntervalMs), ms(s.receiveIntervalMs), ms(s.detectionTimeMs), s.downTransitions, s.localDiag, s.strict ? 'strict' : '',
  ]);
  return `${table(['Peer', 'State', 'Remote', 'Uptime', 'TX', 'RX', 'Detect', 'Downs', 'Diag', ''], rows)}

BFD sessions ${b.sessions.length}`;
}

/** FRR's (ctime's) way of writing a time: "Tue Dec  1 08:36:20 2026" (UTC here). */
export function ctime(iso: string): string {
  const d = new Date(iso);
  const [wd, mon] = [['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()], ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()]];
  return `${wd} ${mon} ${String(d.getUTCDate()).padStart(2)} ${d.toISOString().slice(11, 19)} ${d.getUTCFullYear()}`;
}

const since = (iso: string | null) => (iso ? duration(Date.now() - Date.parse(iso)) : 'never');
const notif = (n: C.Notification | null) => (n ? `${n.name} (${n.code}/${n.subcode})${n.communication ? ` "${n.communication}"` : ''}` : 'none');

/** internal/external as negotiated, else as configured (a numeric remote AS against ours). */
const linkType = (n: C.Neighbor) => n.type ?? (typeof n.remoteAs === 'number' ? (n.remoteAs === n.localAs ? 'internal' : 'external') : 'unknown');

/** Like FRR's `show bgp neighbors ADDRESS`. */
export function neighborText(n: C.Neighbor): string {
  const lines: string[] = [];
  lines.push(`BGP neighbor is ${n.address}, remote AS ${n.remoteAs}, local AS ${n.localAs}, ${linkType(n)} link`);
  if (n.description) lines.push(` Description: ${n.description}`);
  const u = n.unnumbered;
  // FRR: "BGP neighbor on swp1: fe80::..., remote AS ...": the address learned on the link.
  if (u) lines.push(` Interface ${u.interface}: neighbor ${u.neighborAddress ?? 'not heard yet'}; router advertisements sent ${u.advertisements.sent}, heard ${u.advertisements.heard}, refused ${u.advertisements.invalid}${u.otherSources ? `, ${u.otherSources} from other routers ignored` : ''}`);
  if (n.peerGroup) lines.push(` Member of peer-group ${n.peerGroup}${n.dynamic ? ' (dynamic neighbor)' : ''}`);
  lines.push(`  BGP version 4, remote router ID ${n.remoteRouterId ?? '0.0.0.0'}`);
  lines.push(`  BGP state = ${n.adminShutdown ? 'Idle (Admin)' : n.state}${n.state === 'Established' ? `, up for ${since(n.establishedAt)}` : ''}`);
  if (n.lastDownAt) lines.push(`  Last reset ${since(n.lastDownAt)} ago, due to ${n.lastDownReason}`);
  lines.push(`  Hold time is ${n.timers.holdTime ?? '-'}, keepalive interval is ${n.timers.keepaliveTime ?? '-'} seconds (configured hold time ${n.timers.holdTimeConfigured})`);
  const c = n.capabilities;
  if (c) {
    lines.push('  Neighbor capabilities:');
    lines.push(`    4 Byte AS: ${c.fourOctetAs ? 'negotiated' : 'no'}`);
    lines.push(`    Route refresh: ${c.routeRefresh ? 'negotiated' : 'no'}${c.enhancedRouteRefresh ? ' (enhanced, RFC 7313)' : ''}`);
    lines.push(`    Extended message: ${c.extendedMessage ? 'negotiated' : 'no'}`);
    if (c.hostname) lines.push(`    Hostname: ${c.hostname}`);
    lines.push(`    Graceful restart: ${c.gracefulRestart ? `peer restart time ${c.gracefulRestart.restartTime} s${c.gracefulRestart.restartState ? ', restarting' : ''}${c.gracefulRestart.notification ? ', notification (RFC 8538)' : ''}` : 'no'}`);
    for (const [f, x] of Object.entries(c.byFamily ?? {})) {
      const addPath = x.addPath.send || x.addPath.receive ? `ADD-PATH ${[x.addPath.send ? 'send' : '', x.addPath.receive ? 'receive' : ''].filter(Boolean).join('/')}` : '';
      const gr = x.gracefulRestart ? `graceful restart${x.gracefulRestart.forwarding ? ' (forwarding kept)' : ''}` : '';
      const llgr = x.longLivedStaleTime ? `long-lived stale time ${x.longLivedStaleTime} s` : '';
      lines.push(`    Address family ${f}: advertised and received${[addPath, gr, llgr, x.extendedNextHop ? 'extended next hop' : ''].filter(Boolean).map((t) => `, ${t}`).join('')}`);
    }
  }
  const types: [string, keyof C.Neighbor['messages']['sent']][] = [['Opens', 'open'], ['Notifications', 'notification'], ['Updates', 'update'], ['Keepalives', 'keepalive'], ['Route Refresh', 'route-refresh']];
  const sum = (r: object) => (Object.values(r) as number[]).reduce((a, b) => a + b, 0);
  lines.push('  Message statistics:');
  lines.push(table(['   ', 'Sent', 'Rcvd'], [...types.map(([label, k]) => [`    ${label}:`, n.messages.sent[k], n.messages.received[k]]), ['    Total:', sum(n.messages.sent), sum(n.messages.received)]]).split('\n').map((l) => `  ${l}`).join('\n'));
  for (const f of Object.keys(n.prefixes?.advertised ?? {})) {
    lines.push(`  For address family: ${f}`);
    lines.push(`    ${n.policy.rfc8212.importBlocked ? 'Inbound updates discarded (RFC 8212: no import policy)' : `${n.prefixes!.received[f] ?? 0} accepted prefixes`}; ${n.policy.rfc8212.exportBlocked ? 'nothing sent (RFC 8212: no export policy)' : `${n.prefixes!.advertised[f] ?? 0} prefixes sent`}`);
  }
  if (n.prefixes && n.prefixes.pending > 0) lines.push(`  ${n.prefixes.pending} prefixes waiting to be sent`);
  lines.push(`  Inbound route-map: ${n.policy.import ?? '(none)'}; outbound route-map: ${n.policy.export ?? '(none)'}${n.policy.softReconfigurationInbound ? '; inbound soft reconfiguration allowed' : ''}`);
  lines.push(`  Connections dropped ${n.flaps}; connect attempts failed ${n.connectFailures}`);
  if (n.connection) {
    lines.push(`  Local host: ${n.connection.localAddress}, Local port: ${n.connection.localPort}`);
    lines.push(`  Foreign host: ${n.address}, Foreign port: ${n.connection.remotePort} (${n.connection.direction})`);
  }
  lines.push(`  Last NOTIFICATION sent: ${notif(n.lastNotificationSent)}`);
  lines.push(`  Last NOTIFICATION received: ${notif(n.lastNotificationReceived)}`);
  if (n.bfd) lines.push(`  BFD: ${n.bfd.state}, detect time ${n.bfd.detectionTimeMs ?? '-'} ms (transmit ${n.bfd.transmitIntervalMs ?? '-'} ms, receive ${n.bfd.receiveIntervalMs ?? '-'} ms)`);
  return lines.join('\n');
}

export function neighborsText(r: C.Neighbors): string {
  return r.neighbors.length > 0 ? r.neighbors.map(neighborText).join('\n\n') : 'No BGP neighbors';
}

/** Like FRR's `show bgp ipv4 unicast PREFIX`: every path in full, why the others lost, whom it was sent to. */
export function routeDetailText(page: C.RoutePage, family: string): string {
  const r = page.items[0];
  if (!r) return '% Network not in table';
  const best = r.paths.findIndex((p) => p.best);
  const lines = [`BGP routing table entry for ${r.prefix}`, `Paths: (${r.paths.length} available${best >= 0 ? `, best #${best + 1}` : ', no best path'})`];
  lines.push(r.advertisedTo && r.advertisedTo.length > 0 ? `  Advertised to: ${r.advertisedTo.join(' ')}` : '  Not advertised to any peer');
  // FRR says multipath only when more than one path is in the set; a lone best path is just best.
  const multipath = r.paths.filter((p) => p.multipath).length > 1;
  for (const p of r.paths) {
    lines.push(`  ${p.asPath || 'Local'}${p.stale ? ' (stale)' : ''}`);
    // As FRR prints it: "10.0.2.2 (metric 20) from ..." (a metric only when not 0) or "10.0.2.2 (inaccessible) from ...".
    const nh = p.nexthop;
    const reach = nh ? (!nh.accessible ? ' (inaccessible)' : nh.metric ? ` (metric ${nh.metric})` : '') : '';
    lines.push(`    ${p.nextHop}${reach} from ${p.from}${p.peerAs !== null ? ` (AS ${p.peerAs})` : ''}${p.pathId ? `, path id ${p.pathId}` : ''}`);
    // Where a next hop not on a connected subnet resolves, or why it does not.
    if (nh && !/\((connected|local)\)$|^local$|^link-local/.test(nh.via)) lines.push(`      Next hop ${nh.accessible ? 'resolves through' : 'does not resolve:'} ${nh.via}`);
    const state = [`Origin ${p.origin.toUpperCase()}`, p.med !== null ? `metric ${p.med}` : '', p.localPref !== null ? `localpref ${p.localPref}` : '', `weight ${p.weight}`, p.nexthop?.accessible === false ? '' : 'valid', p.best ? 'best' : '', multipath && p.multipath ? 'multipath' : ''].filter(Boolean).join(', ');
    lines.push(`      ${state}${p.lostOn ? `; not best: lost on ${p.lostOn}` : ''}`);
    if (p.rpki) lines.push(`      rpki validation-state: ${p.rpki === 'notfound' ? 'not found' : p.rpki}`);
    if (p.communities.length > 0) lines.push(`      Community: ${p.communities.join(' ')}`);
    if (p.largeCommunities.length > 0) lines.push(`      Large Community: ${p.largeCommunities.join(' ')}`);
    if (p.extendedCommunities.length > 0) lines.push(`      Extended Community: ${p.extendedCommunities.map((e) => (e.value ? `${e.type}:${e.value}` : `0x${e.hex}`)).join(' ')}`);
    if (p.originatorId) lines.push(`      Originator: ${p.originatorId}, Cluster list: ${p.clusterList.join(' ')}`);
    if (p.atomicAggregate || p.aggregator) lines.push(`      ${p.atomicAggregate ? 'Atomic aggregate' : ''}${p.aggregator ? `${p.atomicAggregate ? ', ' : ''}Aggregated by AS ${p.aggregator.asn} ${p.aggregator.address}` : ''}`);
    for (const u of p.unknownAttributes) lines.push(`      Unknown attribute ${u.name} (type ${u.type}, flags 0x${u.flags.toString(16)}): ${u.value}`);
    lines.push(`      Last update: ${ctime(p.lastUpdate)}`);
  }
  return `${lines.join('\n')}\n\n(${family})`;
}

/** Like FRR's `show bmp`: each collector, its connection and what was sent. */
export function bmpText(b: C.BmpStatus): string {
  if (b.collectors.length === 0) return 'No BMP collectors configured';
  const rows = b.collectors.map((c) => [`${c.address}:${c.port}`, c.up ? (c.dumping ? 'up, dumping' : 'up') : 'down', c.messages, c.octets, c.resyncs, c.lastError ?? '']);
  return table(['Collector', 'State', 'Messages', 'Octets', 'Resyncs', 'Last error'], rows);
}

/** Like FRR's `show bgp nexthop`: each next hop, valid or not, through what, to which gateways. */
export function nexthopsText(n: C.TrackedNexthops): string {
  if (!n.tracking) return 'Next hops are not tracked (no FIB, or fib.nexthopTracking false)';
  if (n.nexthops.length === 0) return 'No next hops tracked';
  const rows = n.nexthops.map((x) => [x.nexthop, x.accessible ? 'valid' : 'invalid', x.metric ?? '-', x.via, x.gateways.join(' ') || (x.accessible ? 'connected' : '-'), x.connectedOnly ? 'yes' : 'no']);
  return table(['Next hop', 'State', 'Metric', 'Via', 'Gateways', 'Connected only'], rows);
}

/** Like FRR's `show rpki cache-connection`, with what each cache holds. */
export function rpkiText(r: C.RpkiStatus): string {
  if (r.caches.length === 0) return 'No RPKI caches configured';
  const rows = r.caches.map((c) => [
    `${c.address}:${c.port}`, c.preference, c.connected ? 'connected' : 'disconnected', c.inUse ? 'yes' : 'no', c.state, c.protocolVersion,
    c.serial ?? '-', c.vrps.ipv4, c.vrps.ipv6, c.lastError ?? '',
  ]);
  return table(['Cache', 'Pref', 'Connection', 'In use', 'State', 'Version', 'Serial', 'IPv4 VRPs', 'IPv6 VRPs', 'Last error'], rows);
}

/** Like FRR's `show rpki prefix`: the state and the covering VRPs. */
export function rpkiValidationText(v: C.RpkiValidation): string {
  const rows = v.covering.map((c) => [c.prefix, c.maxLength, c.asn]);
  const head = `${v.prefix} from AS ${v.originAs}: ${v.state === 'notfound' ? 'not found' : v.state}`;
  return rows.length === 0 ? `${head}
No covering VRP` : `${head}
${table(['Prefix', 'Max length', 'Origin AS'], rows)}`;
}
