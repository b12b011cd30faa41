// The RFC 5881 transport on this kernel (loopback, a private port): the TTL 255 check installed as
// a socket filter drops packets sent with any other TTL / hop limit, IPv4 and IPv6; a session's
// sending socket uses a source port from 49152-65535 and sends with TTL 255 (its packets pass).
import t from 'tap';
import { createSocket } from 'node:dgram';
import { BfdTransport } from '../../src/bfd/transport.js';

const PORT = 20000 + (process.pid % 20000);

async function sendWithTtl(family: 4 | 6, ttl: number, payload: string): Promise<void> {
  const s = family === 6 ? createSocket({ type: 'udp6', ipv6Only: true }) : createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, r));
  s.setTTL(ttl);
  await new Promise<void>((r, j) => s.send(payload, PORT, family === 6 ? '::1' : '127.0.0.1', (e) => (e ? j(e) : r())));
  s.close();
}

t.test('packets arrive only with TTL / hop limit 255', async (t) => {
  const got: string[] = [];
  const warnings: string[] = [];
  const tr = new BfdTransport((r) => got.push(`${r.from.includes(':') ? 6 : 4}:${r.packet.toString()}`), (w) => warnings.push(w), PORT);
  t.teardown(() => tr.close());
  await tr.listen(4);
  await tr.listen(6);
  for (const family of [4, 6] as const) for (const ttl of [1, 64, 254, 255]) await sendWithTtl(family, ttl, `ttl${ttl}`);
  await new Promise((r) => setTimeout(r, 200));
  t.same(got.sort(), ['4:ttl255', '6:ttl255'], 'only TTL 255 reached the socket');
  t.same(warnings, [], 'the filter was installed without warnings');

  const sender = await tr.openSender('127.0.0.1');
  t.ok(sender.sourcePort >= 49152 && sender.sourcePort <= 65535, `source port ${sender.sourcePort}`);
  const other = await tr.openSender('127.0.0.1');
  t.not(other.sourcePort, sender.sourcePort, 'each session its own source port');
  sender.send(Buffer.from('from-session'));
  await new Promise((r) => setTimeout(r, 200));
  t.ok(got.includes('4:from-session'), 'our own packets carry TTL 255 (they pass the filter)');
  sender.close();
  other.close();
});

t.test('a port in use is reported in one readable line', async (t) => {
  const a = new BfdTransport(() => undefined, () => undefined, PORT + 1);
  const b = new BfdTransport(() => undefined, () => undefined, PORT + 1);
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  await a.listen(4);
  await t.rejects(b.listen(4), /UDP port \d+ \(IPv4\) is in use \(another BFD daemon/);
});
