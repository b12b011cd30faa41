// Unnumbered BGP with FRR 8.4 (zebra and bgpd, `neighbor IF interface remote-as external`): two
// links between an FRR leaf and nodebgpd with no IPv4 or global IPv6 address on either, only the
// kernel's link-local ones. Each side learns the other from router advertisements: FRR dials us on
// the first link, we dial FRR (passive there) on the second. IPv4 and IPv6 routes both ways, IPv4
// over IPv6 next hops (RFC 8950) installed `via inet6 fe80::... dev`, ECMP over both links, a ping
// between loopbacks across links without IPv4, BFD (100 ms x 3) on the first link to the learned
// address. Then what a link does to us: going down and up,
// FRR's link-local address changing, the interface deleted and made again, and a router
// advertisement flood from made-up sources and with a hop limit below 255, each with its log line,
// the other session untouched.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import { ROOT } from '../helpers/fixtures.js';
import { Nodebgpd } from '../helpers/nodebgpd.js';
import { createNamespace, destroyNamespace, inNs, run, uniquePrefix } from '../helpers/netns.js';
import { Frr, until } from '../helpers/peers.js';

const p = uniquePrefix('unnm');
const [L, N] = [`${p}l`, `${p}n`];

/** A veth pair between the leaf and the node, addressed by nothing but the kernel's link-local addresses. */
function wire(leafIf: string, nodeIf: string): void {
  run('ip', ['link', 'add', leafIf, 'netns', L, 'type', 'veth', 'peer', 'name', nodeIf, 'netns', N]);
  inNs(L, 'ip', ['link', 'set', leafIf, 'up']);
  inNs(N, 'ip', ['link', 'set', nodeIf, 'up']);
}

