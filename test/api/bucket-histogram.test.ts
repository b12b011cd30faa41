// The UPDATE latency histogram as prom-client would expose it: cumulative buckets, +Inf, sum, count.
import t from 'tap';
import { Histogram, Registry } from 'prom-client';
import { BucketHistogram } from '../../src/api/bucket-histogram.js';

t.test('the exposition equals prom-client\'s own histogram for the same observations', async (t) => {
  const bounds = [0.00001, 0.0001, 0.001, 0.1];
  const ours = new Registry();
  const theirs = new Registry();
  const h = new BucketHistogram('x_seconds', 'help text', bounds);
  ours.registerMetric(h as unknown as Parameters<Registry['registerMetric']>[0]);
  const p = new Histogram({ name: 'x_seconds', help: 'help text', buckets: bounds, registers: [theirs] });
  for (const v of [0, 0.00001, 0.000011, 0.0005, 0.001, 0.05, 0.1, 0.2, 7]) {
    h.observe(v);
    p.observe(v);
  }
  t.equal(await ours.metrics(), await theirs.metrics(), 'the same text, bound for bound (a value on a bound counts in it)');
  h.reset();
  t.match(await ours.metrics(), /x_seconds_count 0/, 'reset');
});
