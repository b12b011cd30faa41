// Sessions against BIRD 2 in network namespaces: eBGP over IPv4 and iBGP over IPv6 reach
// Established on both sides (birdc agrees); TCP-MD5 with the right, a wrong and no password.
import t from 'tap';
import { SpeakerHost, stopAtEnd } from '../helpers/host.js';
import { sessionPeer } from '../helpers/session-config.js';
import { twoHosts, uniquePrefix } from '../helpers/netns.js';
import { Bird, until } from '../helpers/peers.js';

const p = uniquePrefix('sbrd');
const A = `${p}a`;
const B = `${p}b`;
const ME4 = '10.82.0.1';
const BIRD4 = '10.82.0.2';
const ME6 = 'fd82::1';
const BIRD6 = 'fd82::2';

const birdConfig = (password?: string) => `
router id ${BIRD4};
protocol device {}
protocol bgp ebgp4 {
  local ${BIRD4} as 65020;
  neighbor ${ME4} as 65000;
  hold time 9; keepalive time 3; connect retry time 2; error wait time 1, 2;
  ${password ? `password "${password}";` : ''}
  ipv4 { import all; export none; };
}
protocol bgp ibgp6 {
  local ${BIRD6} as 65020;
  neighbor ${ME6} as 65020;
  hold time 9; keepalive time 3; connect retry time 2; error wait time 1, 2;
  ipv6 { import all; export none; };
}
`;

const peer = (remoteAddress: string, localAs: number, remoteAs: number, extra: Record<string, unknown> = {}) => sessionPeer(ME4, remoteAddress, localAs, remoteAs, extra);

const established = (bird: Bird, proto: string) => /Established/.test(bird.birdc(`show protocols ${proto}`));

twoHosts(t, { ns: A, ifname: 'eth0', ipv4: ME4, ipv6: ME6 }, { ns: B, ifname: 'eth0', ipv4: BIRD4, ipv6: BIRD6 });

t.test('eBGP over IPv4 and iBGP over IPv6 reach Established on both sides', async (t) => {
  const bird = new Bird(B, birdConfig());
  const host = new SpeakerHost(A, { peers: [peer(BIRD4, 65000, 65020), peer(BIRD6, 65020, 65020)] });
  stopAtEnd(t, host, bird);
  await host.state(BIRD4, 'Established');
  await host.state(BIRD6, 'Established');
  t.ok(await until(() => established(bird, 'ebgp4') && established(bird, 'ibgp6'), 10000), `birdc: ${bird.birdc('show protocols')}`);
  const detail = bird.birdc('show protocols all ebgp4');
  t.match(detail, /Neighbor AS:\s+65000/, 'BIRD sees AS 65000');
  t.match(detail, /Hold timer:\s+[\d.]+\/9/, 'hold time 9 on BIRD\'s side');
  const v6 = await host.snapshot(BIRD6);
  t.equal(v6.negotiated.ibgp, true, 'iBGP over IPv6');
  t.same(v6.negotiated.afiSafis, [0x201], 'IPv6 unicast negotiated (BIRD offers only what its channel carries)');
  t.match(bird.birdc('show protocols all ibgp6'), /Neighbor AS:\s+65020/);
});

t.test('TCP-MD5 with BIRD: the right password establishes, a wrong or missing one never does', async (t) => {
  const bird = new Bird(B, birdConfig('bird-md5-key'));
  t.teardown(() => bird.stop());
  for (const [name, password, ok] of [['wrong', 'nope', false], ['missing', undefined, false], ['right', 'bird-md5-key', true]] as const) {
    const host = new SpeakerHost(A, { peers: [peer(BIRD4, 65000, 65020, password ? { password } : {})] });
    if (ok) {
      await host.state(BIRD4, 'Established', 20000);
      t.ok(await until(() => established(bird, 'ebgp4'), 5000), `${name} password: BIRD Established`);
    } else {
      await new Promise((r) => setTimeout(r, 6000));
      t.notOk(host.events.some((e) => e.event === 'state' && e.to === 'OpenSent'), `${name} password: no OPEN exchanged`);
      t.notOk(established(bird, 'ebgp4'), `${name} password: BIRD not Established`);
    }
    await host.stop();
  }
});
