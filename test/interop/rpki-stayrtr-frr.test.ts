// RPKI origin validation (RFC 6811) with a real RTR cache (stayrtr from Debian, RFC 8210, serving a
// VRP file) and FRR's own rpki module judging the same routes: an FRR ToR sends routes with chosen
// origin ASes to nodebgpd and to a second FRR (the judge); both ask the same cache. nodebgpd's
// import route-map denies invalid routes and prefers valid ones; the states it reports must be
// FRR's, route by route, and follow the cache when the VRP file changes (routes then refreshed
// from the ToR by ROUTE-REFRESH). A second cache speaking only RTR version 0 (RFC 6810) with
// lower preference serves until the preferred one comes up.
import t from 'tap';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Nodebgpd } from '../helpers/nodebgpd.js';
import { bridge, createNamespace, destroyNamespace, inNs, uniquePrefix } from '../helpers/netns.js';
import { Frr, until } from '../helpers/peers.js';

const p = uniquePrefix('rpki');
const T = `${p}t`;
const N = `${p}n`;
const J = `${p}j`;
const dir = mkdtempSync(join(tmpdir(), 'nodebgp-rpki-'));
chmodSync(dir, 0o777);

t.before(() => {
  for (const ns of [T, N, J]) createNamespace(ns);
  bridge(T, { ipv4: '10.93.0.1', ipv6: 'fd93::1' }, [
    { ns: N, ifname: 'eth0', ipv4: '10.93.0.2', ipv6: 'fd93::2' },
    { ns: J, ifname: 'eth0', ipv4: '10.93.0.3', ipv6: 'fd93::3' },
  ]);
});
t.teardown(() => {
  for (const ns of [T, N, J]) destroyNamespace(ns);
  rmSync(dir, { recursive: true, force: true });
});

type Roa = [prefix: string, maxLength: number, asn: number];
/** The VRP file stayrtr serves (rpki-client's JSON), replaced atomically. */
function writeVrps(file: string, roas: readonly Roa[]): void {
  const json = { metadata: { buildtime: new Date().toISOString() }, roas: roas.map(([prefix, maxLength, asn]) => ({ prefix, maxLength, asn: `AS${asn}`, ta: 'test' })) };
  writeFileSync(`${file}.tmp`, JSON.stringify(json));
  renameSync(`${file}.tmp`, file);
}

/** stayrtr in nodebgpd's namespace; `-refresh 1` re-reads the file every second and notifies routers. */
function stayrtr(file: string, port: number, version: number): ChildProcess {
  return spawn('ip', ['netns', 'exec', N, 'stayrtr', '-bind', `10.93.0.2:${port}`, '-cache', file, '-checktime=false', '-refresh', '1',
    '-metrics.addr', `127.0.0.1:${port + 1000}`, '-protocol', String(version), '-rtr.retry', '1', '-rtr.refresh', '30'], { stdio: 'ignore' });
}

/** Routes the ToR sends, with the origin AS each is given (by prepending it on the way out). */
const ROUTES: readonly [prefix: string, origin: number][] = [
  ['10.50.1.0/24', 65001], ['10.50.2.0/24', 65009], ['10.51.0.0/16', 65002], ['10.51.1.0/24', 65002],
  ['10.52.1.0/24', 65001], ['10.60.0.0/24', 65001], ['10.61.0.0/24', 65010],
  ['2001:db8:50:1::/64', 65001], ['2001:db8:50:2::/64', 65003], ['2001:db8:60::/48', 65001],
];
const ORIGINS = [...new Set(ROUTES.map(([, o]) => o))].filter((o) => o !== 65010);

