// Router advertisements (RFC 4861 4.2, 6.1.2): FRR's own, as captured on an unnumbered link, decode
// to what tcpdump printed for it; ours decode back; every malformed form is refused with NdError;
// the kernel's ancillary data gives the hop limit and the interface.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import t from 'tap';
import { NdError, decodeRouterAdvert, encodeRouterAdvert, parseArrival } from '../../src/nd/index.js';
import { ROOT } from '../helpers/fixtures.js';

const frr = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'nd', 'frr-router-advert.json'), 'utf8'));

t.test('FRR zebra\'s advertisement, as captured', async (t) => {
  const ra = decodeRouterAdvert(Buffer.from(frr.hex, 'hex'));
  t.same({ curHopLimit: ra.curHopLimit, routerLifetime: ra.routerLifetime, sourceLinkLayer: ra.sourceLinkLayer?.toString('hex') }, frr.expected.advert);
  t.same(parseArrival(Buffer.from(frr.control, 'hex')), frr.expected.arrival, 'IPV6_HOPLIMIT 255 and IPV6_PKTINFO ifindex from the kernel');
});

t.test('ours: lifetime 0 (not a default router), our MAC, decodes back', async (t) => {
  const mac = Buffer.from('02aabbccddee', 'hex');
  const b = encodeRouterAdvert(mac);
  t.equal(b.length, 24);
  t.equal(b[0], 134, 'type 134');
  t.equal(b.readUInt16BE(2), 0, 'checksum left to the kernel');
  t.same(decodeRouterAdvert(b), { curHopLimit: 64, routerLifetime: 0, sourceLinkLayer: mac });
  t.same(decodeRouterAdvert(encodeRouterAdvert(undefined)), { curHopLimit: 64, routerLifetime: 0, sourceLinkLayer: undefined }, 'no MAC, no option');
});

t.test('malformed advertisements are refused, each with its reason', async (t) => {
  const good = Buffer.from(frr.hex, 'hex');
  const bad: [string, Buffer, RegExp][] = [
    ['shorter than 16 octets', good.subarray(0, 15), /15 octets \(at least 16\)/],
    ['not type 134', Buffer.concat([Buffer.from([133]), good.subarray(1)]), /type 133 is not a router advertisement/],
    ['code not 0', Buffer.concat([good.subarray(0, 1), Buffer.from([1]), good.subarray(2)]), /code 1 \(must be 0\)/],
    ['an option of length 0', Buffer.concat([good.subarray(0, 16), Buffer.from([1, 0, 0, 0, 0, 0, 0, 0])]), /option 1 at octet 16 has length 0/],
    ['an option past the end', Buffer.concat([good.subarray(0, 16), Buffer.from([1, 2, 0, 0, 0, 0, 0, 0])]), /runs past the message \(16 octets, 8 left\)/],
    ['an option header cut short', Buffer.concat([good, Buffer.from([5])]), /cut short at octet 24/],
  ];
  for (const [what, b, reason] of bad) t.throws(() => decodeRouterAdvert(b), { constructor: NdError, message: reason }, what);
});

t.test('any octets: decoded or refused with NdError, never another error', async () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (a) => {
    const b = Buffer.from(a);
    if (b.length > 0) b[0] = 134;
    try {
      decodeRouterAdvert(b);
    } catch (e) {
      if (!(e instanceof NdError)) throw e;
    }
  }), { numRuns: 2000 });
});

t.test('ancillary data: cut short or garbage gives nothing, never a throw', async (t) => {
  const control = Buffer.from(frr.control, 'hex');
  t.same(parseArrival(control.subarray(0, 36)), { hopLimit: undefined, ifindex: 2 }, 'the hop limit cut off');
  t.same(parseArrival(Buffer.alloc(0)), { hopLimit: undefined, ifindex: undefined });
  const lying = Buffer.from(control);
  lying.writeBigUInt64LE(4096n, 0);
  t.same(parseArrival(lying), { hopLimit: undefined, ifindex: undefined }, 'a length past the end stops the walk');
});
