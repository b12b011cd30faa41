// Hostile input reaching every kind of receiver. An eBGP peer and an iBGP route-reflector client
// send random valid UPDATEs (IPv4 and IPv6, 4-octet ASNs, NO_EXPORT, MED, LOCAL_PREF), random
// withdrawals, and mutations of those and of captured real UPDATEs; what the daemon makes of them
// goes to a 2-octet-AS eBGP peer (AS_TRANS, AS4_PATH), an iBGP reflector client with ADD-PATH and
// an eBGP peer with IPv6 unicast. Every message a receiver gets decodes under what its session
// negotiated; no receiver's session is reset or sent a NOTIFICATION; at pauses each receiver holds
// exactly the prefixes the daemon's Adj-RIB-Out says it was sent; once the senders go, every
// receiver has been told to withdraw everything it was told of. FUZZ_SECONDS, FUZZ_SEED.
import t from 'tap';
import { Daemon } from '../../src/daemon/daemon.js';
import { prefixText } from '../../src/rib/prefix-text.js';
import { Afi, type Capability, type CodecContext, type NlriBlock, type OpenMessage, afiSafiKey, makeContext, stride } from '../../src/wire/index.js';
import { attr, update, hex } from '../helpers/build.js';
import { capturedUpdates, flipped, fuzzRun, hasBest, octetSet, trailed } from '../helpers/session-fuzz.js';
import { until as poll } from '../helpers/peers.js';
import { type RawConnection, establishFrom } from '../helpers/raw-peer.js';

const until = <T>(fn: () => T | undefined | false | null, ms = 3000) => poll(fn, ms, 10);
const LOCAL_AS = 65000;
const timers = { idleHoldTime: 0, idleHoldMaxTime: 0 };
const BOTH = ['ipv4-unicast', 'ipv6-unicast'] as const;

interface End {
  readonly address: string;
  readonly asn: number;
  readonly caps: Capability[];
  readonly rx: CodecContext;
}
const mp = (afi: number): Capability => ({ type: 'multiprotocol', afi, safi: 1 });
const as4 = (asn: number): Capability => ({ type: 'four-octet-as', asn });
const SENDERS: End[] = [
  { address: '127.0.0.2', asn: 65001, caps: [mp(1), mp(2), as4(65001)], rx: makeContext() },
  { address: '127.0.0.4', asn: LOCAL_AS, caps: [mp(1), mp(2), as4(LOCAL_AS)], rx: makeContext() },
];
const RECEIVERS: End[] = [
  // No four-octet-as capability: the daemon sends AS_TRANS and AS4_PATH (RFC 6793 4.2.2).
  { address: '127.0.0.5', asn: 65005, caps: [mp(1)], rx: makeContext({ as4: false }) },
  { address: '127.0.0.6', asn: LOCAL_AS, caps: [mp(1), as4(LOCAL_AS), { type: 'add-path', entries: [{ afi: 1, safi: 1, sendReceive: 1 }] }], rx: makeContext({ addPath: new Set([afiSafiKey(1, 1)]) }) },
  { address: '127.0.0.7', asn: 65007, caps: [mp(1), mp(2), as4(65007)], rx: makeContext() },
];

const daemon = new Daemon({
  asn: LOCAL_AS,
  routerId: '10.0.0.1',
  listen: { addresses: ['127.0.0.1'], port: 0 },
  ebgpRequiresPolicy: false,
  fib: { enabled: false },
  neighbors: [
    { address: '127.0.0.2', remoteAs: 65001, passive: true, timers, addressFamilies: [...BOTH], gracefulRestart: false },
    { address: '127.0.0.4', remoteAs: LOCAL_AS, passive: true, timers, addressFamilies: [...BOTH], gracefulRestart: false, routeReflectorClient: true },
    { address: '127.0.0.5', remoteAs: 65005, passive: true, timers, gracefulRestart: false },
    { address: '127.0.0.6', remoteAs: LOCAL_AS, passive: true, timers, gracefulRestart: false, routeReflectorClient: true, addPath: { send: 'all' } },
    { address: '127.0.0.7', remoteAs: 65007, passive: true, timers, addressFamilies: [...BOTH], gracefulRestart: false },
  ],
});

t.before(async () => {
  await daemon.start();
});
t.teardown(async () => {
  await daemon.stop();
});

