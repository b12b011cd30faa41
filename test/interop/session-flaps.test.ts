// 200 flaps in a row against FRR leave no leaked sockets, file descriptors, timers or heap.
import t from 'tap';
import { SpeakerHost, stopAtEnd } from '../helpers/host.js';
import { twoHosts, uniquePrefix } from '../helpers/netns.js';
import { Frr } from '../helpers/peers.js';

const p = uniquePrefix('sflp');
const A = `${p}a`;
const F = `${p}f`;
const FLAPS = Number(process.env.FLAPS ?? 200);

twoHosts(t, { ns: A, ifname: 'eth0', ipv4: '10.84.0.1', ipv6: 'fd84::1' }, { ns: F, ifname: 'eth0', ipv4: '10.84.0.2', ipv6: 'fd84::2' });

t.test(`${FLAPS} hard resets against FRR`, async (t) => {
  const frr = new Frr(F, `frr defaults datacenter
router bgp 65010
 bgp router-id 10.84.0.2
 no bgp ebgp-requires-policy
 neighbor 10.84.0.1 remote-as 65000
 neighbor 10.84.0.1 timers connect 1
`);
  const host = new SpeakerHost(A, {
    peers: [{
      remoteAddress: '10.84.0.2',
      open: { localAs: 65000, routerId: '10.84.0.1', remoteAs: 65010, holdTime: 9, minHoldTime: 3, afiSafis: [{ afi: 1, safi: 1 }], extendedMessage: true },
      timers: { connectRetryTime: 0.2, idleHoldTime: 0.1, idleHoldMaxTime: 0.5 },
    }],
  });
  stopAtEnd(t, host, frr);
  const flap = async () => {
    const mark = host.events.length;
    await host.command({ cmd: 'reset', peer: '10.84.0.2' });
    await host.state('10.84.0.2', 'Established', 30000, mark);
  };
  await host.state('10.84.0.2', 'Established');
  for (let i = 0; i < 10; i++) await flap(); // warm up: JIT, buffer pools
  await new Promise((r) => setTimeout(r, 500));
  const before = await host.command({ cmd: 'stats' });
  const started = Date.now();
  for (let i = 0; i < FLAPS; i++) await flap();
  const took = Date.now() - started;
  await new Promise((r) => setTimeout(r, 1500)); // closing sockets finish their FIN exchange
  const after = await host.command({ cmd: 'stats' });
  const snap = await host.snapshot('10.84.0.2');
  t.comment(`before: heap ${(Number(before.heapUsed) / 1e6).toFixed(2)} MB, fds ${before.fds}, timers ${before.timers}, resources ${JSON.stringify(before.resources)}`);
  t.comment(`after:  heap ${(Number(after.heapUsed) / 1e6).toFixed(2)} MB, fds ${after.fds}, timers ${after.timers}, resources ${JSON.stringify(after.resources)}`);
  t.comment(`${FLAPS} flaps in ${took} ms (${(took / FLAPS).toFixed(0)} ms each)`);
  t.equal(snap.flaps, FLAPS + 10, 'every reset counted as a flap');
  t.equal(snap.state, 'Established');
  t.equal(after.fds, before.fds, 'no leaked file descriptors');
  t.equal(after.timers, before.timers, 'no leaked timers');
  t.same(after.resources, before.resources, 'the same active handles (sockets, servers, timers)');
  t.ok(Number(after.heapUsed) - Number(before.heapUsed) < 1e6, `heap growth ${((Number(after.heapUsed) - Number(before.heapUsed)) / 1e3).toFixed(0)} kB (< 1 MB)`);
});
