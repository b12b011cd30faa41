// Two BFD session drivers joined by a simulated link on a virtual clock: the three-way handshake,
// the Poll/Final that lowers the intervals, jitter, detection when the link is cut, recovery,
// passive role, AdminDown, renegotiation rules (RFC 5880 6.8.3) and Demand mode from the peer.
import t from 'tap';
import { VirtualClock } from '../../src/fsm/index.js';
import { BfdSession, type BfdStateChange, type BfdTiming, decodeControl, encodeControl, initialVars, receive as machineReceive, mayTransmit } from '../../src/bfd/index.js';

const FAST: BfdTiming = { desiredMinTxUs: 100_000, requiredMinRxUs: 100_000, detectMult: 3, passive: false };

class Link {
  readonly clock = new VirtualClock(() => Math.random());
  cut = false;
  readonly changes: (BfdStateChange & { side: 'a' | 'b' })[] = [];
  readonly sentAt: { a: number[]; b: number[] } = { a: [], b: [] };
  readonly a: BfdSession;
  readonly b: BfdSession;

  constructor(ta: BfdTiming = FAST, tb: BfdTiming = FAST) {
    const mk = (side: 'a' | 'b', timing: BfdTiming, discr: number): BfdSession => new BfdSession({
      localDiscr: discr,
      timing,
      clock: this.clock,
      send: (packet) => {
        this.sentAt[side].push(this.clock.now());
        if (this.cut) return;
        const out = Buffer.from(packet);
        this.clock.setTimeout(() => (side === 'a' ? this.b : this.a).receive(decodeControl(out)), 1);
      },
      stateChange: (c) => this.changes.push({ ...c, side }),
    });
    this.a = mk('a', ta, 0x1111);
    this.b = mk('b', tb, 0x2222);
  }

  start(): this {
    this.a.start();
    this.b.start();
    return this;
  }

  run(ms: number): this {
    this.clock.advance(ms);
    return this;
  }

  gaps(side: 'a' | 'b', from: number): number[] {
    const at = this.sentAt[side].filter((x) => x >= from);
    return at.slice(1).map((x, i) => x - at[i]);
  }
}

t.test('three-way handshake, then a Poll Sequence lowers the intervals (RFC 5880 6.2, 6.8.3)', async (t) => {
  const l = new Link();
  l.cut = true;
  l.start().run(4000);
  const whileDown = l.gaps('a', 0);
  t.ok(whileDown.length >= 3 && whileDown.every((g) => g >= 750 && g <= 1000), `1 s (less jitter) while not Up: ${whileDown.map(Math.round)}`);
  l.cut = false;
  l.run(5000);
  t.equal(l.a.state, 'Up');
  t.equal(l.b.state, 'Up');
  const ups = l.changes.filter((c) => c.to === 'Up');
  t.equal(ups.length, 2, 'each side reports Up once');
  t.ok(l.changes.some((c) => c.to === 'Init'), 'through Init on one side');
  const s = l.a.snapshot();
  t.equal(s.polling, false, 'the poll was answered with Final');
  t.same([s.transmitIntervalMs, s.receiveIntervalMs, s.detectionTimeMs, s.remoteDetectMultiplier], [100, 100, 300, 3]);
  t.equal(s.remoteDiscriminator, 0x2222);
  const fast = l.gaps('a', l.clock.now() - 2000);
  t.ok(fast.every((g) => g >= 75 && g <= 100), `periodic packets every 75-100 ms once Up (jitter 0-25%): min ${Math.min(...fast)} max ${Math.max(...fast)}`);
  t.ok(s.packetsReceived > 20 && s.packetsSent > 20);
});

t.test('with a multiplier of 1 the jitter is 10-25% (6.8.7)', async (t) => {
  const one = { ...FAST, detectMult: 1 };
  const l = new Link(one, one).start().run(5000);
  t.equal(l.a.state, 'Up');
  const gaps = l.gaps('a', l.clock.now() - 2000);
  t.ok(gaps.every((g) => g >= 75 && g <= 90), `min ${Math.min(...gaps)} max ${Math.max(...gaps)}`);
});

t.test('a cut link is detected within the detection time, and the session comes back', async (t) => {
  const l = new Link().start().run(5000);
  const cutAt = l.clock.now();
  l.cut = true;
  l.run(1000);
  const downs = l.changes.filter((c) => c.from === 'Up' && c.to === 'Down');
  t.equal(downs.length, 2, 'both sides go Down');
  for (const d of downs) {
    t.equal(d.diag, 'control-detection-time-expired');
    t.ok(d.at - cutAt > 200 && d.at - cutAt <= 301, `detected ${Math.round(d.at - cutAt)} ms after the cut (300 ms detection time)`);
  }
  t.equal(l.a.snapshot().remoteDiscriminator, 0, 'the peer is forgotten (6.8.1)');
  t.equal(l.a.snapshot().downTransitions, 1);
  l.cut = false;
  l.run(4000);
  t.equal(l.a.state, 'Up', 'Up again once packets flow');
  t.equal(l.a.snapshot().upTransitions, 2);
});