/** Dials the daemon from `end` and completes the OPEN exchange under `end`'s capabilities. */
async function establish(end: End): Promise<RawConnection> {
  await until(() => daemon.neighbor(end.address).session.state === 'Active', 5000);
  const open: OpenMessage = { type: 'open', version: 4, myAs: end.asn > 0xffff ? 23456 : end.asn, holdTime: 90, bgpId: Number(end.address.split('.')[3]), params: [[...end.caps, { type: 'route-refresh', code: 2 }]] };
  const c = await establishFrom(daemon.listener.ports[0], end.address, open, () => daemon.neighbor(end.address).up, end.rx);
  if (!daemon.neighbor(end.address).up) throw new Error(`no session from ${end.address}: ${JSON.stringify(c.received)}`);
  return c;
}

const has = (prefix: string) => hasBest(daemon, prefix);

/** What a receiver holds after every UPDATE it got: its routes by prefix and path id. */
function tableOf(c: RawConnection): Set<string> {
  const held = new Set<string>();
  const each = (block: NlriBlock | null | undefined, fn: (key: string) => void) => {
    if (!block) return;
    const st = stride(block.afi);
    const w = block.words;
    for (let b = 0; b < w.length; b += st) fn(`${prefixText(block.afi, [...w.subarray(b + 2, b + st)], w[b + 1])} ${w[b]}`);
  };
  for (const m of c.of('update')) {
    each(m.withdrawn, (k) => held.delete(k));
    each(m.mpUnreach?.withdrawn, (k) => held.delete(k));
    each(m.nlri, (k) => held.add(k));
    each(m.mpReach?.nlri, (k) => held.add(k));
  }
  return held;
}

