// Next-hop tracking against the RIB and a table of kernel routes, without sockets: a next hop
// resolves through a connected subnet, a kernel route or a BGP route recursively (the longest
// wins, a kernel route on a tie); one that does not is excluded from the decision and its route
// withdrawn from peers; IGP cost decides between paths; loops, the default route and an eBGP
// neighbor's far next hop do not resolve. The driver re-resolves after kernel and Loc-RIB changes.
import t from 'tap';
import { type ExportPeer, Rib, RibQuery, addressOctets } from '../../src/rib/index.js';
import { type UpdateMessage, DEFAULT_CONTEXT, afiSafiKey, decodeMessage, endOfRib, makeContext, nlriFrom, nlriToText, asPathFrom } from '../../src/wire/index.js';
import type { KernelRoute } from '../../src/fib/index.js';
import { NexthopTracking, connectedOnlyOf } from '../../src/daemon/nexthop-tracking.js';
import { VirtualClock } from '../../src/fsm/clock.js';

const ctx = makeContext();
const ip = (s: string) => s.split('.').reduce((a, o) => a * 256 + Number(o), 0);
const octets = (s: string) => Buffer.from(s.split('.').map(Number));

const addPathCtx = makeContext({ addPath: new Set([afiSafiKey(1, 1)]) });

function exportPeer(index: number, address: string, asn: number, over: Partial<ExportPeer> = {}): ExportPeer {
  return {
    index, address, addressOctets: addressOctets(address), asn, bgpId: index, ibgp: asn === 65000, local: false, rrClient: false,
    localAs: 65000, routerId: 0x0a000001, clusterId: 0x0a000001, localIpv4: ip('10.1.0.2'), localIpv6: undefined,
    nextHopSelf: false, tx: ctx, groupKey: `g${index}`, ...over,
  };
}

function kernel(prefix: string, o: { via?: string; metric?: number; oif?: number; type?: number } = {}): KernelRoute {
  const [a, len] = prefix.split('/');
  return { family: 2, dst: octets(a), len: Number(len), table: 254, protocol: o.via ? 4 : 2, metric: o.metric ?? 0, nexthops: o.via ? [{ gateway: octets(o.via), ifindex: 3 }] : [], type: o.type ?? 1, oif: o.oif ?? 3 };
}

const TOR = 1;
const RR = 2;
const RR2 = 3;
const ADD_PATH = 4;

function setup(resolveViaDefault = false) {
  const rib = new Rib({ localAs: 65000, routerId: 0x0a000001 });
  const clock = new VirtualClock();
  const sent = new Map<number, UpdateMessage[]>();
  const peers = [
    exportPeer(TOR, '10.1.0.1', 65001), exportPeer(RR, '10.0.0.1', 65000), exportPeer(RR2, '10.0.0.3', 65000),
    exportPeer(ADD_PATH, '10.1.0.4', 65004, { tx: addPathCtx, addPathSend: 'all' }),
  ];
  for (const p of peers) {
    sent.set(p.index, []);
    rib.peerUp(p, { allowasIn: 0, localIpv4: p.localIpv4 }, [0x101, 0x201], (msgs) => {
      for (const m of msgs) sent.get(p.index)!.push(decodeMessage(m, p.index === ADD_PATH ? addPathCtx : DEFAULT_CONTEXT) as UpdateMessage);
      return true;
    });
  }
  const changes: string[] = [];
  const tracking = new NexthopTracking({
    rib, clock, table: 254, resolveViaDefault, connectedOnly: connectedOnlyOf(() => undefined),
    events: { nexthopChanged: (nh, reachable, via) => changes.push(`${nh} ${reachable ? 'via' : 'unreachable:'} ${via}`) },
    flush: () => rib.flushAll(),
  });
  tracking.kernelRoutes([kernel('10.1.0.0/24'), kernel('10.0.0.0/24', { oif: 4 })]);
  clock.advance(100);
  const announce = (from: number, prefix: string, nextHop: string, attrs: Record<string, unknown> = {}) => {
    const [a, len] = prefix.split('/');
    rib.applyUpdate(from, { type: 'update', withdrawn: nlriFrom(1, false, []), attributes: { origin: 0, asPath: from === TOR ? asPathFrom([{ type: 2, asns: [65001] }]) : [], localPref: 100, ...attrs, nextHop: ip(nextHop) } as never, nlri: nlriFrom(1, false, [[0, Number(len), ip(a)]]) });
    rib.flushAll();
  };
  const withdraw = (from: number, prefix: string) => {
    const [a, len] = prefix.split('/');
    rib.applyUpdate(from, { type: 'update', withdrawn: nlriFrom(1, false, [[0, Number(len), ip(a)]]), attributes: null, nlri: nlriFrom(1, false, []) });
    rib.flushAll();
  };
  const query = new RibQuery(rib);
  const route = (prefix: string) => {
    const [a, len] = prefix.split('/');
    return query.route(1, { words: [ip(a), 0, 0, 0], len: Number(len) });
  };
  const best = (prefix: string) => route(prefix)?.paths.find((p) => p.best);
  /** What the ToR was last told about a prefix: 'announced', 'withdrawn' or undefined. */
  const toldTor = (prefix: string) => {
    let last: string | undefined;
    for (const m of sent.get(TOR)!) {
      if (endOfRib(m) !== undefined) continue;
      if ((nlriToText(m.withdrawn) as string[]).includes(prefix)) last = 'withdrawn';
      if ((nlriToText(m.nlri) as string[]).includes(prefix)) last = 'announced';
    }
    return last;
  };
  /** The paths (identifiers) an ADD-PATH neighbor was last told of for a prefix. */
  const addPaths = (prefix: string) => {
    const ids = new Set<number>();
    for (const m of sent.get(ADD_PATH)!) {
      if (endOfRib(m) !== undefined) continue;
      for (const x of nlriToText(m.withdrawn) as { prefix: string; pathId: number }[]) if (x.prefix === prefix) ids.delete(x.pathId);
      for (const x of nlriToText(m.nlri) as { prefix: string; pathId: number }[]) if (x.prefix === prefix) ids.add(x.pathId);
    }
    return ids.size;
  };
  return { rib, clock, tracking, announce, withdraw, route, best, toldTor, changes, addPaths };
}

