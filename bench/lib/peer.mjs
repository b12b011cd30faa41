// A minimal BGP speaker for the benchmarks, run inside a namespace:
//   sender:   connects to the DUT, establishes, sends the whole table as fast as TCP takes it;
//   receiver: accepts or connects, establishes, counts announced prefixes until it holds N;
//   stuck:    a receiver that stops reading once Established (it keeps sending keepalives);
//   watcher:  a receiver that tracks, per prefix, the AS the DUT learned it from (the second AS of
//             the path) and reports each time all N prefixes come from one AS (all-from).
// PREPEND (sender): the sender's AS this many more times in every path. SEND_ON=go (sender): once
// Established, wait for the line "go" on stdin before sending.
// Reports JSON lines on stdout: established, first-byte time, done time (epoch ms, high resolution).
import { connect, createServer } from 'node:net';
import { Framer, addressToOctets, asPathSegments, decodeMessage, encodeMessage, encodeOpen, makeContext, nlriCount } from '../../dist/wire/index.js';
import { createInterface } from 'node:readline';
import { buildTable } from './table.mjs';

const [role, localAddress, remoteAddress, asnText, countText, extra] = process.argv.slice(2);
const asn = Number(asnText);
const count = Number(countText);
const ctx = makeContext();
const now = () => performance.timeOrigin + performance.now();
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const ip = (s) => s.split('.').reduce((a, o) => a * 256 + Number(o), 0);
// Over IPv6 (an IPv6 local address): IPv6 unicast only, and a BGP identifier from the address's
// second and last groups (fd90:1::2 is 10.0.1.2).
const v6 = localAddress.includes(':');
const local6 = v6 ? addressToOctets(localAddress) : null;
const bgpId = v6 ? (((10 << 24) | ((local6.readUInt16BE(2) & 255) << 8) | local6[15]) >>> 0) : ip(localAddress);
const open = encodeOpen({ type: 'open', version: 4, myAs: asn, holdTime: 240, bgpId, params: [[
  { type: 'multiprotocol', afi: v6 ? 2 : 1, safi: 1 }, { type: 'four-octet-as', asn }, { type: 'route-refresh', code: 2 },
]] });
const keepalive = encodeMessage({ type: 'keepalive' }, ctx)[0];
// PER_SET: prefixes per attribute set (5: a full table's shape, about one set per 4-5 prefixes).
const table = role === 'sender' ? buildTable(count, { firstAs: asn, nextHop: v6 ? local6 : ip(localAddress), avoid: JSON.parse(extra ?? '[]'), perSet: Number(process.env.PER_SET ?? 5), prepend: Number(process.env.PREPEND ?? 0) }) : null;
if (table) out({ event: 'table', updates: table.updates.length, prefixes: table.prefixes, last: table.last, octets: table.updates.reduce((n, b) => n + b.length, 0) });

function session(socket) {
  const framer = new Framer(65535);
  let established = false;
  let received = 0;
  let last = 0;
  socket.setNoDelay(true);
  socket.write(open);
  const ka = setInterval(() => socket.write(keepalive), 30000);
  socket.on('close', () => clearInterval(ka));
  socket.on('data', (chunk) => {
    for (const f of framer.push(chunk)) {
      const m = decodeMessage(f, ctx);
      if (m.type === 'open') socket.write(keepalive);
      else if (m.type === 'keepalive' && !established) {
        established = true;
        out({ event: 'established', at: now() });
        if (role === 'sender' && process.env.SEND_ON) whenTold(() => send(socket));
        else if (role === 'sender') send(socket);
        if (role === 'stuck') {
          socket.pause();
          out({ event: 'stuck', at: now() });
        }
      } else if (m.type === 'update' && role === 'watcher') {
        watch(m);
      } else if (m.type === 'update') {
        received += nlriCount(m.nlri) - nlriCount(m.withdrawn) + (m.mpReach?.nlri ? nlriCount(m.mpReach.nlri) : 0) - (m.mpUnreach?.withdrawn ? nlriCount(m.mpUnreach.withdrawn) : 0);
        last = now();
        if (received >= count && role === 'receiver') {
          out({ event: 'done', at: last, received });
          received = -Infinity;
        }
      } else if (m.type === 'notification') {
        out({ event: 'notification', code: m.code, subcode: m.subcode });
      }
    }
  });
  socket.on('error', (e) => out({ event: 'error', message: e.message }));
  socket.on('close', () => out({ event: 'closed' }));
}

// watcher: prefix (address * 64 + length) -> the AS the DUT learned it from; prefixes per AS.
const fromAs = new Map();
const perAs = new Map();
let reported = 0;
function watch(m) {
  const move = (key, asn) => {
    const was = fromAs.get(key);
    if (was === asn) return;
    if (was !== undefined) perAs.set(was, perAs.get(was) - 1);
    if (asn === undefined) fromAs.delete(key);
    else {
      fromAs.set(key, asn);
      perAs.set(asn, (perAs.get(asn) ?? 0) + 1);
    }
  };
  for (let i = 0; i < m.withdrawn.words.length; i += 3) move(m.withdrawn.words[i + 2] * 64 + m.withdrawn.words[i + 1], undefined);
  const asn = asPathSegments(m.attributes?.asPath ?? [])[0]?.asns[1];
  for (let i = 0; i < m.nlri.words.length; i += 3) move(m.nlri.words[i + 2] * 64 + m.nlri.words[i + 1], asn);
  if (asn !== undefined && asn !== reported && perAs.get(asn) === count) {
    reported = asn;
    out({ event: 'all-from', asn, at: now() });
  }
}

function whenTold(fn) {
  createInterface({ input: process.stdin }).on('line', (l) => {
    if (l.trim() === process.env.SEND_ON) fn();
  });
}

function send(socket) {
  let i = 0;
  const first = now();
  out({ event: 'first-byte', at: first });
  const pump = () => {
    while (i < table.updates.length) {
      // Large writes: batch many UPDATEs per write call.
      const batch = table.updates.slice(i, i + 512);
      i += batch.length;
      if (!socket.write(Buffer.concat(batch))) return socket.once('drain', pump);
    }
    out({ event: 'sent', at: now() });
  };
  pump();
}

if (role === 'sender') {
  const s = connect({ host: remoteAddress, port: 179, localAddress });
  // A connection that never comes up is reported (and the run fails saying why), not thrown.
  const failed = (e) => out({ event: 'error', message: e.message, phase: 'connect' });
  s.on('error', failed);
  s.on('connect', () => {
    s.off('error', failed);
    session(s);
  });
} else {
  // The receiver waits for the DUT to connect (one connection, no collision).
  const server = createServer((s) => {
    server.close();
    session(s);
  });
  server.listen(179, localAddress, () => out({ event: 'listening' }));
}
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