t.test('passive role (6.1): silent until the peer is heard', async (t) => {
  const passive = { ...FAST, passive: true };
  const both = new Link(passive, passive).start().run(5000);
  t.equal(both.sentAt.a.length + both.sentAt.b.length, 0, 'two passive ends never speak');
  t.equal(both.a.state, 'Down');
  const l = new Link(FAST, passive).start().run(5000);
  t.equal(l.b.state, 'Up', 'a passive end answers an active one');
  t.ok(l.sentAt.b[0] > l.sentAt.a[0], 'and speaks only after it');
  l.cut = true;
  l.run(5000);
  const heardAfter = l.sentAt.b.filter((x) => x > l.clock.now() - 3000).length;
  t.equal(heardAfter, 0, 'after the peer is forgotten a passive end falls silent again');
});

t.test('AdminDown (6.8.16): the peer goes Down with Diag 3, not a failure; enabling brings it Up', async (t) => {
  const l = new Link().start().run(5000);
  l.a.setAdminDown(true);
  l.run(500);
  t.equal(l.a.state, 'AdminDown');
  t.equal(l.a.snapshot().localDiag, 'administratively-down');
  const bDown = l.changes.find((c) => c.side === 'b' && c.to === 'Down');
  t.equal(bDown?.diag, 'neighbor-signaled-session-down');
  t.equal(bDown?.remoteDiag, 'administratively-down');
  l.run(3000);
  t.equal(l.b.state, 'Down', 'the peer stays Down while we are AdminDown');
  l.a.setAdminDown(false);
  l.run(4000);
  t.same([l.a.state, l.b.state], ['Up', 'Up']);
});

t.test('renegotiation while Up (6.8.3): a slower transmit interval waits for the Final', async (t) => {
  const l = new Link().start().run(5000);
  l.a.reconfigure({ ...FAST, desiredMinTxUs: 300_000 });
  t.equal(l.a.snapshot().polling, true, 'a Poll Sequence starts');
  t.equal(l.a.snapshot().transmitIntervalMs, 100, 'the old interval holds until the Final');
  l.run(500);
  const a = l.a.snapshot();
  t.same([a.polling, a.transmitIntervalMs], [false, 300], 'Final received: 300 ms');
  t.equal(l.b.snapshot().detectionTimeMs, 900, "the peer's detection time follows (3 x 300 ms)");
  t.equal(l.changes.filter((c) => c.to === 'Down').length, 0, 'no flap');
  l.b.reconfigure({ ...FAST, requiredMinRxUs: 50_000 });
  t.equal(l.b.snapshot().detectionTimeMs, 900, 'a smaller receive interval does not shorten detection before the Final');
  l.a.reconfigure({ ...FAST, desiredMinTxUs: 50_000 });
  l.run(500);
  t.same([l.a.snapshot().transmitIntervalMs, l.b.snapshot().detectionTimeMs], [50, 150], 'both at 50 ms x 3 after the polls');
  l.b.reconfigure({ ...FAST, requiredMinRxUs: 50_000, detectMult: 5 });
  l.run(500);
  t.equal(l.a.snapshot().detectionTimeMs, 500, "a new multiplier reaches the peer: 5 x b's 100 ms");
  t.equal(l.changes.filter((c) => c.to === 'Down').length, 0, 'still no flap');
});

t.test('a Poll is answered at once with a Final, not on the periodic schedule (6.8.7)', async (t) => {
  const l = new Link({ ...FAST, desiredMinTxUs: 1_000_000 }, FAST).start().run(6000);
  t.equal(l.a.snapshot().transmitIntervalMs, 1000);
  l.b.reconfigure({ ...FAST, requiredMinRxUs: 200_000 });
  t.equal(l.b.snapshot().polling, true);
  // b's Poll goes out within its 100 ms interval; only an immediate Final (periodic packets never
  // carry F) can end the poll within 150 ms, well inside a's 1 s schedule.
  l.run(150);
  t.equal(l.b.snapshot().polling, false, "b's poll is over within 150 ms");
});

t.test('the peer in Demand mode stops our periodic packets while both are Up (6.8.7); A bit discarded', async (t) => {
  const l = new Link().start().run(5000);
  const up = l.a.vars;
  const fromB = (flags: number) => {
    const b = encodeControl({ diag: 0, state: 3, detectMult: 3, myDiscriminator: 0x2222, yourDiscriminator: 0x1111, desiredMinTxUs: 100_000, requiredMinRxUs: 100_000 });
    b[1] |= flags;
    return decodeControl(b);
  };
  t.equal(mayTransmit(up), true);
  const demand = machineReceive(up, fromB(0x02));
  t.equal(mayTransmit(demand.vars), false, 'no periodic packets while the peer asks for Demand mode');
  t.ok(demand.actions.some((a) => a.type === 'reschedule-tx'), 'the transmit timer is told');
  t.equal(mayTransmit(machineReceive(demand.vars, fromB(0)).vars), true, 'and they resume when it stops asking');
  const auth = encodeControl({ diag: 0, state: 1, detectMult: 3, myDiscriminator: 9, yourDiscriminator: 0, desiredMinTxUs: 1e6, requiredMinRxUs: 1e6 });
  const withA = Buffer.concat([auth, Buffer.from('0103', 'hex')]);
  withA[1] |= 0x04;
  withA[3] = 26;
  const v = initialVars(1, FAST);
  const r = machineReceive(v, decodeControl(withA));
  t.equal(r.discarded, 'authentication', 'a packet with authentication is discarded (none configured)');
  t.equal(r.vars, v, 'and changes nothing');
});
