// K iBGP route-reflector clients in one process (one TCP session each, from its own address):
// once all are Established, each announces four /26 pod CIDRs; reports when every client holds
// the routes of all the others.
import { connect } from 'node:net';
import { Afi, Framer, decodeMessage, encodeAnnouncements, encodeMessage, encodeOpen, encodePathAttributes, makeContext, nlriCount, nlriFrom } from '../../dist/wire/index.js';

const [firstText, countText, dut] = process.argv.slice(2);
const K = Number(countText);
const base = firstText.split('.').map(Number);
const ctx = makeContext();
const now = () => performance.timeOrigin + performance.now();
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const keepalive = encodeMessage({ type: 'keepalive' }, ctx)[0];
const addr = (i) => `${base[0]}.${base[1]}.${base[2] + Math.floor(i / 250)}.${base[3] + (i % 250)}`;
const ip = (s) => s.split('.').reduce((a, o) => a * 256 + Number(o), 0);

const started = now();
let established = 0;
let complete = 0;
let t0 = 0;
const clients = [];
// Like a real speaker, a client whose session the reflector drops redials after a second (its
// connect retry) and, once the bench has started announcing, announces its routes again; what it
// had received counts again from nothing. The reflector's resets are reported, not hidden.
function dial(c) {
  const socket = connect({ host: dut, port: 179, localAddress: c.local });
  const framer = new Framer(65535);
  c.socket = socket;
  c.up = false;
  socket.setNoDelay(true);
  socket.on('connect', () => {
    socket.write(encodeOpen({ type: 'open', version: 4, myAs: 65000, holdTime: 240, bgpId: ip(c.local), params: [[{ type: 'multiprotocol', afi: 1, safi: 1 }, { type: 'four-octet-as', asn: 65000 }]] }));
  });
  socket.on('data', (chunk) => {
    for (const f of framer.push(chunk)) {
      const m = decodeMessage(f, ctx);
      if (m.type === 'open') socket.write(keepalive);
      else if (m.type === 'keepalive' && !c.up) {
        c.up = true;
        if (t0 !== 0) announce(c);
        else if (!c.counted) {
          c.counted = true;
          if (++established === K) announceAll();
        }
      } else if (m.type === 'notification') {
        out({ event: 'notification', client: c.local, code: m.code, subcode: m.subcode });
      } else if (m.type === 'update') {
        c.received += nlriCount(m.nlri) - nlriCount(m.withdrawn);
        if (!c.done && c.received >= 4 * (K - 1)) {
          c.done = true;
          if (++complete === K) out({ event: 'done', seconds: (now() - t0) / 1000, resets });
        }
      }
    }
  });
  socket.on('error', (e) => out({ event: 'error', client: c.local, message: e.message }));
  socket.on('close', () => {
    resets++;
    out({ event: 'closed', client: c.local, up: c.up, received: c.received });
    if (c.done) complete--;
    c.done = false;
    c.received = 0;
    setTimeout(() => dial(c), 1000).unref();
  });
}
let resets = 0;
for (let i = 0; i < K; i++) {
  const c = { socket: undefined, up: false, counted: false, received: 0, done: false, local: addr(i), index: i };
  clients.push(c);
  dial(c);
}

function announceAll() {
  // Dialed at once: how long until every session is Established.
  out({ event: 'established', count: K, seconds: (now() - started) / 1000 });
  t0 = now();
  for (const c of clients) if (c.up) announce(c);
}

function announce(c) {
  const i = c.index;
  const attrs = encodePathAttributes({ origin: 0, asPath: [], nextHop: ip(c.local), localPref: 100 }, ctx);
  // Four /26 pod CIDRs per node: 10.(100 + i / 64).(i % 64 * 4).0/26 ... one /24 carved in four.
  const third = (i % 64) * 4;
  const block = nlriFrom(Afi.IPV4, false, [0, 64, 128, 192].map((o) => [0, 26, ip(`10.${100 + Math.floor(i / 64)}.${third}.${o}`)]));
  for (const m of encodeAnnouncements(attrs, block, ctx)) c.socket.write(m);
}
setInterval(() => clients.forEach((c) => c.up && c.socket.write(keepalive)), 30000).unref();
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
