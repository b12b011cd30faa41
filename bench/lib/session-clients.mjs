// K BGP clients in one process, one session each from its own address (see clients.mjs): each
// establishes and announces one /26. With FLAP seconds, each client drops its connection every
// FLAP seconds (its own phase) and dials again; reports established counts and reconnections.
import { connect } from 'node:net';
import { Afi, Framer, asPathFrom, decodeMessage, encodeAnnouncements, encodeMessage, encodeOpen, encodePathAttributes, makeContext, nlriFrom } from '../../dist/wire/index.js';
import { clientAddress } from './clients.mjs';

const [countText, dut, asnText, flapText] = process.argv.slice(2);
const K = Number(countText);
const ASN = Number(asnText);
const FLAP = Number(flapText ?? 0);
const ctx = makeContext();
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const keepalive = encodeMessage({ type: 'keepalive' }, ctx)[0];
const ip = (s) => s.split('.').reduce((a, o) => a * 256 + Number(o), 0);

let up = 0;
let sessions = 0;
let reported = false;

function client(i) {
  const local = clientAddress(i);
  const c = { up: false };
  const socket = connect({ host: dut, port: 179, localAddress: local });
  const framer = new Framer(65535);
  socket.on('connect', () => socket.write(encodeOpen({ type: 'open', version: 4, myAs: ASN, holdTime: 90, bgpId: ip(local), params: [[{ type: 'multiprotocol', afi: 1, safi: 1 }, { type: 'four-octet-as', asn: ASN }]] })));
  socket.on('data', (chunk) => {
    for (const f of framer.push(chunk)) {
      const m = decodeMessage(f, ctx);
      if (m.type === 'open') socket.write(keepalive);
      else if (m.type === 'keepalive' && !c.up) {
        c.up = true;
        up++;
        sessions++;
        const attrs = encodePathAttributes({ origin: 0, asPath: ASN === 65000 ? [] : asPathFrom([{ type: 2, asns: [ASN] }]), nextHop: ip(local), ...(ASN === 65000 ? { localPref: 100 } : {}) }, ctx);
        for (const b of encodeAnnouncements(attrs, nlriFrom(Afi.IPV4, false, [[0, 26, ip(`10.${100 + Math.floor(i / 64)}.${(i % 64) * 4}.0`)]]), ctx)) socket.write(b);
        if (up === K && !reported) {
          reported = true;
          out({ event: 'established', count: K });
        }
        if (FLAP > 0) setTimeout(() => socket.destroy(), FLAP * 1000 * (0.5 + Math.random())).unref();
      }
    }
  });
  const ka = setInterval(() => c.up && socket.write(keepalive), 30000);
  socket.on('error', () => undefined);
  socket.on('close', () => {
    clearInterval(ka);
    if (c.up) up--;
    // Dial again after a short pause (the DUT may refuse while its session is idle).
    setTimeout(() => client(i), 500 + Math.random() * 500);
  });
}

for (let i = 0; i < K; i++) client(i);
setInterval(() => out({ event: 'status', up, sessions }), 5000).unref();
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
