// The configuration loader: every class of mistake gives one precise error (key path, line,
// what is allowed); the embedded default and a two-line config load; peer groups resolve.
import t from 'tap';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { DEFAULT_CONFIG_TEXT } from '../../src/config/default.js';
import { diffConfig, isEmptyDiff } from '../../src/config/diff.js';
import { buildPolicySet } from '../../src/config/policy.js';
import { addressFamiliesOf, extendedNextHopOf } from '../../src/daemon/neighbor.js';
import { reloadResult } from '../../src/daemon/reload.js';

function problems(text: string) {
  try {
    parseConfig(text, 'test.yaml');
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

const base = 'asn: 64512\nrouterId: 10.0.0.1\n';

t.test('a two-line config works; defaults fill the rest', async (t) => {
  const c = parseConfig('asn: 64512\nrouterId: 10.0.0.1\n');
  t.same([c.daemon.asn, c.daemon.routerId, c.daemon.neighbors, c.api.address, c.api.port, c.logLevel], [64512, '10.0.0.1', [], '127.0.0.1', 8179, 'info']);
  const derived = parseConfig('asn: 64512\n');
  t.match(derived.daemon.routerId, /^\d+\.\d+\.\d+\.\d+$/, 'the router ID is derived from an interface address when absent');
});

t.test('the embedded default loads: connected sources only, with its guards', async (t) => {
  const c = parseConfig(DEFAULT_CONFIG_TEXT, 'default');
  t.equal(c.daemon.asn, 64512);
  t.same(c.daemon.dynamicNeighbors?.map((d) => [d.range, d.limit, d.maxPending]), [['connected', 100, 10]], 'dynamic neighbors from our own subnets only');
  const tmpl = c.daemon.dynamicNeighbors![0].template;
  t.same([tmpl.importPolicy, tmpl.ttlSecurityHops, tmpl.enforceNextHop, tmpl.enforceFirstAs, tmpl.exclusivePrefixes, tmpl.maxPrefix, tmpl.timers?.openHoldTime], ['ACCEPT-K8S', 1, true, true, 'K8S-PODS', { limit: 64 }, 10], 'GTSM, next hop and first AS, first come first served, max-prefix, a short OpenSent hold');
  t.equal(c.daemon.listen?.port, 179);
});

t.test('exclusivePrefixes names a prefix-list; dynamic ranges are prefixes or "connected"', async (t) => {
  t.match(problems(`${base}peerGroups:\n  n: { remoteAs: external, exclusivePrefixes: NOPE }\n`)[0], { key: 'peerGroups.n.exclusivePrefixes', message: /prefix-list "NOPE" is not defined/ });
  t.match(problems(`${base}peerGroups:\n  n: { remoteAs: external }\ndynamicNeighbors:\n  - { range: somewhere, peerGroup: n }\n`)[0], { key: 'dynamicNeighbors[0].range', message: /connected/ });
});

t.test('an interface neighbor (unnumbered) is named by its interface, both families, RFC 8950 on', async (t) => {
  const c = parseConfig(`${base}peerGroups:\n  tors: { remoteAs: external }\nneighbors:\n  - { interface: eth1, peerGroup: tors }\n  - { interface: eth2, remoteAs: 65001, addressFamilies: [ipv6-unicast], extendedNextHop: false }\n`);
  t.same(c.daemon.neighbors.map((n) => [n.address, n.interface, n.remoteAs]), [['eth1', 'eth1', 'external'], ['eth2', 'eth2', 65001]]);
  t.same(addressFamiliesOf(c.daemon.neighbors[0]), [{ afi: 1, safi: 1 }, { afi: 2, safi: 1 }], 'IPv4 and IPv6 by default');
  t.ok(extendedNextHopOf(c.daemon.neighbors[0]), 'IPv4 over IPv6 next hops by default');
  t.same(addressFamiliesOf(c.daemon.neighbors[1]), [{ afi: 2, safi: 1 }], 'as configured');
  t.notOk(extendedNextHopOf(c.daemon.neighbors[1]), 'turned off');
});

t.test('peer groups: neighbors inherit, and their own keys win', async (t) => {
  const c = parseConfig(`${base}peerGroups:\n  tors: { remoteAs: 64501, holdTime: 9, importPolicy: IN }\nneighbors:\n  - { address: 10.0.0.2, peerGroup: tors }\n  - { address: 10.0.0.3, peerGroup: tors, holdTime: 30 }\npolicy:\n  routeMaps:\n    IN: [{ seq: 10, action: permit }]\n`);
  t.same(c.daemon.neighbors.map((n) => [n.remoteAs, n.holdTime, n.importPolicy, n.peerGroup]), [[64501, 9, 'IN', 'tors'], [64501, 30, 'IN', 'tors']]);
});

const mistakes: [string, string, string | undefined, number | undefined, RegExp][] = [
  ['YAML syntax', `${base}neighbors: [\n`, '', undefined, /not valid YAML/],
  ['unknown top-level key, with a suggestion', `${base}neighbours: []\n`, 'neighbours', 3, /unknown key \(did you mean "neighbors"\?\)/],
  ['unknown neighbor key', `${base}neighbors:\n  - address: 10.0.0.2\n    remoteAs: 1\n    nextHopSelfs: true\n`, 'neighbors[0].nextHopSelfs', 6, /did you mean "nextHopSelf"/],
  ['wrong type', `${base}holdTime: "90"\n`, 'holdTime', 3, /is string "90"; expected 0 \(no keepalives\) or 3 to 65535 seconds/],
  ['out of range', `asn: 0\n`, 'asn', 1, /is 0; expected an integer from 1 to 4294967295/],
  ['hold time 1 or 2', `${base}holdTime: 2\n`, 'holdTime', 3, /expected 0 \(no keepalives\) or 3 to 65535/],
  ['bad address', `${base}neighbors:\n  - { address: 10.0.0.300, remoteAs: 1 }\n`, 'neighbors[0].address', 4, /"10\.0\.0\.300" is not an IP address/],
  ['bad router ID', `asn: 1\nrouterId: fe80::1\n`, 'routerId', 2, /not an IPv4 address/],
  ['remote AS missing', `${base}neighbors:\n  - address: 10.0.0.2\n`, 'neighbors[0]', 4, /remoteAs is required/],
  ['remote AS wrong word', `${base}neighbors:\n  - { address: 10.0.0.2, remoteAs: ibgp }\n`, 'neighbors[0].remoteAs', 4, /expected an AS number, "internal" or "external"/],
  ['duplicate neighbor', `${base}neighbors:\n  - { address: 10.0.0.2, remoteAs: 1 }\n  - { address: 10.0.0.2, remoteAs: 2 }\n`, 'neighbors[1].address', 5, /already neighbors\[0\]/],
  ['undefined peer group', `${base}neighbors:\n  - { address: 10.0.0.2, peerGroup: tor }\n`, 'neighbors[0].peerGroup', 4, /peer group "tor" is not defined/],
  ['undefined route-map', `${base}neighbors:\n  - { address: 10.0.0.2, remoteAs: 1, importPolicy: NOPE }\n`, 'neighbors[0].importPolicy', 4, /route-map "NOPE" is not defined/],
  ['prefix with host bits', `${base}originate:\n  - prefix: 10.244.1.1/26\n`, 'originate[0].prefix', 4, /host bits set; did you mean 10\.244\.1\.0\/26\?/],
  ['bad community', `${base}originate:\n  - { prefix: 10.244.1.0/26, communities: ["64512:70000"] }\n`, 'originate[0].communities[0]', 4, /not a community/],
  ['route-map match names an undefined list', `${base}policy:\n  routeMaps:\n    A:\n      - { seq: 10, action: permit, match: { prefixList: NOPE } }\n`, 'policy.routeMaps.A[0]', 6, /prefixList "NOPE" is not defined/],
  ['bad regex', `${base}policy:\n  asPathLists:\n    A:\n      - { action: permit, regex: "(" }\n`, 'policy.asPathLists.A[0].regex', 6, /regular expression/],
  ['AS-path regex with a backreference (not linear-time)', `${base}policy:\n  asPathLists:\n    A:\n      - { action: permit, regex: "^([0-9]+)_\\\\1$" }\n`, 'policy.asPathLists.A[0].regex', 6, /backreferences and lookaround are not allowed/],
  ['community regex with a lookahead (not linear-time)', `${base}policy:\n  communityLists:\n    C:\n      - { action: permit, regex: "^(?=64512:)" }\n`, 'policy.communityLists.C[0].regex', 6, /backreferences and lookaround are not allowed/],
  ['wrong enum', `${base}policy:\n  routeMaps:\n    A:\n      - { seq: 10, action: allow }\n`, 'policy.routeMaps.A[0].action', 6, /one of "permit", "deny"/],
  ['required key missing', `${base}policy:\n  prefixLists:\n    A:\n      - { seq: 10, action: permit }\n`, 'policy.prefixLists.A[0].prefix', 6, /is required/],
  ['link bandwidth beyond FRR\'s range', `${base}policy:\n  routeMaps:\n    A:\n      - { seq: 10, action: permit, set: { linkBandwidth: 25601 } }\n`, 'policy.routeMaps.A[0].set.linkBandwidth', 6, /expected an integer from 1 to 25600/],
  ['max-prefix limit 0', `${base}neighbors:\n  - { address: 10.0.0.2, remoteAs: 1, maxPrefix: { limit: 0 } }\n`, 'neighbors[0].maxPrefix.limit', 4, /expected an integer >= 1/],
  ['short API token', `${base}api: { token: short }\n`, 'api.token', 3, /at least 16 characters/],
  ['dynamic range with an undefined group', `${base}dynamicNeighbors:\n  - { range: 10.0.0.0/8, peerGroup: nodes }\n`, 'dynamicNeighbors[0].peerGroup', 4, /peer group "nodes" is not defined/],
  ['duplicate key', `asn: 1\nasn: 2\n`, '', 2, /not valid YAML.*[Mm]ap keys must be unique/],
  ['BFD interval below 50 ms', `${base}neighbors:\n  - { address: 10.0.0.2, remoteAs: 1, bfd: { transmitInterval: 10 } }\n`, 'neighbors[0].bfd.transmitInterval', 4, /is 10; expected an integer from 50 to 60000/],
  ['BFD multiplier 1', `${base}neighbors:\n  - { address: 10.0.0.2, remoteAs: 1, bfd: { detectMultiplier: 1 } }\n`, 'neighbors[0].bfd.detectMultiplier', 4, /is 1; expected an integer from 2 to 255/],
  ['prefix-list le past the family (FRR refuses it)', `${base}policy:\n  prefixLists:\n    P:\n      - { seq: 5, action: permit, prefix: 10.0.0.0/8, le: 33 }\n`, 'policy.prefixLists.P[0].le', 6, /le 33 is longer than an IPv4 prefix can be; make sure: 8 \(the prefix length\) < ge <= le <= 32/],
  ['prefix-list ge not longer than the prefix', `${base}policy:\n  prefixLists:\n    P:\n      - { seq: 5, action: permit, prefix: 10.0.0.0/24, ge: 24 }\n`, 'policy.prefixLists.P[0].ge', 6, /ge 24 is not longer than 10\.0\.0\.0\/24/],
  ['prefix-list le shorter than the prefix', `${base}policy:\n  prefixLists:\n    P:\n      - { seq: 5, action: permit, prefix: 10.0.0.0/24, le: 16 }\n`, 'policy.prefixLists.P[0].le', 6, /le 16 is shorter than 10\.0\.0\.0\/24/],
  ['prefix-list ge above le', `${base}policy:\n  prefixLists:\n    P:\n      - { seq: 5, action: permit, prefix: 10.0.0.0/8, ge: 26, le: 24 }\n`, 'policy.prefixLists.P[0].ge', 6, /ge 26 is above le 24/],
  ['prefix-list IPv6: le within 128, but ge above le', `${base}policy:\n  prefixLists:\n    P:\n      - { seq: 5, action: permit, prefix: "fd00::/8", ge: 64, le: 48 }\n`, 'policy.prefixLists.P[0].ge', 6, /ge 64 is above le 48; make sure: 8 \(the prefix length\) < ge <= le <= 128/],
  ['prefix-list duplicate seq', `${base}policy:\n  prefixLists:\n    P:\n      - { seq: 5, action: permit, prefix: 10.0.0.0/8 }\n      - { seq: 5, action: deny, prefix: 0.0.0.0/0 }\n`, 'policy.prefixLists.P[1].seq', 7, /seq 5 is already used by entry 0/],
  ['route-map duplicate seq', `${base}policy:\n  routeMaps:\n    M:\n      - { seq: 10, action: permit }\n      - { seq: 10, action: deny }\n`, 'policy.routeMaps.M[1].seq', 7, /seq 10 is already used by entry 0/],
  ['a problem in an entry out of seq order names that entry', `${base}policy:\n  prefixLists:\n    P:\n      - { seq: 20, action: permit, prefix: 10.0.0.0/8 }\n      - { seq: 10, action: permit, prefix: 10.1.1.1/8 }\n`, 'policy.prefixLists.P[1].prefix', 7, /host bits/],
  ['a neighbor with neither address nor interface', `${base}neighbors:\n  - { remoteAs: 1 }\n`, 'neighbors[0]', 4, /needs one of address or interface/],
  ['a neighbor with both address and interface', `${base}neighbors:\n  - { address: 10.0.0.2, interface: eth1, remoteAs: 1 }\n`, 'neighbors[0]', 4, /has address and interface: give only one/],
  ['not an interface name', `${base}neighbors:\n  - { interface: "eth1/2", remoteAs: external }\n`, 'neighbors[0].interface', 4, /"eth1\/2" is not an interface name/],
  ['an interface name past 15 characters', `${base}neighbors:\n  - { interface: averyveryverylongname, remoteAs: external }\n`, 'neighbors[0].interface', 4, /is not an interface name \(1 to 15 characters/],
  ['the same interface twice', `${base}neighbors:\n  - { interface: eth1, remoteAs: external }\n  - { interface: eth1, remoteAs: 65001 }\n`, 'neighbors[1].interface', 5, /eth1 is already neighbors\[0\]/],
  ['a password on an interface neighbor', `${base}neighbors:\n  - { interface: eth1, remoteAs: external, password: secret-one }\n`, 'neighbors[0].password', 4, /not supported on an interface neighbor/],
  ['BFD misspelt key', `${base}neighbors:\n  - { address: 10.0.0.2, remoteAs: 1, bfd: { receiveIntervall: 100 } }\n`, 'neighbors[0].bfd.receiveIntervall', 4, /did you mean "receiveInterval"/],
];

for (const [what, text, key, line, message] of mistakes) {
  t.test(what, async (t) => {
    const ps = problems(text);
    t.equal(ps.length, 1, `one problem: ${JSON.stringify(ps)}`);
    t.equal(ps[0]?.key, key, 'key path');
    if (line !== undefined) t.equal(ps[0]?.line, line, 'line');
    t.match(ps[0]?.message, message, 'message');
  });
}

t.test('every problem of a file is reported at once, in order', async (t) => {
  const ps = problems(`asn: x\nholdTime: 1\nbogus: 1\n`);
  t.same(ps.map((p) => p.key), ['asn', 'holdTime', 'bogus']);
  t.same(ps.map((p) => p.line), [1, 2, 3]);
});

t.test('every reference problem at once', async (t) => {
  const ps = problems(`${base}neighbors:\n  - { address: 10.0.0.2, peerGroup: nope }\n  - { address: 10.0.0.3, remoteAs: 1, importPolicy: NONE, exportPolicy: ALSO-NONE }\ndynamicNeighbors:\n  - { range: 10.9.0.0/16, peerGroup: missing }\nfib: { filter: GONE }\n`);
  t.same(ps.map((p) => p.key), ['neighbors[0].peerGroup', 'dynamicNeighbors[0].peerGroup', 'neighbors[1].importPolicy', 'neighbors[1].exportPolicy', 'fib.filter']);
  t.same(ps.map((p) => p.line), [4, 7, 5, 5, 8], 'each on its line');
});

t.test('--check warnings: RFC 8212 will block an eBGP neighbor without policy', async (t) => {
  const w = parseConfig(`${base}neighbors:\n  - { address: 10.0.0.2, remoteAs: 65001 }\n  - { address: 10.0.0.3, remoteAs: 65001, importPolicy: A }\n  - { address: 10.0.0.4, remoteAs: internal }\npolicy:\n  routeMaps:\n    A: [{ seq: 10, action: permit }]\n`).warnings;
  t.equal(w.length, 2, w.join('\n'));
  t.match(w[0], /^neighbors\[0\] \(10\.0\.0\.2\): eBGP without importPolicy or exportPolicy: RFC 8212 blocks every route it receives and sends/);
  t.match(w[1], /^neighbors\[1\] \(10\.0\.0\.3\): eBGP without exportPolicy: RFC 8212 blocks every route it sends/);
  t.same(parseConfig(`${base}ebgpRequiresPolicy: false\nneighbors:\n  - { address: 10.0.0.2, remoteAs: 65001 }\n`).warnings, [], 'none when RFC 8212 is turned off');
  t.same(parseConfig(DEFAULT_CONFIG_TEXT, 'default').warnings, [], 'the embedded default has its policies');
});

t.test('diff: what a reload changes', async (t) => {
  const a = parseConfig(`${base}neighbors:\n  - { address: 10.0.0.2, remoteAs: 1, importPolicy: A }\n  - { address: 10.0.0.3, remoteAs: 2 }\n  - { address: 10.0.0.4, remoteAs: 3 }\npolicy:\n  routeMaps:\n    A: [{ seq: 10, action: permit }]\n    B: [{ seq: 10, action: deny }]\n`).daemon;
  const b = parseConfig(`${base}neighbors:\n  - { address: 10.0.0.2, remoteAs: 1, importPolicy: B }\n  - { address: 10.0.0.3, remoteAs: 2, holdTime: 9 }\n  - { address: 10.0.0.5, remoteAs: 5 }\npolicy:\n  routeMaps:\n    A: [{ seq: 10, action: permit }]\n    B: [{ seq: 10, action: deny }]\n`).daemon;
  const d = diffConfig(a, b);
  t.same(d.removed, ['10.0.0.4']);
  t.same(d.added.map((n) => n.address), ['10.0.0.5']);
  t.same(d.reset.map((n) => n.address), ['10.0.0.3'], 'a timer change resets that neighbor only');
  t.same(d.soft.map((n) => n.address), ['10.0.0.2'], 'a policy change is soft');
  t.equal(d.policyChanged, false);
  t.same(diffConfig(a, { ...a, asn: 7 }).restartNeeded, ['asn'], 'changing the AS needs a restart');
  t.ok(isEmptyDiff(diffConfig(a, a)), 'the same config changes nothing');
  t.equal(diffConfig(a, { ...a, holdTime: 30 }).reset.length, 3, 'a global timer change resets the neighbors inheriting it');
  const mrt = diffConfig(a, { ...a, mrt: { directory: '/var/lib/nodebgp/mrt' } });
  t.ok(mrt.mrtChanged && !isEmptyDiff(mrt), 'an MRT change is a change');
  t.same(reloadResult(mrt).also, ['mrt'], 'and the reload result says so');
});

t.test('BFD: true takes the defaults; settings; a timer change is in place, strict resets', async (t) => {
  const c = parseConfig(`${base}neighbors:\n  - { address: 10.0.0.2, remoteAs: 1, bfd: true }\n  - { address: 10.0.0.3, remoteAs: 1, bfd: { transmitInterval: 50, receiveInterval: 100, detectMultiplier: 5, passive: true } }\n`).daemon;
  t.same(c.neighbors.map((n) => n.bfd), [true, { transmitInterval: 50, receiveInterval: 100, detectMultiplier: 5, passive: true }]);
  const faster = parseConfig(`${base}neighbors:\n  - { address: 10.0.0.2, remoteAs: 1, bfd: { transmitInterval: 100 } }\n  - { address: 10.0.0.3, remoteAs: 1, bfd: { transmitInterval: 50, receiveInterval: 100, detectMultiplier: 5, passive: true, strict: true } }\n`).daemon;
  const d = diffConfig(c, faster);
  t.same(d.soft.map((n) => n.address), ['10.0.0.2'], 'new BFD intervals apply in place');
  t.same(d.reset.map((n) => n.address), ['10.0.0.3'], 'strict mode changes the session: reset');
});

t.test('the shipped configurations load: lab node files and the DaemonSet base, rendered', async (t) => {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { parseAllDocuments } = await import('yaml');
  const { ROOT } = await import('../helpers/fixtures.js');
  for (const n of [1, 2, 3, 4]) {
    const f = join(ROOT, 'lab', 'containerlab', 'fabric', `node${n}.yaml`);
    t.equal(parseConfig(readFileSync(f, 'utf8'), f).daemon.neighbors.length, 2, `fabric node${n}.yaml`);
  }
  for (const n of [1, 2, 3, 4, 5, 6]) {
    const f = join(ROOT, 'lab', 'containerlab', 'fabric-rr', `node${n}.yaml`);
    t.equal(parseConfig(readFileSync(f, 'utf8'), f).daemon.neighbors.length, n <= 3 ? 5 : 3, `fabric-rr node${n}.yaml`);
  }
  const { parse } = await import('yaml');
  const { renderNodeConfig } = await import('../../src/api/render/render.js');
  const docs = parseAllDocuments(readFileSync(join(ROOT, 'deploy', 'kubernetes', 'daemonset.yaml'), 'utf8')).map((d) => d.toJS());
  const base = parse(docs.find((d) => d?.kind === 'ConfigMap').data['base.yaml']);
  const { text } = renderNodeConfig(base, { name: 'n3', ipv4: '10.0.20.10', podCidrs: ['10.244.3.0/24'], peers: ['10.0.20.254', '10.0.20.253'], peersFrom: 'default gateways' }, { peerGroup: 'tors' });
  const c = parseConfig(text, 'daemonset base rendered');
  t.same(c.daemon.neighbors.map((n) => n.address), ['10.0.20.254', '10.0.20.253']);
  t.same(c.daemon.originate?.map((o) => o.prefix), ['10.244.3.0/24']);
  t.same(c.daemon.fib, { retain: true, restartTime: 120 }, 'graceful restart with the kernel routes kept');
});

t.test('rpki: caches and intervals, route-maps matching on RPKI state, reload', async (t) => {
  const ok = parseConfig(`${base}rpki:\n  caches:\n    - { address: 10.0.0.9, port: 3323 }\n    - { address: 10.0.0.10, preference: 2 }\n  refreshInterval: 300\npolicy:\n  routeMaps:\n    IN: [{ seq: 10, action: deny, match: { rpki: invalid } }, { seq: 20, action: permit }]\n`);
  t.equal(ok.daemon.rpki?.caches?.length, 2);
  t.same(ok.warnings, []);
  const shape = problems(`${base}rpki:\n  caches:\n    - { address: nowhere }\n  retryInterval: 9000\npolicy:\n  routeMaps:\n    IN: [{ seq: 10, action: deny, match: { rpki: bogus } }]\n`);
  t.same(shape.map((p) => p.key), ['rpki.caches[0].address', 'rpki.retryInterval', 'policy.routeMaps.IN[0].match.rpki'], shape.map((p) => `${p.key}: ${p.message}`).join('\n'));
  const ps = problems(`${base}rpki:\n  caches:\n    - { address: 10.0.0.9, port: 3323 }\n    - { address: 10.0.0.9, port: 3323 }\n  expireInterval: 700\n  refreshInterval: 800\n`);
  t.same(ps.map((p) => p.key), ['rpki.caches[1]', 'rpki.refreshInterval'], ps.map((p) => `${p.key}: ${p.message}`).join('\n'));
  t.match(ps.find((p) => p.key === 'rpki.caches[1]')?.message, /10\.0\.0\.9 port 3323 is already rpki\.caches\[0\]/);
  t.match(ps.find((p) => p.key === 'rpki.refreshInterval')?.message, /not below expireInterval \(700 s\)/);
  const lonely = parseConfig(`${base}policy:\n  routeMaps:\n    IN: [{ seq: 10, action: deny, match: { rpki: invalid } }]\n`).warnings;
  t.match(lonely, [/route-map IN matches on rpki, but no rpki\.caches are configured: every route is notfound/], '--check warns of match rpki without caches');
  const d = diffConfig(ok.daemon, { ...ok.daemon, rpki: { caches: [{ address: '10.0.0.9' }] } });
  t.ok(d.rpkiChanged && !isEmptyDiff(d), 'changing the caches is a change');
  t.same(reloadResult(d).also, ['rpki'], 'applied at once by a reload');
});

t.test('bmp: collectors and what they monitor; a duplicate is refused; reload applies a change', async (t) => {
  const ok = parseConfig(`${base}bmp:\n  collectors:\n    - { address: 10.0.0.9 }\n    - { address: 10.0.0.10, port: 5000, monitor: [loc-rib, rib-out-pre-policy, rib-out-post-policy] }\n  statisticsInterval: 30\n`);
  t.equal(ok.daemon.bmp?.collectors?.length, 2);
  t.same(ok.daemon.bmp?.collectors?.[1]?.monitor, ['loc-rib', 'rib-out-pre-policy', 'rib-out-post-policy'], 'RFC 8671 views by name');
  const shape = problems(`${base}bmp:\n  collectors:\n    - { address: 10.0.0.9, monitor: [everything] }\n`);
  t.same(shape.map((p) => p.key), ['bmp.collectors[0].monitor[0]'], shape.map((p) => p.message).join('\n'));
  const dup = problems(`${base}bmp:\n  collectors:\n    - { address: 10.0.0.9 }\n    - { address: 10.0.0.9, port: 1790 }\n`);
  t.same(dup.map((p) => `${p.key}: ${p.message}`), ['bmp.collectors[1]: 10.0.0.9 port 1790 is already bmp.collectors[0]']);
  const d = diffConfig(ok.daemon, { ...ok.daemon, bmp: { collectors: [{ address: '10.0.0.9' }] } });
  t.same(reloadResult(d).also, ['bmp'], 'a collector change is applied at once');
});

t.test('mrt: an update log needs a directory', async (t) => {
  const ps = problems(`${base}mrt: { updatesInterval: 300 }\n`);
  t.same(ps.map((p) => `${p.key}: ${p.message}`), ['mrt.updatesInterval: an update log needs mrt.directory, where its files go']);
  t.equal(parseConfig(`${base}mrt: { directory: /tmp, updatesInterval: 300, updatesMaxSize: 1000000 }\n`).daemon.mrt?.updatesInterval, 300);
});

t.test('link bandwidth: a route-map sets it in Mbps, an origination carries it', async (t) => {
  const c = parseConfig(`${base}originate:\n  - { prefix: 10.96.0.10/32, linkBandwidth: 3 }\npolicy:\n  routeMaps:\n    OUT:\n      - { seq: 10, action: permit, set: { linkBandwidth: 200, linkBandwidthNonTransitive: true } }\n`);
  t.equal(c.daemon.originate?.[0].linkBandwidth, 3);
  t.same(buildPolicySet(c.daemon.policy).routeMaps.get('OUT')?.entries[0].set.linkBandwidth, { octetsPerSecond: 25e6, transitive: false }, '200 Mbps: 25,000,000 octets a second');
});
