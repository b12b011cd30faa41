// The heap guard (src/daemon/heap-guard.ts) on a virtual clock with a heap read from a table: when
// it reads, when it collects, and when a neighbor's routes are refused.
import t from 'tap';
import { VirtualClock } from '../../src/fsm/index.js';
import { HARD_AT, HeapGuard, type HeapReading, LOOK_AT, LOOK_EVERY_MS, READ_EVERY, REFUSE_AT } from '../../src/daemon/heap-guard.js';

const LIMIT = 1000 * 2 ** 20;

/** A guard whose heap reads `inUse` (share of the limit) until a collection leaves `live`. */
function guard(opts: { inUse: number; live?: number; gc?: boolean }) {
  const clock = new VirtualClock();
  const state = { used: opts.inUse, reads: 0, collections: 0 };
  const read = (): HeapReading => {
    state.reads++;
    return { used: state.used * LIMIT, limit: LIMIT };
  };
  const collect = () => {
    state.collections++;
    state.used = opts.live ?? state.used;
  };
  const g = new HeapGuard(clock, read, opts.gc === false ? undefined : collect);
  /** The verdict of the READ_EVERY-th UPDATE after the last (the ones before it read nothing). */
  const batch = () => {
    for (let i = 1; i < READ_EVERY; i++) if (g.full() !== undefined) throw new Error('a verdict between readings');
    return g.full();
  };
  return { clock, state, batch };
}

t.test('reads the heap once every READ_EVERY UPDATEs, and below LOOK_AT does nothing more', async (t) => {
  const { state, batch } = guard({ inUse: LOOK_AT - 0.01 });
  t.equal(batch(), undefined);
  t.equal(batch(), undefined);
  t.same([state.reads, state.collections], [2, 0], `two readings for ${2 * READ_EVERY} UPDATEs, no collection`);
});

t.test('past LOOK_AT a full collection tells live from garbage', async (t) => {
  const garbage = guard({ inUse: 0.9, live: REFUSE_AT - 0.05 });
  t.equal(garbage.batch(), undefined, 'mostly garbage: routes still taken');
  t.equal(garbage.state.collections, 1);

  const live = guard({ inUse: 0.9, live: REFUSE_AT + 0.05 });
  t.match(live.batch(), /^the JavaScript heap holds 800 MB live of the 1000 MB its old generation may hold$/, 'live past REFUSE_AT: refused, saying what the heap holds');
});

t.test('collections at most every LOOK_EVERY_MS; in between only HARD_AT refuses', async (t) => {
  const g = guard({ inUse: 0.9, live: 0.9 });
  t.ok(g.batch(), 'the first look refuses');
  g.state.used = 0.9;
  t.equal(g.batch(), undefined, 'right after, without a collection: in use below HARD_AT is taken');
  g.state.used = HARD_AT + 0.01;
  t.match(g.batch(), /holds 960 MB of the 1000 MB its old generation may hold/, 'past HARD_AT refused without a collection');
  t.equal(g.state.collections, 1, 'one collection so far');
  g.clock.advance(LOOK_EVERY_MS);
  g.state.used = 0.9;
  t.ok(g.batch(), 'LOOK_EVERY_MS later: looked at again');
  t.equal(g.state.collections, 2);
});

t.test('with no collection to ask for (a Daemon run in-process), only HARD_AT refuses', async (t) => {
  t.equal(guard({ inUse: 0.94, gc: false }).batch(), undefined);
  t.ok(guard({ inUse: HARD_AT, gc: false }).batch());
});
