// The seeds' ToR design against a real FRR ToR: the node (nodebgp, AS 64512) announces its pod
// CIDR and, by mistake, a default route; the ToR's K8S-PODS prefix-list keeps the pod CIDR and drops
// the default. Our export route-map prepends and tags a community the ToR sees; our import
// route-map (the same K8S-PODS list) keeps the ToR's pod CIDR, drops its default and other
// prefixes, and matches the ToR's community to set a local preference.
import t from 'tap';
import { SpeakerHost, stopAtEnd } from '../helpers/host.js';
import { twoHosts, uniquePrefix } from '../helpers/netns.js';
import { Frr, until } from '../helpers/peers.js';

const p = uniquePrefix('ptor');
const N = `${p}n`;
const T = `${p}t`;

const tor = `frr defaults datacenter
hostname tor1
ip prefix-list K8S-PODS seq 5 deny 0.0.0.0/0
ip prefix-list K8S-PODS seq 10 permit 10.244.0.0/16 le 26
ip prefix-list K8S-PODS seq 20 permit 10.96.0.0/12 le 32
route-map ACCEPT-K8S permit 10
 match ip address prefix-list K8S-PODS
route-map TOR-OUT permit 10
 set community 64501:300
router bgp 64501
 bgp router-id 10.88.0.2
 no bgp network import-check
 neighbor 10.88.0.1 remote-as 64512
 neighbor 10.88.0.1 timers connect 2
 address-family ipv4 unicast
  network 10.244.2.0/26
  network 0.0.0.0/0
  network 10.50.0.0/16
  neighbor 10.88.0.1 route-map ACCEPT-K8S in
  neighbor 10.88.0.1 route-map TOR-OUT out
 exit-address-family
`;

const node = {
  asn: 64512,
  routerId: '10.88.0.1',
  listen: { addresses: ['0.0.0.0'] },
  originate: [{ prefix: '10.244.1.0/26' }, { prefix: '0.0.0.0/0' }],
  policy: {
    prefixLists: {
      'K8S-PODS': [
        { seq: 5, action: 'deny', prefix: '0.0.0.0/0' },
        { seq: 10, action: 'permit', prefix: '10.244.0.0/16', le: 26 },
        { seq: 20, action: 'permit', prefix: '10.96.0.0/12', le: 32 },
      ],
    },
    communityLists: { 'FROM-TOR': [{ action: 'permit', communities: ['64501:300'] }] },
    routeMaps: {
      'ACCEPT-K8S': [
        { seq: 10, action: 'permit', match: { prefixList: 'K8S-PODS', community: 'FROM-TOR' }, set: { localPref: 300 } },
        { seq: 20, action: 'permit', match: { prefixList: 'K8S-PODS' } },
      ],
      'EXPORT-PODS': [{ seq: 10, action: 'permit', set: { community: ['64512:100'], asPathPrepend: [64512] } }],
    },
  },
  neighbors: [{ address: '10.88.0.2', remoteAs: 64501, importPolicy: 'ACCEPT-K8S', exportPolicy: 'EXPORT-PODS', timers: { connectRetryTime: 2 } }],
};

twoHosts(t, { ns: N, ifname: 'eth0', ipv4: '10.88.0.1', ipv6: 'fd88::1' }, { ns: T, ifname: 'eth0', ipv4: '10.88.0.2', ipv6: 'fd88::2' });

t.test('K8S-PODS at the ToR and at the node, prepend and communities both ways', async (t) => {
  const frr = new Frr(T, tor);
  const host = new SpeakerHost(N, node, 'daemon-host.mjs');
  stopAtEnd(t, host, frr);
  await host.state('10.88.0.2', 'Established', 30000);
  const pod = await until(() => {
    const j = frr.json('show bgp ipv4 unicast 10.244.1.0/26 json');
    return j.paths?.[0] ? j : undefined;
  }, 15000);
  t.ok(pod, `the ToR accepts the node's pod CIDR: ${frr.vtysh('show bgp ipv4 unicast')}`);
  t.equal(pod?.paths[0].aspath?.string, '64512 64512', 'AS-path prepend seen by the ToR');
  t.equal(pod?.paths[0].community?.string, '64512:100', 'community set on export seen by the ToR');
  await new Promise((r) => setTimeout(r, 1000));
  t.equal(frr.json('show bgp summary json').ipv4Unicast?.peers?.['10.88.0.1']?.pfxRcd, 1, 'the ToR accepted one prefix from us: the default route the node sent is filtered');
  const dflt = frr.json('show bgp ipv4 unicast 0.0.0.0/0 json');
  t.equal(dflt.paths?.length, 1, `one default route at the ToR: ${frr.vtysh('show bgp ipv4 unicast 0.0.0.0/0')}`);
  t.notMatch(JSON.stringify(dflt.paths), /"10\.88\.0\.1"/, 'and it is the ToR\'s own, not ours');

  const ours = await until(async () => (await host.ask({ cmd: 'route', prefix: '10.244.2.0/26' })).route, 15000);
  t.ok(ours, 'we accept the ToR\'s pod CIDR');
  t.equal(ours?.best.localPref, 300, 'its community (64501:300) matched on import sets local preference 300');
  t.equal((await host.ask({ cmd: 'route', prefix: '0.0.0.0/0' })).route?.paths.filter((x: any) => x.peer !== '0.0.0.0').length ?? 0, 0, 'the ToR\'s default route is dropped by our K8S-PODS');
  t.equal((await host.ask({ cmd: 'route', prefix: '10.50.0.0/16' })).route, null, 'anything else: implicit deny');

  // Route refresh from FRR (`clear bgp ... soft in` sends us a ROUTE-REFRESH): we send our routes again.
  const stats = () => frr.neighbor('10.88.0.1').messageStats ?? {};
  const before = Number(stats().updatesRecv ?? 0);
  frr.vtysh('clear bgp ipv4 unicast 10.88.0.1 soft in');
  t.ok(await until(() => Number(stats().routeRefreshSent ?? 0) > 0, 5000), 'FRR sent a ROUTE-REFRESH');
  t.ok(await until(() => Number(stats().updatesRecv ?? 0) > before, 5000), `and received our UPDATEs again (${before} -> ${stats().updatesRecv})`);
});

