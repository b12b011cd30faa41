// Which link-local address an unnumbered neighbor has: the rules of src/nd/link-neighbor.ts as a
// table of steps (time in ms; `pinned`: a session is Established on the learned address).
import t from 'tap';
import { type Heard, LinkNeighbor } from '../../src/nd/index.js';

type Step = ['ra', string, number, boolean, Heard] | ['tcp', string, number, boolean, boolean] | ['forget'];

const cases: [string, Step[], string | undefined][] = [
  ['the first advertisement is learned', [['ra', 'fe80::1', 0, false, 'learned']], 'fe80::1'],
  ['the same source refreshes', [['ra', 'fe80::1', 0, false, 'learned'], ['ra', 'fe80::1', 10_000, false, 'refreshed']], 'fe80::1'],
  ['another source is ignored while the learned one advertises', [
    ['ra', 'fe80::1', 0, false, 'learned'], ['ra', 'fe80::1', 10_000, false, 'refreshed'], ['ra', 'fe80::2', 15_000, false, 'ignored'], ['ra', 'fe80::2', 29_000, false, 'ignored'],
  ], 'fe80::1'],
  ['another source replaces one silent for three of its intervals', [
    ['ra', 'fe80::1', 0, false, 'learned'], ['ra', 'fe80::1', 10_000, false, 'refreshed'], ['ra', 'fe80::2', 40_001, false, 'replaced'],
  ], 'fe80::2'],
  ['a fast advertiser (1 s) is replaced after 3 s of silence', [
    ['ra', 'fe80::1', 0, false, 'learned'], ['ra', 'fe80::1', 1_000, false, 'refreshed'], ['ra', 'fe80::2', 3_900, false, 'ignored'], ['ra', 'fe80::2', 4_001, false, 'replaced'],
  ], 'fe80::2'],
  ['nothing replaces the address of an Established session', [
    ['ra', 'fe80::1', 0, false, 'learned'], ['ra', 'fe80::2', 1_000_000, true, 'ignored'], ['tcp', 'fe80::2', 1_000_001, true, false],
  ], 'fe80::1'],
  ['a connection from another source, nothing Established: the neighbor itself', [
    ['ra', 'fe80::1', 0, false, 'learned'], ['tcp', 'fe80::2', 1_000, false, true],
  ], 'fe80::2'],
  ['a connection before any advertisement is learned', [['tcp', 'fe80::9', 0, false, true]], 'fe80::9'],
  ['forgotten when the link goes: the next source is learned', [
    ['ra', 'fe80::1', 0, false, 'learned'], ['forget'], ['ra', 'fe80::2', 100, false, 'learned'],
  ], 'fe80::2'],
];

for (const [what, steps, address] of cases) {
  t.test(what, async (t) => {
    const l = new LinkNeighbor();
    for (const s of steps) {
      if (s[0] === 'ra') t.equal(l.heard(s[1], s[2], s[3]), s[4], `${s[1]} at ${s[2]} ms${s[3] ? ' (pinned)' : ''}: ${s[4]}`);
      else if (s[0] === 'tcp') t.equal(l.connected(s[1], s[2], s[3]), s[4], `connection from ${s[1]}${s[3] ? ' (pinned)' : ''}: ${s[4] ? 'taken' : 'refused'}`);
      else l.forget();
    }
    t.equal(l.address, address);
  });
}

t.test('a flood from made-up sources: one address and three counters, the neighbor kept', async (t) => {
  const l = new LinkNeighbor();
  l.heard('fe80::1', 0, false);
  for (let i = 0; i < 100_000; i++) {
    const now = i;
    if (i % 5000 === 0) l.heard('fe80::1', now, false);
    else l.heard(`fe80::${(i % 65535).toString(16)}:1`, now, false);
  }
  t.equal(l.address, 'fe80::1');
  t.equal(l.counts.changes, 0);
  t.equal(l.counts.advertisements, 100_001);
  t.equal(l.counts.others, 100_000 - 20);
});
