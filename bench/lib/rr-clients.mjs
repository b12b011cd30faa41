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
for (let i = 0; i < K; i++) {
  const local = addr(i);
  const c = { socket: connect({ host: dut, port: 179, localAddress: local }), framer: new Framer(65535), up: false, received: 0, done: false, local };
  clients.push(c);
  c.socket.setNoDelay(true);
  c.socket.on('connect', () => {
    c.socket.write(encodeOpen({ type: 'open', version: 4, myAs: 65000, holdTime: 240, bgpId: ip(local), params: [[{ type: 'multiprotocol', afi: 1, safi: 1 }, { type: 'four-octet-as', asn: 65000 }]] }));
  });
  c.socket.on('data', (chunk) => {
    for (const f of c.framer.push(chunk)) {
      const m = decodeMessage(f, ctx);
      if (m.type === 'open') c.socket.write(keepalive);
      else if (m.type === 'keepalive' && !c.up) {
        c.up = true;
        if (++established === K) announceAll();
      } else if (m.type === 'update') {
        c.received += nlriCount(m.nlri) - nlriCount(m.withdrawn);
        if (!c.done && c.received >= 4 * (K - 1)) {
          c.done = true;
          if (++complete === K) out({ event: 'done', seconds: (now() - t0) / 1000 });
        }
      }
    }
  });
  c.socket.on('error', (e) => out({ event: 'error', client: local, message: e.message }));
}

function announceAll() {
  // Dialed at once: how long until every session is Established.
  out({ event: 'established', count: K, seconds: (now() - started) / 1000 });
  t0 = now();
  clients.forEach((c, i) => {
    const attrs = encodePathAttributes({ origin: 0, asPath: [], nextHop: ip(c.local), localPref: 100 }, ctx);
    // Four /26 pod CIDRs per node: 10.(100 + i / 64).(i % 64 * 4).0/26 ... one /24 carved in four.
    const third = (i % 64) * 4;
    const block = nlriFrom(Afi.IPV4, false, [0, 64, 128, 192].map((o) => [0, 26, ip(`10.${100 + Math.floor(i / 64)}.${third}.${o}`)]));
    for (const m of encodeAnnouncements(attrs, block, ctx)) c.socket.write(m);
  });
}
setInterval(() => clients.forEach((c) => c.up && c.socket.write(keepalive)), 30000).unref();
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
