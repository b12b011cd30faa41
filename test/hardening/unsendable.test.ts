// Routes too large for a peer (issue: one valid UPDATE killed the process). The shipped nodebgpd
// binary on loopback, raw peers of ours: a sender with extended messages announces UPDATEs of
// 4,093-4,096 octets, a 1,000-ASN AS_PATH and a 5,000-octet extended message; a receiver without
// extended messages (eBGP) and an iBGP route-reflector client must get everything else, never
// those (RFC 8654 4), a withdrawal where a smaller form was sent before, and the process carries on.
import t from 'tap';
import { type BgpMessage, type OpenMessage, ipv4ToString } from '../../src/wire/index.js';
import { ORIGIN, attr, update, hex } from '../helpers/build.js';
import { onLoopback } from '../helpers/nodebgpd.js';
import { type RawConnection, dialFrom, until } from '../helpers/raw-peer.js';

const SENDER = '127.0.0.2';
const EBGP = '127.0.0.3';
const CLIENT = '127.0.0.4';
const RR_SENDER = '127.0.0.5';
const AS2 = '127.0.0.6';

const open = (asn: number, bgpId: number, extended: boolean, as4 = true): OpenMessage => ({
  type: 'open', version: 4, myAs: asn > 65535 ? 23456 : asn, holdTime: 90, bgpId,
  params: [[
    { type: 'multiprotocol', afi: 1, safi: 1 }, { type: 'route-refresh', code: 2 },
    ...(as4 ? [{ type: 'four-octet-as' as const, asn }] : []), ...(extended ? [{ type: 'extended-message' as const }] : []),
  ]],
});
/** LOCAL_PREF 100, as an iBGP peer sends it. */
const LOCAL_PREF = attr(0x40, 5, '00000064');

const asPath = (asns: number[]) => {
  let v = '';
  for (let i = 0; i < asns.length; i += 255) {
    const seg = asns.slice(i, i + 255);
    v += `02${hex(seg.length, 1)}${seg.map((a) => hex(a, 4)).join('')}`;
  }
  return attr(v.length / 2 > 255 ? 0x50 : 0x40, 2, v);
};
const nlri = (prefix: string) => {
  const [a, len] = prefix.split('/');
  const octets = a.split('.').map(Number).slice(0, Math.ceil(Number(len) / 8));
  return hex(Number(len), 1) + octets.map((o) => hex(o, 1)).join('');
};
/**
 * An UPDATE for `prefix` from `asns` with next hop `nh`, padded with an unknown optional transitive
 * attribute (it passes through, RFC 4271 5) to exactly `size` octets when given.
 */
function announce(prefix: string, asns: number[], nh: string, size?: number, extra = ''): Buffer {
  const base = ORIGIN + asPath(asns) + attr(0x40, 3, nh.split('.').map((o) => hex(Number(o), 1)).join('')) + extra;
  const plain = update('', base, nlri(prefix));
  if (size === undefined) return plain;
  const pad = size - plain.length - 4; // the padding attribute's own header (extended length)
  if (pad < 0) throw new Error(`${prefix}: ${plain.length} octets already`);
  const m = update('', base + attr(0xd0, 250, '5a'.repeat(pad)), nlri(prefix));
  if (m.length !== size) throw new Error(`built ${m.length} octets, wanted ${size}`);
  return m;
}

const announced = (c: RawConnection) => new Set(c.of('update').flatMap((u) => {
  const w = u.nlri.words;
  const out: string[] = [];
  for (let i = 0; i < w.length; i += 3) out.push(`${ipv4ToString(w[i + 2])}/${w[i + 1]}`);
  return out;
}));
const withdrawn = (c: RawConnection) => new Set(c.of('update').flatMap((u) => {
  const w = u.withdrawn.words;
  const out: string[] = [];
  for (let i = 0; i < w.length; i += 3) out.push(`${ipv4ToString(w[i + 2])}/${w[i + 1]}`);
  return out;
}));
const isKeepalive = (m: BgpMessage) => m.type === 'keepalive';