t.test('an iBGP next hop resolves through the ToR\'s route, then a kernel route, and goes with them', async (t) => {
  const s = setup();
  s.announce(RR, '10.244.2.0/24', '10.2.0.2');
  t.equal(s.best('10.244.2.0/24'), undefined, 'no route to 10.2.0.2: no best path (RFC 4271 9.1.2.1)');
  t.match(s.route('10.244.2.0/24')?.paths[0].nexthop, { reachable: false, via: 'no route' }, 'shown as not resolving');
  t.equal(s.toldTor('10.244.2.0/24'), undefined, 'not sent to the ToR');

  s.announce(TOR, '10.2.0.0/24', '10.1.0.1');
  s.clock.advance(100);
  const r = s.best('10.244.2.0/24')?.nexthop;
  t.match(r, { reachable: true, metric: 0, connected: false, via: '10.2.0.0/24 (bgp)' }, 'resolves through the ToR\'s route');
  t.same(r?.gateways.map((g) => g.address.join('.')), ['10.1.0.1'], 'to the ToR as gateway');
  t.equal(s.toldTor('10.244.2.0/24'), 'announced', 'and is sent on');
  t.match(s.changes, ['10.2.0.2 via 10.2.0.0/24 (bgp)'], 'the change is reported');

  s.tracking.kernelRoute(kernel('10.2.0.0/25', { via: '10.0.0.9', metric: 5 }), false);
  s.clock.advance(100);
  t.match(s.best('10.244.2.0/24')?.nexthop, { reachable: true, metric: 5, via: '10.2.0.0/25 (kernel)' }, 'a more specific static route takes over, with its metric');
  t.same(s.best('10.244.2.0/24')?.nexthop?.gateways.map((g) => g.address.join('.')), ['10.0.0.9']);
  s.tracking.kernelRoute(kernel('10.2.0.0/24', { via: '10.0.0.8', metric: 7 }), false);
  s.clock.advance(100);
  t.match(s.best('10.244.2.0/24')?.nexthop, { via: '10.2.0.0/25 (kernel)' }, 'a kernel route as specific as the BGP one wins the tie, the longer still wins');
  s.tracking.kernelRoute(kernel('10.2.0.0/25', { via: '10.0.0.9', metric: 5 }), true);
  s.clock.advance(100);
  t.match(s.best('10.244.2.0/24')?.nexthop, { metric: 7, via: '10.2.0.0/24 (kernel)' }, 'the static route of equal length over the BGP route (lower distance)');
  s.tracking.kernelRoute(kernel('10.2.0.0/24', { via: '10.0.0.8', metric: 7 }), true);
  s.clock.advance(100);
  t.match(s.best('10.244.2.0/24')?.nexthop, { metric: 0, via: '10.2.0.0/24 (bgp)' }, 'back through the ToR\'s route');

  s.withdraw(TOR, '10.2.0.0/24');
  s.clock.advance(100);
  t.equal(s.best('10.244.2.0/24'), undefined, 'the covering route gone: no best path');
  t.equal(s.toldTor('10.244.2.0/24'), 'withdrawn', 'and the ToR is told');
  t.match(s.changes.at(-1), '10.2.0.2 unreachable: no route');
});

