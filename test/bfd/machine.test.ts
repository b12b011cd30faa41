// The pure BFD session machine (src/bfd/machine.ts): RFC 5880 6.8.6's state table case by case,
// then whatever a peer or an attacker on the segment may send (every packet decodeControl lets
// through, in any order, with detection expiries, AdminDown and reconfiguration between them):
// the machine never throws, moves only along the RFC's edges, and keeps every timer finite and
// within what the configuration and the packet fields allow.
import t from 'tap';
import fc from 'fast-check';
import {
  type BfdAction, BfdDiag, BfdState, type BfdStateCode, type BfdTiming, type BfdVars, type ControlPacket,
  decodeControl, detectionExpired, detectionTimeMs, encodeControl, initialVars, jitteredTxMs, receive, reconfigure,
  setAdminDown, txIntervalMs,
} from '../../src/bfd/index.js';

const TIMING: BfdTiming = { desiredMinTxUs: 300_000, requiredMinRxUs: 300_000, detectMult: 3, passive: false };
const { ADMIN_DOWN, DOWN, INIT, UP } = BfdState;

/** A packet from the peer in `state` (discriminator 7, to our 1 once it knows us). */
function packet(state: BfdStateCode, over: Partial<ControlPacket> = {}): ControlPacket {
  return decodeControl(encodeControl({
    diag: 0, state, detectMult: 3, myDiscriminator: 7, yourDiscriminator: state === DOWN || state === ADMIN_DOWN ? 0 : 1,
    desiredMinTxUs: 300_000, requiredMinRxUs: 300_000, ...over,
  }));
}

/** Our session in `state`, its peer known. */
function inState(state: BfdStateCode): BfdVars {
  const v = { ...initialVars(1, TIMING), remoteDiscr: 7 };
  if (state === ADMIN_DOWN) return setAdminDown(v, true).vars;
  if (state === DOWN) return v;
  return { ...v, state };
}

t.test('RFC 5880 6.8.6: the state a received packet leaves us in', async (t) => {
  // [ours, the packet's, ours after, the Diag of a change]
  const table: [BfdStateCode, BfdStateCode, BfdStateCode, number | undefined][] = [
    [DOWN, DOWN, INIT, BfdDiag.NONE],
    [DOWN, INIT, UP, BfdDiag.NONE],
    [DOWN, UP, DOWN, undefined],
    [DOWN, ADMIN_DOWN, DOWN, undefined],
    [INIT, DOWN, INIT, undefined],
    [INIT, INIT, UP, BfdDiag.NONE],
    [INIT, UP, UP, BfdDiag.NONE],
    [INIT, ADMIN_DOWN, DOWN, BfdDiag.NEIGHBOR_SIGNALED_SESSION_DOWN],
    [UP, DOWN, DOWN, BfdDiag.NEIGHBOR_SIGNALED_SESSION_DOWN],
    [UP, INIT, UP, undefined],
    [UP, UP, UP, undefined],
    [UP, ADMIN_DOWN, DOWN, BfdDiag.NEIGHBOR_SIGNALED_SESSION_DOWN],
    [ADMIN_DOWN, DOWN, ADMIN_DOWN, undefined],
    [ADMIN_DOWN, UP, ADMIN_DOWN, undefined],
  ];
  const names = ['AdminDown', 'Down', 'Init', 'Up'];
  for (const [ours, theirs, after, diag] of table) {
    const r = receive(inState(ours), packet(theirs));
    const change = r.actions.find((a) => a.type === 'state-change');
    t.equal(r.vars.state, after, `${names[ours]} + ${names[theirs]} -> ${names[after]}`);
    t.equal(change?.type === 'state-change' ? change.diag : undefined, diag, `${names[ours]} + ${names[theirs]}: ${diag === undefined ? 'no change' : `Diag ${diag}`}`);
    if (ours === ADMIN_DOWN) t.equal(r.discarded, 'admin-down', 'AdminDown discards what arrives');
  }
  t.equal(receive(inState(UP), { ...packet(UP), auth: true }).discarded, 'authentication', 'a packet claiming authentication is discarded (none configured)');
  t.equal(detectionExpired(inState(UP)).vars.state, DOWN, 'Up without packets for the detection time: Down');
  t.equal(detectionExpired(inState(INIT)).vars.state, DOWN, 'Init too');
});

/** The edges RFC 5880 6.2 draws (and AdminDown, 6.8.16, from anywhere and back to Down). */
const EDGES = new Set([`${DOWN}>${INIT}`, `${DOWN}>${UP}`, `${INIT}>${UP}`, `${INIT}>${DOWN}`, `${UP}>${DOWN}`, `${DOWN}>${ADMIN_DOWN}`, `${INIT}>${ADMIN_DOWN}`, `${UP}>${ADMIN_DOWN}`, `${ADMIN_DOWN}>${DOWN}`]);

