// Hostile input against the shipped nodebgpd (npm run bench:hostile), not in CI: the binary on
// loopback with its config file, a bystander session (hold time 3 s) whose keepalive gaps are
// recorded, and one attack per phase from raw peers of ours. For each phase: how long it took,
// the worst event-loop delay the daemon itself reports (prom-client's maximum since the previous
// scrape), and the bystander's worst gap. Last, the heap after withdrawing 1M routes of 1M
// attribute sets, against the heap before the load (the daemon's own full collection).
//   ROUTES=200000 UNIQUE=1000000 npm run bench:hostile
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Framer, RouteRefreshSubtype, decodeMessage, encodeAnnouncements, encodeMessage, encodeOpen, encodePathAttributes, encodeRouteRefresh,
  asPathFrom, encodeWithdrawals, makeContext, nlriFrom,
} from '../dist/wire/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROUTES = Number(process.env.ROUTES ?? 200_000);
const UNIQUE = Number(process.env.UNIQUE ?? 1_000_000);
const ctx = makeContext({ extendedMessage: false });
const rx = makeContext({ extendedMessage: true });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const p = s.address().port;
  await new Promise((r) => s.close(r));
  return p;
}

const port = await freePort();
let apiPort = await freePort();
while (apiPort === port) apiPort = await freePort(); // the kernel may offer a just-closed port again
const dir = mkdtempSync(join(tmpdir(), 'nodebgp-hostile-'));
const file = join(dir, 'nodebgpd.yaml');
writeFileSync(file, `asn: 65000
routerId: 10.0.0.1
listen: { addresses: [127.0.0.1], port: ${port} }
api: { address: 127.0.0.1, port: ${apiPort} }
fib: { enabled: false }
ebgpRequiresPolicy: false
log: { level: warn }
policy:
  routeMaps:
    NOTHING: [{ seq: 10, action: deny }]
neighbors:
  - { address: 127.0.0.2, remoteAs: 65001, passive: true, timers: { idleHoldTime: 0, idleHoldMaxTime: 0 } }
  - { address: 127.0.0.3, remoteAs: 65003, passive: true, holdTime: 3 }
  - { address: 127.0.0.4, remoteAs: 65004, passive: true, exportPolicy: NOTHING }
  - { address: 127.0.0.5, remoteAs: 65005, passive: true, addPath: { receive: true, maxPathsPerPrefix: 20000 }, exportPolicy: NOTHING }
  - { address: 127.0.0.6, remoteAs: 65006, passive: true, exportPolicy: NOTHING, timers: { idleHoldTime: 0, idleHoldMaxTime: 0 } }
`);
const daemon = spawn(process.execPath, [join(here, '..', 'dist', 'api', 'nodebgpd.js'), '-c', file], { stdio: ['ignore', process.env.HOSTILE_STDOUT ? 'inherit' : 'ignore', 'inherit'] });
const api = async (path, method = 'GET') => (await fetch(`http://127.0.0.1:${apiPort}${path}`, { method })).text();
const metric = async (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await api('/metrics'))?.[1]);
for (let i = 0; i < 100; i++) {
  try {
    await api('/healthz');
    break;
  } catch {
    await sleep(200);
  }
}

/** A raw BGP peer from `from`: established, messages counted, every arrival time kept. */
async function peer(from, asn, { addPath = false, hold = 90 } = {}) {
  for (let i = 0; i < 100; i++) {
    if (JSON.parse(await api(`/v1/neighbors/${from}`)).state === 'Active') break;
    await sleep(100);
  }
  const s = connect({ port, host: '127.0.0.1', localAddress: from });
  await new Promise((r, j) => s.once('connect', r).once('error', j));
  const framer = new Framer(65535);
  const p = { socket: s, arrivals: [], updates: 0, keepalives: 0, closed: false };
  s.on('data', (d) => {
    p.arrivals.push(performance.now());
    for (const f of framer.push(d)) {
      const m = decodeMessage(f, rx);
      if (m.type === 'update') p.updates++;
      if (m.type === 'keepalive') p.keepalives++;
    }
  });
  s.on('close', () => (p.closed = true));
  s.on('error', () => (p.closed = true));
  const caps = [{ type: 'multiprotocol', afi: 1, safi: 1 }, { type: 'four-octet-as', asn }, { type: 'route-refresh', code: 2 }];
  if (addPath) caps.push({ type: 'add-path', entries: [{ afi: 1, safi: 1, sendReceive: 2 }] });
  s.write(encodeOpen({ type: 'open', version: 4, myAs: asn, holdTime: hold, bgpId: 0x7f000000 + asn - 65000, params: [caps] }));
  s.write(encodeMessage({ type: 'keepalive' }, ctx)[0]);
  while (p.keepalives === 0) await sleep(10);
  p.ka = setInterval(() => s.write(encodeMessage({ type: 'keepalive' }, ctx)[0]), hold * 1000 / 3);
  p.close = () => {
    clearInterval(p.ka);
    s.destroy();
  };
  return p;
}