const ROAS_1: Roa[] = [
  ['10.50.0.0/16', 24, 65001], ['10.51.0.0/16', 16, 65002], ['10.52.0.0/16', 24, 0], ['2001:db8:50::/48', 64, 65001],
];
/** After the change: 10.50.2.0/24's origin becomes valid, the 10.51.0.0/16 ROA goes. */
const ROAS_2: Roa[] = [
  ['10.50.0.0/16', 24, 65001], ['10.50.2.0/24', 24, 65009], ['10.52.0.0/16', 24, 0], ['2001:db8:50::/48', 64, 65001],
];
/** The version 0 cache's data: 10.60.0.0/24 valid, nothing else known. */
const ROAS_V0: Roa[] = [['10.60.0.0/24', 24, 65001]];

const torConfig = () => {
  const lists = ROUTES.filter(([, o]) => o !== 65010).map(([prefix, o], i) => `ip${prefix.includes(':') ? 'v6' : ''} prefix-list O${o} seq ${i + 5} permit ${prefix}`).join('\n');
  const maps = ORIGINS.flatMap((o, i) => [
    `route-map OUT permit ${10 + i * 10}`, ` match ip address prefix-list O${o}`, ` set as-path prepend ${o}`,
    `route-map OUT6 permit ${10 + i * 10}`, ` match ipv6 address prefix-list O${o}`, ` set as-path prepend ${o}`,
  ]).join('\n');
  const v4 = ROUTES.filter(([x]) => !x.includes(':')).map(([x]) => `  network ${x}`).join('\n');
  const v6 = ROUTES.filter(([x]) => x.includes(':')).map(([x]) => `  network ${x}`).join('\n');
  return `frr defaults datacenter
hostname tor
${lists}
${maps}
route-map OUT permit 1000
route-map OUT6 permit 1000
router bgp 65010
 bgp router-id 10.93.0.1
 no bgp default ipv4-unicast
 no bgp network import-check
 neighbor 10.93.0.2 remote-as 64512
 neighbor 10.93.0.2 timers connect 1
 neighbor fd93::2 remote-as 64512
 neighbor fd93::2 timers connect 1
 neighbor 10.93.0.3 remote-as 65020
 neighbor fd93::3 remote-as 65020
 address-family ipv4 unicast
${v4}
  neighbor 10.93.0.2 activate
  neighbor 10.93.0.2 route-map OUT out
  neighbor 10.93.0.3 activate
  neighbor 10.93.0.3 route-map OUT out
 exit-address-family
 address-family ipv6 unicast
${v6}
  neighbor fd93::2 activate
  neighbor fd93::2 route-map OUT6 out
  neighbor fd93::3 activate
  neighbor fd93::3 route-map OUT6 out
 exit-address-family
`;
};

const judgeConfig = `frr defaults datacenter
hostname judge
rpki
 rpki polling_period 1
 rpki cache 10.93.0.2 3323 preference 1
exit
router bgp 65020
 bgp router-id 10.93.0.3
 no bgp default ipv4-unicast
 no bgp ebgp-requires-policy
 neighbor 10.93.0.1 remote-as 65010
 neighbor fd93::1 remote-as 65010
 address-family ipv4 unicast
  neighbor 10.93.0.1 activate
  neighbor 10.93.0.1 soft-reconfiguration inbound
 exit-address-family
 address-family ipv6 unicast
  neighbor fd93::1 activate
  neighbor fd93::1 soft-reconfiguration inbound
 exit-address-family
`;

const nodebgpConfig = `
asn: 64512
routerId: 10.93.0.2
listen: { addresses: [0.0.0.0, "::"] }
rpki:
  caches:
    - { address: 10.93.0.2, port: 3323, preference: 1 }
    - { address: 10.93.0.2, port: 3325, preference: 2 }
  retryInterval: 1
neighbors:
  - { address: 10.93.0.1, remoteAs: 65010, importPolicy: RPKI-IN, exportPolicy: NONE, timers: { connectRetryTime: 1 } }
  - { address: "fd93::1", remoteAs: 65010, importPolicy: RPKI-IN, exportPolicy: NONE, addressFamilies: [ipv6-unicast], timers: { connectRetryTime: 1 } }
policy:
  routeMaps:
    RPKI-IN:
      - { seq: 10, action: deny, match: { rpki: invalid } }
      - { seq: 20, action: permit, match: { rpki: valid }, set: { localPref: 200 } }
      - { seq: 30, action: permit }
    NONE:
      - { seq: 10, action: deny }
`;