/** Any packet decodeControl accepts: every field at random, then whatever survives the discard rules. */
const anyPacket = fc.record({
  diag: fc.integer({ min: 0, max: 31 }),
  state: fc.constantFrom(ADMIN_DOWN, DOWN, INIT, UP),
  poll: fc.boolean(),
  final: fc.boolean(),
  demand: fc.boolean(),
  auth: fc.boolean(),
  detectMult: fc.integer({ min: 1, max: 255 }),
  myDiscriminator: fc.integer({ min: 1, max: 0xffffffff }),
  yourDiscriminator: fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 0xffffffff })),
  desiredMinTxUs: fc.oneof(fc.constantFrom(0, 1, 0xffffffff), fc.integer({ min: 0, max: 0xffffffff })),
  requiredMinRxUs: fc.oneof(fc.constantFrom(0, 1, 0xffffffff), fc.integer({ min: 0, max: 0xffffffff })),
}).map(({ auth, ...f }) => {
  const b = encodeControl(f);
  if (auth) b[1] |= 0x04; // with no room for the section: decodeControl discards it
  try {
    return decodeControl(b);
  } catch {
    return undefined;
  }
});

const timing = fc.record({
  desiredMinTxUs: fc.integer({ min: 50, max: 60_000 }).map((ms) => ms * 1000),
  requiredMinRxUs: fc.integer({ min: 50, max: 60_000 }).map((ms) => ms * 1000),
  detectMult: fc.integer({ min: 2, max: 255 }),
  passive: fc.boolean(),
});

type Step = { kind: 'packet'; p: ControlPacket | undefined } | { kind: 'expire' } | { kind: 'admin'; down: boolean } | { kind: 'reconfigure'; timing: BfdTiming };
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: anyPacket.map((p) => ({ kind: 'packet' as const, p })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'expire' as const }) },
  { weight: 1, arbitrary: fc.boolean().map((down) => ({ kind: 'admin' as const, down })) },
  { weight: 1, arbitrary: timing.map((tm) => ({ kind: 'reconfigure' as const, timing: tm })) },
);

t.test('any sequence of packets a peer may send, expiries, AdminDown and reconfiguration', async (t) => {
  // The largest interval a packet can name (2^32-1 us) times the largest multiplier: 12.7 days,
  // below the 24.8 days a Node timer can wait (a longer one fires at once).
  const MAX_TIMER_MS = 255 * 0xffffffff / 1000;
  fc.assert(fc.property(timing, fc.array(step, { maxLength: 60 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (first, steps, r) => {
    let v = initialVars(1, first);
    for (const s of steps) {
      const before = v;
      const res = s.kind === 'packet' ? (s.p ? receive(v, s.p) : { vars: v, actions: [] as BfdAction[] })
        : s.kind === 'expire' ? detectionExpired(v)
          : s.kind === 'admin' ? setAdminDown(v, s.down)
            : reconfigure(v, s.timing);
      v = res.vars;
      if (![ADMIN_DOWN, DOWN, INIT, UP].includes(v.state)) throw new Error(`state ${v.state}`);
      if (v.state !== before.state && !EDGES.has(`${before.state}>${v.state}`)) throw new Error(`edge ${before.state} -> ${v.state} on ${s.kind}`);
      if (s.kind === 'packet' && before.state === ADMIN_DOWN && v.state !== ADMIN_DOWN) throw new Error('a packet took us out of AdminDown');
      for (const a of res.actions) {
        if (a.type === 'restart-detect' && !(Number.isFinite(a.ms) && a.ms >= v.rxTimingUs / 1000 && a.ms <= MAX_TIMER_MS)) throw new Error(`detection time ${a.ms} ms`);
        if (a.type === 'state-change' && (a.from !== before.state || a.to !== v.state)) throw new Error('a state change that is not the one made');
      }
      // Our transmit interval: never below what we advertise, never beyond what a packet can ask.
      const tx = txIntervalMs(v);
      if (!(tx >= v.txTimingUs / 1000 && tx <= 0xffffffff / 1000)) throw new Error(`transmit interval ${tx} ms`);
      const jittered = jitteredTxMs(v, r);
      if (!(jittered > 0 && jittered <= tx)) throw new Error(`jittered interval ${jittered} ms of ${tx}`);
      if (v.remoteDetectMult !== 0 && !(detectionTimeMs(v) > 0)) throw new Error('a zero detection time');
    }
  }), { numRuns: Number(process.env.BFD_FUZZ_RUNS ?? 2000), seed: Number(process.env.BFD_FUZZ_SEED ?? 5880) });
  t.pass('the machine held every invariant');
});
