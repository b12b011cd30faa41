// Memory kept after routes are gone (issue: the attribute cache held every set until it had seen
// 1M: 607 MB of heap with no route held). A peer announces 100,000 routes, each with an attribute
// set of its own, then withdraws them; the daemon's heap after a full collection must come back to
// within 10% of what it was before the load.
import { connect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import t from 'tap';
import { Daemon } from '../../src/daemon/daemon.js';
import { ORIGIN, AS_PATH, NEXT_HOP, attr, update } from '../helpers/build.js';
import { RawConnection, until } from '../helpers/raw-peer.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapAfterGc = async () => {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
};

const PEER = '127.0.0.2';
const ROUTES = 100_000;
const octet = (n: number) => n.toString(16).padStart(2, '0');

t.test(`${ROUTES} attribute sets announced and withdrawn: the heap returns`, async (t) => {
  const daemon = new Daemon({
    asn: 65000, routerId: '10.0.0.1', listen: { addresses: ['127.0.0.1'], port: 0 }, ebgpRequiresPolicy: false, fib: { enabled: false },
    neighbors: [{ address: PEER, remoteAs: 65001, passive: true, timers: { idleHoldTime: 0 } }],
  });
  await daemon.start();
  t.teardown(() => daemon.stop());
  await until(() => daemon.neighbor(PEER).session.state === 'Active', 5000);
  const s = connect({ port: daemon.listener.ports[0], host: '127.0.0.1', localAddress: PEER });
  await new Promise((r) => s.once('connect', r));
  const c = new RawConnection(s);
  t.teardown(() => s.destroy());
  c.sendOpen({ type: 'open', version: 4, myAs: 65001, holdTime: 90, bgpId: 2, params: [[{ type: 'multiprotocol', afi: 1, safi: 1 }, { type: 'four-octet-as', asn: 65001 }]] });
  c.send({ type: 'keepalive' });
  t.ok(await until(() => daemon.neighbor(PEER).up, 5000), 'session Established');

  const before = await heapAfterGc();
  const prefix = (i: number) => `20${octet(10 + (i >> 16))}${octet((i >> 8) & 0xff)}${octet(i & 0xff)}00`;
  const load: Buffer[] = [];
  for (let i = 0; i < ROUTES; i++) load.push(update('', ORIGIN + AS_PATH + NEXT_HOP + attr(0xc0, 8, `fde9${octet((i >> 8) & 0xff)}${octet(i & 0xff)}0000${octet(i >> 16)}00`), prefix(i)));
  s.write(Buffer.concat(load));
  t.ok(await until(() => daemon.rib.v4.prefixes === ROUTES, 60000), `${ROUTES} routes held (${daemon.rib.v4.prefixes}, session ${daemon.neighbor(PEER).session.state} ${JSON.stringify(c.of("notification"))} ${daemon.neighbor(PEER).session.snapshot().lastDownReason})`);
  const loaded = await heapAfterGc();
  t.ok(loaded > before + 10e6, `the load costs memory (${((loaded - before) / 1e6).toFixed(1)} MB)`);

  const withdraw: Buffer[] = [];
  for (let i = 0; i < ROUTES; i += 500) {
    let w = '';
    for (let k = i; k < Math.min(ROUTES, i + 500); k++) w += prefix(k);
    withdraw.push(update(w, '', ''));
  }
  s.write(Buffer.concat(withdraw));
  t.ok(await until(() => daemon.rib.v4.prefixes === 0, 60000), 'every route withdrawn');
  await new Promise((r) => setTimeout(r, 100));
  const after = await heapAfterGc();
  t.ok(after <= before * 1.1, `heap after GC ${(after / 1e6).toFixed(1)} MB, before the load ${(before / 1e6).toFixed(1)} MB (at most 10% more)`);
  t.equal(daemon.rib.attrs.size, 0, 'no attribute set is held by the RIB');
  t.ok(daemon.attributeCacheSize < 2048, `the decode cache kept ${daemon.attributeCacheSize} sets`);
});
