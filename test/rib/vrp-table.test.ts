// RFC 6811 origin validation over the VRP table: the RFC's rules case by case (covering VRPs,
// max length, origin AS from the AS path, AS 0, several tables), and random tables against a
// brute-force reading of section 2.
import t from 'tap';
import fc from 'fast-check';
import { VrpTable, judgeOrigin, routeOriginAs } from '../../src/rib/index.js';
import type { Vrp } from '../../src/wire/index.js';
import { confed, seq, set } from './helpers.js';
import { vrp } from '../helpers/rtr-cache.js';
import { asPathFrom } from '../../src/wire/index.js';

const words = (text: string) => vrp(`${text}-0 AS0`).words;
const judge = (tab: VrpTable, prefix: string, len: number, origin: number | null) => tab.judge(prefix.includes(':') ? 2 : 1, words(`${prefix}/${len}`), len, origin);

t.test('RFC 6811 2: notfound, valid, invalid by AS or by max length', async (t) => {
  const tab = new VrpTable();
  for (const v of ['10.0.0.0/16-24 AS65001', '10.0.0.0/8-8 AS65002', '2001:db8::/32-48 AS65003', '192.0.2.0/24-24 AS0']) t.ok(tab.add(vrp(v)));
  t.equal(tab.add(vrp('10.0.0.0/16-24 AS65001')), false, 'a VRP held already is refused');
  t.same([tab.count(1), tab.count(2), tab.size], [3, 1, 4]);
  t.equal(judge(tab, '11.0.0.0', 16, 65001), 'notfound', 'no covering VRP');
  t.equal(judge(tab, '10.0.1.0', 24, 65001), 'valid', 'covered, same AS, within max length');
  t.equal(judge(tab, '10.0.1.0', 25, 65001), 'invalid', 'longer than max length');
  t.equal(judge(tab, '10.0.1.0', 24, 65009), 'invalid', 'another origin AS');
  t.equal(judge(tab, '10.0.0.0', 8, 65002), 'valid', 'the /8 VRP matches the /8 exactly');
  t.equal(judge(tab, '10.0.0.0', 16, 65002), 'invalid', 'but not its /16 (max length 8)');
  t.equal(judge(tab, '10.0.0.0', 7, 65001), 'notfound', 'a VRP does not cover a shorter prefix');
  t.equal(judge(tab, '192.0.2.0', 24, 0), 'invalid', 'an AS 0 VRP makes every origin invalid');
  t.equal(judge(tab, '10.0.1.0', 24, null), 'invalid', 'origin NONE (an AS_SET) matches no VRP');
  t.equal(judge(tab, '2001:db8:1::', 48, 65003), 'valid', 'IPv6');
  t.equal(judge(tab, '2001:db8:1::', 49, 65003), 'invalid');
  t.same(tab.coveringVrps(1, words('10.0.1.0/24'), 24).map((v) => [v.length, v.asn]), [[8, 65002], [16, 65001]], 'covering VRPs, least specific first');
  t.ok(tab.remove(vrp('10.0.0.0/16-24 AS65001')));
  t.equal(tab.remove(vrp('10.0.0.0/16-24 AS65001')), false, 'removing what is not held says so');
  t.equal(judge(tab, '10.0.1.0', 24, 65001), 'invalid', 'only the /8 covers it now');
  tab.clear();
  t.same([tab.size, [...tab.entries()].length], [0, 0], 'clear empties it');
});

t.test('RFC 6811 2: the origin AS of a route', async (t) => {
  t.equal(routeOriginAs(asPathFrom([seq(65010, 65001)]), 64512), 65001, 'the last AS of a final AS_SEQUENCE');
  t.equal(routeOriginAs([], 64512), 64512, 'an empty path: our own AS');
  t.equal(routeOriginAs(asPathFrom([seq(65010), set(65001, 65002)]), 64512), null, 'a final AS_SET: NONE');
  t.equal(routeOriginAs(asPathFrom([confed(65100)]), 64512), 64512, 'a final confederation segment: our own AS');
});

t.test('several tables: valid in one is valid', async (t) => {
  const a = new VrpTable();
  const b = new VrpTable();
  a.add(vrp('10.0.0.0/16-24 AS65001'));
  b.add(vrp('10.0.0.0/16-24 AS65002'));
  const w = words('10.0.1.0/24');
  t.equal(judgeOrigin([a, b], 1, w, 24, 65002), 'valid');
  t.equal(judgeOrigin([a, b], 1, w, 24, 65003), 'invalid');
  t.equal(judgeOrigin([], 1, w, 24, 65003), 'notfound', 'no table: notfound');
});

t.test('random tables agree with a brute-force reading of RFC 6811', async () => {
  // Prefixes within 10.0.0.0/8 so that they cover each other often.
  const pfx = fc.tuple(fc.integer({ min: 8, max: 28 }), fc.nat(0xffffff)).map(([len, bits]) => {
    const w = (0x0a000000 | bits) >>> 0;
    return { w: len === 0 ? 0 : (w & (0xffffffff << (32 - len))) >>> 0, len };
  });
  const vrpArb = fc.tuple(pfx, fc.nat(4), fc.constantFrom(0, 65001, 65002)).map(([p, extra, asn]): Vrp => ({ afi: 1, words: [p.w, 0, 0, 0], length: p.len, maxLength: Math.min(32, p.len + extra), asn }));
  fc.assert(fc.property(fc.array(vrpArb, { maxLength: 30 }), pfx, fc.constantFrom(65001, 65002, 65003), (vrps, route, origin) => {
    const tab = new VrpTable();
    for (const v of vrps) tab.add(v);
    const covers = (v: Vrp) => v.length <= route.len && (v.length === 0 || ((route.w ^ v.words[0]) >>> (32 - v.length)) === 0);
    const covering = vrps.filter(covers);
    const want = covering.length === 0 ? 'notfound' : covering.some((v) => v.asn === origin && route.len <= v.maxLength) ? 'valid' : 'invalid';
    return tab.judge(1, [route.w, 0, 0, 0], route.len, origin) === want;
  }), { numRuns: 2000 });
});