t.test('RFC 8212: an eBGP neighbor without policy exchanges nothing', async (t) => {
  const frr = new Frr(T, tor);
  const host = new SpeakerHost(N, { ...node, neighbors: [{ address: '10.88.0.2', remoteAs: 64501, timers: { connectRetryTime: 2 } }] }, 'daemon-host.mjs');
  stopAtEnd(t, host, frr);
  await host.state('10.88.0.2', 'Established', 30000);
  await new Promise((r) => setTimeout(r, 3000));
  t.equal(frr.json('show bgp summary json').ipv4Unicast?.peers?.['10.88.0.1']?.pfxRcd, 0, 'the ToR receives nothing from us');
  t.equal((await host.ask({ cmd: 'route', prefix: '10.244.2.0/26' })).route, null, 'and we accept nothing from it');
});

t.test('max-prefix: Cease 6/1 past the limit and a restart after the interval', async (t) => {
  const many = tor.replace(' network 10.50.0.0/16', [' network 10.50.0.0/16', ...[1, 2, 3, 4].map((i) => `  network 10.244.${10 + i}.0/26`)].join('\n'));
  const frr = new Frr(T, many);
  const host = new SpeakerHost(N, {
    ...node,
    neighbors: [{ ...node.neighbors[0], maxPrefix: { limit: 3, warningThreshold: 50, restartAfter: 3 } }],
  }, 'daemon-host.mjs');
  stopAtEnd(t, host, frr);
  const down = await host.waitFor((e) => e.event === 'max-prefix' && e.action === 'teardown', 30000);
  t.ok(Number(down.count) > 3, `torn down at ${down.count} accepted prefixes (limit 3)`);
  t.equal((await host.waitFor((e) => e.event === 'down', 5000)).reason, 'max-prefix');
  t.ok(await until(() => /NOTIFICATION(\(Hard Reset\))?: received from neighbor 10\.88\.0\.1 6\/1/.test(frr.log()), 5000), 'FRR logs the Cease 6/1 it received (inside a Hard Reset, RFC 8538)');
  const mark = host.events.length;
  const restarted = Date.now();
  await host.state('10.88.0.2', 'Established', 20000, mark);
  t.ok(Date.now() - restarted >= 2500, `restarted after the 3 s interval (${Date.now() - restarted} ms)`);
});

t.test('max-prefix warning-only keeps the session', async (t) => {
  const frr = new Frr(T, tor.replace(' network 10.50.0.0/16', [' network 10.50.0.0/16', '  network 10.244.11.0/26', '  network 10.244.12.0/26'].join('\n')));
  const host = new SpeakerHost(N, { ...node, neighbors: [{ ...node.neighbors[0], maxPrefix: { limit: 1, warningOnly: true } }] }, 'daemon-host.mjs');
  stopAtEnd(t, host, frr);
  const warn = await host.waitFor((e) => e.event === 'max-prefix', 30000);
  t.same([warn.action, warn.limit], ['warning', 1], `a warning at ${warn.count} accepted prefixes (limit 1)`);
  await new Promise((r) => setTimeout(r, 2000));
  t.notOk(host.events.some((e) => e.event === 'max-prefix' && e.action === 'teardown'), 'no teardown');
  t.notOk(host.events.some((e) => e.event === 'down'), 'the session stays up');
  t.equal((await host.ask({ cmd: 'neighbors' })).neighbors[0].stats.received['ipv4-unicast'], 3, 'all three pod CIDRs accepted');
});
