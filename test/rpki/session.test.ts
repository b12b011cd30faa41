// The RTR session driver over real TCP on loopback, with a test server playing a cache: a whole
// table arrives as one change; garbage from the cache is answered with an Error Report, the
// connection dropped and made again after the retry interval; a cache that goes away is retried
// and its data kept. (stayrtr, a real cache, is the interop test's.)
import t from 'tap';
import { type Server, type Socket, createServer } from 'node:net';
import { VrpTable } from '../../src/rib/index.js';
import { RtrMachine, RtrSession, type VrpChange, realRtrClock } from '../../src/rpki/index.js';
import { RtrFramer, decodeRtrPdu } from '../../src/wire/index.js';
import { cachePdu, vrp } from '../helpers/rtr-cache.js';

/** A cache on an ephemeral loopback port; `serve` answers each connection's first query. */
async function fakeCache(serve: (s: Socket, query: Buffer, n: number) => void): Promise<{ server: Server; port: number; received: Buffer[]; connections: () => number }> {
  const received: Buffer[] = [];
  let n = 0;
  const server = createServer((s) => {
    const i = ++n;
    const framer = new RtrFramer();
    let first = true;
    s.on('data', (d) => {
      for (const f of framer.push(d)) {
        received.push(f);
        if (first) serve(s, f, i);
        first = false;
      }
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port, received, connections: () => n };
}

const until = async (fn: () => boolean, ms = 5000) => {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (fn()) return true;
  return fn();
};

t.test('a table arrives whole; garbage is reported and the connection made again', async (t) => {
  const A = vrp('10.0.0.0/16-24 AS65001');
  const cache = await fakeCache((s, _q, i) => {
    if (i === 1) s.write(Buffer.concat([cachePdu.cacheResponse(1, 5), cachePdu.prefix(1, true, A), cachePdu.endOfData(1, 5, 1, { refresh: 3600, retry: 1, expire: 7200 })]));
    else s.write(Buffer.from('01030005000000020000', 'hex'));
  });
  const changes: (readonly VrpChange[] | 'all')[] = [];
  const ups: boolean[] = [];
  const machine = new RtrMachine(new VrpTable(), { refresh: 3600, retry: 1, expire: 7200 });
  const session = new RtrSession({ address: '127.0.0.1', port: cache.port }, machine, realRtrClock, { changed: (c) => changes.push(c), connection: (up) => ups.push(up) });
  t.teardown(() => {
    session.stop();
    cache.server.close();
  });
  session.start();
  t.ok(await until(() => changes.length === 1), 'the table arrives');
  t.equal(machine.table.size, 1);
  t.equal(decodeRtrPdu(cache.received[0]).type, 'query', 'the router asked first');
  // A new connection (the router restarted it); the cache answers this one with a length-2 PDU.
  const conns = cache.connections();
  session.stop();
  session.start();
  t.ok(await until(() => cache.connections() > conns), 'a new connection');
  t.ok(await until(() => cache.received.some((f) => f[1] === 10)), 'garbage is answered with an Error Report');
  const report = decodeRtrPdu(cache.received.find((f) => f[1] === 10)!);
  t.match(report, { type: 'error-report', code: 0 }, 'Corrupt Data');
  t.ok(await until(() => cache.connections() > conns + 1, 4000), 'and the router connects again after the retry interval');
  t.equal(machine.table.size, 1, 'the data from before is kept');
  t.ok(ups.includes(false), 'the connection going down was reported');
});

t.test('a cache that is not there is retried', async (t) => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  const downs: string[] = [];
  const machine = new RtrMachine(new VrpTable(), { refresh: 3600, retry: 1, expire: 7200 });
  const session = new RtrSession({ address: '127.0.0.1', port }, machine, realRtrClock, { changed: () => {}, connection: (up, why) => !up && downs.push(why ?? '') });
  t.teardown(() => session.stop());
  session.start();
  t.ok(await until(() => downs.length >= 2, 4000), `refused, then tried again: ${downs.join('; ')}`);
  t.match(downs[0], /ECONNREFUSED/);
  t.equal(machine.status.state, 'idle');
});