t.test('loops, the default route, a far eBGP next hop, blackholes', async (t) => {
  const s = setup();
  s.announce(RR, '10.9.0.0/16', '10.9.1.1');
  t.match(s.route('10.9.0.0/16')?.paths[0].nexthop, { reachable: false, via: /^loop: 10\.9\.1\.1 resolves through itself/ }, 'a route whose next hop only it covers: a loop');
  t.equal(s.best('10.9.0.0/16'), undefined);
  // Two routes resolving through each other.
  s.announce(RR, '10.11.0.0/16', '10.12.0.1');
  s.announce(RR, '10.12.0.0/16', '10.11.0.1');
  s.clock.advance(100);
  t.match(s.route('10.11.0.0/16')?.paths[0].nexthop, { reachable: false, via: /^loop/ }, 'through each other: a loop');

  s.tracking.kernelRoute(kernel('0.0.0.0/0', { via: '10.1.0.1' }), false);
  s.announce(RR, '10.244.5.0/24', '10.5.5.5');
  s.clock.advance(100);
  t.match(s.route('10.244.5.0/24')?.paths[0].nexthop, { reachable: false, via: 'no route' }, 'the default route resolves nothing by default');
  const d = setup(true);
  d.tracking.kernelRoute(kernel('0.0.0.0/0', { via: '10.1.0.1' }), false);
  d.clock.advance(100);
  d.announce(RR, '10.244.5.0/24', '10.5.5.5');
  t.match(d.best('10.244.5.0/24')?.nexthop, { reachable: true, via: '0.0.0.0/0 (kernel)' }, 'unless resolveViaDefault');

  s.announce(TOR, '10.7.0.0/24', '10.3.3.3');
  t.match(s.route('10.7.0.0/24')?.paths[0].nexthop, { reachable: false, via: /not on a connected subnet/ }, 'an eBGP neighbor one hop away must give a connected next hop');
  s.tracking.kernelRoute(kernel('10.3.3.0/24', { via: '10.1.0.1' }), false);
  s.clock.advance(100);
  t.match(s.route('10.7.0.0/24')?.paths[0].nexthop, { reachable: false }, 'a route to it with a gateway does not make it connected');

  // An IPv6 route over an IPv4 session: its IPv4-mapped next hop resolves as IPv4.
  s.rib.applyUpdate(TOR, { type: 'update', withdrawn: nlriFrom(1, false, []), attributes: { origin: 0, asPath: asPathFrom([{ type: 2, asns: [65001] }]) }, nlri: nlriFrom(1, false, []), mpReach: { afi: 2, safi: 1, nextHop: Buffer.from('00000000000000000000ffff0a010001', 'hex'), nlri: nlriFrom(2, false, [[0, 48, 0x20010db8, 0x00600000, 0, 0]]) } });
  const v6 = new RibQuery(s.rib).route(2, { words: [0x20010db8, 0x00600000, 0, 0], len: 48 });
  t.match(v6?.paths[0], { best: true, nexthop: { reachable: true, connected: true, via: '10.1.0.0/24 (connected)' } }, 'an IPv4-mapped next hop resolves as IPv4');

  s.tracking.kernelRoute(kernel('10.66.0.0/16', { type: 6 }), false);
  s.announce(RR, '10.244.6.0/24', '10.66.0.1');
  t.match(s.route('10.244.6.0/24')?.paths[0].nexthop, { reachable: false }, 'a blackhole route resolves nothing');
});