t.before(() => {
  for (const [ns, v4, v6] of [[L, '10.11.0.1/32', 'fd11::1/128'], [N, '10.12.0.1/32', 'fd12::1/128']]) {
    createNamespace(ns);
    // Routers: forwarding on (so RAs never set a default route), no DAD wait on new link-local addresses.
    inNs(ns, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1', 'net.ipv6.conf.default.accept_dad=0']);
    inNs(ns, 'ip', ['addr', 'add', v4, 'dev', 'lo']);
    inNs(ns, 'ip', ['-6', 'addr', 'add', v6, 'dev', 'lo']);
  }
  wire('l1', 'n1');
  wire('l2', 'n2');
});
t.teardown(() => {
  for (const ns of [L, N]) destroyNamespace(ns);
});

const bfdd = `bfd
 profile fast
  receive-interval 100
  transmit-interval 100
  detect-multiplier 3
 !
!
`;

const leafConfig = `frr defaults datacenter
hostname leaf
router bgp 65001
 bgp router-id 10.11.0.1
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor l1 interface remote-as external
 neighbor l1 timers connect 1
 neighbor l1 bfd
 neighbor l1 bfd profile fast
 neighbor l2 interface remote-as external
 neighbor l2 timers connect 1
 neighbor l2 passive
 address-family ipv4 unicast
  network 10.11.0.0/24
 exit-address-family
 address-family ipv6 unicast
  network fd11::/64
  neighbor l1 activate
  neighbor l2 activate
 exit-address-family
`;

const nodeConfig = `
asn: 64512
routerId: 10.12.0.1
listen: { addresses: ["::"] }
maximumPaths: { ebgp: 2 }
neighbors:
  - { interface: n1, remoteAs: external, importPolicy: ALL, exportPolicy: ALL, timers: { connectRetryTime: 1 }, bfd: { transmitInterval: 100, receiveInterval: 100, detectMultiplier: 3 } }
  - { interface: n2, remoteAs: external, importPolicy: ALL, exportPolicy: ALL, timers: { connectRetryTime: 1 } }
originate:
  - prefix: 10.12.0.0/24
  - prefix: fd12::/64
policy:
  routeMaps:
    ALL: [{ seq: 10, action: permit }]
`;

/** The kernel's next hops for a prefix as "via dev" texts (iproute2's JSON; RFC 8950 ones as via inet6). */
function kernelHops(ns: string, prefix: string): string[] {
  const out = inNs(ns, 'ip', [...(prefix.includes(':') ? ['-6'] : []), '-j', 'route', 'show', prefix], { allowFail: true }).trim();
  type Hop = { gateway?: string; via?: { host: string }; dev?: string };
  const r = (out ? JSON.parse(out) as (Hop & { nexthops?: Hop[] })[] : [])[0];
  if (!r) return [];
  return (r.nexthops ?? [r]).map((h) => `${h.gateway ?? h.via?.host} ${h.dev}`).sort();
}

/** The link-local address of an interface in a namespace. */
function linkLocal(ns: string, ifname: string): string {
  const a = JSON.parse(inNs(ns, 'ip', ['-j', '-6', 'addr', 'show', 'dev', ifname, 'scope', 'link']))[0]?.addr_info?.[0]?.local;
  if (!a) throw new Error(`no link-local address on ${ifname} in ${ns}`);
  return a;
}

t.test('unnumbered eBGP with FRR: addresses learned from router advertisements, both families, ECMP, RFC 8950 in the kernel', async (t) => {
  const leaf = new Frr(L, leafConfig, { bfdd });
  const d = new Nodebgpd(N, nodeConfig);
  t.teardown(() => {
    d.stop();
    leaf.stop();
  });
  await d.ready();
  const state = (n: string) => d.cli('summary').peers[n]?.state;
  t.ok(await until(() => state('n1') === 'Established' && state('n2') === 'Established', 30000), `both sessions Established (${state('n1')}, ${state('n2')})`);
  const [l1, l2] = [linkLocal(L, 'l1'), linkLocal(L, 'l2')];
  const n1 = d.cli('neighbors', 'n1');
  t.match(n1.unnumbered, { interface: 'n1', neighborAddress: l1 }, `n1: the leaf's link-local address learned (${l1})`);
  t.ok(n1.unnumbered.advertisements.sent > 0 && n1.unnumbered.advertisements.heard > 0, 'router advertisements both ways');
  t.equal(n1.connection.direction, 'inbound', 'FRR dialed us on l1 (it learned us from our advertisement)');
  t.equal(d.cli('neighbors', 'n2').connection.direction, 'outbound', 'we dialed FRR on l2 (passive there): its address from its advertisement');
  t.match(n1.capabilities.byFamily, { 'ipv4-unicast': { extendedNextHop: true } }, 'RFC 8950 negotiated');
  t.ok(await d.waitLog((l) => l.kind === 'learned' && l.neighbor === 'n1'), 'a log line when the address is learned');
  const human = d.cliRaw('neighbors', 'n1').stdout;
  t.match(human, new RegExp(`Interface n1: neighbor ${l1}; router advertisements sent \\d+, heard \\d+, refused 0`), 'the CLI says which address it learned');

  // Ours at FRR, from both sessions, with our link-local addresses as next hops.
  const [m1, m2] = [linkLocal(N, 'n1'), linkLocal(N, 'n2')];
  t.ok(await until(() => leaf.json('show bgp ipv4 unicast 10.12.0.0/24 json').paths?.length === 2, 15000), 'FRR has 10.12.0.0/24 from both links');
  const v4paths = leaf.json('show bgp ipv4 unicast 10.12.0.0/24 json').paths ?? [];
  t.same(v4paths.map((x: any) => x.nexthops?.find((h: any) => h.scope === 'link-local' || h.afi === 'ipv6')?.ip).sort(), [m1, m2].sort(), 'IPv4 route with IPv6 link-local next hops (RFC 8950)');
  t.ok(await until(() => leaf.json('show bgp ipv6 unicast fd12::/64 json').paths?.length === 2, 15000), 'FRR has fd12::/64 from both links');
  t.ok(await until(() => kernelHops(L, '10.12.0.0/24').length > 0, 10000), `FRR installed our IPv4 route: ${kernelHops(L, '10.12.0.0/24').join(', ')}`);

  // FRR's at ours: ECMP over both links, IPv4 through IPv6 next hops.
  t.ok(await until(() => kernelHops(N, '10.11.0.0/24').length === 2, 15000), 'ECMP over both links');
  t.same(kernelHops(N, '10.11.0.0/24'), [`${l1} n1`, `${l2} n2`].sort(), `10.11.0.0/24 via inet6 ${l1} dev n1 and ${l2} dev n2`);
  t.match(inNs(N, 'ip', ['route', 'show', '10.11.0.0/24']), /via inet6 fe80::/, 'installed as via inet6');
  t.ok(await until(() => kernelHops(N, 'fd11::/64').length === 2, 15000), 'IPv6 ECMP too');
  t.same(kernelHops(N, 'fd11::/64'), [`${l1} n1`, `${l2} n2`].sort());
  const bfdUp = () => d.cli('neighbors', 'n1').bfd;
  t.ok(await until(() => bfdUp()?.state === 'Up', 15000), `BFD Up on n1 at 100 ms x 3 to ${l1}: ${JSON.stringify(bfdUp())}`);
  // Up first at the slow rate (RFC 5880 6.8.3: 1 s while not Up); the 100 ms timers follow a Poll later.
  t.ok(await until(() => bfdUp()?.detectionTimeMs === 300, 10000), `detection time 300 ms: ${JSON.stringify(bfdUp())}`);
  const frrBfd = () => (leaf.json('show bfd peers json') as any[]).find?.((x: any) => x.interface === 'l1');
  t.ok(await until(() => frrBfd()?.status === 'up', 10000), `FRR's bfdd: the session on l1 up with ${frrBfd()?.peer}`);
  t.equal(frrBfd()?.peer, m1, 'to our link-local address');
  const ping = spawnSync('ip', ['netns', 'exec', N, 'ping', '-c', '3', '-i', '0.2', '-W', '1', '-I', '10.12.0.1', '10.11.0.1'], { encoding: 'utf8' });
  t.equal(ping.status, 0, `IPv4 ping between loopbacks over links without IPv4: ${ping.stdout.split('\n').filter((x) => x.includes('packets')).join('')}`);

  t.test('a link going down ends its session at once; back up, the neighbor is heard and the session returns', async (t) => {
    const mark = d.log.length;
    const flaps = d.cli('neighbors', 'n1').flaps;
    inNs(N, 'ip', ['link', 'set', 'n2', 'down']);
    const down = await d.waitLog((l) => l.neighbor === 'n2' && l.reason === 'interface-down', 5000, mark);
    t.ok(down, `session down at once: ${down.msg}`);
    t.ok(await d.waitLog((l) => l.kind === 'link-down' && l.neighbor === 'n2', 5000, mark), 'a log line for the link');
    t.ok(await until(() => kernelHops(N, '10.11.0.0/24').length === 1, 5000), `one path left: ${kernelHops(N, '10.11.0.0/24').join(', ')}`);
    inNs(N, 'ip', ['link', 'set', 'n2', 'up']);
    t.ok(await until(() => state('n2') === 'Established', 30000), 'n2 Established again');
    t.ok(await until(() => kernelHops(N, '10.11.0.0/24').length === 2, 15000), 'ECMP again');
    t.match(d.cli('neighbors', 'n1'), { state: 'Established', flaps }, 'n1 untouched');
  });

  t.test('the leaf\'s link-local address changes: the new one is learned, the session comes back on it', async (t) => {
    const mark = d.log.length;
    inNs(L, 'ip', ['-6', 'addr', 'flush', 'dev', 'l1', 'scope', 'link']);
    inNs(L, 'ip', ['-6', 'addr', 'add', 'fe80::99/64', 'dev', 'l1']);
    t.ok(await until(() => d.cli('neighbors', 'n1').unnumbered.neighborAddress === 'fe80::99' && state('n1') === 'Established', 60000), `n1 on fe80::99 (${JSON.stringify(d.cli('neighbors', 'n1').unnumbered)})`);
    const changed = await d.waitLog((l) => l.kind === 'changed' && l.neighbor === 'n1', 5000, mark);
    t.match(changed.msg, /changed from fe80::\S+ to fe80::99/, `log: ${changed.msg}`);
    t.ok(await until(() => kernelHops(N, '10.11.0.0/24').includes('fe80::99 n1'), 15000), `routes via the new address: ${kernelHops(N, '10.11.0.0/24').join(', ')}`);
    t.ok(await until(() => d.cli('bfd').sessions.find((x: any) => x.peer === 'n1')?.state === 'Up' && frrBfd()?.status === 'up', 15000), 'BFD Up again, to the new address');
  });

  t.test('the interface deleted: its session ends, nothing else moves; made again, the session returns', async (t) => {
    const mark = d.log.length;
    const flaps = d.cli('neighbors', 'n1').flaps;
    inNs(N, 'ip', ['link', 'del', 'n2']);
    const gone = await d.waitLog((l) => l.kind === 'link-down' && l.neighbor === 'n2', 5000, mark);
    t.match(gone.msg, /interface n2 is gone/, gone.msg);
    t.ok(await until(() => state('n2') !== 'Established', 5000), `n2 ${state('n2')}`);
    t.equal(d.cli('neighbors', 'n2').unnumbered.neighborAddress, null, 'its address forgotten');
    t.ok(await until(() => kernelHops(N, '10.11.0.0/24').length === 1, 5000), 'one path left');
    t.match(d.cli('neighbors', 'n1'), { state: 'Established', flaps }, 'n1 untouched');
    t.ok(d.alive, 'nodebgpd runs');
    wire('l2', 'n2');
    t.ok(await until(() => state('n2') === 'Established', 30000), 'n2 Established again on the new interface');
    t.ok(await until(() => kernelHops(N, '10.11.0.0/24').length === 2, 15000), 'ECMP again');
  });

  t.test('a router advertisement flood from made-up sources and with hop limit 64: counted, ignored, nothing moves', async (t) => {
    const mark = d.log.length;
    const before = d.cli('neighbors', 'n1');
    const sources = Array.from({ length: 16 }, (_, i) => `fe80::a:${i + 1}`);
    for (const s of sources) inNs(L, 'ip', ['-6', 'addr', 'add', `${s}/64`, 'dev', 'l1', 'nodad']);
    const cpu = () => inNs(N, 'ps', ['-o', 'cputimes=', '-p', String(d.pid)]).trim();
    const cpuBefore = Number(cpu());
    const flood = (hopLimit: number, count: number) => Number(inNs(L, process.execPath, [join(ROOT, 'test', 'helpers', 'ra-flood.mjs'), 'l1', String(hopLimit), String(count), ...sources]).trim());
    const valid = flood(255, 1000);
    t.ok(await until(() => d.cli('neighbors', 'n1').unnumbered.otherSources > before.unnumbered.otherSources, 10000), 'others counted');
    // The daemon reads a bounded number a tick and the kernel drops the rest: the second flood
    // once the first has drained, or the socket's queue may still be full for all of it (one run
    // in three saw none of the 3,200).
    await new Promise((r) => setTimeout(r, 1500));
    const sent = valid + flood(64, 200);
    t.ok(sent >= 16 * 1200 * 0.9, `${sent} advertisements sent`);
    const refused = await until(() => d.cli('neighbors', 'n1').unnumbered.advertisements.invalid > before.unnumbered.advertisements.invalid, 5000);
    await new Promise((r) => setTimeout(r, 1500));
    const after = d.cli('neighbors', 'n1');
    t.equal(after.unnumbered.neighborAddress, 'fe80::99', 'the neighbor\'s address kept');
    t.match(after, { state: 'Established', flaps: before.flaps }, 'the session untouched');
    t.ok(refused, `hop limit 64 refused (${after.unnumbered.advertisements.invalid} refused)`);
    t.comment(`heard ${after.unnumbered.advertisements.heard - before.unnumbered.advertisements.heard}, other sources ${after.unnumbered.otherSources - before.unnumbered.otherSources}, refused ${after.unnumbered.advertisements.invalid - before.unnumbered.advertisements.invalid} of ${sent} sent`);
    await d.waitLog((l) => l.neighbor === 'n1' && l.kind === 'invalid', 5000, mark);
    const lines = d.log.slice(mark).filter((l) => l.neighbor === 'n1' && (l.kind === 'ignored' || l.kind === 'invalid'));
    t.ok(lines.some((l) => /another router advertises on n1: fe80::a:/.test(l.msg)), 'a log line names another source');
    t.ok(lines.some((l) => /hop limit 64, not 255/.test(l.msg)), 'a log line names the bad hop limit');
    t.ok(lines.length <= 30, `log lines bounded: ${lines.length}`);
    const cpuSeconds = Number(cpu()) - cpuBefore;
    t.ok(cpuSeconds <= 3, `nodebgpd CPU during the flood: ${cpuSeconds} s`);
    t.ok(await until(() => state('n1') === 'Established' && state('n2') === 'Established', 5000), 'both sessions Established');
    const metrics = inNs(N, 'curl', ['-s', 'http://10.12.0.1:9179/metrics']);
    t.match(metrics, /^nodebgp_peer_router_advertisements_total\{peer="n1",peer_as="65001",kind="invalid"\} [1-9]/m, 'refused advertisements in the metrics');
    t.match(metrics, /^nodebgp_peer_router_advertisements_ignored_total\{peer="n1",peer_as="65001"\} [1-9]/m, 'ignored ones too');
    t.match(metrics, /^nodebgp_peer_address_changes_total\{peer="n1",peer_as="65001"\} 1$/m, 'one address change on n1');
    const check = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
    t.equal(check.status, 0, `promtool check metrics: exit 0 ${check.stderr}`);
  });
});
