// Sessions against GoBGP in network namespaces: eBGP over IPv4 and iBGP over IPv6 reach
// Established on both sides (`gobgp neighbor` agrees).
import t from 'tap';
import { SpeakerHost, stopAtEnd } from '../helpers/host.js';
import { sessionPeer } from '../helpers/session-config.js';
import { twoHosts, uniquePrefix } from '../helpers/netns.js';
import { Gobgp, until } from '../helpers/peers.js';

const p = uniquePrefix('sgob');
const A = `${p}a`;
const G = `${p}g`;
const ME4 = '10.83.0.1';
const GO4 = '10.83.0.2';
const ME6 = 'fd83::1';
const GO6 = 'fd83::2';

const toml = `
[global.config]
  as = 65030
  router-id = "${GO4}"
  port = 179
[[neighbors]]
  [neighbors.config]
    neighbor-address = "${ME4}"
    peer-as = 65000
  [neighbors.timers.config]
    hold-time = 9
    keepalive-interval = 3
    connect-retry = 2
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
[[neighbors]]
  [neighbors.config]
    neighbor-address = "${ME6}"
    peer-as = 65030
  [neighbors.timers.config]
    hold-time = 9
    keepalive-interval = 3
    connect-retry = 2
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
`;

const peer = (remoteAddress: string, localAs: number, remoteAs: number, extra: Record<string, unknown> = {}) => sessionPeer(ME4, remoteAddress, localAs, remoteAs, extra);

twoHosts(t, { ns: A, ifname: 'eth0', ipv4: ME4, ipv6: ME6 }, { ns: G, ifname: 'eth0', ipv4: GO4, ipv6: GO6 });

t.test('eBGP over IPv4 and iBGP over IPv6 reach Established on both sides', async (t) => {
  const gobgp = new Gobgp(G, toml);
  const host = new SpeakerHost(A, { peers: [peer(GO4, 65000, 65030), peer(GO6, 65030, 65030)] });
  stopAtEnd(t, host, gobgp);
  await host.state(GO4, 'Established', 30000);
  await host.state(GO6, 'Established', 30000);
  const state = (addr: string) => String(gobgp.neighborJson(addr)?.state?.session_state ?? '');
  t.ok(await until(() => /established|6/i.test(state(ME4)) && /established|6/i.test(state(ME6)), 10000), `gobgp neighbor: ${gobgp.gobgp('neighbor')}`);
  t.match(gobgp.gobgp('neighbor'), new RegExp(`${ME4.replace(/\./g, '\\.')}\\s+65000.*Establ`), 'GoBGP lists the eBGP session Established');
  t.match(gobgp.gobgp('neighbor'), /fd83::1\s+65030.*Establ/, 'and the iBGP one');
  t.equal((await host.snapshot(GO6)).negotiated.ibgp, true);
  t.equal((await host.snapshot(GO4)).negotiated.ibgp, false);
});