const bystander = await peer('127.0.0.3', 65003, { hold: 3 });
const gap = (from) => {
  const a = bystander.arrivals.filter((x) => x >= from);
  return a.length < 2 ? 0 : Math.max(...a.slice(1).map((x, i) => x - a[i]));
};
const rows = [];
async function phase(name, fn) {
  await metric('nodejs_eventloop_lag_max_seconds'); // resets the maximum
  const t0 = performance.now();
  const note = await fn();
  const seconds = (performance.now() - t0) / 1000;
  await sleep(2500); // the bystander's next keepalives show any stall that just ended
  const stall = (await metric('nodejs_eventloop_lag_max_seconds')) * 1000;
  rows.push({ name, seconds, stall, gap: gap(t0), note, down: bystander.closed });
  console.error(`${name}: ${seconds.toFixed(2)} s, worst stall ${stall.toFixed(0)} ms, bystander gap ${gap(t0).toFixed(0)} ms${note ? `, ${note}` : ''}`);
}

const fnv = (bytes, h) => {
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
  return h >>> 0;
};
const attrsBytes = (a) => encodePathAttributes({ origin: 0, nextHop: 0x7f000002, ...a }, ctx);
const upd = (attrs, entries) => encodeAnnouncements(attrs, nlriFrom(1, false, entries), ctx);

await phase('hash flood: 16,384 sets with one 32-bit FNV-1a hash (1.74 MB)', async () => {
  const attacker = await peer('127.0.0.2', 65001);
  const prefix = attrsBytes({ asPath: asPathFrom([{ type: 2, asns: [65001] }]), communities: Array(14).fill(0) }).subarray(0, -56);
  let state = fnv(prefix, 0x811c9dc5 ^ 1);
  const pairs = [];
  for (let b = 0, k = 1; b < 14; b++) {
    const seen = new Map();
    for (;;) {
      const v = Buffer.alloc(4);
      v.writeUInt32BE(Math.imul(k++, 0x9e3779b1) >>> 0);
      const h = fnv(v, state);
      const o = seen.get(h);
      if (o && !o.equals(v)) {
        pairs.push([o, v]);
        state = h;
        break;
      }
      seen.set(h, v);
    }
  }
  const msgs = [];
  for (let m = 0; m < 16384; m++) msgs.push(...upd(Buffer.concat([prefix, ...pairs.map((p, j) => p[(m >> j) & 1])]), [[0, 24, 0x0b000000 + m * 256]]));
  const before = bystander.updates;
  attacker.socket.write(Buffer.concat(msgs));
  while (bystander.updates < before + 16384) await sleep(20);
  attacker.close();
  return `${(msgs.reduce((a, b) => a + b.length, 0) / 1e6).toFixed(2)} MB`;
});

const loader = await peer('127.0.0.4', 65004);
await phase(`load ${ROUTES.toLocaleString('en-US')} routes (over ${(ROUTES / 100).toLocaleString('en-US')} sets) for the next phases`, async () => {
  const msgs = [];
  for (let s = 0; s < ROUTES / 100; s++) {
    const a = attrsBytes({ asPath: asPathFrom([{ type: 2, asns: [65004, 64600 + (s % 300)] }]), nextHop: 0x7f000004, communities: [((64600 << 16) | (s % 65536)) >>> 0] });
    msgs.push(...upd(a, Array.from({ length: 100 }, (_, i) => [0, 24, 0x14000000 + (s * 100 + i) * 256])));
  }
  const before = bystander.updates;
  loader.socket.write(Buffer.concat(msgs));
  for (let i = 0; i < 6000; i++) {
    if (JSON.parse(await api('/v1/summary')).ribCount['ipv4-unicast'] >= ROUTES) break;
    await sleep(50);
  }
  while (bystander.updates === before) await sleep(20);
  return '';
});

await phase('ROUTE-REFRESH storm: 494 requests at once, then one every 100 ms for 5 s', async () => {
  const before = bystander.updates;
  const rr = encodeRouteRefresh({ type: 'route-refresh', afi: 1, safi: 1, subtype: RouteRefreshSubtype.NORMAL });
  bystander.socket.write(Buffer.concat(Array(494).fill(rr)));
  for (let i = 0; i < 50; i++) {
    await sleep(100);
    bystander.socket.write(rr);
  }
  await sleep(3000);
  return `${((bystander.updates - before) / (ROUTES / 100)).toFixed(1)} tables' worth of UPDATEs sent back`;
});