t.test('a route too large for a peer is not sent to it, is withdrawn where it was, and the daemon carries on', async (t) => {
  const { d, port } = await onLoopback(t, `
ebgpRequiresPolicy: false
neighbors:
  - { address: ${SENDER}, remoteAs: 65001, passive: true }
  - { address: ${EBGP}, remoteAs: 65003, passive: true }
  - { address: ${CLIENT}, remoteAs: 65000, passive: true, routeReflectorClient: true }
  - { address: ${RR_SENDER}, remoteAs: 65000, passive: true, routeReflectorClient: true }
  - { address: ${AS2}, remoteAs: 65006, passive: true }
`);

  const establish = async (from: string, asn: number, id: number, extended: boolean, as4 = true) => {
    t.ok(await until(() => d.cli('neighbors', from).state === 'Active', 10000), `${from} waits for a connection`);
    const c = await dialFrom(port, from);
    t.teardown(() => c.socket.destroy());
    c.sendOpen(open(asn, id, extended, as4));
    c.send({ type: 'keepalive' });
    t.ok(await until(() => c.received.some(isKeepalive), 5000), `${from} Established`);
    return c;
  };
  const sender = await establish(SENDER, 65001, 2, true);
  const ebgp = await establish(EBGP, 65003, 3, false);
  const client = await establish(CLIENT, 65000, 4, false);
  const rrSender = await establish(RR_SENDER, 65000, 5, true);
  const as2 = await establish(AS2, 65006, 6, false, false);
  const keepalives = setInterval(() => [sender, ebgp, client, rrSender, as2].forEach((c) => c.send({ type: 'keepalive' })), 5000);
  t.teardown(() => clearInterval(keepalives));

  // A small form of 10.1.1.0/24 first: both receivers get it.
  sender.socket.write(announce('10.1.1.0/24', [65001], '192.0.2.1'));
  t.ok(await until(() => announced(ebgp).has('10.1.1.0/24') && announced(client).has('10.1.1.0/24')), 'the small form of 10.1.1.0/24 reaches both receivers');

  // Sizes from the review: 4,093-4,096 octets (4 more for our AS on eBGP), a 1,000-ASN AS_PATH,
  // and an extended message of 5,000 octets. 10.1.1.0/24 is replaced by its large form.
  const big: [string, Buffer][] = [
    ['10.1.1.0/24', announce('10.1.1.0/24', [65001], '192.0.2.1', 4096)],
    ['10.1.2.0/24', announce('10.1.2.0/24', [65001], '192.0.2.1', 4093)],
    ['10.1.3.0/24', announce('10.1.3.0/24', [65001], '192.0.2.1', 4095)],
    ['10.1.4.0/24', announce('10.1.4.0/24', Array.from({ length: 1000 }, (_, i) => (i === 0 ? 65001 : 4200000000 + i)), '192.0.2.1')],
    ['10.1.5.0/24', announce('10.1.5.0/24', [65001], '192.0.2.1', 5000)],
  ];
  for (const [, m] of big) sender.socket.write(m);
  sender.socket.write(announce('10.9.0.0/24', [65001], '192.0.2.1'));
  t.ok(await until(() => announced(ebgp).has('10.9.0.0/24') && announced(client).has('10.9.0.0/24')), 'a normal route sent after them still reaches both receivers');
  t.ok(await until(() => withdrawn(ebgp).has('10.1.1.0/24') && withdrawn(client).has('10.1.1.0/24')), '10.1.1.0/24, sent before in a smaller form, is withdrawn at both');
  const eb = announced(ebgp);
  for (const [p] of big.slice(1)) {
    // 1,000 4-octet ASNs and ours fit 4,096 octets: that route is sent; not so with 2-octet AS
    // numbers, where AS4_PATH repeats the path (RFC 6793 4.2.2).
    if (p === '10.1.4.0/24') t.ok(eb.has(p), `${p} (1,000 ASNs) is sent to the 4-octet-AS peer: it fits`);
    else t.notOk(eb.has(p), `${p} is not sent to the eBGP peer without extended messages`);
  }
  t.ok(await until(() => announced(as2).has('10.9.0.0/24')), 'the peer without 4-octet AS numbers gets the normal route');
  t.notOk(announced(as2).has('10.1.4.0/24'), 'but not the 1,000-ASN path (AS_PATH and AS4_PATH would be 6,000 octets)');
  // iBGP: no AS prepended; 4,096 octets plus reflection's ORIGINATOR_ID and CLUSTER_LIST do not fit.
  t.notOk(announced(client).has('10.1.5.0/24'), 'the 5,000-octet route is not reflected to a client without extended messages');

  // Through reflection the limit is 14 octets lower: 4,082 fits, 4,083 does not.
  rrSender.socket.write(announce('10.2.1.0/24', [65010], '192.0.2.5', 4082, LOCAL_PREF));
  rrSender.socket.write(announce('10.2.2.0/24', [65010], '192.0.2.5', 4083, LOCAL_PREF));
  rrSender.socket.write(announce('10.2.9.0/24', [65010], '192.0.2.5', undefined, LOCAL_PREF));
  t.ok(await until(() => announced(client).has('10.2.9.0/24')), 'reflected routes reach the client');
  t.ok(announced(client).has('10.2.1.0/24'), 'a 4,082-octet UPDATE is reflected (4,096 with ORIGINATOR_ID and CLUSTER_LIST)');
  t.notOk(announced(client).has('10.2.2.0/24'), 'a 4,083-octet one is not');

  t.ok(d.alive, 'the daemon is running');
  for (const c of [sender, ebgp, client, rrSender, as2]) t.notOk(c.closed || c.of('notification').length > 0, 'no session was reset');

  // A peer without extended messages can establish while such routes are held, and gets the rest.
  ebgp.socket.destroy();
  const again = await establish(EBGP, 65003, 3, false);
  t.ok(await until(() => announced(again).has('10.9.0.0/24') && again.of('update').some((u) => u.nlri.words.length === 0 && u.withdrawn.words.length === 0 && !u.attributes), 5000), 'a new session of the eBGP peer gets the table and End-of-RIB');
  t.notOk(['10.1.1.0/24', '10.1.2.0/24', '10.1.3.0/24', '10.1.5.0/24'].some((p) => announced(again).has(p)), 'without the routes it cannot take');
  t.notOk(again.closed, 'and stays up');

  const metrics = d.curl('/metrics');
  const count = (peer: string) => Number(new RegExp(`nodebgp_routes_unsendable_total\\{peer="${peer.replace(/\./g, '\\.')}"[^}]*\\} (\\d+)`).exec(metrics)?.[1] ?? -1);
  t.ok(count(EBGP) >= 4, `nodebgp_routes_unsendable_total counts them for ${EBGP} (${count(EBGP)})`);
  t.ok(count(CLIENT) >= 2, `and for ${CLIENT} (${count(CLIENT)})`);
  const warned = d.log.filter((l) => /not sent: its UPDATE would be/.test(l.msg));
  const perPrefix = new Map<string, number>();
  for (const l of warned) perPrefix.set(String(l.prefix), (perPrefix.get(String(l.prefix)) ?? 0) + 1);
  t.ok(warned.length > 0 && warned.every((l) => l.level === 40), 'logged at warn');
  t.same([...perPrefix.values()].filter((n) => n > 1), [], 'once per prefix');
});
