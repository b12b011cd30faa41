// The daemon's per-peer timers on a virtual clock, with a scripted peer on loopback (no root, no
// FRR): the graceful-restart helper (RFC 4724), enhanced route refresh (RFC 7313), max-prefix with
// a restart (RFC 4486), the rate bound on ROUTE-REFRESH, and the restarting speaker's wait.
import t from 'tap';
import { parsePrefix } from '../../src/config/prefix.js';
import type { NeighborConfig } from '../../src/config/types.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { RestartWait } from '../../src/daemon/restart.js';
import { VirtualClock } from '../../src/fsm/index.js';
import { type Capability, RouteRefreshSubtype } from '../../src/wire/index.js';
import { AS_PATH, NEXT_HOP, ORIGIN, update } from '../helpers/build.js';
import { type RawConnection, dialFrom, settle, until } from '../helpers/raw-peer.js';

const PEER = '127.0.0.2';
const pos = (prefix: string) => {
  const p = parsePrefix(prefix);
  return { words: p.words, len: p.length };
};
/** A /24 in NLRI hex: 10.n.0.0/24. */
const nlri = (n: number) => `180a${n.toString(16).padStart(2, '0')}00`;
const announce = (...ns: number[]) => update('', ORIGIN + AS_PATH + NEXT_HOP, ns.map(nlri).join(''));
const END_OF_RIB = update('', '', '');

async function setup(t: { teardown(fn: () => unknown): void }, neighbor: Partial<NeighborConfig> = {}) {
  const clock = new VirtualClock();
  const daemon = new Daemon({
    asn: 65000, routerId: '10.0.0.1', listen: { addresses: ['127.0.0.1'], port: 0 }, ebgpRequiresPolicy: false, fib: { enabled: false },
    neighbors: [{ address: PEER, remoteAs: 65001, passive: true, timers: { idleHoldTime: 0, idleHoldMaxTime: 0 }, ...neighbor }],
  }, { clock });
  await daemon.start();
  t.teardown(async () => {
    const stopped = daemon.stop();
    clock.advance(100);
    await stopped;
  });
  const peer = daemon.neighbor(PEER);
  /** Connects as the neighbor and establishes with `caps` beside the usual ones. */
  // Hold time 0 (RFC 4271 4.2): no keepalives or hold timer, so that virtual minutes can pass.
  const connect = async (caps: Capability[] = []): Promise<RawConnection> => {
    // A session that went down waits in Idle for its idle-hold timer (at least 10 ms, on the virtual clock).
    await until(() => {
      clock.advance(20);
      return peer.session.state === 'Active';
    }, 5000);
    const c = await dialFrom(daemon.listener.ports[0], PEER);
    t.teardown(() => c.socket.destroy());
    c.sendOpen({ type: 'open', version: 4, myAs: 65001, holdTime: 0, bgpId: 0x0a000002, params: [[{ type: 'multiprotocol', afi: 1, safi: 1 }, { type: 'route-refresh', code: 2 }, { type: 'four-octet-as', asn: 65001 }, ...caps]] });
    c.send({ type: 'keepalive' });
    await until(() => peer.up, 5000);
    return c;
  };
  const route = (prefix: string) => daemon.query.route(1, pos(prefix));
  return { clock, daemon, peer, connect, route };
}

const GR: Capability = { type: 'graceful-restart', flags: 0, restartTime: 60, entries: [{ afi: 1, safi: 1, flags: 0x80 }] };

t.test('graceful-restart helper: routes kept stale for the restart time, then dropped', async (t) => {
  const { clock, peer, connect, route } = await setup(t);
  const c = await connect([GR]);
  c.socket.write(announce(1, 2));
  t.ok(await until(() => route('10.2.0.0/24') !== undefined), 'two routes in');
  c.socket.destroy();
  await until(() => !peer.up);
  t.equal(route('10.1.0.0/24')?.paths[0].stale, true, 'the connection is lost: its routes stay, stale (RFC 4724 4.2)');
  t.ok(peer.holdingStale, 'for the restart time');
  clock.advance(59_000);
  t.ok(route('10.1.0.0/24'), 'still there after 59 s');
  clock.advance(1_000);
  t.equal(route('10.1.0.0/24'), undefined, 'gone when the 60 s restart time ends without the peer');
  t.notOk(peer.holdingStale);
});