await phase('ADD-PATH: 10,000 paths for one prefix (limit raised to 20,000)', async () => {
  const ap = await peer('127.0.0.5', 65005, { addPath: true });
  const c = makeContext({ addPath: new Set([0x101]), extendedMessage: false });
  const a = encodePathAttributes({ origin: 0, asPath: asPathFrom([{ type: 2, asns: [65005] }]), nextHop: 0x7f000005 }, c);
  const msgs = [];
  for (let from = 1; from <= 10000; from += 400) msgs.push(...encodeAnnouncements(a, nlriFrom(1, true, Array.from({ length: 400 }, (_, i) => [from + i, 24, 0x0a000000])), c));
  ap.socket.write(Buffer.concat(msgs));
  for (;;) {
    if (JSON.parse(await api('/v1/summary')).pathCount['ipv4-unicast'] >= ROUTES + 10000) break;
    await sleep(20);
  }
  ap.close();
  return '';
});

await phase(`flap storm: a peer with one route flapping 200 times beside ${ROUTES.toLocaleString('en-US')} routes`, async () => {
  for (let i = 0; i < 200; i++) {
    const f = await peer('127.0.0.6', 65006);
    f.socket.write(upd(attrsBytes({ asPath: asPathFrom([{ type: 2, asns: [65006] }]), nextHop: 0x7f000006 }), [[0, 24, 0x0c000000]])[0]);
    await sleep(5);
    f.close();
  }
  return '';
});
loader.close();
await sleep(3000);

// Heap after withdrawing UNIQUE routes of UNIQUE attribute sets.
const before = JSON.parse(await api('/v1/memory/compact', 'POST')).heapAfter;
let loaded = 0;
await phase(`${UNIQUE.toLocaleString('en-US')} routes with an attribute set each, then withdrawn`, async () => {
  const p = await peer('127.0.0.4', 65004);
  for (let from = 0; from < UNIQUE; from += 50_000) {
    const msgs = [];
    for (let i = from; i < Math.min(UNIQUE, from + 50_000); i++) msgs.push(...upd(attrsBytes({ asPath: asPathFrom([{ type: 2, asns: [65004] }]), nextHop: 0x7f000004, communities: [i >>> 0] }), [[0, 32, 0x15000000 + i]]));
    p.socket.write(Buffer.concat(msgs));
    await sleep(10);
  }
  for (;;) {
    const s = JSON.parse(await api('/v1/summary'));
    if (s.ribCount['ipv4-unicast'] >= UNIQUE) break;
    await sleep(100);
  }
  // The heap in use while loaded (no collection forced here: that would be a stall of ours).
  loaded = await metric('nodejs_heap_size_used_bytes');
  for (let from = 0; from < UNIQUE; from += 1000) {
    const entries = Array.from({ length: Math.min(1000, UNIQUE - from) }, (_, k) => [0, 32, 0x15000000 + from + k]);
    p.socket.write(Buffer.concat(encodeWithdrawals(nlriFrom(1, false, entries), ctx)));
  }
  for (;;) {
    const s = JSON.parse(await api('/v1/summary'));
    if (s.ribCount['ipv4-unicast'] === 0) break;
    await sleep(100);
  }
  p.close();
  return '';
});
await sleep(3000);
const after = JSON.parse(await api('/v1/memory/compact', 'POST')).heapAfter;

console.log(`\nHostile input against nodebgpd (node ${process.version}, ${new Date().toISOString().slice(0, 10)}; bystander hold time 3 s)`);
console.log('| attack | took | worst event-loop stall | bystander worst gap | bystander session | note |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.name} | ${r.seconds.toFixed(2)} s | ${r.stall.toFixed(0)} ms | ${r.gap.toFixed(0)} ms | ${r.down ? 'lost' : 'kept'} | ${r.note} |`);
console.log(`\nHeap: ${(before / 2 ** 20).toFixed(1)} MB after a full collection before the ${UNIQUE.toLocaleString('en-US')}-set load, ${(loaded / 2 ** 20).toFixed(1)} MB in use loaded, ${(after / 2 ** 20).toFixed(1)} MB after a full collection once every route is withdrawn (${((after / before - 1) * 100).toFixed(1)}% from before).`);
bystander.close();
daemon.kill('SIGTERM');
