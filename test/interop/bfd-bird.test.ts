// BFD against BIRD 2 (`protocol bfd`, `bfd on` in its BGP protocol) with the nodebgpd binary, in
// strict mode: while BIRD runs no BFD our BGP session waits in OpenConfirm (our KEEPALIVE held);
// once BIRD's configuration enables BFD, BFD comes Up and the session is Established. Then link
// cuts: BFD detects them within the detection time, both BGP sessions go down and BIRD drops our
// route; when the link returns BFD and BGP come back.
import t from 'tap';
import { bfdNodeConfig, cutLink, restoreLink } from '../helpers/link-cut.js';
import { Nodebgpd } from '../helpers/nodebgpd.js';
import { twoHosts, uniquePrefix } from '../helpers/netns.js';
import { Bird, until } from '../helpers/peers.js';

const p = uniquePrefix('bfdb');
const A = `${p}a`;
const B = `${p}b`;
const ME = '10.94.0.1';
const BIRD = '10.94.0.2';
const POD = '10.244.1.0/26';
const CUTS = 3;

twoHosts(t, { ns: A, ifname: 'eth0', ipv4: ME, ipv6: 'fd94::1' }, { ns: B, ifname: 'eth0', ipv4: BIRD, ipv6: 'fd94::2' });

const birdConfig = (bfd: boolean) => `
router id ${BIRD};
protocol device {}
${bfd ? 'protocol bfd { interface "*" { min rx interval 100 ms; min tx interval 100 ms; idle tx interval 1000 ms; multiplier 3; }; }' : ''}
protocol bgp node {
  local ${BIRD} as 64502;
  neighbor ${ME} as 64512;
  connect retry time 1; error wait time 1, 2;
  ${bfd ? 'bfd on;' : ''}
  ipv4 { import all; export none; };
}
`;
const config = bfdNodeConfig({ me: ME, pod: POD, neighbor: BIRD, remoteAs: 64502, bfd: '{ transmitInterval: 100, receiveInterval: 100, strict: true }' });

t.test('BFD with BIRD: strict mode waits for BFD Up; link cuts tear BGP down on both sides', async (t) => {
  const bird = new Bird(B, birdConfig(false));
  const d = new Nodebgpd(A, config);
  t.teardown(() => {
    d.stop();
    bird.stop();
  });
  await d.ready();
  const state = () => d.cli('summary').peers[BIRD]?.state;
  const birdRoute = () => new RegExp(POD.replace(/\./g, '\\.')).test(bird.birdc(`show route for ${POD}`));
  const birdEstablished = () => /Established/.test(bird.birdc('show protocols node'));
  t.ok(await until(() => state() === 'OpenConfirm', 15000), 'OPENs exchanged: OpenConfirm');
  await new Promise((r) => setTimeout(r, 4000));
  t.equal(state(), 'OpenConfirm', 'strict: still OpenConfirm while BIRD runs no BFD (our KEEPALIVE held)');
  t.notOk(d.log.some((l) => l.msg === 'session Established'), 'never Established');
  t.notOk(birdEstablished(), `BIRD is not Established either: ${bird.birdc('show protocols node')}`);
  t.equal(d.cli('neighbors', BIRD).bfd.state, 'Down');

  bird.configure(birdConfig(true));
  t.ok(await until(() => state() === 'Established' && birdEstablished() && birdRoute(), 20000), 'BIRD enables BFD: BFD Up, then Established, BIRD has our route');
  // The CLI calls above block this process's event loop: let the daemon's log catch up first.
  const established = await d.waitLog((l) => l.msg === 'session Established');
  const est = d.log.indexOf(established);
  const bfdUp = d.log.find((l) => (l.bfd as { to?: string } | undefined)?.to === 'Up');
  t.ok(bfdUp && est >= 0 && d.log.indexOf(bfdUp) < est, `BFD Up came before Established: ${JSON.stringify(d.log.map((l) => l.msg))}`);
  const fast = () => {
    const b = d.cli('neighbors', BIRD).bfd;
    return b?.state === 'Up' && b.detectionTimeMs === 300;
  };
  t.ok(await until(fast, 10000), 'BFD at 100 ms x 3');
  t.match(bird.birdc('show bfd sessions'), new RegExp(`${ME.replace(/\./g, '\\.')}\\s+eth0\\s+Up`), `BIRD's BFD session is Up: ${bird.birdc('show bfd sessions')}`);

  for (let i = 0; i < CUTS; i++) {
    const mark = d.log.length;
    const { before, after } = cutLink(A);
    const down = await d.waitLog((l) => (l.bfd as { from?: string } | undefined)?.from === 'Up', 5000, mark);
    const at = Date.parse((down.bfd as { at: string }).at);
    t.ok(at - after <= 350, `cut ${i + 1}: BFD Down ${at - before} ms after the cut command (${(down.bfd as { diag: string }).diag})`);
    await d.waitLog((l) => l.reason === 'bfd-down' && String(l.msg).startsWith('session down: bfd-down'), 3000, mark);
    t.ok(await until(() => !birdRoute(), 3000, 50), `cut ${i + 1}: BIRD dropped our route (its BFD saw it too)`);
    restoreLink(A);
    t.ok(await until(() => state() === 'Established' && birdRoute() && fast(), 20000, 100), `cut ${i + 1}: BFD and BGP back`);
  }
  t.equal(d.cli('neighbors', BIRD).bfd.downTransitions, CUTS);
});