t.test('long-lived graceful restart (RFC 9494) at its limits: a 194-day stale time on a clock whose timers hold 24.8 days', async (t) => {
  const MAX = 0xffffff; // seconds: the 24-bit field's largest
  const { clock, peer, connect, route } = await setup(t, { gracefulRestart: { restartTime: 60, longLivedStaleTime: MAX } });
  const c = await connect([GR, { type: 'long-lived-graceful-restart', entries: [{ afi: 1, safi: 1, flags: 0x80, staleTime: MAX }] }]);
  c.socket.write(announce(1));
  t.ok(await until(() => route('10.1.0.0/24') !== undefined), 'the route in');
  c.socket.destroy();
  await until(() => !peer.up);
  clock.advance(60_000);
  const kept = route('10.1.0.0/24')?.paths[0];
  t.ok(kept?.stale && kept.attrs.communities?.includes(0xffff0006), 'the restart time is over: kept, long-lived stale (LLGR_STALE)');
  clock.advance(30 * 86_400_000);
  t.ok(route('10.1.0.0/24'), '30 days on: still kept (past one timer\'s 24.8 days)');
  clock.advance(MAX * 1000 - 30 * 86_400_000 - 1_000);
  t.ok(route('10.1.0.0/24'), 'a second before the stale time ends: still kept');
  clock.advance(1_000);
  t.equal(route('10.1.0.0/24'), undefined, 'gone when it ends');
  t.notOk(peer.holdingStale);
});

t.test('graceful-restart helper: the peer comes back; its End-of-RIB drops what it did not resend', async (t) => {
  const { clock, peer, connect, route } = await setup(t);
  let c = await connect([GR]);
  c.socket.write(announce(1, 2));
  await until(() => route('10.2.0.0/24') !== undefined);
  c.socket.destroy();
  await until(() => !peer.up);
  clock.advance(10_000);
  c = await connect([GR]);
  t.equal(route('10.2.0.0/24')?.paths[0].stale, true, 'back within the restart time: still stale until End-of-RIB');
  c.socket.write(announce(1));
  await until(() => route('10.1.0.0/24')?.paths[0].stale === false);
  t.equal(route('10.1.0.0/24')?.paths[0].stale, false, 'a resent route is fresh again');
  c.socket.write(END_OF_RIB);
  t.ok(await until(() => route('10.2.0.0/24') === undefined), 'End-of-RIB: the route it did not resend is gone');
  t.ok(route('10.1.0.0/24'), 'the resent one stays');
  t.notOk(peer.holdingStale, 'nothing is held stale any more');
});

t.test('graceful-restart helper: End-of-RIB never comes; the stale-path time ends the wait', async (t) => {
  const { clock, peer, connect, route } = await setup(t, { gracefulRestart: { restartTime: 60, stalePathTime: 120 } });
  let c = await connect([GR]);
  c.socket.write(announce(3));
  await until(() => route('10.3.0.0/24') !== undefined);
  c.socket.destroy();
  await until(() => !peer.up);
  c = await connect([GR]);
  clock.advance(119_000);
  t.equal(route('10.3.0.0/24')?.paths[0].stale, true, 'held while the stale-path time runs');
  clock.advance(1_000);
  t.equal(route('10.3.0.0/24'), undefined, 'dropped at 120 s');
  t.ok(peer.up, 'the session itself is untouched');
});

t.test('enhanced route refresh: BoRR marks the family stale, EoRR drops what was not resent, a missing EoRR times out', async (t) => {
  const { clock, connect, route } = await setup(t, { gracefulRestart: { restartTime: 60, stalePathTime: 30 } });
  const c = await connect([{ type: 'enhanced-route-refresh' }]);
  c.socket.write(announce(1, 2));
  await until(() => route('10.2.0.0/24') !== undefined);
  c.send({ type: 'route-refresh', afi: 1, safi: 1, subtype: RouteRefreshSubtype.BEGINNING_OF_ROUTE_REFRESH });
  t.ok(await until(() => route('10.1.0.0/24')?.paths[0].stale === true), 'BoRR: the peer\'s routes are stale (RFC 7313 4)');
  c.socket.write(announce(1));
  c.send({ type: 'route-refresh', afi: 1, safi: 1, subtype: RouteRefreshSubtype.END_OF_ROUTE_REFRESH });
  t.ok(await until(() => route('10.2.0.0/24') === undefined), 'EoRR: what was not resent is gone');
  t.equal(route('10.1.0.0/24')?.paths[0].stale, false, 'what was resent is fresh');

  c.send({ type: 'route-refresh', afi: 1, safi: 1, subtype: RouteRefreshSubtype.BEGINNING_OF_ROUTE_REFRESH });
  await until(() => route('10.1.0.0/24')?.paths[0].stale === true);
  clock.advance(29_000);
  t.ok(route('10.1.0.0/24'), 'no EoRR: kept while the stale-path time runs');
  clock.advance(1_000);
  t.equal(route('10.1.0.0/24'), undefined, 'and dropped when it ends');
});

t.test('max-prefix: Cease 6/1 with AFI, SAFI and the limit; the session starts again after restartAfter', async (t) => {
  const { clock, peer, connect } = await setup(t, { maxPrefix: { limit: 2, restartAfter: 30 } });
  const c = await connect();
  c.socket.write(announce(1, 2, 3));
  t.ok(await until(() => c.of('notification').length > 0), 'a NOTIFICATION');
  const n = c.of('notification')[0];
  t.same([n.code, n.subcode, n.data.toString('hex')], [6, 1, '00010100000002'], 'Cease / Maximum Number of Prefixes Reached, AFI 1 SAFI 1 limit 2 (RFC 4486)');
  await until(() => peer.session.state === 'Idle');
  clock.advance(29_000);
  await settle();
  t.equal(peer.session.state, 'Idle', 'down for the restart time');
  clock.advance(1_000);
  t.ok(await until(() => peer.session.state === 'Active'), 'then waiting for the peer again (passive)');
});

