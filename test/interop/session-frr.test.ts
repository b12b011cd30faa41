// Sessions against FRR bgpd in network namespaces: eBGP over IPv4 and iBGP over IPv6 reach
// Established on both sides; a frozen peer runs our hold timer out (4/0); a restarted peer is
// reconnected; a wrong remote AS gets 2/2; TCP-MD5 and GTSM.
import t from 'tap';
import { SpeakerHost, stopAtEnd } from '../helpers/host.js';
import { sessionPeer } from '../helpers/session-config.js';
import { inNs, twoHosts, uniquePrefix } from '../helpers/netns.js';
import { Frr, until } from '../helpers/peers.js';
import { Capture } from '../helpers/capture.js';

const p = uniquePrefix('sfrr');
const A = `${p}a`;
const F = `${p}f`;
const ME4 = '10.81.0.1';
const FRR4 = '10.81.0.2';
const ME6 = 'fd81::1';
const FRR6 = 'fd81::2';

const frrConfig = (extra = '') => `
frr defaults datacenter
hostname frr-sess
router bgp 65010
 bgp router-id 10.81.0.2
 no bgp ebgp-requires-policy
 timers bgp 3 9
 neighbor ${ME4} remote-as 65000
 neighbor ${ME4} timers connect 2
 neighbor ${ME6} remote-as internal
 neighbor ${ME6} timers connect 2
${extra}
 address-family ipv4 unicast
  neighbor ${ME4} activate
  no neighbor ${ME6} activate
 exit-address-family
 address-family ipv6 unicast
  neighbor ${ME6} activate
 exit-address-family
`;

const peer = (remoteAddress: string, localAs: number, remoteAs: number, extra: Record<string, unknown> = {}) => sessionPeer(ME4, remoteAddress, localAs, remoteAs, extra);

twoHosts(t, { ns: A, ifname: 'eth0', ipv4: ME4, ipv6: ME6 }, { ns: F, ifname: 'eth0', ipv4: FRR4, ipv6: FRR6 });

t.test('eBGP over IPv4 and iBGP over IPv6 reach Established on both sides', async (t) => {
  const frr = new Frr(F, frrConfig());
  const host = new SpeakerHost(A, { peers: [peer(FRR4, 65000, 65010), peer(FRR6, 65010, 65010, { localAddress: ME6 })] });
  stopAtEnd(t, host, frr);
  await host.state(FRR4, 'Established');
  await host.state(FRR6, 'Established');
  const sum = await until(() => {
    const j = frr.json('show bgp summary json');
    const v4 = j.ipv4Unicast?.peers?.[ME4]?.state;
    const v6 = j.ipv6Unicast?.peers?.[ME6]?.state;
    return v4 === 'Established' && v6 === 'Established' ? j : undefined;
  }, 10000);
  t.ok(sum, `FRR sees both sessions Established: ${frr.vtysh('show bgp summary')}`);
  const ebgp = await host.snapshot(FRR4);
  t.equal(ebgp.state, 'Established');
  t.equal(ebgp.negotiated.holdTime, 9, 'hold time negotiated to the smaller offer');
  t.equal(ebgp.negotiated.keepaliveTime, 3);
  t.equal(ebgp.negotiated.ibgp, false);
  const ibgp = await host.snapshot(FRR6);
  t.equal(ibgp.negotiated.ibgp, true);
  t.equal(frr.neighbor(ME6).nbrInternalLink, true, 'FRR sees the IPv6 session as iBGP');
  t.equal(frr.neighbor(ME4).nbrExternalLink, true, 'FRR sees the IPv4 session as eBGP');
  // Liveness: keepalives arrive about every 3 s.
  await new Promise((r) => setTimeout(r, 7000));
  const live = (await host.snapshot(FRR4)).liveness;
  t.ok(live.keepalivesReceived >= 2, `keepalives received: ${live.keepalivesReceived}`);
  t.ok(live.interArrivalMs && live.interArrivalMs.mean > 2000 && live.interArrivalMs.mean < 4000, `inter-arrival ${JSON.stringify(live.interArrivalMs)}`);
  t.ok(live.holdExpiresInMs > 0 && live.holdExpiresInMs <= 9000, `hold expires in ${live.holdExpiresInMs} ms`);

  // Admin actions seen from FRR: soft reset in (ROUTE-REFRESH), shutdown with a message, enable.
  const refreshes = () => Number(frr.neighbor(ME4).messageStats?.routeRefreshRecv ?? 0);
  const r0 = refreshes();
  t.equal((await host.command({ cmd: 'refresh', peer: FRR4 })).sent, true, 'ROUTE-REFRESH sent');
  t.ok(await until(() => refreshes() > r0, 5000), 'FRR counts the route refresh it received');
  const mark = host.events.length;
  await host.command({ cmd: 'stop', peer: FRR4, message: 'node drain: kernel upgrade' });
  t.ok(await until(() => /6\/2 \(Cease\/Administrative Shutdown\) "node drain: kernel upgrade"/.test(frr.log()), 5000), 'FRR logs our shutdown communication');
  await new Promise((r) => setTimeout(r, 3000));
  t.notOk(host.events.slice(mark).some((e) => e.event === 'state' && e.to === 'Established'), 'stays down while shut');
  await host.command({ cmd: 'start', peer: FRR4 });
  await host.state(FRR4, 'Established', 15000, mark);
  t.pass('enabled again: Established');
});

