// The token bucket bounding what a peer can make us do: bursts, refill, waits (time passed in).
import t from 'tap';
import { TokenBucket } from '../../src/daemon/rate-limit.js';

t.test('a burst of `capacity`, then one per refill period', async (t) => {
  const b = new TokenBucket(3, 10_000, 0);
  t.same([b.take(0), b.take(0), b.take(0), b.take(0)], [true, true, true, false], 'three at once, not four');
  t.equal(b.wait(0), 10_000, 'the next in 10 s');
  t.equal(b.wait(4_000), 6_000, '6 s later still 4 s to go');
  t.notOk(b.take(9_999), 'not before');
  t.ok(b.take(10_000), 'one at 10 s');
  t.notOk(b.take(10_000), 'only one');
  t.equal(b.wait(10_000), 10_000);
});

t.test('refill stops at capacity; an idle bucket is full again', async (t) => {
  const b = new TokenBucket(2, 1_000, 0);
  b.take(0);
  b.take(0);
  t.equal(b.wait(500), 500);
  t.same([b.take(60_000), b.take(60_000), b.take(60_000)], [true, true, false], 'a minute idle gives back two, not sixty');
  t.ok(b.take(61_000), 'and the period restarts from the last refill');
});

t.test('partial periods carry over', async (t) => {
  const b = new TokenBucket(1, 1_000, 0);
  t.ok(b.take(0));
  t.notOk(b.take(1_500 - 600));
  t.ok(b.take(1_000), 'the period counts from the refill, not from the failed try');
  t.equal(b.wait(1_700), 300);
});
