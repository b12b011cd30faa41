// The Loc-RIB's storage against a plain model, on random operations (fast-check): a prefix keeps
// its only path alone and an entry only with several paths; a prefix whose paths are gone stays
// while something holds it and goes with the last holder; batches reselect once at their end.
import t from 'tap';
import fc from 'fast-check';
import { DEFAULT_DECISION, LocRib, type Path, samePath, selectBest } from '../../src/rib/index.js';
import { path, peer, seq, table } from './helpers.js';
import { asPathFrom } from '../../src/wire/index.js';

const PEERS = [peer('10.0.0.1', 65001, 1), peer('10.0.0.2', 65002, 2), peer('10.0.0.3', 65001, 3)];
const PREFIXES = [[0x0a000000, 8], [0x0a010000, 16], [0x0a010100, 24], [0x0b000000, 24]] as const;

/** The Loc-RIB reads out a new Path each time: the same path is the same (peer, path id) with the same attributes. */
const same = (a: Path | null | undefined, b: Path | null | undefined) => (a == null || b == null ? a == b : samePath(a, b) && a.entry === b.entry && a.nextHop === b.nextHop);

type Op =
  | { op: 'announce'; pfx: number; peer: number; pathId: number; med: number }
  | { op: 'withdraw'; pfx: number; peer: number; pathId: number }
  | { op: 'withdrawPeer'; peer: number }
  | { op: 'hold' | 'unhold'; pfx: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('announce' as const), pfx: fc.nat(3), peer: fc.nat(2), pathId: fc.nat(1), med: fc.nat(3) }),
  fc.record({ op: fc.constant('withdraw' as const), pfx: fc.nat(3), peer: fc.nat(2), pathId: fc.nat(1) }),
  fc.record({ op: fc.constant('withdrawPeer' as const), peer: fc.nat(2) }),
  fc.record({ op: fc.constantFrom('hold' as const, 'unhold' as const), pfx: fc.nat(3) }),
);

t.test('random announcements, withdrawals, holds and batches agree with a model', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.array(op, { minLength: 1, maxLength: 6 })), { maxLength: 25 }), (steps) => {
      const changed: number[] = [];
      const rib = new LocRib(32, table, { changed: (n) => changed.push(n) });
      const model = PREFIXES.map(() => new Map<string, Path>());
      const holds = PREFIXES.map(() => 0);
      const nodeOf = (i: number) => rib.trie.get(PREFIXES[i][0], 0, 0, 0, PREFIXES[i][1]);
      const apply = (o: Op) => {
        switch (o.op) {
          case 'announce': {
            const p = path(PEERS[o.peer], { med: o.med, asPath: asPathFrom([seq(PEERS[o.peer].asn)]) }, { pathId: o.pathId });
            rib.announce(PREFIXES[o.pfx][0], 0, 0, 0, PREFIXES[o.pfx][1], p);
            model[o.pfx].set(`${o.peer}/${o.pathId}`, p);
            return;
          }
          case 'withdraw':
            rib.withdraw(PREFIXES[o.pfx][0], 0, 0, 0, PREFIXES[o.pfx][1], PEERS[o.peer], o.pathId);
            model[o.pfx].delete(`${o.peer}/${o.pathId}`);
            return;
          case 'withdrawPeer':
            rib.withdrawPeer(PEERS[o.peer]);
            for (const m of model) for (const k of [...m.keys()]) if (k.startsWith(`${o.peer}/`)) m.delete(k);
            return;
          case 'hold':
            if (!rib.present(nodeOf(o.pfx))) return;
            rib.hold(nodeOf(o.pfx));
            holds[o.pfx]++;
            return;
          case 'unhold':
            if (holds[o.pfx] === 0) return;
            rib.unhold(nodeOf(o.pfx));
            holds[o.pfx]--;
        }
      };
      for (const [batched, ops] of steps) {
        if (batched) rib.batch(() => ops.forEach(apply));
        else ops.forEach(apply);
        let present = 0;
        for (let i = 0; i < PREFIXES.length; i++) {
          const n = nodeOf(i);
          const want = [...model[i].values()];
          const got = rib.candidates(n);
          if (got.length !== want.length || !want.every((p) => got.some((g) => same(g, p)))) return false;
          const best = want.length > 0 ? selectBest(want, DEFAULT_DECISION) : null;
          if (!same(rib.best(n), best)) return false;
          if (rib.hasBest(n) !== (best !== null) || rib.bestPeerIndex(n) !== (best?.peer.index ?? -1)) return false;
          const shouldBe = want.length > 0 || holds[i] > 0;
          if (rib.present(n) !== shouldBe) return false;
          if (shouldBe) present++;
          // Most prefixes cost no entry: one path and no multipath set is that path's row alone.
          if (want.length === 1 && typeof rib.trie.value(n) !== 'number') return false;
        }
        if (rib.trie.size !== present) return false;
        if (rib.paths !== model.reduce((a, m) => a + m.size, 0)) return false;
        if (rib.prefixes !== model.filter((m) => m.size > 0).length) return false;
      }
      return true;
    }),
    { numRuns: 500 },
  );
  t.pass('500 random runs');
});

t.test('a prefix held after its last path goes is empty, not gone, until the last holder lets go', async (t) => {
  const rib = new LocRib(32, table, { changed: () => {} });
  const p = path(PEERS[0], {});
  rib.announce(0x0a000000, 0, 0, 0, 24, p);
  const n = rib.trie.get(0x0a000000, 0, 0, 0, 24);
  rib.hold(n);
  rib.hold(n);
  rib.withdraw(0x0a000000, 0, 0, 0, 24, PEERS[0], 0);
  t.ok(rib.present(n), 'held twice: still there');
  t.equal(rib.best(n), null);
  t.same(rib.candidates(n), []);
  rib.unhold(n);
  t.ok(rib.present(n), 'one holder left');
  rib.unhold(n);
  t.notOk(rib.present(n), 'gone with the last holder');
  t.equal(rib.trie.size, 0);
});

t.test('a multipath member other than the best, replaced, is a change (the kernel holds its next hop)', async (t) => {
  const changed: number[] = [];
  const rib = new LocRib(32, table, { changed: (n) => changed.push(n) }, { ...DEFAULT_DECISION, maxPathsEbgp: 4, multipathRelax: true });
  const [a, b] = [PEERS[0], PEERS[1]];
  rib.announce(0x0a000000, 0, 0, 0, 24, path(a, { asPath: asPathFrom([seq(a.asn)]) }));
  rib.announce(0x0a000000, 0, 0, 0, 24, path(b, { asPath: asPathFrom([seq(b.asn)]) }));
  const node = rib.trie.get(0x0a000000, 0, 0, 0, 24);
  t.equal(rib.multipath(node)?.length, 2, 'two paths in the multipath set');
  const best = rib.best(node)!;
  const other = best.peer === a ? b : a;
  for (const batched of [false, true]) {
    changed.length = 0;
    const replacement = path(other, { asPath: asPathFrom([seq(other.asn)]), communities: [batched ? 2 : 1] });
    if (batched) rib.batch(() => rib.announce(0x0a000000, 0, 0, 0, 24, replacement));
    else rib.announce(0x0a000000, 0, 0, 0, 24, replacement);
    t.ok(changed.includes(node), `reported${batched ? ' (in a batch)' : ''}`);
    t.ok(same(rib.best(node), best), 'the best is the same');
    t.ok(rib.multipath(node)?.some((p) => same(p, replacement)), 'the set holds the new path');
  }
});
