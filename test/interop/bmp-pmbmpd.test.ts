// BMP (RFC 7854, RFC 9069 Loc-RIB) from the nodebgpd binary to pmacct's pmbmpd (Debian), read
// from the collector's own JSON log: an FRR ToR gives nodebgpd IPv4 and IPv6 routes, two paths of
// one prefix by ADD-PATH (learned from two FRR servers); the collector sees the neighbor come up
// with both OPENs, every route before and after import policy and our best paths, statistics,
// withdrawals, a collector restart answered by a whole dump, the neighbor's shutdown and our
// Termination. BGP never waits for the collector.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Nodebgpd } from '../helpers/nodebgpd.js';
import { bridge, createNamespace, destroyNamespace, uniquePrefix } from '../helpers/netns.js';
import { Frr, until } from '../helpers/peers.js';
import { type CollectorLine, collectorLog, pmbmpd as startPmbmpd } from '../helpers/pmbmpd.js';

const p = uniquePrefix('bmp');
const [T, N, A, B] = ['t', 'n', 'a', 'b'].map((x) => `${p}${x}`);
const dir = mkdtempSync(join(tmpdir(), 'nodebgp-bmp-'));
chmodSync(dir, 0o777);

t.before(() => {
  for (const ns of [T, N, A, B]) createNamespace(ns);
  bridge(T, { ipv4: '10.94.0.1', ipv6: 'fd94::1' }, [
    { ns: N, ifname: 'eth0', ipv4: '10.94.0.2', ipv6: 'fd94::2' },
    { ns: A, ifname: 'eth0', ipv4: '10.94.0.3', ipv6: 'fd94::3' },
    { ns: B, ifname: 'eth0', ipv4: '10.94.0.4', ipv6: 'fd94::4' },
  ]);
});
t.teardown(() => {
  for (const ns of [T, N, A, B]) destroyNamespace(ns);
  rmSync(dir, { recursive: true, force: true });
});

const server = (name: string, asn: number, addr: string, nets: string[], nets6: string[]) => `frr defaults datacenter
hostname ${name}
router bgp ${asn}
 bgp router-id ${addr}
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.94.0.1 remote-as 65010
 neighbor 10.94.0.1 timers connect 1
 address-family ipv4 unicast
${nets.map((n) => `  network ${n}`).join('\n')}
 exit-address-family
 address-family ipv6 unicast
  neighbor 10.94.0.1 activate
${nets6.map((n) => `  network ${n}`).join('\n')}
 exit-address-family
`;

const torConfig = `frr defaults datacenter
hostname tor
router bgp 65010
 bgp router-id 10.94.0.1
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.94.0.2 remote-as 64512
 neighbor 10.94.0.2 timers connect 1
 neighbor 10.94.0.3 remote-as 65021
 neighbor 10.94.0.4 remote-as 65022
 address-family ipv4 unicast
  network 10.60.0.0/24
  network 10.66.0.0/24
  neighbor 10.94.0.2 addpath-tx-all-paths
 exit-address-family
 address-family ipv6 unicast
  network 2001:db8:60::/48
  neighbor 10.94.0.2 activate
  neighbor 10.94.0.2 addpath-tx-all-paths
  neighbor 10.94.0.3 activate
  neighbor 10.94.0.4 activate
 exit-address-family
`;

const nodebgpConfig = `
asn: 64512
routerId: 10.94.0.2
listen: { addresses: [0.0.0.0] }
bmp:
  collectors: [{ address: 127.0.0.1, port: 1790, monitor: [pre-policy, post-policy, loc-rib] }]
  statisticsInterval: 2
neighbors:
  - address: 10.94.0.1
    remoteAs: 65010
    addressFamilies: [ipv4-unicast, ipv6-unicast]
    addPath: { receive: true }
    softReconfigurationInbound: true
    importPolicy: IN
    exportPolicy: NONE
    timers: { connectRetryTime: 1 }
policy:
  prefixLists:
    DENIED: [{ seq: 5, action: permit, prefix: 10.66.0.0/24 }]
  routeMaps:
    IN:
      - { seq: 10, action: deny, match: { prefixList: DENIED } }
      - { seq: 20, action: permit }
    NONE:
      - { seq: 10, action: deny }
`;

type Line = CollectorLine;
const pmbmpd = (file: string) => startPmbmpd(N, file);

const routes = (log: Line[], o: { post?: number; loc?: boolean; type?: string }) => log.filter((l) => l.bmp_msg_type === 'route_monitor' && (l.log_type ?? 'update') === (o.type ?? 'update')
  && (o.loc ? l.is_loc === 1 : l.is_loc !== 1 && l.is_post === o.post));