t.test('valid and mutated UPDATEs from two kinds of sender reach every kind of receiver as it negotiated', async (t) => {
  const { seconds, rand } = fuzzRun((c) => t.comment(c), 6);
  const samples = capturedUpdates();
  t.ok(samples.length >= 20, `${samples.length} captured UPDATEs to mutate`);
  // 1-8 random /24s of 10.0.0.0/14 (or /48s of 2001:db8::/38), so that the senders' routes meet
  // and replace each other; `last`, the prefixes made last.
  let last: string[] = [];
  const prefixes = (afi: number = Afi.IPV4) => {
    const n = 1 + rand(8);
    if (afi === Afi.IPV6) {
      const groups = Array.from({ length: n }, () => rand(1024));
      last = groups.map((g) => `2001:db8:${g.toString(16)}::/48`);
      return groups.map((g) => `3020010db8${hex(g, 2)}`).join('');
    }
    const octets = Array.from({ length: n }, () => [rand(4), rand(256)]);
    last = octets.map(([b, c]) => `10.${b}.${c}.0/24`);
    return octets.map(([b, c]) => `180a${hex(b, 1)}${hex(c, 1)}`).join('');
  };
  /**
   * A valid announcement of random prefixes from sender `i` with random attributes: AS paths
   * with 4-octet ASNs (AS4_PATH for the 2-octet receiver), NO_EXPORT now and then (kept from eBGP
   * receivers), MED, LOCAL_PREF from the iBGP sender; one in three IPv6 (MP_REACH_NLRI).
   */
  const announcement = (i: number): Buffer => {
    const asns = [...(SENDERS[i].asn === LOCAL_AS ? [] : [SENDERS[i].asn]), ...Array.from({ length: rand(4) }, () => (rand(3) === 0 ? 4200000000 + rand(100) : 64600 + rand(100)))];
    let attrs = attr(0x40, 1, hex(rand(3), 1)) + attr(0x40, 2, asns.length ? `02${hex(asns.length, 1)}${asns.map((a) => hex(a, 4)).join('')}` : '');
    if (rand(2)) attrs += attr(0x80, 4, hex(rand(1000), 4));
    if (SENDERS[i].asn === LOCAL_AS) attrs += attr(0x40, 5, hex(50 + rand(200), 4));
    if (rand(4) === 0) attrs += attr(0xc0, 8, `ffffff01${hex(64600 + rand(100), 2)}0001`);
    if (rand(3) === 0) return update('', attrs + attr(0x90, 14, `0002 01 10 20010db8${'0'.repeat(22)}${hex(1 + rand(200), 1)} 00 ${prefixes(Afi.IPV6)}`), '');
    return update('', attrs + attr(0x40, 3, `c00002${hex(1 + rand(200), 1)}`), prefixes());
  };
  const withdrawal = () => update(prefixes(), '', '');
  const mutations = [flipped, octetSet, trailed];
  const mutate = (i: number): Buffer => {
    switch (rand(5)) {
      case 0: // a valid announcement, which the receivers are sent
        return announcement(i);
      case 1: // random prefixes withdrawn
        return withdrawal();
      default: // one of ours or a captured one, mutated
        return mutations[rand(mutations.length)](rand(2) ? announcement(i) : samples[rand(samples.length)], rand);
    }
  };

  const receivers = await Promise.all(RECEIVERS.map(establish));
  const since = RECEIVERS.map((r) => daemon.neighbor(r.address).session.snapshot().establishedAtMs);
  const keepalives = setInterval(() => receivers.forEach((c) => c.send({ type: 'keepalive' })), 5000);
  t.teardown(() => clearInterval(keepalives));

  const senders = await Promise.all(SENDERS.map(establish));
  const prefixesHeld = (c: RawConnection) => [...new Set([...tableOf(c)].map((k) => k.split(' ')[0]))].sort();
  const prefixesSent = (r: End) => [Afi.IPV4, Afi.IPV6].flatMap((afi) => [...(daemon.query.advertised(daemon.neighbor(r.address).index, afi) ?? [])].map((a) => a.prefix)).sort();
  const end = Date.now() + seconds * 1000;
  let sent = 0;
  let resets = 0;
  let checks = 0;
  let most = 0;
  let most6 = 0;
  const mismatches: string[] = [];
  while (Date.now() < end) {
    const i = rand(SENDERS.length);
    if (senders[i].closed || !daemon.neighbor(SENDERS[i].address).up) {
      resets++;
      senders[i].socket.destroy();
      senders[i] = await establish(SENDERS[i]);
    }
    senders[i].socket.write(mutate(i));
    sent++;
    if (sent % 20 === 0) await new Promise((r) => setTimeout(r, 5));
    // Now and then each sender (its session up again if a mutation ended it) announces 20 valid
    // UPDATEs and the senders pause: once the daemon is quiet, each receiver holds exactly the
    // prefixes its Adj-RIB-Out says it was sent.
    if (sent % 500 === 0) {
      checks++;
      for (const [k, sender] of SENDERS.entries()) {
        // A mutation just written may still end the session: then again on a new one.
        for (let attempt = 0; attempt < 3; attempt++) {
          if (senders[k].closed || !daemon.neighbor(sender.address).up) {
            resets++;
            senders[k].socket.destroy();
            senders[k] = await establish(sender);
          }
          for (let n = 0; n < 20; n++) senders[k].socket.write(announcement(k));
          // Taken in: the last announcement's prefixes are in the Loc-RIB.
          const taken = last;
          if (await until(() => taken.every(has) || senders[k].closed, 3000) && !senders[k].closed) break;
        }
      }
      // Flushed: nothing queued for any receiver (a change is queued as the UPDATE is applied).
      await until(() => RECEIVERS.every((r) => daemon.rib.peerStats(daemon.neighbor(r.address).index)?.pending === 0), 3000);
      for (const [k, r] of RECEIVERS.entries()) {
        const same = await until(() => prefixesHeld(receivers[k]).join() === prefixesSent(r).join(), 3000);
        most = Math.max(most, prefixesSent(r).length);
        most6 = Math.max(most6, prefixesSent(r).filter((p) => p.includes(':')).length);
        if (!same) mismatches.push(`${r.address} after ${sent}: holds ${prefixesHeld(receivers[k]).length}, sent ${prefixesSent(r).length}`);
      }
    }
  }
  t.comment(`${sent} UPDATEs (two in five valid, the rest mutated), ${resets} sender sessions reset; ${checks} checks, at most ${most} prefixes held (${most6} IPv6)`);
  t.ok(sent > 100 && checks > 0 && most6 > 0, 'a real run: UPDATEs sent, receivers checked, IPv6 routes among them');
  t.same(mismatches, [], 'at every pause each receiver held what the daemon says it sent it');

  // The senders go: everything they had the daemon announce is withdrawn from every receiver.
  for (const c of senders) c.socket.destroy();
  await until(() => SENDERS.every((s) => !daemon.neighbor(s.address).up), 5000);
  await until(() => daemon.rib.v4.prefixes + daemon.rib.v6.prefixes === 0, 5000);
  for (const [i, r] of RECEIVERS.entries()) {
    const c = receivers[i];
    const updates = c.of('update').length;
    await until(() => tableOf(c).size === 0, 5000);
    const s = daemon.neighbor(r.address).session.snapshot();
    t.ok(updates > 0, `${r.address}: was sent UPDATEs (${updates}), each decoded under its session's capabilities`);
    t.same(c.of('notification'), [], `${r.address}: no NOTIFICATION`);
    t.ok(!c.closed && s.state === 'Established' && s.establishedAtMs === since[i], `${r.address}: its session kept its uptime`);
    t.same([...tableOf(c)].slice(0, 5), [], `${r.address}: every route it was sent is withdrawn`);
  }
  for (const c of receivers) c.socket.destroy();
});
