// The churn soak's two ends, run inside namespaces (JSON lines on stdout):
//   churner:   connects to the DUT, announces U /24s (from 11.0.0.0), then for SECONDS changes RATE
//              prefixes a second (withdraw, announce, or announce again with another community),
//              then reports the digest of what it has announced at the end;
//   collector: takes the DUT's connection and keeps what it is told; on stdin "digest" it reports
//              the digest of its table, and how long since the last UPDATE.
// Digests: count and a hash over the sorted (prefix, communities, AS path after the DUT's AS).
import { createHash } from 'node:crypto';
import { connect, createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { Afi, Framer, asPathFrom, asPathSegments, decodeMessage, encodeMessage, encodeOpen, encodeAnnouncements, encodeWithdrawals, encodePathAttributes, makeContext, nlriFrom } from '../../dist/wire/index.js';

const [role, localAddress, remoteAddress, asnText, universeText, rateText, secondsText] = process.argv.slice(2);
const ASN = Number(asnText);
const U = Number(universeText);
const ctx = makeContext();
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const ip = (s) => s.split('.').reduce((a, o) => a * 256 + Number(o), 0);
const keepalive = encodeMessage({ type: 'keepalive' }, ctx)[0];
const prefixOf = (i) => (0x0b000000 + i * 256) >>> 0;
const digest = (entries) => {
  const h = createHash('sha256');
  for (const e of entries.sort()) h.update(`${e}\n`);
  return { count: entries.length, hash: h.digest('hex').slice(0, 16) };
};

function session(socket, onUp, onUpdate) {
  const framer = new Framer(65535);
  let up = false;
  socket.setNoDelay(true);
  socket.write(encodeOpen({ type: 'open', version: 4, myAs: ASN, holdTime: 90, bgpId: ip(localAddress), params: [[{ type: 'multiprotocol', afi: 1, safi: 1 }, { type: 'four-octet-as', asn: ASN }]] }));
  setInterval(() => socket.write(keepalive), 20000).unref();
  socket.on('data', (chunk) => {
    for (const f of framer.push(chunk)) {
      const m = decodeMessage(f, ctx);
      if (m.type === 'open') socket.write(keepalive);
      else if (m.type === 'keepalive' && !up) {
        up = true;
        onUp();
      } else if (m.type === 'update') onUpdate(m);
      else if (m.type === 'notification') out({ event: 'notification', code: m.code, subcode: m.subcode });
    }
  });
  socket.on('error', (e) => out({ event: 'error', message: e.message }));
}

if (role === 'churner') {
  const rate = Number(rateText);
  const seconds = Number(secondsText);
  let seed = 7;
  const rand = (k) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % k;
  };
  const state = new Int16Array(U).fill(-1); // -1: withdrawn; else the community index
  const attrsFor = new Map();
  const attrs = (c) => {
    if (!attrsFor.has(c)) attrsFor.set(c, encodePathAttributes({ origin: 0, asPath: asPathFrom([{ type: 2, asns: [ASN] }]), nextHop: ip(localAddress), communities: [((ASN << 16) | c) >>> 0] }, ctx));
    return attrsFor.get(c);
  };
  const socket = connect({ host: remoteAddress, port: 179, localAddress });
  socket.on('connect', () => session(socket, start, () => undefined));
  const write = (msgs) => {
    for (const m of msgs) socket.write(m);
  };
  function announce(byCommunity) {
    for (const [c, list] of byCommunity) write(encodeAnnouncements(attrs(c), nlriFrom(Afi.IPV4, false, list.map((i) => [0, 24, prefixOf(i)])), ctx));
  }
  function start() {
    // The base table: every prefix with community 0..63 by index.
    const base = new Map();
    for (let i = 0; i < U; i++) {
      state[i] = i % 64;
      if (!base.has(i % 64)) base.set(i % 64, []);
      base.get(i % 64).push(i);
    }
    announce(base);
    out({ event: 'base-sent', prefixes: U });
    const tickMs = 100;
    const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
    const end = Date.now() + seconds * 1000;
    let changes = 0;
    const timer = setInterval(() => {
      if (Date.now() >= end) {
        clearInterval(timer);
        const entries = [];
        for (let i = 0; i < U; i++) if (state[i] >= 0) entries.push(`${prefixOf(i)}/24|${((ASN << 16) | state[i]) >>> 0}|${ASN}`);
        out({ event: 'done', changes, ...digest(entries) });
        return;
      }
      if (socket.writableLength > 4 * 2 ** 20) return; // the DUT is slow: do not queue without bound
      // A prefix changed twice in a tick is sent once, in its final state.
      const touched = new Set();
      for (let k = 0; k < perTick; k++) {
        const i = rand(U);
        state[i] = state[i] >= 0 && rand(2) === 0 ? -1 : 64 + rand(64);
        touched.add(i);
        changes++;
      }
      const ann = new Map();
      const wd = [];
      for (const i of touched) {
        if (state[i] < 0) wd.push(i);
        else {
          if (!ann.has(state[i])) ann.set(state[i], []);
          ann.get(state[i]).push(i);
        }
      }
      if (wd.length > 0) write(encodeWithdrawals(nlriFrom(Afi.IPV4, false, wd.map((i) => [0, 24, prefixOf(i)])), ctx));
      announce(ann);
    }, tickMs);
  }
} else {
  const table = new Map();
  let last = Date.now();
  const server = createServer((socket) => {
    server.close();
    session(socket, () => out({ event: 'established' }), (m) => {
      last = Date.now();
      const w = m.withdrawn.words;
      for (let k = 0; k < w.length; k += 3) table.delete(`${w[k + 2]}/${w[k + 1]}`);
      const n = m.nlri.words;
      if (n.length === 0) return;
      const path = asPathSegments(m.attributes.asPath).flatMap((s) => s.asns);
      const value = `${(m.attributes.communities ?? []).join(',')}|${path.slice(1).join(' ')}`;
      for (let k = 0; k < n.length; k += 3) table.set(`${n[k + 2]}/${n[k + 1]}`, value);
    });
  });
  server.listen(179, localAddress, () => out({ event: 'listening' }));
  createInterface({ input: process.stdin }).on('line', (l) => {
    if (l.trim() === 'digest') out({ event: 'digest', quietMs: Date.now() - last, ...digest([...table].map(([p, v]) => `${p}|${v}`)) });
  });
  process.stdin.on('end', () => process.exit(0));
}
