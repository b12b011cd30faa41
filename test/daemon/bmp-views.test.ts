// One UPDATE in every view a station watches (bmp.ts): pre-policy, post-policy and the Loc-RIB
// (RFC 7854, RFC 9069), in that order. When the RIB holds the UPDATE as it came, all three carry
// its own octets behind their per-peer headers; when import policy refused its routes, the
// post-policy view is encoded again from the RIB, in its place. Over TCP on loopback.
import t from 'tap';
import { type Server, createServer } from 'node:net';
import { SystemClock } from '../../src/fsm/index.js';
import { Rib, RibQuery, addressOctets } from '../../src/rib/index.js';
import { BmpMonitor, type BmpPeerInfo } from '../../src/daemon/bmp.js';
import { until } from '../helpers/raw-peer.js';
import { BmpType, type UpdateMessage, decodeMessage, encodeUpdate, endOfRib, makeContext, nlriFrom, asPathFrom } from '../../src/wire/index.js';

const ctx = makeContext({ as4: true });
const PEER_TYPE_LOC_RIB = 3;
const FLAG_POST_POLICY = 0x40;

interface Monitored { peerType: number; flags: number; pdu: Buffer }

/** A collector on loopback: the Route Monitoring messages it reads, with their per-peer header's type and flags. */
async function collector() {
  const got: Monitored[] = [];
  let eors = 0;
  const server: Server = createServer((socket) => {
    let buf = Buffer.alloc(0);
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 6 && buf.length >= buf.readUInt32BE(1)) {
        const m = buf.subarray(0, buf.readUInt32BE(1));
        buf = buf.subarray(m.length);
        if (m[5] !== BmpType.ROUTE_MONITORING) continue;
        const pdu = m.subarray(48);
        // The initial dump ends each table with an End-of-RIB: counted, not kept.
        if (endOfRib(decodeMessage(pdu, ctx) as UpdateMessage) !== undefined) eors++;
        else got.push({ peerType: m[6], flags: m[7], pdu: Buffer.from(pdu) });
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port, got, eors: () => eors };
}

async function setup(t: { teardown(fn: () => unknown): void }, importMap?: 'deny') {
  const rib = new Rib({ localAs: 65000, routerId: 0x0a000001 });
  const exportPeer = {
    index: 1, address: '192.0.2.1', addressOctets: addressOctets('192.0.2.1'), asn: 65001, bgpId: 1, ibgp: false, local: false, rrClient: false,
    localAs: 65000, routerId: 0x0a000001, clusterId: 0x0a000001, localIpv4: 0x0a000001, localIpv6: undefined, nextHopSelf: false, tx: ctx, groupKey: 'g',
  };
  rib.peerUp(exportPeer as never, { allowasIn: 0, localIpv4: 0x0a000001, ...(importMap ? { importMap } : {}) }, [0x101], () => true);
  const info: BmpPeerInfo = {
    index: 1, address: '192.0.2.1', asn: 65001, bgpId: 1, rx: ctx, tx: ctx, families: [1], opens: { sent: Buffer.alloc(29), received: Buffer.alloc(29) },
    local: { address: '192.0.2.2', port: 179, remotePort: 40000 }, stats: () => ({ routes: 0, prePolicy: undefined, loops: 0 }), ibgp: false, importKeepsRoutes: () => true,
  };
  const c = await collector();
  const m = new BmpMonitor({ clock: new SystemClock(), query: new RibQuery(rib), localAs: 65000, routerId: 0x0a000001, sysName: 't', sysDescr: 't', peers: () => [info], wallNow: () => Date.now(), log: () => {} });
  m.configure([{ address: '127.0.0.1', port: c.port, monitor: ['pre-policy', 'post-policy', 'loc-rib'] }], 0, true);
  t.teardown(() => {
    m.stop('end');
    c.server.close();
  });
  // The initial dump's End-of-RIBs: the neighbor's IPv4 after policy (before it, routes are not
  // kept here), and the Loc-RIB's two families.
  await until(() => c.eors() === 3, 8000);
  const update = (): { m: UpdateMessage; frame: Buffer } => {
    const sent: UpdateMessage = {
      type: 'update', withdrawn: nlriFrom(1, false, []), nlri: nlriFrom(1, false, [[0, 24, 0x0a010000], [0, 24, 0x0a020000]]),
      attributes: { origin: 0, asPath: asPathFrom([{ type: 2, asns: [65001] }]), nextHop: 0xc0000201 },
    } as UpdateMessage;
    const frame = encodeUpdate(sent, ctx)[0];
    const received = decodeMessage(frame, ctx) as UpdateMessage;
    rib.applyUpdate(1, received);
    m.update(info, received, frame);
    return { m: received, frame };
  };
  return { c, update };
}

t.test('an UPDATE held as it came: three views, in order, each carrying its own octets', async (t) => {
  const { c, update } = await setup(t);
  const { frame } = update();
  t.ok(await until(() => c.got.length >= 3, 8000), 'three Route Monitoring messages');
  t.same(c.got.map((g) => [g.peerType, g.flags & FLAG_POST_POLICY]), [[0, 0], [0, FLAG_POST_POLICY], [PEER_TYPE_LOC_RIB, 0]], 'pre-policy, post-policy, Loc-RIB');
  t.ok(c.got.every((g) => g.pdu.equals(frame)), 'each the UPDATE as received');
});

t.test('an UPDATE import policy refused: post-policy encoded again (the withdrawal), between the others', async (t) => {
  const { c, update } = await setup(t, 'deny');
  const { frame } = update();
  t.ok(await until(() => c.got.length >= 2, 8000), 'two Route Monitoring messages');
  await new Promise((r) => setTimeout(r, 100));
  t.same(c.got.map((g) => [g.peerType, g.flags & FLAG_POST_POLICY]), [[0, 0], [0, FLAG_POST_POLICY]], 'pre-policy, then post-policy; the Loc-RIB did not change');
  t.ok(c.got[0].pdu.equals(frame), 'pre-policy: the UPDATE as received');
  const post = decodeMessage(c.got[1].pdu, ctx) as UpdateMessage;
  t.same([post.nlri.words.length, post.withdrawn.words.length / 3], [0, 2], 'post-policy: both prefixes withdrawn');
});