t.test('nodebgpd judges routes as FRR does against the same RTR cache, and follows its changes', async (t) => {
  const vrps = join(dir, 'vrps.json');
  const vrpsV0 = join(dir, 'vrps-v0.json');
  writeVrps(vrps, ROAS_1);
  writeVrps(vrpsV0, ROAS_V0);
  // The version 0 cache (preference 2) runs from the start; the preferred one comes later.
  const cacheV0 = stayrtr(vrpsV0, 3325, 0);
  let cache: ChildProcess | undefined;
  const tor = new Frr(T, torConfig());
  const d = new Nodebgpd(N, nodebgpConfig);
  let judge: Frr | undefined;
  t.teardown(() => {
    d.stop();
    tor.stop();
    judge?.stop();
    cacheV0.kill('SIGKILL');
    cache?.kill('SIGKILL');
  });
  await d.ready();
  const status = () => d.cli('rpki').caches as any[];
  const state = (prefix: string, origin: number) => d.cli('rpki', prefix, '--origin-as', String(origin)).state as string;
  const route = (prefix: string) => d.cli('routes', prefix).items[0]?.paths?.[0];

  // 1. Only the version 0 cache is up: it is used, spoken to at version 0 (RFC 8210 7).
  t.ok(await until(() => status()[1]?.inUse === true, 20000), `the version 0 cache serves first: ${JSON.stringify(status())}`);
  t.equal(status()[1].protocolVersion, 0, 'spoken to at RTR version 0');
  t.equal(status()[0].connected, false, 'the preferred cache is not there yet');
  t.ok(await until(() => route('10.60.0.0/24')?.rpki === 'valid', 20000), 'a route the version 0 cache covers is valid');
  t.equal(route('10.60.0.0/24').localPref, 200, 'and the import map prefers it');
  t.equal(route('10.50.2.0/24')?.rpki, 'notfound', 'what that cache does not cover is notfound (and accepted)');

  // 2. The preferred cache comes up: its data replaces the other's.
  cache = stayrtr(vrps, 3323, 2);
  t.ok(await until(() => status()[0]?.inUse === true && status()[1]?.inUse === false, 20000), `the preferred cache takes over: ${JSON.stringify(status())}`);
  t.equal(status()[0].protocolVersion, 1, 'spoken to at RTR version 1 (stayrtr also speaks 2)');
  t.same(status()[0].vrps, { ipv4: 3, ipv6: 1 }, 'every VRP of the file is held');
  t.ok(await until(() => !route('10.50.2.0/24'), 20000), 'an invalid route is refused by the import map once judged');

  judge = new Frr(J, judgeConfig, { modules: ['rpki'] });
  const frrState = (prefix: string) => {
    const s = judge!.json(`show bgp ${prefix.includes(':') ? 'ipv6' : 'ipv4'} unicast ${prefix} json`).paths?.[0]?.rpkiValidationState;
    return s === undefined ? undefined : String(s).replace(' ', '');
  };
  const compare = async (label: string) => {
    const ours = () => ROUTES.map(([prefix, origin]) => `${prefix} ${state(prefix, origin)}`);
    const theirs = () => ROUTES.map(([prefix]) => `${prefix} ${frrState(prefix)}`);
    await until(() => ours().join() === theirs().join(), 30000);
    t.same(ours(), theirs(), `${label}: every route judged as FRR's rpki module judges it`);
    for (const [prefix] of ROUTES) {
      const frr = frrState(prefix);
      const r = route(prefix);
      if (frr === 'invalid') t.notOk(r, `${prefix} (invalid) is not in the Loc-RIB`);
      else t.same([r?.rpki, r?.localPref], [frr, frr === 'valid' ? 200 : null], `${prefix} (${frr}) is accepted${frr === 'valid' ? ' and preferred' : ''}`);
    }
    return ours();
  };
  t.ok(await until(() => frrState('10.50.1.0/24') === 'valid', 60000), 'the judge FRR has the routes and the VRPs');
  const first = await compare('first data');
  t.same(first, [
    '10.50.1.0/24 valid', '10.50.2.0/24 invalid', '10.51.0.0/16 valid', '10.51.1.0/24 invalid', '10.52.1.0/24 invalid',
    '10.60.0.0/24 notfound', '10.61.0.0/24 notfound', '2001:db8:50:1::/64 valid', '2001:db8:50:2::/64 invalid', '2001:db8:60::/48 notfound',
  ], 'the states RFC 6811 gives: maxLength, wrong AS and an AS 0 ROA make invalid');
  t.match(inNs(N, 'ip', ['route', 'show', '10.50.1.0/24']), /via 10\.93\.0\.1/, 'a valid route is in the kernel');
  t.equal(inNs(N, 'ip', ['route', 'show', '10.50.2.0/24']).trim(), '', 'an invalid one is not');

  // 3. The cache's data changes: nodebgpd hears it (Serial Notify, Serial Query) and judges again;
  // the ToR is asked to resend (no kept routes) so a route now valid comes in.
  const refreshes = () => Number(tor.neighbor('10.93.0.2').messageStats?.routeRefreshRecv ?? 0);
  const before = refreshes();
  const mark = d.log.length;
  writeVrps(vrps, ROAS_2);
  await d.waitLog((l) => /^RPKI data changed/.test(l.msg), 20000, mark);
  t.ok(await until(() => route('10.50.2.0/24')?.rpki === 'valid', 20000), 'a route made valid is accepted again (from the ToR\'s resend)');
  t.ok(refreshes() > before, 'the ToR was asked with ROUTE-REFRESH');
  t.ok(status()[0].updates >= 1, 'the change came as a serial update, not a reset');
  const second = await compare('after the change');
  t.same(second.slice(0, 4), ['10.50.1.0/24 valid', '10.50.2.0/24 valid', '10.51.0.0/16 notfound', '10.51.1.0/24 notfound'], 'the changed ROAs changed exactly those routes');

  // Read as an operator reads them.
  const cacheText = d.cliRaw('rpki').stdout;
  t.match(cacheText, /10\.93\.0\.2:3323\s+1\s+connected\s+yes\s+established\s+1\s+\d+\s+3\s+1/, `nodebgp rpki lists the caches:\n${cacheText}`);
  const listing = d.cliRaw('routes').stdout;
  t.match(listing, /^V\*>\s+10\.50\.1\.0\/24/m, `routes show FRR's validation codes:\n${listing}`);
  t.match(listing, /^N\*>\s+10\.61\.0\.0\/24/m);
  t.match(d.cliRaw('routes', '10.50.1.0/24').stdout, /rpki validation-state: valid/);
  t.same(d.cli('routes', '--rpki', 'notfound').items.map((r: any) => r.prefix), ['10.51.0.0/16', '10.51.1.0/24', '10.60.0.0/24', '10.61.0.0/24'], 'routes --rpki filters by state');
  const metrics = d.curl('/metrics');
  t.match(metrics, /nodebgp_rpki_cache_in_use\{cache="10\.93\.0\.2:3323"\} 1/, 'metrics: the cache in use');
  t.match(metrics, /nodebgp_rpki_vrps\{cache="10\.93\.0\.2:3323",afi_safi="ipv4-unicast"\} 3/, 'metrics: VRPs held');
  const lint = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
  t.same([lint.status, `${lint.stdout}${lint.stderr}`.trim()], [0, ''], 'promtool check metrics has nothing to say');
});
