// The session driver on a virtual clock against a scripted peer on loopback: timers, backoff,
// collision resolution, backpressure and send hold, admin actions, and fault isolation.
import t from 'tap';
import { type Socket, connect as netConnect } from 'node:net';
import { Listener, Session, type SessionEvents, type SessionOptions, VirtualClock, neighborRouter } from '../../src/fsm/index.js';
import { SEND_QUEUE_OCTETS } from '../../src/fsm/connection.js';
import { RawConnection, RawPeer, dial, openOf, settle, until } from '../helpers/raw-peer.js';
import { shutdownCommunication, encodeAnnouncements, encodePathAttributes, nlriFrom, makeContext, asPathFrom } from '../../src/wire/index.js';

const LOCAL_ID = 0x0a000001;

function options(port: number, over: Partial<SessionOptions> = {}): SessionOptions {
  return {
    remoteAddress: '127.0.0.1',
    remotePort: port,
    open: { localAs: 65000, routerId: LOCAL_ID, remoteAs: 65010, holdTime: 90, minHoldTime: 3, afiSafis: [{ afi: 1, safi: 1 }], extendedMessage: false },
    ...over,
  };
}

/** Plain node:net connect: loopback tests need no TTL or MD5 options. */
const plainConnect = (s: Session) => netConnect(s.options.remotePort ?? 179, s.options.remoteAddress);

function recorder() {
  const log: string[] = [];
  const rec: { log: string[]; events: SessionEvents; onWritable?: () => void } = { log, events: {} };
  rec.events = {
    stateChange: (from, to) => log.push(`${from}>${to}`),
    down: (reason) => log.push(`down:${reason}`),
    collision: (kept) => log.push(`collision:${kept}`),
    writable: () => rec.onWritable?.(),
  };
  return rec;
}

async function establish(peer: RawPeer, session: Session, clock: VirtualClock, peerId = 0x0a000002): Promise<RawConnection> {
  const before = peer.connections.length;
  session.start();
  await until(() => peer.connections.length > before && peer.connections.at(-1)!.of('open').length > 0);
  const c = peer.connections.at(-1)!;
  c.sendOpen(openOf(65010, peerId));
  c.send({ type: 'keepalive' });
  await until(() => session.state === 'Established');
  return c;
}

t.test('keepalive and hold timers on virtual time', async (t) => {
  const peer = new RawPeer();
  const port = await peer.listen();
  const clock = new VirtualClock();
  const rec = recorder();
  const session = new Session(options(port), rec.events, clock, plainConnect);
  t.teardown(async () => {
    session.close();
    await peer.close();
  });
  const c = await establish(peer, session, clock);
  t.same(rec.log, ['Idle>Connect', 'Connect>OpenSent', 'OpenSent>OpenConfirm', 'OpenConfirm>Established']);
  const before = c.of('keepalive').length;
  clock.advance(30_000);
  await until(() => c.of('keepalive').length > before);
  t.equal(c.of('keepalive').length, before + 1, 'a KEEPALIVE every 30 s (hold 90 / 3)');
  clock.advance(59_000);
  await settle();
  t.equal(session.state, 'Established', 'no expiry before 90 s of silence');
  clock.advance(1_000);
  await until(() => c.of('notification').length > 0);
  t.same(c.of('notification').map((n) => [n.code, n.subcode]), [[4, 0]], 'Hold Timer Expired sent');
  t.equal(session.state, 'Idle');
  t.same(rec.log.filter((l) => l.startsWith('down')), ['down:hold-timer-expired']);
  t.same(session.snapshot().lastNotificationSent?.code, 4);
});

t.test('a peer that keeps refusing is retried with growing idle hold', async (t) => {
  const peer = new RawPeer();
  const port = await peer.listen();
  peer.onConnection = (c) => {
    c.socket.once('data', () => c.send({ type: 'notification', code: 6, subcode: 5, data: Buffer.alloc(0) }));
  };
  const clock = new VirtualClock(() => 0.5); // jitter factor exactly 1
  const session = new Session(options(port, { timers: { idleHoldTime: 1, idleHoldMaxTime: 8 } }), {}, clock, plainConnect);
  t.teardown(async () => {
    session.close();
    await peer.close();
  });
  session.start();
  const seen: number[] = [];
  for (let attempt = 1; attempt <= 5; attempt++) {
    await until(() => peer.connections.length === attempt && session.state === 'Idle');
    const at = clock.now();
    while (peer.connections.length === attempt && clock.now() - at < 20_000) {
      clock.advance(250);
      await settle(5);
    }
    seen.push(Math.round((clock.now() - at) / 1000));
  }
  t.same(seen, [1, 2, 4, 8, 8], 'idle hold doubles per failure up to its maximum (seconds)');
  t.equal(session.snapshot().failures, 6);
});

