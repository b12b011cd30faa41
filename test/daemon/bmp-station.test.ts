// A BMP collector never slows BGP (RFC 7854 stations, bmp.ts): one that stops reading is dropped
// once its unsent octets pass the bound, counted, and given a whole dump on the next connection;
// one that sends data (BMP is one-way) is dropped with a log line and connected again. Over real
// TCP on loopback against a test server; pmbmpd, a real collector, is the interop test's.
import t from 'tap';
import { type Server, type Socket, createServer } from 'node:net';
import { SystemClock } from '../../src/fsm/index.js';
import { Rib, RibQuery } from '../../src/rib/index.js';
import { BmpMonitor } from '../../src/daemon/bmp.js';
import { Afi, BmpType } from '../../src/wire/index.js';

/** A collector on loopback: the BMP messages of each connection, by type. */
async function collector(onConnect: (s: Socket, n: number) => void = () => {}) {
  const conns: { socket: Socket; types: number[] }[] = [];
  const server: Server = createServer((socket) => {
    const c = { socket, types: [] as number[] };
    conns.push(c);
    let buf = Buffer.alloc(0);
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 6 && buf.length >= buf.readUInt32BE(1)) {
        c.types.push(buf[5]);
        buf = buf.subarray(buf.readUInt32BE(1));
      }
    });
    socket.on('error', () => {});
    onConnect(socket, conns.length);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port, conns };
}

const ROUTES = 60000;

const until = async (fn: () => boolean, ms = 8000) => {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (fn()) return true;
  return fn();
};

/** The Loc-RIB monitored toward collector `c`, stopped (and `c` closed) when the test ends. */
function locRibStation(t: { teardown(fn: () => unknown): void }, c: Awaited<ReturnType<typeof collector>>, maxQueued?: number) {
  const rib = new Rib({ localAs: 64512, routerId: 0x0a000001 });
  const logs: string[] = [];
  const m = monitor(rib, logs, maxQueued);
  m.configure([{ address: '127.0.0.1', port: c.port, monitor: ['loc-rib'] }], 0, true);
  t.teardown(() => {
    m.stop('end');
    for (const x of c.conns) x.socket.destroy();
    c.server.close();
  });
  return { rib, logs, m };
}

function monitor(rib: Rib, logs: string[], maxQueued?: number) {
  return new BmpMonitor({
    clock: new SystemClock(), query: new RibQuery(rib), localAs: 64512, routerId: 0x0a000001, sysName: 'test', sysDescr: 'test',
    peers: () => [], wallNow: () => Date.now(), log: (_l, _c, m) => logs.push(m), ...(maxQueued ? { maxQueued } : {}),
  });
}

t.test('a collector that stops reading is dropped past the bound, then resynchronised', async (t) => {
  const c = await collector((s, n) => {
    if (n === 1) s.pause(); // the first connection reads nothing
  });
  const { rib, logs, m } = locRibStation(t, c, 64 * 1024);
  t.ok(await until(() => m.status()[0].up), 'connected');
  // Our best paths change many times: live Loc-RIB messages pile up toward a collector that does not
  // read (past what the kernel's socket buffers take: several megabytes on loopback).
  const started = performance.now();
  const many = Array.from({ length: 60 }, (_, k) => 0xfde80000 + k);
  for (let i = 0; i < ROUTES; i++) rib.originate(Afi.IPV4, [(0x0a000000 + i * 256) >>> 0, 0, 0, 0], 24, { communities: [i, ...many] });
  t.ok(performance.now() - started < 5000, 'BGP\'s work is not held up');
  t.ok(await until(() => m.status()[0].resyncs >= 1), `dropped once behind the bound: ${JSON.stringify(m.status()[0])}`);
  t.equal(m.status()[0].resyncs, 1, 'once: nothing more is queued toward it');
  t.match(logs.join('\n'), /more than 65536 octets behind: connection dropped/);
  t.ok(await until(() => c.conns.length >= 2 && c.conns[1].types.filter((x) => x === BmpType.ROUTE_MONITORING).length >= ROUTES, 20000), 'the next connection gets every route in its dump');
  t.same(c.conns[1].types.slice(0, 2), [BmpType.INITIATION, BmpType.PEER_UP], 'Initiation, then the Loc-RIB Peer Up, first');
});

t.test('a collector that sends data is dropped and connected again', async (t) => {
  const c = await collector((s, n) => {
    if (n === 1) s.write('hello');
  });
  const { rib, logs, m } = locRibStation(t, c);
  t.ok(await until(() => c.conns.length >= 2, 8000), 'a new connection after the backoff');
  t.match(logs.join('\n'), /the collector sent data \(BMP is one-way\): connection dropped/);
  m.stop('bye');
  t.ok(await until(() => c.conns[1].types.includes(BmpType.TERMINATION)), 'Termination when stopped');
});

t.test('a route larger than a 4,096-octet UPDATE is still monitored (BMP carries extended messages)', async (t) => {
  const c = await collector();
  const { rib, logs, m } = locRibStation(t, c);
  t.ok(await until(() => m.status()[0].up), 'connected');
  // 1,100 communities: 4,400 octets of attributes, more than a plain UPDATE holds.
  rib.originate(Afi.IPV4, [0x0a630000, 0, 0, 0], 24, { communities: Array.from({ length: 1100 }, (_, i) => 0xfde80000 + i) });
  t.ok(await until(() => c.conns[0].types.filter((x) => x === BmpType.ROUTE_MONITORING).length >= 1), 'the route is sent');
  t.same(logs.filter((l) => /failed/.test(l)), [], 'nothing failed');
});

t.test('a monitor that throws is reported; the others and the caller carry on', async (t) => {
  const { monitors } = await import('../../src/daemon/peer.js');
  const failures: string[] = [];
  let heard = 0;
  const fan = monitors(() => [{ update: () => { throw new Error('boom'); } }, { update: () => { heard++; } }], (e) => failures.push(e.message));
  fan.update({} as never, {} as never, undefined);
  t.same([failures, heard], [['boom'], 1]);
});
