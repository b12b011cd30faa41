// Route pages under hostile conditions (issue: one GET of a 1000-route page with large attribute
// sets was 184 MB of JSON; paging stopped early when the `after` prefix was withdrawn meanwhile).
// A peer of ours announces 1,000 routes with 300 large communities each; pages stay within their
// octet bound, a cursor whose prefix is withdrawn between pages still resumes at the right place,
// a malformed cursor is a 400, and route listings beyond the concurrency bound get 429.
import { connect } from 'node:net';
import { pino } from 'pino';
import t from 'tap';
import { HeavyReads, buildApi } from '../../src/api/app.js';
import { parseConfig } from '../../src/config/load.js';
import { PAGE_BYTES } from '../../src/daemon/read-model.js';
import { DaemonProcess } from '../../src/daemon/process.js';
import { AS_PATH, NEXT_HOP, ORIGIN, attr, update } from '../helpers/build.js';
import { RawConnection, until } from '../helpers/raw-peer.js';

const PEER = '127.0.0.2';
const octet = (n: number) => n.toString(16).padStart(2, '0');

t.test('pages: bounded in octets, a cursor survives its prefix, 400 for a bad one, 429 past the bound', async (t) => {
  const config = parseConfig(`asn: 65000\nrouterId: 10.0.0.1\nlisten: { addresses: [127.0.0.1], port: 0 }\nebgpRequiresPolicy: false\nfib: { enabled: false }\nneighbors:\n  - { address: ${PEER}, remoteAs: 65001, passive: true }\n`, 'pages.yaml');
  const proc = new DaemonProcess(config, { logger: pino({ level: 'silent' }) });
  const heavyReads = new HeavyReads(4);
  const app = await buildApi(proc, { heavyReads });
  const d = proc.daemon;
  await d.start();
  t.teardown(async () => {
    await app.close();
    await d.stop();
  });
  await until(() => d.neighbor(PEER).session.state === 'Active', 5000);
  const s = connect({ port: d.listener.ports[0], host: '127.0.0.1', localAddress: PEER });
  await new Promise((r) => s.once('connect', r));
  t.teardown(() => s.destroy());
  const c = new RawConnection(s);
  c.sendOpen({ type: 'open', version: 4, myAs: 65001, holdTime: 90, bgpId: 2, params: [[{ type: 'multiprotocol', afi: 1, safi: 1 }, { type: 'four-octet-as', asn: 65001 }]] });
  c.send({ type: 'keepalive' });
  await until(() => d.neighbor(PEER).up, 5000);
  // 1,000 routes, each with 300 large communities of its own (3.6 kB of attributes on the wire).
  const msgs: Buffer[] = [];
  for (let i = 0; i < 1000; i++) {
    let large = '';
    for (let k = 0; k < 300; k++) large += `0000fde90000${octet(i >> 8)}${octet(i & 0xff)}0000${octet(k >> 8)}${octet(k & 0xff)}`;
    msgs.push(update('', ORIGIN + AS_PATH + NEXT_HOP + attr(0xd0, 32, large), `18${octet(10)}${octet(i >> 8)}${octet(i & 0xff)}`));
  }
  s.write(Buffer.concat(msgs));
  t.ok(await until(() => d.rib.v4.prefixes === 1000, 20000), '1,000 routes held');

  const first = await app.inject('/v1/routes/ipv4-unicast?limit=1000');
  t.equal(first.statusCode, 200);
  const page = first.json();
  t.ok(first.body.length <= PAGE_BYTES + 64 * 1024, `a 1000-route page is ${(first.body.length / 1e6).toFixed(2)} MB (bound ${(PAGE_BYTES / 1e6).toFixed(1)} MB)`);
  t.ok(page.items.length > 0 && page.items.length < 1000 && page.next, `${page.items.length} routes, and a cursor to the rest`);

  // Walk every page; before each request, withdraw the prefix the cursor names.
  const seen = new Set<string>(page.items.map((r: { prefix: string }) => r.prefix));
  let next: string | null = page.next;
  const withdrawn = new Set<string>();
  while (next) {
    const [a, b, cc] = next.split('/')[0].split('.').map(Number);
    s.write(update(`18${octet(a)}${octet(b)}${octet(cc)}`, '', ''));
    withdrawn.add(next);
    await until(() => d.query.route(1, { words: [((a << 24) | (b << 16) | (cc << 8)) >>> 0, 0, 0, 0], len: 24 }) === undefined, 3000);
    const r = (await app.inject(`/v1/routes/ipv4-unicast?limit=50&after=${encodeURIComponent(next)}`)).json();
    for (const x of r.items) seen.add(x.prefix);
    next = r.next;
  }
  t.equal(seen.size, 1000, `every route listed once across the pages (${withdrawn.size} cursor prefixes withdrawn along the way)`);

  const bad = await app.inject('/v1/routes/ipv4-unicast?after=10.0.0.0%2F33');
  t.same([bad.statusCode, bad.json().error.code], [400, 'invalid-request'], 'a malformed cursor is a 400');

  heavyReads.inFlight = heavyReads.limit;
  const busy = await app.inject('/v1/routes/ipv4-unicast?limit=10');
  t.same([busy.statusCode, busy.json().error.code, busy.headers['retry-after']], [429, 'too-many-requests', '1'], 'past the bound: 429 with Retry-After');
  heavyReads.inFlight = 0;
  const ok = await app.inject('/v1/routes/ipv4-unicast?limit=10');
  t.equal(ok.statusCode, 200, 'and served again once listings end');
  t.equal(heavyReads.inFlight, 0, 'every served listing is counted out');
});
