// Graceful restart helper (RFC 4724) with FRR: when FRR's bgpd dies, its routes stay (stale) for
// its restart time; if it comes back in time they stay throughout and are fresh again after its
// End-of-RIB; if it does not, they go when the restart time runs out.
import t from 'tap';
import { SpeakerHost, stopAtEnd } from '../helpers/host.js';
import { twoHosts, uniquePrefix } from '../helpers/netns.js';
import { Frr, until } from '../helpers/peers.js';

const p = uniquePrefix('grst');
const N = `${p}n`;
const F = `${p}f`;
const RESTART = 8;

const frrConfig = `frr defaults datacenter
hostname frr-gr
router bgp 65001
 bgp router-id 10.89.0.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 bgp graceful-restart
 bgp graceful-restart restart-time ${RESTART}
 neighbor 10.89.0.1 remote-as 65000
 neighbor 10.89.0.1 timers connect 1
 address-family ipv4 unicast
  network 10.244.20.0/26
 exit-address-family
`;
const node = {
  asn: 65000,
  routerId: '10.89.0.1',
  ebgpRequiresPolicy: false,
  listen: { addresses: ['0.0.0.0'] },
  neighbors: [{ address: '10.89.0.2', remoteAs: 65001, timers: { connectRetryTime: 1, idleHoldTime: 0.2, idleHoldMaxTime: 1 } }],
};

twoHosts(t, { ns: N, ifname: 'eth0', ipv4: '10.89.0.1', ipv6: 'fd89::1' }, { ns: F, ifname: 'eth0', ipv4: '10.89.0.2', ipv6: 'fd89::2' });

const route = async (host: SpeakerHost) => (await host.ask({ cmd: 'route', prefix: '10.244.20.0/26' })).route;

t.test('FRR comes back within its restart time: the route never goes, and is fresh after End-of-RIB', async (t) => {
  const frr = new Frr(F, frrConfig);
  const host = new SpeakerHost(N, node, 'daemon-host.mjs');
  stopAtEnd(t, host, frr);
  await host.state('10.89.0.2', 'Established', 30000);
  t.ok(await until(async () => (await route(host)) !== null, 10000), 'the route from FRR');
  const mark = host.events.length;
  frr.stop();
  await host.waitFor((e) => e.event === 'down', 15000, mark);
  const held = await route(host);
  t.equal(held?.best?.stale, true, 'kept as stale while FRR is down');
  await new Promise((r) => setTimeout(r, 2000));
  t.equal((await route(host))?.best?.stale, true, 'still there 2 s later');
  frr.start();
  await host.state('10.89.0.2', 'Established', 15000, mark);
  t.ok(await until(async () => (await route(host))?.best?.stale === false, 10000), 'fresh again once FRR has resent it');
  await new Promise((r) => setTimeout(r, (RESTART + 1) * 1000));
  t.equal((await route(host))?.best?.stale, false, 'and it stays after the restart time');
});

t.test('FRR does not come back: the route goes when the restart time runs out', async (t) => {
  const frr = new Frr(F, frrConfig);
  const host = new SpeakerHost(N, node, 'daemon-host.mjs');
  stopAtEnd(t, host, frr);
  await host.state('10.89.0.2', 'Established', 30000);
  t.ok(await until(async () => (await route(host)) !== null, 10000));
  frr.stop();
  const downAt = Date.now();
  await host.waitFor((e) => e.event === 'down', 15000);
  t.equal((await route(host))?.best?.stale, true, 'stale at first');
  t.ok(await until(async () => (await route(host)) === null, (RESTART + 5) * 1000), 'gone after the restart time');
  const took = (Date.now() - downAt) / 1000;
  t.ok(took >= RESTART - 1, `withdrawn ${took.toFixed(1)} s after FRR died (restart time ${RESTART} s)`);
});
