// Route-maps that match on RPKI state in the RIB: import (deny invalid, prefer valid), export, the
// state on the read face, and revalidation when VRPs change: re-import of the changed ROA
// prefixes from kept routes, a ROUTE-REFRESH asked of peers without them, export reconsidered.
import t from 'tap';
import { buildPolicySet } from '../../src/config/policy.js';
import { type ExportPeer, Rib, RibQuery, VrpTable, addressOctets } from '../../src/rib/index.js';
import { type UpdateMessage, DEFAULT_CONTEXT, decodeMessage, endOfRib, makeContext, nlriCount, nlriFrom, asPathFrom } from '../../src/wire/index.js';
import { vrp } from '../helpers/rtr-cache.js';

const ctx = makeContext();
function exportPeer(index: number, asn: number, over: Partial<ExportPeer> = {}): ExportPeer {
  const address = `192.0.2.${index}`;
  return {
    index, address, addressOctets: addressOctets(address), asn, bgpId: index, ibgp: false, local: false, rrClient: false,
    localAs: 64512, routerId: 0x0a000001, clusterId: 0x0a000001, localIpv4: 0x0a000001, localIpv6: undefined,
    nextHopSelf: false, tx: ctx, groupKey: `g${index}`, ...over,
  };
}

const policies = buildPolicySet({
  routeMaps: {
    'RPKI-IN': [
      { seq: 10, action: 'deny', match: { rpki: 'invalid' } },
      { seq: 20, action: 'permit', match: { rpki: 'valid' }, set: { localPref: 200 } },
      { seq: 30, action: 'permit' },
    ],
    'NOT-INVALID': [{ seq: 10, action: 'deny', match: { rpki: 'invalid' } }, { seq: 20, action: 'permit' }],
  },
});

const P1 = [0x0a010100, 24];
const P2 = [0x0a020000, 24];

function setup() {
  const rib = new Rib({ localAs: 64512, routerId: 0x0a000001, policies });
  const vrps = new VrpTable();
  rib.setRpki(() => [vrps]);
  const importMap = policies.routeMaps.get('RPKI-IN');
  // 1 keeps its routes (soft-reconfiguration inbound); 2 does not; 3 only receives.
  rib.peerUp(exportPeer(1, 65001), { allowasIn: 0, localIpv4: undefined, importMap, keepAdjRibIn: true }, [0x101], () => true);
  rib.peerUp(exportPeer(2, 65002), { allowasIn: 0, localIpv4: undefined, importMap }, [0x101], () => true);
  const sent: UpdateMessage[] = [];
  rib.peerUp(exportPeer(3, 65003, { exportMap: policies.routeMaps.get('NOT-INVALID') }), { allowasIn: 0, localIpv4: undefined, importMap: 'deny' }, [0x101], (m) => {
    for (const b of m) sent.push(decodeMessage(b, DEFAULT_CONTEXT) as UpdateMessage);
    return true;
  });
  const announce = (from: number, prefixes: number[][], origin: number) => rib.applyUpdate(from, {
    type: 'update', withdrawn: nlriFrom(1, false, []), attributes: { origin: 0, asPath: asPathFrom([{ type: 2, asns: [65000 + from, origin] }]), nextHop: 0xc0000200 + from }, nlri: nlriFrom(1, false, prefixes.map(([a, l]) => [0, l, a])),
  });
  const q = new RibQuery(rib);
  const route = (p: number[]) => q.route(1, { words: [p[0], 0, 0, 0], len: p[1] });
  const out = () => sent.filter((m) => endOfRib(m) === undefined);
  return { rib, vrps, announce, route, out };
}

t.test('import: invalid denied, valid preferred, notfound accepted; the state is on the read face', async (t) => {
  const { rib, vrps, announce, route } = setup();
  vrps.add(vrp('10.1.0.0/16-24 AS65100'));
  announce(1, [P1, P2], 65100);
  announce(2, [P1], 65200);
  t.same(route(P1)?.paths.map((p) => [p.peerAddress, p.rpki, p.attrs.localPref]), [['192.0.2.1', 'valid', 200]], 'peer 1\'s valid path, preferred; peer 2\'s invalid one refused');
  t.same(route(P2)?.paths.map((p) => p.rpki), ['notfound'], 'uncovered: notfound, accepted');
  t.equal(rib.originValidation(1, [P1[0]], 24, asPathFrom([{ type: 2, asns: [65200] }])), 'invalid');
  rib.setRpki(undefined);
  t.equal(route(P2)?.paths[0].rpki, null, 'without RPKI the state is null');
});

t.test('VRPs change: kept routes are re-imported, other peers are asked again, export is reconsidered', async (t) => {
  const { rib, vrps, announce, route, out } = setup();
  announce(1, [P1], 65100);
  announce(2, [P2], 65200);
  rib.flushAll();
  const sentBefore = out().reduce((n, m) => n + nlriCount(m.nlri), 0);
  t.equal(sentBefore, 2, 'both notfound routes sent to peer 3');
  // A ROA that makes peer 1's route invalid and peer 2's valid.
  const mark = out().length;
  vrps.add(vrp('10.0.0.0/8-24 AS65200'));
  const refresh = rib.revalidate([{ afi: 1, words: [0x0a000000], length: 8 }]);
  rib.flushAll();
  t.same(refresh, [2], 'peer 2 (no kept routes) is to be asked for its routes');
  t.equal(route(P1), undefined, 'peer 1\'s route, now invalid, is re-imported from its kept copy and refused');
  t.same(route(P2)?.paths.map((p) => [p.rpki, p.attrs.localPref]), [['valid', undefined]], 'peer 2\'s route judges valid at once; its preference waits for the resend');
  const withdrawn = out().slice(mark).reduce((n, m) => n + nlriCount(m.withdrawn), 0);
  t.equal(withdrawn, 1, 'peer 3 is sent the withdrawal of the invalid route');
  // A change elsewhere touches nothing here.
  const quiet = out().length;
  t.same(rib.revalidate([{ afi: 1, words: [0xc0000200], length: 24 }]), [2], 'peers that match on RPKI without kept routes are always named');
  rib.flushAll();
  t.equal(out().length, quiet, 'no UPDATE for a change outside their prefixes');
  vrps.clear();
  rib.revalidate('all');
  rib.flushAll();
  t.same(route(P1)?.paths.map((p) => p.rpki), ['notfound'], 'everything again: peer 1\'s route is back');
});

t.test('peers whose maps do not match on RPKI are left alone', async (t) => {
  const rib = new Rib({ localAs: 64512, routerId: 0x0a000001, policies });
  rib.setRpki(() => []);
  rib.peerUp(exportPeer(1, 65001), { allowasIn: 0, localIpv4: undefined }, [0x101], () => true);
  t.same(rib.revalidate('all'), [], 'no refresh asked');
});