t.test('collision: the connection initiated by the higher BGP identifier survives', async (t) => {
  for (const [peerId, survivor] of [[0x0b000000, 'inbound'], [0x09000000, 'outbound']] as const) {
    const peer = new RawPeer();
    const port = await peer.listen();
    const clock = new VirtualClock();
    const rec = recorder();
    const sessions = new Map<string, Session>();
    const listener = new Listener({ addresses: ['127.0.0.1'], port: 0 }, (a) => sessions.get(a));
    await listener.start();
    const session = new Session(options(port), rec.events, clock, plainConnect);
    sessions.set('127.0.0.1', session);
    session.start();
    await until(() => peer.connections.length === 1 && peer.connections[0].of('open').length === 1);
    const ours = peer.connections[0]; // our outbound connection, seen from the peer
    const theirs = await dial(listener.ports[0]); // the peer's connection to us
    await until(() => theirs.of('open').length === 1);
    ours.sendOpen(openOf(65010, peerId));
    theirs.sendOpen(openOf(65010, peerId));
    await until(() => rec.log.some((l) => l.startsWith('collision')));
    const loser = survivor === 'inbound' ? ours : theirs;
    const winner = survivor === 'inbound' ? theirs : ours;
    await until(() => loser.of('notification').length > 0);
    t.same(rec.log.filter((l) => l.startsWith('collision')), [`collision:${survivor}`], `peer id ${peerId.toString(16)}: ${survivor} kept`);
    t.same(loser.of('notification').map((n) => [n.code, n.subcode]), [[6, 7]], 'the other connection gets Cease / Connection Collision Resolution');
    winner.send({ type: 'keepalive' });
    await until(() => session.state === 'Established');
    t.equal(session.state, 'Established', 'one session survives');
    t.equal(session.snapshot().connection?.direction, survivor);
    t.equal(winner.of('notification').length, 0, 'the survivor is not told to close');
    session.close();
    await listener.close();
    await peer.close();
    theirs.socket.destroy();
  }
});

t.test('a peer that stops reading: output stops, memory stays bounded, send hold tears it down', async (t) => {
  const peer = new RawPeer();
  const port = await peer.listen();
  const clock = new VirtualClock();
  const rec = recorder();
  const session = new Session(options(port, { timers: { sendHoldTime: 30 } }), rec.events, clock, plainConnect);
  t.teardown(async () => {
    session.close();
    await peer.close();
  });
  const c = await establish(peer, session, clock);
  c.socket.pause(); // the peer stops reading
  const ctx = makeContext();
  const attrs = encodePathAttributes({ origin: 0, asPath: asPathFrom([{ type: 2, asns: [65000] }]), nextHop: 0x7f000001 }, ctx);
  let produced = 0;
  let octets = 0;
  const rssBefore = process.memoryUsage().rss;
  // Output as the daemon drives it: send while the session is writable, again on `writable`.
  const produce = () => {
    while (session.writable && produced < 1_000_000) {
      const block = nlriFrom(1, false, Array.from({ length: 900 }, (_, i) => [0, 24, ((produced * 900 + i) << 8) >>> 0]));
      const msgs = encodeAnnouncements(attrs, block, ctx);
      for (const m of msgs) octets += m.length;
      produced++;
      session.send(msgs);
    }
  };
  rec.onWritable = produce;
  produce();
  // Wait until the socket buffers are full and the producer has stopped being called.
  let stalledAt = -1;
  for (let i = 0; i < 50 && stalledAt !== produced; i++) {
    stalledAt = produced;
    await settle(200);
  }
  await settle(500);
  t.equal(produced, stalledAt, `the producer stopped after ${stalledAt} batches (${(octets / 1e6).toFixed(1)} MB) and is not called while blocked`);
  t.ok(octets < 64e6, 'what was produced is bounded by the socket buffers');
  const rssStalled = process.memoryUsage().rss;
  await settle(1000);
  const rssLater = process.memoryUsage().rss;
  t.comment(`RSS before ${(rssBefore / 1e6).toFixed(1)} MB, stalled ${(rssStalled / 1e6).toFixed(1)} MB, 1 s later ${(rssLater / 1e6).toFixed(1)} MB; produced ${(octets / 1e6).toFixed(2)} MB`);
  t.equal(produced, stalledAt, 'still nothing produced a second later');
  t.ok(rssLater - rssStalled < 32e6, 'memory stays flat while the peer does not read');
  t.equal(session.writable, false);
  clock.advance(29_000);
  await settle();
  t.equal(session.state, 'Established', 'not torn down before the send hold time');
  clock.advance(1_000);
  await until(() => session.state === 'Idle');
  t.same(rec.log.filter((l) => l.startsWith('down')), ['down:send-hold-timer-expired'], 'RFC 9687 send hold timer');
});

