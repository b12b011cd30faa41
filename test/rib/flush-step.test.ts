// One flush step's grouping (flush-step.ts): prefixes go to their form's group in the order forms
// first appear, withdrawals to their own, unchanged ones nowhere; each group keeps the order
// prefixes were taken in, and its NLRI block holds exactly its prefixes' words.
import t from 'tap';
import { FlushStep, UNCHANGED, WITHDRAWN } from '../../src/rib/flush-step.js';
import { PrefixTrie } from '../../src/rib/trie.js';
import type { OutForm } from '../../src/rib/export.js';
import { Afi, nlriToText } from '../../src/wire/index.js';

const form = (id: number) => ({ id }) as unknown as OutForm;

t.test('groups by form in first-appearance order, stable within a group, withdrawals apart, unchanged left out', async (t) => {
  const trie = new PrefixTrie<number>(32);
  const nodes = Array.from({ length: 8 }, (_, i) => trie.ensure((10 << 24) | (i << 8), 0, 0, 0, 24));
  const [a, b, c] = [form(1), form(2), form(3)];
  // Prefix i gets: b, a, b, withdrawn, unchanged, c, a, withdrawn.
  const plan: (OutForm | 'w' | 'u')[] = [b, a, b, 'w', 'u', c, a, 'w'];
  const step = new FlushStep(16);
  for (let round = 0; round < 2; round++) {
    step.clear();
    nodes.forEach((n, i) => step.add(n, i));
    plan.forEach((p, k) => step.assign(k, p === 'w' ? WITHDRAWN : p === 'u' ? UNCHANGED : step.groupFor(p)));
    step.sort();
    t.same(step.forms, [b, a, c], 'forms as they first appear');
    const group = (g: number) => Array.from({ length: step.size(g) }, (_, i) => step.at(g, i));
    t.same([group(WITHDRAWN), group(1), group(2), group(3)], [[3, 7], [0, 2], [1, 6], [5]], `groups (round ${round + 1}: a cleared step starts afresh)`);
    t.same(nlriToText(step.block(2, Afi.IPV4, trie)), ['10.0.1.0/24', '10.0.6.0/24'], 'a block of the group\'s prefixes');
    t.same(nlriToText(step.block(WITHDRAWN, Afi.IPV4, trie)), ['10.0.3.0/24', '10.0.7.0/24']);
  }
});

t.test('IPv6 blocks carry all four key words; a full step of one form is one block', async (t) => {
  const trie = new PrefixTrie<number>(128);
  const step = new FlushStep(64);
  const f = form(9);
  for (let i = 0; i < 64; i++) step.add(trie.ensure(0x20010db8, i, 0, 0, 64), i);
  for (let k = 0; k < 64; k++) step.assign(k, step.groupFor(f));
  step.sort();
  t.equal(step.size(1), 64);
  const text = nlriToText(step.block(1, Afi.IPV6, trie));
  t.equal(text.length, 64);
  t.equal(text[0], '2001:db8::/64');
  t.equal(text[63], '2001:db8:0:3f::/64');
});

t.test('forms whose ids share a slot, alternating: every prefix in a group of its own form (one form may get two groups)', async (t) => {
  const trie = new PrefixTrie<number>(32);
  const step = new FlushStep(16);
  const [a, b] = [form(7), form(7 + 4096)];
  const plan = [a, b, a, b, a, a];
  plan.forEach((_, i) => step.add(trie.ensure((10 << 24) | (i << 8), 0, 0, 0, 24), i));
  plan.forEach((f, k) => step.assign(k, step.groupFor(f)));
  step.sort();
  const seen: number[] = [];
  for (let g = 1; g <= step.forms.length; g++) {
    for (let i = 0; i < step.size(g); i++) {
      const k = step.at(g, i);
      t.equal(step.forms[g - 1], plan[k], `prefix ${k} in a group of its form`);
      seen.push(k);
    }
  }
  t.same(seen.sort(), [0, 1, 2, 3, 4, 5], 'each prefix once');
});