t.test('a frozen peer runs our hold timer out: 4/0 sent, and the thawed peer comes back', async (t) => {
  const frr = new Frr(F, frrConfig());
  const host = new SpeakerHost(A, { peers: [peer(FRR4, 65000, 65010)] });
  t.teardown(async () => {
    frr.thaw();
    await host.stop();
    frr.stop();
  });
  await host.state(FRR4, 'Established');
  const cap = new Capture(A, 'eth0');
  t.teardown(() => cap.stop());
  await cap.ready();
  const mark = host.events.length;
  const frozenAt = Date.now();
  frr.freeze();
  const sent = await host.waitFor((e) => e.event === 'notification' && e.direction === 'sent', 15000, mark);
  const elapsed = Date.now() - frozenAt;
  t.same([sent.code, sent.subcode], [4, 0], 'NOTIFICATION 4/0 (Hold Timer Expired) sent');
  t.ok(elapsed >= 6000 && elapsed <= 11000, `expired ${elapsed} ms after the freeze (hold time 9 s)`);
  const down = await host.waitFor((e) => e.event === 'down', 1000, mark);
  t.equal(down.reason, 'hold-timer-expired');
  await cap.stop();
  t.same(cap.notifications().filter((n) => n.src === ME4), [{ src: ME4, code: 4, subcode: 0 }], 'tshark sees our 4/0 on the wire');
  frr.thaw();
  await host.state(FRR4, 'Established', 20000, mark);
  t.pass('the thawed peer is Established again');
});

t.test('a restarted peer is reconnected within the connect retry time', async (t) => {
  const frr = new Frr(F, frrConfig());
  const host = new SpeakerHost(A, { peers: [peer(FRR4, 65000, 65010)] });
  stopAtEnd(t, host, frr);
  await host.state(FRR4, 'Established');
  const mark = host.events.length;
  frr.stop();
  const down = await host.waitFor((e) => e.event === 'down', 15000, mark);
  t.equal(down.reason, 'connection-lost', 'the killed peer closes the connection');
  await new Promise((r) => setTimeout(r, 3000));
  const restartedAt = Date.now();
  frr.start();
  await host.state(FRR4, 'Established', 15000, mark);
  const took = Date.now() - restartedAt;
  t.ok(took < 2000 + 1500, `Established again ${took} ms after the restart (connect retry 2 s)`);
});

t.test('a wrong remote AS: the peer sees NOTIFICATION 2/2', async (t) => {
  const frr = new Frr(F, frrConfig());
  const host = new SpeakerHost(A, { peers: [peer(FRR4, 65000, 65099)] });
  stopAtEnd(t, host, frr);
  const sent = await host.waitFor((e) => e.event === 'notification' && e.direction === 'sent');
  t.same([sent.code, sent.subcode], [2, 2], 'we send Bad Peer AS');
  t.equal((await host.waitFor((e) => e.event === 'down')).reason, 'open-error');
  const seen = await until(() => /NOTIFICATION: received from neighbor 10\.81\.0\.1 2\/2/.test(frr.log()), 5000);
  t.ok(seen, 'FRR logs the 2/2 it received');
  t.not((await host.snapshot(FRR4)).state, 'Established');
});

