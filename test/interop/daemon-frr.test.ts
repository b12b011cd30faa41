// The nodebgpd binary as an operator runs it, against two real FRR peers on a bridge: YAML config,
// the CLI over the admin API, hot reload on SIGHUP (a neighbor added without touching the other,
// export and import policy changed by soft reconfiguration, an invalid file refused), runtime
// announce/withdraw, neighbor shutdown/enable, metrics, and SIGTERM sending Cease 6/2 to everyone.
// (The embedded default is tested under attack in default-config.test.ts.)
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Nodebgpd } from '../helpers/nodebgpd.js';
import { bridge, createNamespace, destroyNamespace, uniquePrefix } from '../helpers/netns.js';
import { Frr, until } from '../helpers/peers.js';

const p = uniquePrefix('dfrr');
const N = `${p}n`;
const A = `${p}a`;
const B = `${p}b`;

t.before(() => {
  for (const ns of [N, A, B]) createNamespace(ns);
  bridge(N, { ipv4: '10.91.0.1', ipv6: 'fd91::1' }, [
    { ns: A, ifname: 'eth0', ipv4: '10.91.0.2', ipv6: 'fd91::2' },
    { ns: B, ifname: 'eth0', ipv4: '10.91.0.3', ipv6: 'fd91::3' },
  ]);
});
t.teardown(() => {
  for (const ns of [N, A, B]) destroyNamespace(ns);
});

const tor = (id: string, nets: string[]) => `frr defaults datacenter
hostname tor${id}
route-map ANY permit 10
router bgp 6450${id}
 bgp router-id 10.91.0.${id}
 no bgp network import-check
 neighbor 10.91.0.1 remote-as 64512
 neighbor 10.91.0.1 timers connect 2
 address-family ipv4 unicast
${nets.map((n) => `  network ${n}`).join('\n')}
  neighbor 10.91.0.1 route-map ANY in
  neighbor 10.91.0.1 route-map ANY out
 exit-address-family
`;

/** Where `nodebgp dump` writes (writable by whichever user the daemon runs as). */
const mrtDir = mkdtempSync(join(tmpdir(), 'nodebgp-dfrr-mrt-'));
chmodSync(mrtDir, 0o777);

const config = (o: { community: string; secondNeighbor: boolean; denyPod3: boolean }) => `
asn: 64512
routerId: 10.91.0.1
mrt: { directory: ${mrtDir} }
listen: { addresses: [0.0.0.0] }
peerGroups:
  tors:
    importPolicy: FROM-TOR
    exportPolicy: TO-TOR
    timers: { connectRetryTime: 2 }
neighbors:
  - address: 10.91.0.2
    remoteAs: 64502
    peerGroup: tors
    description: tor-a
${o.secondNeighbor ? `  - address: 10.91.0.3
    remoteAs: 64503
    peerGroup: tors
    softReconfigurationInbound: true
` : ''}originate:
  - prefix: 10.244.1.0/26
policy:
  prefixLists:
    PODS:
${o.denyPod3 ? '      - { seq: 5, action: deny, prefix: 10.244.3.0/26 }\n' : ''}      - { seq: 10, action: permit, prefix: 10.244.0.0/16, le: 26 }
  routeMaps:
    FROM-TOR:
      - { seq: 10, action: permit, match: { prefixList: PODS } }
    TO-TOR:
      - { seq: 10, action: permit, set: { community: ["${o.community}"] } }
`;