t.test('IGP cost decides between otherwise equal paths; a path that does not resolve loses first', async (t) => {
  const s = setup();
  s.tracking.kernelRoute(kernel('10.20.0.0/24', { via: '10.0.0.9', metric: 10 }), false);
  s.tracking.kernelRoute(kernel('10.21.0.0/24', { via: '10.0.0.9', metric: 5 }), false);
  s.clock.advance(100);
  s.announce(RR, '10.244.3.0/24', '10.20.0.2');
  s.announce(RR2, '10.244.3.0/24', '10.21.0.2');
  const paths = s.route('10.244.3.0/24')!.paths;
  t.equal(paths.find((p) => p.best)?.peerAddress, '10.0.0.3', 'the lower IGP cost (5) is best');
  t.equal(paths.find((p) => !p.best)?.lostOn, 'igp-cost', 'the other lost on igp-cost');

  // A path better on every earlier step, whose next hop does not resolve.
  s.announce(RR, '10.244.4.0/24', '10.99.0.1', { localPref: 500 });
  s.announce(RR2, '10.244.4.0/24', '10.21.0.2');
  const four = s.route('10.244.4.0/24')!.paths;
  t.equal(four.find((p) => p.best)?.peerAddress, '10.0.0.3', 'the resolvable path is best despite LOCAL_PREF');
  t.equal(four.find((p) => !p.best)?.lostOn, 'nexthop-unresolvable');
  // Its cover appears: it wins on LOCAL_PREF.
  s.tracking.kernelRoute(kernel('10.99.0.0/16', { via: '10.0.0.9' }), false);
  s.clock.advance(100);
  t.equal(s.best('10.244.4.0/24')?.peerAddress, '10.0.0.1', 'once it resolves, LOCAL_PREF decides again');
});

t.test('ADD-PATH sends no path whose next hop does not resolve', async (t) => {
  const s = setup();
  s.announce(RR, '10.244.8.0/24', '10.0.0.5');
  s.announce(RR2, '10.244.8.0/24', '10.99.9.9');
  t.equal(s.route('10.244.8.0/24')?.paths.length, 2, 'two paths in the Loc-RIB');
  t.equal(s.addPaths('10.244.8.0/24'), 1, 'one sent with ADD-PATH all: the other\'s next hop does not resolve');
  s.tracking.kernelRoute(kernel('10.99.0.0/16', { via: '10.0.0.9' }), false);
  s.clock.advance(100);
  t.equal(s.addPaths('10.244.8.0/24'), 2, 'it resolves: both are sent');
});

t.test('a Loc-RIB change covering a tracked next hop makes it resolve again; others do not', async (t) => {
  const s = setup();
  s.announce(RR, '10.244.2.0/24', '10.2.0.2');
  const before = s.changes.length;
  s.announce(TOR, '10.30.0.0/24', '10.1.0.1');
  s.clock.advance(100);
  t.equal(s.changes.length, before, 'a route covering no tracked next hop changes nothing');
  s.announce(TOR, '10.2.0.0/16', '10.1.0.1');
  s.clock.advance(100);
  t.match(s.best('10.244.2.0/24')?.nexthop, { via: '10.2.0.0/16 (bgp)' }, 'a covering route does');
  s.announce(TOR, '10.2.0.0/24', '10.1.0.1');
  s.clock.advance(100);
  t.match(s.best('10.244.2.0/24')?.nexthop, { via: '10.2.0.0/24 (bgp)' }, 'a more specific one takes over');
  t.same(s.tracking.tracker.entries().map((e) => [e.nexthop, e.resolution.reachable]).sort(), [['10.1.0.1', true], ['10.2.0.2', true]], 'the tracked next hops');
  s.announce(RR, '10.244.9.0/24', '10.5.0.9');
  s.announce(RR, '10.244.10.0/24', '10.200.1.1');
  const covers = (prefix: string) => {
    const [a, len] = prefix.split('/');
    return s.tracking.tracker.covers(1, [ip(a)], Number(len));
  };
  t.same(['10.2.0.0/16', '10.3.0.0/16', '10.5.0.0/24', '10.5.1.0/24', '0.0.0.0/0', '10.200.1.1/32', '10.200.1.2/32', '10.1.0.0/24'].map(covers),
    [true, false, true, false, true, true, false, false], 'which routes cover a next hop resolved through routes (10.1.0.1, the ToR\'s, is connected-only)');
  s.tracking.stop();
  t.equal(s.rib.nexthops, undefined, 'stopped: nothing tracked');
});