t.test('TCP-MD5: the right password establishes, a wrong or missing one never does', async (t) => {
  const frr = new Frr(F, frrConfig(` neighbor ${ME4} password s3cret-pass`));
  t.teardown(() => frr.stop());
  for (const [name, password, ok] of [['wrong', 'not-the-one', false], ['missing', undefined, false], ['right', 's3cret-pass', true]] as const) {
    const host = new SpeakerHost(A, { peers: [peer(FRR4, 65000, 65010, password ? { password } : {})] });
    if (ok) {
      await host.state(FRR4, 'Established', 20000);
      t.equal(frr.json('show bgp summary json').ipv4Unicast?.peers?.[ME4]?.state, 'Established', `${name} password: FRR Established`);
    } else {
      await new Promise((r) => setTimeout(r, 7000));
      t.notOk(host.events.some((e) => e.event === 'state' && e.to === 'OpenSent'), `${name} password: no OPEN ever exchanged`);
      t.not(frr.json('show bgp summary json').ipv4Unicast?.peers?.[ME4]?.state, 'Established', `${name} password: FRR not Established`);
    }
    await host.stop();
  }
});

t.test('GTSM (RFC 5082) with FRR ttl-security', async (t) => {
  const frr = new Frr(F, frrConfig(` neighbor ${ME4} ttl-security hops 1`));
  t.teardown(() => frr.stop());
  const plain = new SpeakerHost(A, { peers: [peer(FRR4, 65000, 65010)] });
  // FRR sets the minimum TTL on a connection it accepts only once accepted: an OPEN of ours that
  // arrives first may get through (and its OPEN and KEEPALIVE bring our side to Established), but
  // from then on our packets are dropped, so FRR never gets to Established. Watched for 6 s.
  const frrStates = new Set<string>();
  for (const end = Date.now() + 6000; Date.now() < end; await new Promise((r) => setTimeout(r, 250))) {
    frrStates.add(frr.json('show bgp summary json').ipv4Unicast?.peers?.[ME4]?.state ?? 'none');
  }
  t.notOk(frrStates.has('Established'), `without GTSM (TTL 1) FRR drops our packets: never Established there (${[...frrStates].join(', ')})`);
  await plain.stop();
  const gtsm = new SpeakerHost(A, { peers: [peer(FRR4, 65000, 65010, { ttlSecurityHops: 1 })] });
  await gtsm.state(FRR4, 'Established', 20000);
  t.pass('with GTSM (TTL 255, minimum 255) the session establishes');
  await gtsm.stop();
});

t.test('both sides connecting at once: exactly one session survives, per the collision rules', async (t) => {
  // Hold back every BGP message (packets with payload) in FRR's namespace so that both TCP
  // connections come up and both sides sit in OpenSent; then let the OPENs through together.
  const rules = `table inet nbcoll {
  chain in { type filter hook input priority 0; tcp sport 179 ip length > 80 drop; tcp dport 179 ip length > 80 drop; }
  chain out { type filter hook output priority 0; tcp sport 179 ip length > 80 drop; tcp dport 179 ip length > 80 drop; }
}`;
  inNs(F, 'nft', ['-f', '-'], { input: rules });
  const frr = new Frr(F, frrConfig(` neighbor ${ME4} timers connect 1`));
  const host = new SpeakerHost(A, { peers: [peer(FRR4, 65000, 65010)] });
  t.teardown(async () => {
    inNs(F, 'nft', ['delete', 'table', 'inet', 'nbcoll'], { allowFail: true });
    await host.stop();
    frr.stop();
  });
  const both = await until(() => {
    const lines = inNs(A, 'ss', ['-Htn', 'state', 'established', `( sport = :179 or dport = :179 )`]).split('\n').filter(Boolean);
    return lines.length >= 2 ? lines : undefined;
  }, 15000);
  t.ok(both, `two TCP connections up at once: ${both?.join(' | ')}`);
  inNs(F, 'nft', ['delete', 'table', 'inet', 'nbcoll']);
  const collision = await host.waitFor((e) => e.event === 'collision', 15000);
  // FRR's identifier 10.81.0.2 is higher than ours: the connection FRR initiated survives.
  t.equal(collision.kept, 'inbound', 'we keep the connection initiated by the higher BGP identifier');
  await host.state(FRR4, 'Established', 15000);
  await new Promise((r) => setTimeout(r, 1500));
  const conns = inNs(A, 'ss', ['-Htn', 'state', 'established', `( sport = :179 or dport = :179 )`]).split('\n').filter(Boolean);
  t.equal(conns.length, 1, `one connection left: ${conns.join(' | ')}`);
  t.match(conns[0], new RegExp(`${ME4.replace(/\./g, '\\.')}:179\\s`), 'and it is the one FRR opened to our port 179');
  t.equal(frr.json('show bgp summary json').ipv4Unicast?.peers?.[ME4]?.state, 'Established', 'FRR agrees');
  t.equal((await host.snapshot(FRR4)).state, 'Established');
  t.notOk(host.events.some((e) => e.event === 'down'), 'resolved without the session going down');
});
