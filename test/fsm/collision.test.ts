// Collision resolution (RFC 4271 6.8, RFC 6286 2.3) as a table of pure rules, and the driver with
// a half-open connection that never sends OPEN: it cannot win against the real peer's connection.
import t from 'tap';
import { Listener, Session, VirtualClock, collisionSurvivor, collisionWinner } from '../../src/fsm/index.js';
import { dial, openOf, until } from '../helpers/raw-peer.js';

const LOW = 0x0a000001;
const HIGH = 0x0b000000;

t.test('collisionSurvivor: identifiers, then AS numbers (RFC 6286)', async (t) => {
  const rows: [number, number, number, number, string][] = [
    [LOW, HIGH, 65000, 65001, 'inbound'],
    [HIGH, LOW, 65000, 65001, 'outbound'],
    [LOW, LOW, 65002, 65001, 'outbound'],
    [LOW, LOW, 65000, 65001, 'inbound'],
  ];
  for (const [local, remote, localAs, remoteAs, want] of rows) t.equal(collisionSurvivor(local, remote, localAs, remoteAs), want, `${local.toString(16)} vs ${remote.toString(16)}, AS ${localAs}/${remoteAs}: ${want}`);
});

t.test('collisionWinner: only connections with an OPEN are compared', async (t) => {
  const c = (direction: 'inbound' | 'outbound', openReceived: boolean) => ({ direction, openReceived });
  const rows: [string, ReturnType<typeof c>, ReturnType<typeof c>, number, string | undefined][] = [
    ['neither has an OPEN: undecided', c('outbound', false), c('inbound', false), HIGH, undefined],
    ['a half-open current connection loses to one with an OPEN', c('inbound', false), c('inbound', true), HIGH, 'pending'],
    ['the current one has an OPEN, the pending one not yet: judged when it comes', c('outbound', true), c('inbound', false), HIGH, undefined],
    ['both with OPENs, higher remote id: inbound (pending) wins', c('outbound', true), c('inbound', true), HIGH, 'pending'],
    ['both with OPENs, lower remote id: outbound (current) wins', c('outbound', true), c('inbound', true), 0x09000000, 'current'],
    ['both with OPENs, inbound current vs outbound pending, higher remote id', c('inbound', true), c('outbound', true), HIGH, 'current'],
    ['two inbound connections with OPENs: the newer survives', c('inbound', true), c('inbound', true), 0x09000000, 'pending'],
  ];
  for (const [name, current, pending, remoteId, want] of rows) t.equal(collisionWinner(current, pending, LOW, remoteId, 65000, 65010), want, name);
});

t.test('a half-open inbound connection does not make the real peer get Cease 6/7', async (t) => {
  const clock = new VirtualClock();
  const sessions = new Map<string, Session>();
  const listener = new Listener({ addresses: ['127.0.0.1'], port: 0 }, (a) => sessions.get(a));
  await listener.start();
  const session = new Session({
    remoteAddress: '127.0.0.1', passive: true,
    open: { localAs: 65000, routerId: LOW, remoteAs: 65010, holdTime: 90, minHoldTime: 3, afiSafis: [{ afi: 1, safi: 1 }], extendedMessage: false },
  }, {}, clock);
  sessions.set('127.0.0.1', session);
  t.teardown(async () => {
    session.close();
    await listener.close();
  });
  session.start();
  const stale = await dial(listener.ports[0]); // connects, never sends an OPEN
  await until(() => session.state === 'OpenSent');
  const real = await dial(listener.ports[0]);
  await until(() => real.of('open').length === 1);
  real.sendOpen(openOf(65010, HIGH));
  real.send({ type: 'keepalive' });
  await until(() => session.state === 'Established' || real.of('notification').length > 0, 3000);
  t.same(real.of('notification'), [], 'the real peer is not told to close');
  t.equal(session.state, 'Established', 'the session runs on its connection');
  await until(() => stale.closed, 3000);
  t.ok(stale.closed, 'the half-open connection is closed');
  t.same(stale.of('notification').map((n) => [n.code, n.subcode]), [[6, 7]], 'with Cease / Connection Collision Resolution');
  real.socket.destroy();
});
