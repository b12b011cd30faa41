// The rtnetlink route codec: what we write parses back the same (single next hop, ECMP,
// RTA_VIA for an IPv6 gateway on an IPv4 route); NLMSG_ERROR carries the request's sequence
// number; a batch holds several messages back to back, each 4-octet aligned.
import t from 'tap';
import { AF_INET, AF_INET6, type KernelRoute, NetlinkBatch, RTPROT_BGP, parseMessages } from '../../src/fib/index.js';

const v4 = (s: string) => Buffer.from(s.split('.').map(Number));
const route = (over: Partial<KernelRoute> = {}): KernelRoute => ({ family: AF_INET, dst: v4('10.244.1.0'), len: 26, table: 254, protocol: RTPROT_BGP, metric: 20, nexthops: [{ gateway: v4('10.1.1.1') }], ...over });

/** Our request turned into what a dump would answer: same payload, RTM_NEWROUTE. */
function echo(b: Buffer): ReturnType<typeof parseMessages> {
  const copy = Buffer.from(b);
  let o = 0;
  while (o < copy.length) {
    copy.writeUInt16LE(24, o + 4);
    o += (copy.readUInt32LE(o) + 3) & ~3;
  }
  return parseMessages(copy);
}

t.test('routes parse back as written', async (t) => {
  const cases: KernelRoute[] = [
    route(),
    route({ nexthops: [{ gateway: v4('10.1.1.1') }, { gateway: v4('10.1.2.1') }] }),
    route({ nexthops: [{ gateway: Buffer.from('fd970002000000000000000000000002', 'hex') }] }),
    route({ family: AF_INET6, dst: Buffer.from('20010db8000900000000000000000000', 'hex'), len: 48, table: 1000, metric: 7, nexthops: [{ gateway: Buffer.from('fe800000000000000000000000000001', 'hex'), ifindex: 3 }, { gateway: Buffer.from('fe800000000000000000000000000002', 'hex'), ifindex: 4 }] }),
    // Weighted ECMP: struct rtnexthop's hops is the weight less one.
    route({ nexthops: [{ gateway: v4('10.1.1.1'), weight: 25 }, { gateway: v4('10.1.2.1'), weight: 75 }, { gateway: v4('10.1.3.1'), weight: 256 }] }),
  ];
  const batch = new NetlinkBatch(64);
  cases.forEach((r, i) => batch.replace(r, 100 + i));
  t.equal(batch.count, 5);
  const wire = batch.take();
  t.equal(batch.length, 0, 'take() empties the batch');
  const parsed = echo(wire);
  t.equal(parsed.length, 5, 'five messages back to back (the buffer grew past its first 64 octets)');
  parsed.forEach((m, i) => {
    t.equal(m.type, 'route');
    if (m.type !== 'route') return;
    t.equal(m.seq, 100 + i);
    const want = cases[i];
    const plain = (n: { gateway: Buffer; ifindex?: number; weight?: number }) => ({ gateway: n.gateway.toString('hex'), ifindex: n.ifindex ?? 0, weight: n.weight ?? 1 });
    const { type, oif: _oif, ...route } = m.route;
    t.same({ ...route, nexthops: route.nexthops.map(plain) }, { ...want, nexthops: want.nexthops.map(plain) }, `case ${i}`);
    t.equal(type, 1, 'a unicast route');
  });
  t.equal(wire.readUInt16LE(6) & 0x0500, 0x0500, 'NLM_F_CREATE | NLM_F_REPLACE on a replace');
});

t.test('NLMSG_ERROR names the request by its sequence number; errno 0 is an acknowledgement', async (t) => {
  const err = Buffer.alloc(36);
  err.writeUInt32LE(36, 0);
  err.writeUInt16LE(2, 4);
  err.writeUInt32LE(7, 8);
  err.writeInt32LE(-101, 16); // ENETUNREACH
  err.writeUInt32LE(28, 20);
  err.writeUInt32LE(4242, 28); // the original header's seq
  const ack = Buffer.from(err);
  ack.writeInt32LE(0, 16);
  t.same(parseMessages(Buffer.concat([err, ack])), [{ type: 'error', seq: 4242, errno: 101 }, { type: 'error', seq: 4242, errno: 0 }]);
});
