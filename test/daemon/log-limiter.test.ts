// Log lines an outside party can cause: a few per window per key, then "suppressed N".
import t from 'tap';
import { LogLimiter } from '../../src/daemon/log-limiter.js';

t.test('a few per window, then silence, then the count of what was suppressed', async (t) => {
  const l = new LogLimiter(2, 1000);
  t.same([l.take('a', 0).log, l.take('a', 10).log, l.take('a', 20).log, l.take('a', 30).log], [true, true, false, false]);
  t.same(l.take('b', 30), { log: true, suppressed: 0, last: false }, 'keys are apart');
  t.same(l.take('a', 1000), { log: true, suppressed: 2, last: false }, 'the next window logs and says 2 were suppressed');
  t.same(l.take('a', 1001), { log: true, suppressed: 0, last: true }, 'the last line of a window says so');
});

t.test('keys are bounded: the oldest goes', async (t) => {
  const l = new LogLimiter(1, 1000, 2);
  l.take('a', 0);
  l.take('a', 0);
  l.take('b', 0);
  l.take('c', 0);
  t.same(l.take('a', 1), { log: true, suppressed: 0, last: true }, 'a was forgotten, so it starts over');
  l.forget('c');
  t.same(l.take('c', 1), { log: true, suppressed: 0, last: true });
});

t.test('drain: a window that ended with lines suppressed is reported once', async (t) => {
  const l = new LogLimiter(1, 1000);
  l.take('a', 0);
  l.take('a', 1);
  l.take('a', 2);
  l.take('b', 0);
  t.same(l.drain(500), [], 'not before the window ends');
  t.same(l.drain(1000), [{ key: 'a', suppressed: 2 }], 'a had two suppressed; b none');
  t.same(l.drain(3000), [], 'reported once');
  t.same(l.take('a', 3000), { log: true, suppressed: 0, last: true }, 'and a starts over');
});
