// BMP Adj-RIB-Out monitoring (RFC 8671) from the nodebgpd binary to pmacct's pmbmpd (Debian),
// read from the collector's own JSON log and checked against what the FRR ToR really received:
// nodebgpd originates two prefixes and learns three from an FRR upstream; its export route-map
// toward the ToR denies one and sets a community on the rest. Pre-policy Adj-RIB-Out shows all
// five (not the ToR's own route: split horizon is protocol, not policy), post-policy what the ToR
// got, as it got it; a withdrawal, an export-policy reload, statistics and a new collector's dump.
import t from 'tap';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { Nodebgpd } from '../helpers/nodebgpd.js';
import { bridge, createNamespace, destroyNamespace, uniquePrefix } from '../helpers/netns.js';
import { Frr, until } from '../helpers/peers.js';
import { type CollectorLine, collectorLog, pmbmpd as startPmbmpd } from '../helpers/pmbmpd.js';
import { tempDir } from '../helpers/tmp.js';

const p = uniquePrefix('bmpo');
const [T, N, U] = ['t', 'n', 'u'].map((x) => `${p}${x}`);
const dir = tempDir('nodebgp-bmp-out-');
chmodSync(dir, 0o777);

t.before(() => {
  for (const ns of [T, N, U]) createNamespace(ns);
  bridge(T, { ipv4: '10.95.0.1', ipv6: 'fd95::1' }, [
    { ns: N, ifname: 'eth0', ipv4: '10.95.0.2', ipv6: 'fd95::2' },
    { ns: U, ifname: 'eth0', ipv4: '10.95.0.3', ipv6: 'fd95::3' },
  ]);
});
t.teardown(() => {
  for (const ns of [T, N, U]) destroyNamespace(ns);
});

const torConfig = `frr defaults datacenter
hostname tor
router bgp 65010
 bgp router-id 10.95.0.1
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.95.0.2 remote-as 64512
 neighbor 10.95.0.2 timers connect 1
 address-family ipv4 unicast
  network 10.60.0.0/24
 exit-address-family
 address-family ipv6 unicast
  neighbor 10.95.0.2 activate
 exit-address-family
`;

const upstreamConfig = `frr defaults datacenter
hostname upstream
router bgp 65030
 bgp router-id 10.95.0.3
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.95.0.2 remote-as 64512
 neighbor 10.95.0.2 timers connect 1
 address-family ipv4 unicast
  network 10.90.0.0/24
  network 10.91.0.0/24
 exit-address-family
 address-family ipv6 unicast
  neighbor 10.95.0.2 activate
  network 2001:db8:90::/48
 exit-address-family
`;

const config = (denied: string[]) => `
asn: 64512
routerId: 10.95.0.2
listen: { addresses: [0.0.0.0] }
bmp:
  collectors: [{ address: 127.0.0.1, port: 1790, monitor: [rib-out-pre-policy, rib-out-post-policy, loc-rib] }]
  statisticsInterval: 2
originate:
  - { prefix: 10.80.0.0/24 }
  - { prefix: 10.81.0.0/24 }
neighbors:
  - address: 10.95.0.1
    remoteAs: 65010
    addressFamilies: [ipv4-unicast, ipv6-unicast]
    importPolicy: ALL
    exportPolicy: OUT
    timers: { connectRetryTime: 1 }
  - address: 10.95.0.3
    remoteAs: 65030
    addressFamilies: [ipv4-unicast, ipv6-unicast]
    importPolicy: ALL
    exportPolicy: NONE
    timers: { connectRetryTime: 1 }
policy:
  prefixLists:
    DENIED: [${denied.map((x, i) => `{ seq: ${5 + i}, action: permit, prefix: ${x} }`).join(', ')}]
  routeMaps:
    OUT:
      - { seq: 10, action: deny, match: { prefixList: DENIED } }
      - { seq: 20, action: permit, set: { community: ["64512:100"] } }
    ALL:
      - { seq: 10, action: permit }
    NONE:
      - { seq: 10, action: deny }
`;

type Line = CollectorLine;
const pmbmpd = (file: string) => startPmbmpd(N, file);

