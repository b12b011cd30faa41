// The registry of forms peers hold as sent: a slot per form while it has holders, given to
// another form after its last; a form's stale slot number never finds another form.
import t from 'tap';
import { SentForms } from '../../src/rib/sent-forms.js';

const form = (name: string) => ({ name, slot: 0 });

t.test('a form keeps its slot while held, and loses it with its last holder', async (t) => {
  const s = new SentForms<ReturnType<typeof form>>();
  const a = form('a');
  const slot = s.hold(a, 3);
  t.not(slot, 0, 'slot 0 means nothing sent');
  t.equal(s.hold(a), slot, 'held again: the same slot');
  t.equal(s.form(slot), a);
  t.ok(s.holds(slot, a));
  t.notOk(s.holds(0, a), 'slot 0 holds nothing');
  for (let i = 0; i < 3; i++) s.drop(slot);
  t.equal(s.form(slot), a, 'one holder left');
  s.drop(slot);
  t.equal(s.size, 0);
  t.notOk(s.holds(slot, a), 'gone with its last holder');
});

t.test('a freed slot goes to another form; the first form gets a new one', async (t) => {
  const s = new SentForms<ReturnType<typeof form>>();
  const a = form('a');
  const b = form('b');
  const c = form('c');
  s.hold(c); // keeps the registry from emptying (which starts the slots over)
  const sa = s.hold(a);
  s.drop(sa);
  const sb = s.hold(b);
  t.equal(sb, sa, 'the slot reused');
  t.equal(a.slot, sa, "a's own number is stale now");
  t.notOk(s.holds(sa, a), 'and does not find a');
  const sa2 = s.hold(a);
  t.not(sa2, sb, 'a held again: a slot of its own');
  t.equal(s.form(sb), b);
  t.equal(s.form(sa2), a);
  t.equal(s.size, 3);
});

t.test('many forms: the holder counts grow, and emptying starts over', async (t) => {
  const s = new SentForms<ReturnType<typeof form>>();
  const forms = Array.from({ length: 5000 }, (_, i) => form(String(i)));
  const slots = forms.map((f) => s.hold(f, 2));
  t.equal(new Set(slots).size, 5000, 'a slot each');
  t.ok(forms.every((f, i) => s.form(slots[i]) === f));
  for (const slot of slots) s.drop(slot);
  t.equal(s.size, 5000, 'one holder each left');
  for (const slot of slots) s.drop(slot);
  t.equal(s.size, 0);
  const again = form('again');
  t.equal(s.hold(again), 1, 'slots start over once nothing is held');
  t.notOk(s.holds(slots[0], forms[0]));
});

t.test('holder counts above 2^32 (thousands of peers by a million prefixes)', async (t) => {
  const s = new SentForms<ReturnType<typeof form>>();
  const a = form('a');
  const slot = s.hold(a, 2 ** 32);
  s.hold(a, 5);
  for (let i = 0; i < 5; i++) s.drop(slot);
  t.ok(s.holds(slot, a), 'still held by 2^32');
});

t.test('the owner hears of a form once its last holder goes, and only then', async (t) => {
  const unheld: string[] = [];
  const s = new SentForms<ReturnType<typeof form>>((f) => unheld.push(f.name));
  const a = form('a');
  const b = form('b');
  const sa = s.hold(a, 2);
  const sb = s.hold(b);
  s.drop(sa);
  t.same(unheld, [], 'a still has a holder');
  s.drop(sa);
  t.same(unheld, ['a']);
  s.drop(sb);
  t.same(unheld, ['a', 'b'], 'the last form too (the registry starts over after it)');
  s.hold(a);
  t.same(unheld, ['a', 'b'], 'held again: nothing heard');
});