t.test('neighbor routing: configured addresses, dynamic ranges, everything else refused', async (t) => {
  const clock = new VirtualClock();
  const known = new Session(options(1), {}, clock, plainConnect);
  const made: string[] = [];
  const dyn = new Session(options(1), {}, clock, plainConnect);
  const route = neighborRouter(new Map([['192.0.2.1', known]]), [
    { prefix: '10.244.0.0', length: 16, session: (a) => (made.push(a), dyn) },
    { prefix: 'fd00:10::', length: 64, session: (a) => (made.push(a), dyn) },
  ]);
  t.equal(route('192.0.2.1'), known, 'a configured neighbor');
  t.equal(route('10.244.7.9'), dyn, 'inside a dynamic range');
  t.equal(route('fd00:10::42'), dyn, 'inside an IPv6 dynamic range');
  t.equal(route('10.245.0.1'), undefined, 'outside every range: refused');
  t.equal(route('192.0.2.2'), undefined, 'an unconfigured address: refused');
  t.same(made, ['10.244.7.9', 'fd00:10::42']);
});

t.test('connections from unknown addresses are refused', async (t) => {
  const listener = new Listener({ addresses: ['127.0.0.1'], port: 0 }, () => undefined);
  await listener.start();
  t.teardown(() => listener.close());
  const refused: string[] = [];
  listener.onRefused = (a) => refused.push(a);
  const c = await dial(listener.ports[0]);
  await until(() => c.closed);
  t.ok(c.closed, 'closed at once');
  t.same(refused, ['127.0.0.1']);
});

t.test('admin actions: shutdown with a message, enable, hard reset, route refresh', async (t) => {
  const peer = new RawPeer();
  const port = await peer.listen();
  const clock = new VirtualClock();
  const rec = recorder();
  const session = new Session(options(port), rec.events, clock, plainConnect);
  t.teardown(async () => {
    session.close();
    await peer.close();
  });
  let c = await establish(peer, session, clock);
  t.ok(session.requestRefresh(1, 1), 'soft reset in: ROUTE-REFRESH sent');
  await until(() => c.of('route-refresh').length > 0);
  t.same(c.of('route-refresh')[0], { type: 'route-refresh', afi: 1, safi: 1, subtype: 0 });
  session.stop('maintenance: replacing the NIC');
  await until(() => c.of('notification').length > 0);
  const n = c.of('notification')[0];
  t.same([n.code, n.subcode, shutdownCommunication(n)], [6, 2, 'maintenance: replacing the NIC'], 'Cease / Administrative Shutdown with RFC 9003 text');
  clock.advance(600_000);
  await settle();
  t.equal(peer.connections.length, 1, 'stays down while disabled');
  c = await establish(peer, session, clock);
  t.equal(peer.connections.length, 2, 'enabled again');
  session.reset();
  await until(() => c.of('notification').length > 0);
  t.same(c.of('notification').map((m) => [m.code, m.subcode]), [[6, 4]], 'hard reset: Cease / Administrative Reset');
  await until(() => peer.connections.length === 3);
  t.equal(peer.connections.length, 3, 'and reconnects at once');
});

t.test('an exception while handling one peer\'s input resets that peer only', async (t) => {
  const peer = new RawPeer();
  const port = await peer.listen();
  const clock = new VirtualClock();
  const rec = recorder();
  const session = new Session(options(port), { ...rec.events, message: () => { throw new Error('boom in the RIB'); } }, clock, plainConnect);
  t.teardown(async () => {
    session.close();
    await peer.close();
  });
  const c = await establish(peer, session, clock);
  c.send({ type: 'update', withdrawn: nlriFrom(1, false, [[0, 24, 0x0a000000]]), attributes: null, nlri: nlriFrom(1, false, []) });
  await until(() => session.state === 'Idle');
  t.same(rec.log.filter((l) => l.startsWith('down')), ['down:internal-error']);
  await until(() => c.of('notification').length > 0);
  t.equal(c.of('notification')[0].code, 6, 'the peer is told with a Cease');
});

t.test('a refused connect is reported as refused, not as a handshake that timed out', async (t) => {
  const peer = new RawPeer();
  const port = await peer.listen();
  await peer.close(); // nothing listens on the port now: the kernel answers the SYN with a RST
  const reasons: string[] = [];
  const session = new Session(options(port), { connectFailed: (r) => reasons.push(r) }, new VirtualClock(), plainConnect);
  t.teardown(() => session.close());
  session.start();
  await until(() => reasons.length > 0);
  await settle();
  t.same(reasons, ['ECONNREFUSED']);
});

t.test("an accepted session's socket queues at most SEND_QUEUE_OCTETS before a write reports it full", async (t) => {
  let accepted: Socket | undefined;
  const stub = { acceptInbound: (s: Socket) => { accepted = s; } } as unknown as Session;
  const listener = new Listener({ addresses: ['127.0.0.1'], port: 0 }, () => stub);
  await listener.start();
  t.teardown(() => listener.close());
  const c = await dial(listener.ports[0]);
  await until(() => accepted !== undefined);
  t.equal(accepted!.writableHighWaterMark, SEND_QUEUE_OCTETS, `${SEND_QUEUE_OCTETS} octets, not Node's ${65536}`);
  accepted!.destroy();
  c.socket.destroy();
});
