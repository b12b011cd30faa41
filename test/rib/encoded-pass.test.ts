// UPDATEs encoded once per output pass (encoded-pass.ts): found again only inside the pass, for
// the same form, prefixes, attribute octets, message size and next hop.
import t from 'tap';
import { EncodedPass } from '../../src/rib/encoded-pass.js';

const form = {};
const [first, other] = [{}, {}];
const attrs = Buffer.from('40010100', 'hex');
const msgs = [Buffer.from('ff')];
const v6 = (n: number) => Buffer.alloc(16, n);

t.test('kept and found within a pass only', async (t) => {
  const e = new EncodedPass<object>();
  e.keep(form, [1, 2], attrs, false, undefined, msgs);
  t.equal(e.find(other, form, [1, 2], attrs, false, undefined), undefined, 'outside a pass nothing is kept');
  e.begin();
  t.equal(e.find(first, form, [1, 2], attrs, false, undefined), undefined, 'the first output of a pass finds nothing');
  e.keep(form, [1, 2], attrs, false, undefined, msgs);
  t.equal(e.find(first, form, [1, 2], attrs, false, undefined), undefined, 'and keeps nothing: alone, it could not use it');
  t.equal(e.find(other, form, [1, 2], attrs, false, undefined), undefined, 'nor another');
  e.keep(form, [1, 2], attrs, false, undefined, msgs);
  t.equal(e.find(other, form, [1, 2], attrs, false, undefined), msgs, 'from the second output on, kept and found');
  t.equal(e.find(first, form, [1, 2], attrs, false, undefined), msgs, 'by the first one too');
  t.equal(e.find(other, form, [1, 2], Buffer.from(attrs), false, undefined), msgs, 'equal attribute octets in another buffer');
  t.equal(e.find(other, {}, [1, 2], attrs, false, undefined), undefined, 'another form');
  t.equal(e.find(other, form, [1, 3], attrs, false, undefined), undefined, 'other prefixes');
  t.equal(e.find(other, form, [1], attrs, false, undefined), undefined, 'fewer prefixes');
  t.equal(e.find(other, form, [2, 1], attrs, false, undefined), undefined, 'another order');
  t.equal(e.find(other, form, [1, 2], Buffer.from('40010101', 'hex'), false, undefined), undefined, 'other attribute octets (a peer\'s own next hop)');
  t.equal(e.find(other, form, [1, 2], attrs, true, undefined), undefined, 'another maximum message size');
  t.equal(e.find(other, form, [1, 2], attrs, false, v6(1)), undefined, 'an MP_REACH next hop where there was none');
  e.end();
  t.equal(e.find(other, form, [1, 2], attrs, false, undefined), undefined, 'dropped at the end of the pass');
});

t.test('next hops compared by value; nested passes end with the outermost', async (t) => {
  const e = new EncodedPass<object>();
  e.begin();
  e.find(first, form, [7], attrs, false, v6(1));
  e.find(other, form, [7], attrs, false, v6(1));
  e.keep(form, [7], attrs, false, v6(1), msgs);
  t.equal(e.find(other, form, [7], attrs, false, v6(1)), msgs, 'an equal next hop');
  t.equal(e.find(other, form, [7], attrs, false, v6(2)), undefined, 'another next hop');
  e.begin();
  e.end();
  t.equal(e.find(other, form, [7], attrs, false, v6(1)), msgs, 'an inner pass (one peer\'s flush) keeps the outer pass\'s');
  e.end();
  t.equal(e.find(other, form, [7], attrs, false, v6(1)), undefined, 'the outer end drops it');
  e.begin();
  e.keep(form, [7], attrs, false, v6(1), msgs);
  t.equal(e.find(other, form, [7], attrs, false, v6(1)), undefined, 'a new pass starts alone again');
  e.end();
});