const key = (l: Line) => `${l.ip_prefix}${l.as_path_id ? `#${l.as_path_id}` : ''}`;
const keys = (ls: Line[]) => [...new Set(ls.map(key))].sort();

t.test('pmbmpd sees our neighbors, their routes before and after policy, our Loc-RIB, statistics and events', async (t) => {
  const first = join(dir, 'bmp-1.json');
  let collector = pmbmpd(first);
  const tor = new Frr(T, torConfig);
  const a = new Frr(A, server('a', 65021, '10.94.0.3', ['10.70.0.0/24', '10.71.0.0/24'], ['2001:db8:71::/48']));
  const b = new Frr(B, server('b', 65022, '10.94.0.4', ['10.70.0.0/24', '10.72.0.0/24'], []));
  const d = new Nodebgpd(N, nodebgpConfig);
  t.teardown(() => {
    d.stop();
    for (const f of [tor, a, b]) f.stop();
    collector.kill('SIGKILL');
  });
  await d.ready();
  const log = () => collectorLog(first);
  t.ok(await until(() => d.cli('routes', '10.70.0.0/24').items[0]?.paths?.length === 2, 60000), 'nodebgpd has both paths of 10.70.0.0/24 (ADD-PATH)');
  t.ok(await until(() => routes(log(), { post: 1 }).some((l) => l.ip_prefix === '2001:db8:71::/48'), 20000), 'the collector has the routes');

  const init = log().find((l) => l.bmp_msg_type === 'init');
  t.match(init, { bmp_init_info_sysdescr: /^nodebgp/, bmp_init_info_string: 'nodebgp' }, 'Initiation with sysDescr and sysName');
  const up = log().find((l) => l.bmp_msg_type === 'peer_up' && l.peer_ip === '10.94.0.1');
  // Either side may have dialed (connect-retry races): the ports are the session's, as FRR sees it.
  const session = tor.neighbor('10.94.0.2');
  t.match(up, { peer_asn: 65010, bgp_id: '10.94.0.1', local_ip: '10.94.0.2', local_port: session.portForeign, remote_port: session.portLocal }, `Peer Up for the ToR, with our end of the session (FRR: ${session.portLocal} -> ${session.portForeign})`);
  t.ok([up?.local_port, up?.remote_port].includes(179), 'one end on port 179');
  t.match(log().find((l) => l.bmp_msg_type === 'peer_up' && l.peer_type === 3), { is_loc: 1, peer_asn: 64512, bgp_id: '10.94.0.2' }, 'Peer Up for our Loc-RIB (RFC 9069)');

  const all = ['10.60.0.0/24', '10.66.0.0/24', '10.70.0.0/24', '10.71.0.0/24', '10.72.0.0/24', '2001:db8:60::/48', '2001:db8:71::/48'];
  const pre = () => [...new Set(routes(log(), { post: 0 }).map((l) => l.ip_prefix))].sort();
  const post = () => [...new Set(routes(log(), { post: 1 }).map((l) => l.ip_prefix))].sort();
  t.ok(await until(() => pre().length === all.length, 20000), 'every route before policy');
  t.same(pre(), all, 'pre-policy: everything the ToR sent, IPv4 and IPv6');
  t.same(post(), all.filter((x) => x !== '10.66.0.0/24'), 'post-policy: what the import route-map let in');
  // The path identifiers the collector holds for the prefix: those whose last message is an update
  // (a path the ToR replaced during start-up, under a new identifier, was withdrawn under the old).
  const ids = (view: number) => {
    const last = new Map<unknown, string>();
    for (const l of log()) if (l.bmp_msg_type === 'route_monitor' && l.is_loc !== 1 && l.is_post === view && l.ip_prefix === '10.70.0.0/24') last.set(l.as_path_id, l.log_type ?? 'update');
    return [...last.values()].filter((type) => type === 'update').length;
  };
  t.same([ids(0), ids(1)], [2, 2], `two paths of 10.70.0.0/24 by path identifier, before and after policy: ${JSON.stringify(routes(log(), { post: 0 }).concat(routes(log(), { post: 1 })).filter((l) => l.ip_prefix === '10.70.0.0/24').map((l) => [l.is_post, l.as_path_id]))}`);
  const loc = () => routes(log(), { loc: true });
  t.ok(await until(() => keys(loc()).length === 6, 20000), 'our best paths (Loc-RIB)');
  t.same(keys(loc()), all.filter((x) => x !== '10.66.0.0/24'), 'one best path per accepted prefix');
  t.match(routes(log(), { post: 1 }).find((l) => l.ip_prefix === '2001:db8:71::/48'), { afi: 2, as_path: '65010 65021', bgp_nexthop: '::ffff:10.94.0.1' }, 'an IPv6 route with its path and next hop');
  t.ok(await until(() => log().some((l) => l.bmp_msg_type === 'stats' && l.counter_type === 7), 10000), 'Statistics Reports on the timer');
  const stat = log().filter((l) => l.bmp_msg_type === 'stats' && l.counter_type === 8).at(-1);
  t.equal(stat?.counter_value, 7, `Loc-RIB routes from the ToR: 7 paths after policy (${JSON.stringify(stat)})`);

  // A server goes: its paths are withdrawn, before and after policy; the Loc-RIB changes.
  a.stop();
  t.ok(await until(() => routes(log(), { post: 0, type: 'withdraw' }).some((l) => l.ip_prefix === '10.71.0.0/24'), 20000), 'the withdrawal before policy');
  t.ok(await until(() => routes(log(), { post: 1, type: 'withdraw' }).some((l) => l.ip_prefix === '10.71.0.0/24'), 20000), 'and after');
  t.ok(await until(() => routes(log(), { loc: true, type: 'withdraw' }).some((l) => l.ip_prefix === '10.71.0.0/24'), 20000), 'and from the Loc-RIB');

  // The collector goes away: BGP carries on; a new collector gets a whole dump.
  collector.kill('SIGKILL');
  const second = join(dir, 'bmp-2.json');
  tor.vtysh('configure terminal', 'router bgp 65010', 'address-family ipv4 unicast', 'no network 10.60.0.0/24');
  t.ok(await until(() => d.cli('routes', '10.60.0.0/24').items.length === 0, 20000), 'BGP carries on without the collector');
  t.equal(d.cli('summary').peers['10.94.0.1']?.state, 'Established');
  collector = pmbmpd(second);
  const log2 = () => collectorLog(second);
  const now = ['10.70.0.0/24', '10.72.0.0/24', '2001:db8:60::/48'];
  t.ok(await until(() => keys(routes(log2(), { loc: true })).length === now.length, 40000), 'the next collector is connected (backoff) and sent the tables');
  t.same([...new Set(routes(log2(), { post: 0 }).map((l) => l.ip_prefix))].sort(), ['10.66.0.0/24', ...now].sort(), 'the dump is the tables as they are now: pre-policy from the kept routes');
  t.same([...new Set(routes(log2(), { post: 1 }).map((l) => l.ip_prefix))].sort(), now, 'post-policy');
  t.same(keys(routes(log2(), { loc: true })), now, 'Loc-RIB');
  t.equal(routes(log2(), { post: 1 }).filter((l) => l.ip_prefix === '10.70.0.0/24').length, 1, 'the path of 10.70.0.0/24 that is left, with its identifier');
  t.ok(log2().some((l) => l.bmp_msg_type === 'peer_up' && l.peer_ip === '10.94.0.1'), 'with the Peer Up first');

  // Read as an operator reads it.
  t.match(d.cliRaw('bmp').stdout, /127\.0\.0\.1:1790\s+up\s+\d+\s+\d+\s+0/, 'nodebgp bmp lists the collector');
  const metrics = d.curl('/metrics');
  t.match(metrics, /nodebgp_bmp_collector_up\{collector="127\.0\.0\.1:1790"\} 1/, 'metrics: the collector is up');
  t.match(metrics, /nodebgp_bmp_messages_sent_total\{collector="127\.0\.0\.1:1790"\} [1-9]/);
  const lint = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
  t.same([lint.status, `${lint.stdout}${lint.stderr}`.trim()], [0, ''], 'promtool check metrics has nothing to say');

  // The neighbor is shut down here (a NOTIFICATION of ours), then nodebgpd stops (Termination).
  d.cli('neighbor', 'shutdown', '10.94.0.1');
  t.ok(await until(() => log2().some((l) => l.bmp_msg_type === 'peer_down' && l.peer_ip === '10.94.0.1'), 10000), 'Peer Down');
  t.match(log2().find((l) => l.bmp_msg_type === 'peer_down'), { reason_type: 1 }, 'reason 1: we sent a NOTIFICATION');
  d.signal('SIGTERM');
  t.equal(await d.exited, 0);
  t.ok(await until(() => log2().some((l) => l.bmp_msg_type === 'term'), 10000), 'Termination at shutdown');
});