/** Route Monitoring lines of the ToR's Adj-RIB-Out (O flag), pre- (0) or post-policy (1). */
const out = (log: Line[], post: number, type = 'update') => log.filter((l) => l.bmp_msg_type === 'route_monitor' && l.is_out === 1 && l.is_post === post
  && l.peer_ip === '10.95.0.1' && (l.log_type ?? 'update') === type);
const prefixes = (ls: Line[]) => [...new Set(ls.map((l) => l.ip_prefix as string))].sort();
/** The view as the collector holds it: the last message per prefix decides. */
const held = (log: Line[], post: number) => {
  const last = new Map<string, string>();
  for (const l of log) if (l.bmp_msg_type === 'route_monitor' && l.is_out === 1 && l.is_post === post && l.peer_ip === '10.95.0.1') last.set(l.ip_prefix, l.log_type ?? 'update');
  return [...last].filter(([, k]) => k === 'update').map(([x]) => x).sort();
};

t.test('pmbmpd sees a neighbor\'s Adj-RIB-Out before and after export policy, as the neighbor got it', async (t) => {
  const first = join(dir, 'bmp-1.json');
  let collector = pmbmpd(first);
  const tor = new Frr(T, torConfig);
  const up = new Frr(U, upstreamConfig);
  const d = new Nodebgpd(N, config(['10.91.0.0/24']));
  t.teardown(() => {
    d.stop();
    tor.stop();
    up.stop();
    collector.kill('SIGKILL');
  });
  await d.ready();
  const log = () => collectorLog(first);
  const everything = ['10.80.0.0/24', '10.81.0.0/24', '10.90.0.0/24', '10.91.0.0/24', '2001:db8:90::/48'];
  const sent = everything.filter((x) => x !== '10.91.0.0/24');
  // What the ToR holds from us, by FRR's own account.
  const torHas = () => [1, 2].flatMap((afi) => Object.keys(tor.json(`show bgp ${afi === 1 ? 'ipv4' : 'ipv6'} unicast neighbors 10.95.0.2 routes json`).routes ?? {})).sort();
  t.ok(await until(() => torHas().length === sent.length, 60000), `the ToR has our routes (${torHas()})`);
  t.ok(await until(() => held(log(), 1).length === sent.length && held(log(), 0).length === everything.length, 20000), 'the collector has both views');

  t.same(prefixes(out(log(), 0)), everything, 'pre-policy: every route the protocol lets us send, the denied one too, not the ToR\'s own');
  t.same(prefixes(out(log(), 1)), sent, 'post-policy: what the export route-map let out');
  t.same(torHas(), sent, 'which is what the ToR received');
  const v4 = out(log(), 1).find((l) => l.ip_prefix === '10.90.0.0/24');
  t.match(v4, { as_path: '64512 65030', comms: '64512:100', bgp_nexthop: '10.95.0.2' }, 'post-policy as sent: our AS prepended, our next hop, the community policy set');
  const torRoute = tor.json('show bgp ipv4 unicast 10.90.0.0/24 json').paths?.[0];
  t.equal(torRoute?.aspath?.string, v4?.as_path, 'the ToR got that AS path');
  t.same(torRoute?.community?.list, ['64512:100'], 'and that community');
  t.notOk(out(log(), 0).find((l) => l.ip_prefix === '10.90.0.0/24')?.comms, 'pre-policy: without what the policy sets');
  t.match(out(log(), 1).find((l) => l.ip_prefix === '2001:db8:90::/48'), { afi: 2, as_path: '64512 65030', comms: '64512:100' }, 'an IPv6 route');
  const toUpstream = (post: number) => prefixes(log().filter((l) => l.bmp_msg_type === 'route_monitor' && l.is_out === 1 && l.is_post === post && l.peer_ip === '10.95.0.3' && (l.log_type ?? 'update') === 'update'));
  t.same(toUpstream(1), [], 'toward the upstream, whose export policy denies everything: nothing after policy');
  t.same(toUpstream(0), ['10.60.0.0/24', '10.80.0.0/24', '10.81.0.0/24'], 'and before it, all but its own routes');

  // The Loc-RIB (RFC 9069): the upstream's routes, sent as the UPDATEs that made them best (its
  // sessions have no ADD-PATH and an import policy that sets nothing): as the upstream sent them.
  const loc = (l: Line) => l.bmp_msg_type === 'route_monitor' && l.is_loc === 1 && (l.log_type ?? 'update') === 'update';
  t.ok(await until(() => log().some((l) => loc(l) && l.ip_prefix === '2001:db8:90::/48'), 20000), 'the Loc-RIB has the upstream\'s IPv6 route');
  const sentByUp = up.json('show bgp ipv4 unicast neighbors 10.95.0.2 advertised-routes json').advertisedRoutes?.['10.90.0.0/24'];
  t.match(log().find((l) => loc(l) && l.ip_prefix === '10.90.0.0/24'), { as_path: '65030', bgp_nexthop: '10.95.0.3' }, `its IPv4 route, as the upstream sent it (FRR: ${JSON.stringify(sentByUp?.path ?? sentByUp?.aspath ?? '')})`);
  t.match(log().find((l) => loc(l) && l.ip_prefix === '2001:db8:90::/48'), { afi: 2, as_path: '65030' }, 'and IPv6');
  t.same(prefixes(log().filter(loc)), ['10.60.0.0/24', '10.80.0.0/24', '10.81.0.0/24', '10.90.0.0/24', '10.91.0.0/24', '2001:db8:90::/48'], 'our originations and the ToR\'s and upstream\'s routes');

  // Statistics: RFC 8671 6.2 types 14 and 15.
  t.ok(await until(() => log().some((l) => l.bmp_msg_type === 'stats' && l.counter_type === 15 && l.peer_ip === '10.95.0.1'), 10000), 'Adj-RIB-Out statistics on the timer');
  const stat = (type: number) => log().filter((l) => l.bmp_msg_type === 'stats' && l.counter_type === type && l.peer_ip === '10.95.0.1').at(-1)?.counter_value;
  t.same([stat(14), stat(15)], [everything.length, sent.length], 'routes before and after export policy');

  // The upstream withdraws a route: gone from both views.
  up.vtysh('configure terminal', 'router bgp 65030', 'address-family ipv4 unicast', 'no network 10.90.0.0/24');
  t.ok(await until(() => out(log(), 1, 'withdraw').some((l) => l.ip_prefix === '10.90.0.0/24'), 20000), 'withdrawn after policy');
  t.ok(await until(() => out(log(), 0, 'withdraw').some((l) => l.ip_prefix === '10.90.0.0/24'), 20000), 'and before');
  t.ok(await until(() => log().some((l) => l.bmp_msg_type === 'route_monitor' && l.is_loc === 1 && l.log_type === 'withdraw' && l.ip_prefix === '10.90.0.0/24'), 20000), 'and from the Loc-RIB');

  // The export policy changes (reload): the post-policy view follows it, the pre-policy view does not move.
  d.writeConfig(config(['10.91.0.0/24', '10.81.0.0/24']));
  const mark = d.log.length;
  d.signal('SIGHUP');
  await d.waitLog((l) => l.msg === 'configuration reloaded', 10000, mark);
  t.ok(await until(() => out(log(), 1, 'withdraw').some((l) => l.ip_prefix === '10.81.0.0/24'), 20000), 'a prefix the new policy denies is withdrawn after policy');
  t.ok(await until(() => !torHas().includes('10.81.0.0/24'), 20000), 'as from the ToR');
  t.same(held(log(), 0), ['10.80.0.0/24', '10.81.0.0/24', '10.91.0.0/24', '2001:db8:90::/48'], 'pre-policy still holds it');
  t.same(held(log(), 1), torHas(), 'post-policy holds what the ToR holds');

  // A new collector is given both views as they are now.
  collector.kill('SIGKILL');
  const second = join(dir, 'bmp-2.json');
  collector = pmbmpd(second);
  const log2 = () => collectorLog(second);
  const preNow = ['10.80.0.0/24', '10.81.0.0/24', '10.91.0.0/24', '2001:db8:90::/48'];
  t.ok(await until(() => held(log2(), 0).length === preNow.length && held(log2(), 1).length === torHas().length, 40000), 'the next collector is connected (backoff) and given both views');
  t.same(held(log2(), 0), preNow, 'pre-policy as it is');
  t.same(held(log2(), 1), torHas(), 'post-policy as the ToR has it');
  t.match(out(log2(), 1).find((l) => l.ip_prefix === '10.80.0.0/24'), { as_path: '64512', comms: '64512:100' }, 'in the form sent');
});
