// Human tables for the CLI (the --json output is the API's JSON unchanged).

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

interface SummaryPeer { remoteAs: number | string; state: string; adminShutdown: boolean; peerUptimeMsec: number; msgRcvd: number; msgSent: number; pfxRcd: number; pfxSnt: number; outQueue: number; description: string | null; rfc8212: { importBlocked: boolean; exportBlocked: boolean } }
interface Summary { routerId: string; as: number; ribCount: Record<string, number>; pathCount: Record<string, number>; peers: Record<string, SummaryPeer>; totalPeers: number }

/** Like FRR's `show bgp summary`. */
export function summaryText(s: Summary): string {
  const head = `BGP router identifier ${s.routerId}, local AS number ${s.as}\nRIB entries ${s.ribCount['ipv4-unicast']} IPv4, ${s.ribCount['ipv6-unicast']} IPv6; paths ${s.pathCount['ipv4-unicast'] + s.pathCount['ipv6-unicast']}\n`;
  const rows = Object.entries(s.peers).map(([addr, p]) => [
    addr, p.remoteAs, p.msgRcvd, p.msgSent, p.outQueue, p.state === 'Established' ? duration(p.peerUptimeMsec) : 'never',
    p.adminShutdown ? 'Idle (Admin)' : p.state !== 'Established' ? p.state : p.rfc8212.importBlocked ? '(Policy)' : p.pfxRcd, p.rfc8212.exportBlocked ? '(Policy)' : p.pfxSnt, p.description ?? '',
  ]);
  return `${head}\n${table(['Neighbor', 'AS', 'MsgRcvd', 'MsgSent', 'OutQ', 'Up/Down', 'State/PfxRcd', 'PfxSnt', 'Desc'], rows)}\n\nTotal number of neighbors ${s.totalPeers}`;
}

interface RoutePath { from: string; nextHop: string; asPath: string; origin: string; med: number | null; localPref: number | null; weight: number; best: boolean; multipath: boolean; stale: boolean; lostOn: string | null; communities: string[] }

/** Like FRR's `show bgp ipv4 unicast`: one line per path, `*>` best, `*=` multipath. */
export function routesText(page: { items: { prefix: string; paths: RoutePath[] }[]; next: string | null }): string {
  const rows: (string | number)[][] = [];
  for (const r of page.items) {
    r.paths.forEach((p, i) => {
      const code = `${p.stale ? 'S' : '*'}${p.best ? '>' : p.multipath ? '=' : ' '}`;
      const origin = p.origin === 'igp' ? 'i' : p.origin === 'egp' ? 'e' : '?';
      rows.push([code, i === 0 ? r.prefix : '', p.nextHop, p.med ?? '', p.localPref ?? '', p.weight, `${p.asPath}${p.asPath ? ' ' : ''}${origin}`, p.from, p.lostOn ? `lost on ${p.lostOn}` : p.communities.join(' ')]);
    });
  }
  const more = page.next ? `\n(more: --after ${page.next})` : '';
  return `${table(['', 'Network', 'Next Hop', 'Metric', 'LocPrf', 'Weight', 'Path', 'From', 'Note'], rows)}\n\nDisplayed ${page.items.length} routes${more}`;
}

interface BfdRow { peer: string; state: string; remoteState: string | null; localDiag: string; transmitIntervalMs: number | null; receiveIntervalMs: number | null; detectionTimeMs: number | null; upSince: string | null; downTransitions: number; strict: boolean }

/** Like FRR's `show bfd peers brief`, with the negotiated timers. */
export function bfdText(b: { sessions: BfdRow[] }): string {
  const ms = (v: number | null) => (v === null ? '-' : `${v}ms`);
  const rows = b.sessions.map((s) => [
    s.peer, s.state, s.remoteState ?? '-', s.state === 'Up' && s.upSince ? duration(Date.now() - Date.parse(s.upSince)) : '-',
    ms(s.transmitIntervalMs), ms(s.receiveIntervalMs), ms(s.detectionTimeMs), s.downTransitions, s.localDiag, s.strict ? 'strict' : '',
  ]);
  return `${table(['Peer', 'State', 'Remote', 'Uptime', 'TX', 'RX', 'Detect', 'Downs', 'Diag', ''], rows)}

BFD sessions ${b.sessions.length}`;
}