t.test('nodebgpd: CLI, hot reload, runtime changes, metrics, SIGTERM', async (t) => {
  const frrA = new Frr(A, tor('2', ['10.244.2.0/26', '10.244.3.0/26']));
  const frrB = new Frr(B, tor('3', ['10.244.4.0/26']));
  const d = new Nodebgpd(N, config({ community: '64512:100', secondNeighbor: false, denyPod3: false }));
  t.teardown(() => {
    rmSync(mrtDir, { recursive: true, force: true });
    d.stop();
    frrA.stop();
    frrB.stop();
  });
  await d.ready();
  const peerState = (addr: string) => d.cli('summary').peers[addr]?.state;
  t.ok(await until(() => peerState('10.91.0.2') === 'Established', 30000), `Established with tor-a: ${d.cliRaw('summary').stdout}`);
  const seen = (frr: Frr, prefix: string) => frr.json(`show bgp ipv4 unicast ${prefix} json`).paths?.[0];
  t.equal((await until(() => seen(frrA, '10.244.1.0/26'), 10000))?.community?.string, '64512:100', 'tor-a receives our pod CIDR with the export community');
  t.ok(await until(() => d.cli('routes', '10.244.3.0/26').items.length === 1, 10000), 'we accept tor-a\'s pod CIDRs');
  const summaryText = d.cliRaw('summary').stdout;
  t.match(summaryText, /10\.91\.0\.2\s+64502\s+\d+\s+\d+\s+0\s+\d\d:\d\d:\d\d\s+2\s+1\s+tor-a/, `the summary table reads like FRR's:\n${summaryText}`);
  t.equal(d.cli('lookup', '10.244.2.9').items[0]?.prefix, '10.244.2.0/26', 'lookup: longest-prefix match');
  const uptimeA = () => Number(frrA.neighbor('10.91.0.1').bgpTimerUpEstablishedEpoch ?? 0);
  const connsA = () => Number(frrA.neighbor('10.91.0.1').connectionsEstablished ?? 0);
  const connsBefore = connsA();

  // Reload: add tor-b, change the export community and the import prefix-list.
  const refreshBefore = Number(frrA.neighbor('10.91.0.1').messageStats?.routeRefreshRecv ?? 0);
  d.writeConfig(config({ community: '64512:200', secondNeighbor: true, denyPod3: true }));
  const mark = d.log.length;
  d.signal('SIGHUP');
  const reloaded = await d.waitLog((l) => l.msg === 'configuration reloaded', 10000, mark);
  t.same((reloaded.result as any).added, ['10.91.0.3'], 'the reload adds tor-b');
  t.ok(await until(() => peerState('10.91.0.3') === 'Established', 30000), 'tor-b comes up');
  t.ok(await until(() => seen(frrA, '10.244.1.0/26')?.community?.string === '64512:200', 10000), 'tor-a sees the new export community (soft out)');
  t.ok(await until(() => d.cli('routes', '10.244.3.0/26').items.length === 0, 10000), 'tor-a\'s 10.244.3.0/26 is dropped by the new import prefix-list');
  t.equal(d.cli('routes', '10.244.2.0/26').items.length, 1, 'its other pod CIDR stays');
  t.ok(Number(frrA.neighbor('10.91.0.1').messageStats?.routeRefreshRecv ?? 0) > refreshBefore, 'soft in for tor-a (no kept routes) asked it by ROUTE-REFRESH');
  t.equal(connsA(), connsBefore, `tor-a's session was not reset (connections established: ${connsA()})`);
  t.ok(await until(() => d.cli('routes', '10.244.4.0/26').items.length === 1, 10000), 'tor-b\'s pod CIDR learned');
  const pre = d.cli('neighbors', '10.91.0.3', '--routes', 'received');
  t.same(pre.items.map((r: any) => r.prefix), ['10.244.4.0/26'], 'tor-b keeps pre-policy routes (softReconfigurationInbound)');

  // An invalid file is refused, with its line, and nothing changes.
  d.writeConfig(config({ community: '64512:300', secondNeighbor: true, denyPod3: true }).replace('description: tor-a', 'descripton: tor-a'));
  const bad = d.cliRaw('reload');
  t.equal(bad.status, 1, 'the CLI reload fails');
  t.match(bad.stderr, /config-invalid[\s\S]*line \d+: neighbors\[0\]\.descripton: unknown key \(did you mean "description"\?\)/, `with the key, line and a suggestion: ${bad.stderr}`);
  await new Promise((r) => setTimeout(r, 1000));
  t.equal(seen(frrA, '10.244.1.0/26')?.community?.string, '64512:200', 'the running policy is kept');

  // Runtime announce and withdraw.
  d.cli('announce', '10.244.7.0/26', '--community', '64512:7');
  t.ok(await until(() => seen(frrB, '10.244.7.0/26'), 10000), 'an announced prefix reaches tor-b');
  d.cli('withdraw', '10.244.7.0/26');
  t.ok(await until(() => !seen(frrB, '10.244.7.0/26'), 10000), 'and is withdrawn');

  // Neighbor shutdown with a message, then enable.
  d.cli('neighbor', 'shutdown', '10.91.0.3', '--message', 'node maintenance');
  t.ok(await until(() => /6\/2/.test(frrB.log()) && /node maintenance/.test(frrB.log()), 10000), 'tor-b receives Cease 6/2 with the message');
  t.equal(peerState('10.91.0.2'), 'Established', 'tor-a is untouched');
  d.cli('neighbor', 'enable', '10.91.0.3');
  t.ok(await until(() => peerState('10.91.0.3') === 'Established', 30000), 'tor-b is back after enable');
  // FRR sends its routes a moment after the session is up (its update group's coalescing): the
  // tables below are read once they are back, not raced against it.
  t.ok(await until(() => d.cli('neighbors', '10.91.0.3', '--routes', 'received').items.length > 0, 10000), 'tor-b\'s routes are back');

  // Every CLI command read as an operator reads it, without --json.
  const text = (...args: string[]) => {
    const r = d.cliRaw(...args);
    return `${r.stdout}${r.status === 0 ? '' : `(exit ${r.status}) ${r.stderr}`}`;
  };
  const nb = text('neighbors', '10.91.0.2');
  t.match(nb, /^BGP neighbor is 10\.91\.0\.2, remote AS 64502, local AS 64512, external link\n Description: tor-a\n Member of peer-group tors/, `neighbors ADDRESS reads like show bgp neighbors:\n${nb}`);
  t.match(nb, /BGP state = Established, up for \d\d:\d\d:\d\d/);
  t.match(nb, /Address family ipv4-unicast: advertised and received/);
  t.match(nb, /Updates:\s+\d+\s+\d+/);
  t.match(nb, /Inbound route-map: FROM-TOR; outbound route-map: TO-TOR/);
  t.match(nb, /Foreign host: 10\.91\.0\.2, Foreign port: \d+/);
  t.match(text('neighbors'), /BGP neighbor is 10\.91\.0\.2[\s\S]*BGP neighbor is 10\.91\.0\.3/, 'neighbors: every neighbor in detail');
  const detail = text('routes', '10.244.1.0/26');
  t.match(detail, /^BGP routing table entry for 10\.244\.1\.0\/26\nPaths: \(1 available, best #1\)\n  Advertised to: .*10\.91\.0\.2/, `routes PREFIX reads like show bgp ipv4 unicast PREFIX:\n${detail}`);
  t.match(detail, /      Origin IGP, weight \d+, valid, best/);
  const learned = text('routes', '10.244.2.0/26');
  t.match(learned, /  64502\n    10\.91\.0\.2 from 10\.91\.0\.2 \(AS 64502\)/, `a learned route: path, next hop, neighbor:\n${learned}`);
  t.match(text('neighbors', '10.91.0.3', '--routes', 'received'), /10\.244\.4\.0\/26\s+10\.91\.0\.3/, 'adj-rib-in as a table');
  t.match(text('neighbors', '10.91.0.2', '--routes', 'advertised'), /10\.244\.1\.0\/26[^\n]*self/, 'adj-rib-out as a table');
  t.match(text('neighbors', '10.91.0.2', '--routes', 'accepted'), /\*>\s+10\.244\.2\.0\/26/, 'accepted routes as a table');
  t.match(text('routes', '--all', '--limit', '1'), /Displayed \d+ routes$/m, 'routes --all follows every page');
  t.match(text('summary'), /^IPv4 Unicast Summary:\nBGP router identifier 10\.91\.0\.1, local AS number 64512/, 'summary per address family');
  t.match(text('bfd'), /BFD sessions 0/);
  t.match(text('neighbor', 'soft-reset', '*'), /^soft-reset 10\.91\.0\.2: done\nsoft-reset 10\.91\.0\.3: done$/m, 'a bulk soft reset');
  t.match(text('log-level'), /^log level: info$/m);
  t.match(text('dump', 'cli.mrt'), /^\/.*\/cli\.mrt: \d+ prefixes, \d+ paths, \d+ bytes in \d+\.\d\d s$/m, 'dump says where and how much');
  const dumped = spawnSync('bgpdump', ['-q', '-m', join(mrtDir, 'cli.mrt')], { encoding: 'utf8' }).stdout;
  t.match(dumped, /^TABLE_DUMP2\|\d+\|B\|10\.91\.0\.2\|64502\|10\.244\.2\.0\/26\|64502\|IGP\|10\.91\.0\.2\|/m, `bgpdump reads tor-a's route from the dump:\n${dumped}`);
  t.match(text('--version'), /^nodebgp \d+\.\d+\.\d+ \(node v\d+/);
  d.writeConfig(config({ community: '64512:200', secondNeighbor: true, denyPod3: true }));
  t.match(text('reload'), /^reloaded: nothing changed$/m, 'reload says what it did');
  t.equal(peerState('10.91.0.2'), 'Established', 'the soft reset kept the sessions');

  const metrics = d.curl('/metrics');
  t.match(metrics, /nodebgp_peer_up\{peer="10\.91\.0\.2",peer_as="64502"\} 1/, 'metrics: peer up');
  t.match(metrics, /nodebgp_peer_prefixes_accepted\{peer="10\.91\.0\.2",peer_as="64502",afi_safi="ipv4-unicast"\} 1/, 'metrics: accepted prefixes');
  t.match(metrics, /nodebgp_update_apply_seconds_count \d+/, 'metrics: update latency histogram');
  t.match(metrics, /nodejs_eventloop_lag_seconds/, 'metrics: event-loop lag');
  t.ok(uptimeA() > 0, 'tor-a uptime known');

  // SIGTERM: Cease / Administrative Shutdown to every peer, exit 0.
  d.signal('SIGTERM');
  t.equal(await d.exited, 0, 'nodebgpd exits 0 on SIGTERM');
  t.ok(await until(() => /received from neighbor 10\.91\.0\.1 6\/2/.test(frrA.log()) && /received from neighbor 10\.91\.0\.1 6\/2/.test(frrB.log()), 10000), 'both ToRs received Cease 6/2');
});