t.test('the RIB cannot grow for a neighbor\'s routes (an allocation fails): Cease 6/1 as max-prefix, the rest carries on', async (t) => {
  const { clock, daemon, peer, connect, route } = await setup(t);
  daemon.announce({ prefix: '192.0.2.0/24' });
  const c = await connect();
  c.socket.write(announce(1));
  await until(() => route('10.1.0.0/24') !== undefined);
  // What the store throws when a column cannot be allocated (V8: RangeError).
  const apply = daemon.rib.applyUpdate.bind(daemon.rib);
  daemon.rib.applyUpdate = () => {
    throw new RangeError('Array buffer allocation failed');
  };
  t.teardown(() => (daemon.rib.applyUpdate = apply));
  c.socket.write(announce(2, 3));
  t.ok(await until(() => c.of('notification').length > 0), 'a NOTIFICATION');
  const n = c.of('notification')[0];
  t.same([n.code, n.subcode, n.data.toString('hex')], [6, 1, '00010100000001'], 'Cease / Maximum Number of Prefixes Reached, AFI 1 SAFI 1, the 1 prefix held as the bound (RFC 4486)');
  await until(() => peer.session.state === 'Idle');
  t.equal(route('10.1.0.0/24'), undefined, 'its routes withdrawn');
  t.ok(route('192.0.2.0/24'), 'our own route kept');
  t.equal(peer.session.snapshot().lastDownReason, 'max-prefix');
  daemon.rib.applyUpdate = apply;
  clock.advance(600_000);
  await settle();
  t.equal(peer.session.state, 'Idle', 'no restart time configured: down until reset');
});

t.test('ROUTE-REFRESH: three answered at once, then one per 10 s; requests meanwhile join the wait', async (t) => {
  const { clock, daemon, peer, connect } = await setup(t);
  daemon.announce({ prefix: '192.0.2.0/24' });
  const c = await connect();
  await until(() => c.of('update').length > 0);
  for (let i = 0; i < 5; i++) c.send({ type: 'route-refresh', afi: 1, safi: 1, subtype: 0 });
  await until(() => peer.counts.refreshAnswered + peer.counts.refreshDeferred + peer.counts.refreshJoined === 5);
  t.same([peer.counts.refreshAnswered, peer.counts.refreshDeferred, peer.counts.refreshJoined], [3, 1, 1], 'three answered, the fourth deferred, the fifth joins it');
  const before = c.of('update').length;
  clock.advance(10_000);
  t.ok(await until(() => c.of('update').length > before), 'the deferred answer goes out 10 s later');
});

t.test('restarting speaker: the wait ends when every neighbor sent End-of-RIB for all its families, or at the restart time', async (t) => {
  const clock = new VirtualClock();
  const ends: string[] = [];
  const w = new RestartWait(clock, ['a', 'b'], 120, (r) => ends.push(r));
  w.endOfRib('a', [0x101], new Set([0x101]));
  t.same(ends, [], 'one of two neighbors done');
  w.endOfRib('b', [0x101, 0x201], new Set([0x101]));
  t.same(ends, [], 'b still owes IPv6');
  w.endOfRib('b', [0x101, 0x201], new Set([0x101, 0x201]));
  t.same(ends, ['end-of-rib'], 'all in: over');
  clock.advance(200_000);
  t.same(ends, ['end-of-rib'], 'once only; the timer is gone');

  const late: string[] = [];
  new RestartWait(clock, ['a'], 120, (r) => late.push(r));
  clock.advance(119_000);
  t.same(late, []);
  clock.advance(1_000);
  t.same(late, ['timer'], 'no End-of-RIB: the restart time ends it');

  const none: string[] = [];
  new RestartWait(clock, [], 120, (r) => none.push(r));
  await Promise.resolve();
  t.same(none, ['end-of-rib'], 'nobody to wait for: over at once');

  const exempted: string[] = [];
  const x = new RestartWait(clock, ['a', 'b'], 120, (r) => exempted.push(r));
  x.endOfRib('a', [0x101], new Set([0x101]));
  x.exempt('c');
  t.same(exempted, [], 'a neighbor not waited for changes nothing');
  x.exempt('b');
  t.same(exempted, ['end-of-rib'], 'RFC 4724 4.1: one without the capability (or restarting) is not waited for');

  const cancelled: string[] = [];
  new RestartWait(clock, ['a'], 120, (r) => cancelled.push(r)).cancel();
  clock.advance(200_000);
  t.same(cancelled, [], 'a stopped daemon ends nothing');
});
