// Unnumbered neighbors in the daemon, on virtual time, with the router advertisement socket and the
// link reader of the test's own (FRR and the real socket are test/interop/unnumbered-frr.test.ts's):
// nothing is dialed before the neighbor is heard; what is heard, ignored, lost and taken from a
// connection, and what each does to the session.
import t from 'tap';
import { Daemon, type DaemonEvents } from '../../src/daemon/daemon.js';
import { VirtualClock } from '../../src/fsm/index.js';
import type { LinkInfo } from '../../src/nd/index.js';

const FRR_RA = Buffer.from('86007fb64000001e00000000000000000101ae0bb847f8d5', 'hex');
/** recvmsg's control data: IPV6_PKTINFO (ff02::1, ifindex 9) and IPV6_HOPLIMIT 255. */
const CONTROL = Buffer.from('24000000000000002900000032000000ff020000000000000000000000000001090000000000000014000000000000002900000034000000ff00000000000000', 'hex');
const ll = (last: string) => Buffer.from(`fe80000000000000000000000000${last}`, 'hex');

const NEIGHBOR = { address: 'eth9', interface: 'eth9', remoteAs: 'external' as const, timers: { connectRetryTime: 1, idleHoldTime: 0, idleHoldMaxTime: 0 } };
const CONFIG = { asn: 65000, routerId: '10.0.0.1', listen: { addresses: ['127.0.0.1'], port: 0 }, ebgpRequiresPolicy: false, fib: { enabled: false }, neighbors: [NEIGHBOR] };

async function setup(t: { teardown(fn: () => unknown): void }) {
  const clock = new VirtualClock();
  const link: { info: LinkInfo | undefined } = { info: { ifindex: 9, up: true, mac: Buffer.from('02aabbccddee', 'hex') } };
  const queue: Buffer[] = [];
  const sent: number[] = [];
  const lines: string[] = [];
  const events: DaemonEvents = { linkNeighbor: (n, _level, kind, message) => lines.push(`${n} ${kind}: ${message}`) };
  const daemon = new Daemon(CONFIG, {
    clock, events,
    unnumbered: {
      readLink: (name) => (name === 'eth9' ? link.info : undefined),
      socket: () => ({
        receive: () => {
          const source = queue.shift();
          return source && { data: FRR_RA, source, scopeId: 9, control: CONTROL };
        },
        sendAllNodes: (ifindex) => void sent.push(ifindex),
        close: () => undefined,
      }),
    },
  });
  await daemon.start();
  t.teardown(async () => {
    const stopped = daemon.stop();
    clock.advance(100);
    await stopped;
  });
  return { clock, daemon, peer: daemon.neighbor('eth9'), link, queue, sent, lines };
}

t.test('nothing is dialed before the neighbor is heard; its advertisement starts the session toward it', async (t) => {
  const { clock, peer, queue, sent, lines } = await setup(t);
  clock.advance(5000);
  t.equal(peer.session.state, 'Idle', 'Idle: nowhere to go');
  t.equal(peer.remoteAddress, undefined);
  t.equal(peer.session.snapshot().connectFailures, 0, 'no attempt made');
  t.same(sent, [9, 9, 9, 9], 'we advertise meanwhile: at once, then a second apart');
  queue.push(ll('0001'));
  clock.advance(200);
  t.equal(peer.remoteAddress, 'fe80::1%eth9', 'the address with its zone');
  t.not(peer.session.state, 'Idle', `the session started (${peer.session.state})`);
  t.equal(peer.session.options.remoteAddress, 'fe80::1%eth9', 'toward it');
  t.match(lines, ['eth9 link-up: interface eth9 is up: advertising, waiting to hear the neighbor', 'eth9 learned: neighbor fe80::1 learned from its router advertisement']);
  clock.advance(1000);
  t.equal(sent.length, 5, 'and we advertise again within a second, for it to hear us');
});

t.test('another source while the neighbor advertises is ignored; one silent for three intervals is replaced', async (t) => {
  const { clock, peer, queue, lines } = await setup(t);
  queue.push(ll('0001'));
  clock.advance(200);
  queue.push(ll('0002'));
  clock.advance(200);
  t.equal(peer.remoteAddress, 'fe80::1%eth9', 'kept');
  t.ok(lines.some((l) => l.startsWith('eth9 ignored: another router advertises on eth9: fe80::2 (the neighbor is fe80::1)')));
  clock.advance(30_100);
  queue.push(ll('0002'));
  clock.advance(200);
  t.equal(peer.remoteAddress, 'fe80::2%eth9', 'replaced once fe80::1 was silent for 30 s');
  t.ok(lines.some((l) => l === 'eth9 changed: neighbor\'s address changed from fe80::1 to fe80::2 (fe80::1 silent)'));
});

t.test('a connection from the link is the neighbor; one from another interface is not ours to take', async (t) => {
  const { daemon, peer, lines } = await setup(t);
  t.equal(daemon.unnumbered.route('fe80::7%eth3'), undefined, 'another interface');
  t.equal(daemon.unnumbered.route('2001:db8::7%eth9'), undefined, 'not link-local');
  t.equal(daemon.unnumbered.route('fe80::7%eth9'), peer.session, 'the neighbor\'s session');
  t.equal(peer.remoteAddress, 'fe80::7%eth9', 'learned from it');
  t.ok(lines.includes('eth9 learned: neighbor fe80::7 learned from its connection'));
});

t.test('the link going down, then away: the session stops, the address is forgotten; back, the neighbor is heard again', async (t) => {
  const { clock, peer, link, queue, lines } = await setup(t);
  queue.push(ll('0001'));
  clock.advance(200);
  t.not(peer.session.state, 'Idle');
  link.info = { ...link.info!, up: false };
  clock.advance(200);
  t.equal(peer.session.state, 'Idle', 'stopped');
  t.equal(peer.remoteAddress, undefined, 'forgotten');
  t.ok(lines.includes('eth9 link-down: interface eth9 is down: the session ends, the neighbor\'s address is forgotten'));
  clock.advance(10_000);
  t.equal(peer.session.state, 'Idle', 'and stays down: nothing to dial');
  link.info = undefined;
  clock.advance(200);
  t.ok(lines.includes('eth9 link-down: interface eth9 is gone: the session ends, the neighbor\'s address is forgotten'));
  link.info = { ifindex: 9, up: true, mac: undefined };
  clock.advance(200);
  queue.push(ll('0003'));
  clock.advance(200);
  t.equal(peer.remoteAddress, 'fe80::3%eth9', 'heard again');
  t.not(peer.session.state, 'Idle', 'the session started again');
});

t.test('reloads: a neighbor made anew goes to the address already heard; one removed stops being advertised for', async (t) => {
  const { clock, daemon, queue, sent } = await setup(t);
  queue.push(ll('0001'));
  clock.advance(200);
  // A changed setting that needs a new session (remoteAs): a new Peer, the link's address kept.
  await daemon.reload({ ...CONFIG, neighbors: [{ ...NEIGHBOR, remoteAs: 65001 }] });
  const again = daemon.neighbor('eth9');
  t.equal(again.remoteAddress, 'fe80::1%eth9', 'the new neighbor has the address at once');
  t.not(again.session.state, 'Idle', 'and its session started');
  await daemon.reload({ ...CONFIG, neighbors: [] });
  const before = sent.length;
  clock.advance(30_000);
  t.equal(sent.length, before, 'no interface neighbor left: nothing advertised');
  t.same(daemon.unnumbered.linkOf('eth9'), undefined, 'nor followed');
});
