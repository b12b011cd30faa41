// The prefix trie against a plain reference model, on random operations (fast-check): exact
// match, longest-prefix match, covered and covering iteration, and node reuse after deletion.
import t from 'tap';
import fc from 'fast-check';
import { PrefixTrie } from '../../src/rib/index.js';

const mask = (a: number, len: number) => (len === 0 ? 0 : (a & (0xffffffff << (32 - len))) >>> 0);
const key = (a: number, len: number) => `${mask(a, len)}/${len}`;
const covers = (pa: number, pl: number, a: number, l: number) => pl <= l && mask(a, pl) === mask(pa, pl);

type Reference = Map<string, [number, number]>;

/** Adds a prefix to both; false when the node ensure gave is not that prefix's. */
function add(trie: PrefixTrie<string>, ref: Reference, a: number, l: number): boolean {
  const n = trie.ensure(a, 0, 0, 0, l);
  trie.set(n, key(a, l));
  ref.set(key(a, l), [mask(a, l), l]);
  return trie.len(n) === l && trie.word(n, 0) >>> 0 === mask(a, l);
}

function remove(trie: PrefixTrie<string>, ref: Reference, a: number, l: number): void {
  const n = trie.get(a, 0, 0, 0, l);
  if (n) trie.clear(n);
  ref.delete(key(a, l));
}

/** The same count, and every reference prefix found by exact match with its value. */
function sameHeld(trie: PrefixTrie<string>, ref: Reference): boolean {
  if (trie.size !== ref.size) return false;
  for (const [k, [a, l]] of ref) if (trie.value(trie.get(a, 0, 0, 0, l)) !== k) return false;
  return true;
}

t.test('random IPv4 operations agree with a reference model', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })), { maxLength: 200 }), (ops) => {
      const trie = new PrefixTrie<string>(32);
      const ref: Reference = new Map();
      for (const [adding, a, l] of ops) {
        if (adding) add(trie, ref, a, l);
        else remove(trie, ref, a, l);
      }
      if (!sameHeld(trie, ref)) return false;
      const all = [...trie.entries()].map((n) => trie.value(n));
      if (all.length !== ref.size || new Set(all).size !== ref.size) return false;
      // LPM and covering for a few probe addresses.
      for (const [, a, l] of ops.slice(0, 10)) {
        const expect = [...ref.values()].filter(([pa, pl]) => covers(pa, pl, a, 32)).sort((x, y) => y[1] - x[1])[0];
        const got = trie.lookup(a, 0, 0, 0, 32);
        if ((expect ? key(expect[0], expect[1]) : null) !== trie.value(got)) return false;
        const covering = [...trie.covering(a, 0, 0, 0, l)].map((n) => trie.value(n)).sort();
        const wantCovering = [...ref.values()].filter(([pa, pl]) => covers(pa, pl, a, l)).map(([pa, pl]) => key(pa, pl)).sort();
        if (JSON.stringify(covering) !== JSON.stringify(wantCovering)) return false;
        const covered = [...trie.covered(a, 0, 0, 0, l)].map((n) => trie.value(n)).sort();
        const wantCovered = [...ref.values()].filter(([pa, pl]) => covers(mask(a, l), l, pa, pl)).map(([pa, pl]) => key(pa, pl)).sort();
        if (JSON.stringify(covered) !== JSON.stringify(wantCovered)) return false;
      }
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass('300 random runs');
});

t.test('prefixes that share most of their bits, inserted in order and at random with removals between, agree with a reference model', async (t) => {
  // Every node covering a prefix lies on its walk, and ensure starts where the last walk ran (the
  // finger): a narrow address space makes consecutive prefixes share all but the last bits, and
  // removals change the trie under a kept walk.
  const addr = fc.integer({ min: 0, max: 1023 }).map((x) => (0x0a000000 | (x << 6)) >>> 0);
  const op = fc.tuple(fc.boolean(), addr, fc.integer({ min: 8, max: 32 }));
  fc.assert(
    fc.property(fc.array(op, { maxLength: 300 }), fc.boolean(), (ops, sorted) => {
      if (sorted) ops.sort((x, y) => x[1] - y[1] || x[2] - y[2]);
      const trie = new PrefixTrie<string>(32);
      const ref: Reference = new Map();
      for (const [adding, a, l] of ops) {
        // In order, a removal follows its own insertion: the walk just kept goes at once.
        if ((adding || sorted) && !add(trie, ref, a, l)) return false;
        if (!adding) remove(trie, ref, a, l);
      }
      if (!sameHeld(trie, ref)) return false;
      const all = [...trie.entries()].map((n) => trie.value(n));
      return all.length === ref.size && JSON.stringify(all) === JSON.stringify([...ref.values()].sort((x, y) => x[0] - y[0] || x[1] - y[1]).map(([a, l]) => key(a, l)));
    }),
    { numRuns: 300 },
  );
  t.pass('300 random runs');
});

t.test('IPv6 keys use all four words', async (t) => {
  const trie = new PrefixTrie<string>(128);
  const put = (w: number[], l: number, v: string) => trie.set(trie.ensure(w[0], w[1], w[2], w[3], l), v);
  put([0x20010db8, 0, 0, 0], 32, 'doc');
  put([0x20010db8, 0x00010000, 0, 0], 48, 'site');
  put([0x20010db8, 0x00010000, 0, 1], 128, 'host');
  t.equal(trie.value(trie.lookup(0x20010db8, 0x00010000, 0, 1)), 'host');
  t.equal(trie.value(trie.lookup(0x20010db8, 0x00010000, 0, 2)), 'site');
  t.equal(trie.value(trie.lookup(0x20010db8, 0x00020000, 0, 2)), 'doc');
  t.equal(trie.lookup(0x20010db9, 0, 0, 0), 0, "no node");
  t.same([...trie.covered(0x20010db8, 0x00010000, 0, 0, 48)].map((n) => trie.value(n)), ['site', 'host']);
});

t.test('deleted nodes give their ids back', async (t) => {
  const trie = new PrefixTrie<number>(32);
  for (let i = 0; i < 1000; i++) trie.set(trie.ensure(i << 8, 0, 0, 0, 24), i);
  const limit = trie.idLimit;
  for (const n of [...trie.entries()]) trie.clear(n);
  t.equal(trie.size, 0);
  for (let i = 0; i < 1000; i++) trie.set(trie.ensure(i << 8, 0, 0, 0, 24), i);
  t.equal(trie.idLimit, limit, 'no new ids needed');
});

t.test('after(): resuming at any position, present or not, gives exactly what follows in prefix order', async (t) => {
  // Prefix order: by address bits; a prefix before the prefixes it covers.
  const cmp = (a: number, al: number, b: number, bl: number) => {
    const m = Math.min(al, bl);
    const x = (mask(a, m) ^ mask(b, m)) >>> 0;
    if (x !== 0) return mask(a, m) < mask(b, m) ? -1 : 1;
    return al - bl;
  };
  // Few address bits so that positions hit prefixes often; lengths across the whole range.
  const addr = fc.integer({ min: 0, max: 15 }).map((x) => (x << 28) >>> 0);
  fc.assert(
    fc.property(fc.array(fc.tuple(addr, fc.integer({ min: 0, max: 6 })), { maxLength: 60 }), fc.tuple(addr, fc.integer({ min: 0, max: 6 })), fc.option(fc.tuple(addr, fc.integer({ min: 0, max: 3 }))), (prefixes, [pa, pl], within) => {
      const trie = new PrefixTrie<[number, number]>(32);
      for (const [a, l] of prefixes) trie.set(trie.ensure(a, 0, 0, 0, l), [mask(a, l), l]);
      const all = [...trie.entries()].map((n) => trie.value(n)!);
      for (let i = 1; i < all.length; i++) if (cmp(all[i - 1][0], all[i - 1][1], all[i][0], all[i][1]) >= 0) return false; // entries() is in prefix order
      const want = all.filter(([a, l]) => cmp(a, l, mask(pa, pl), pl) > 0 && (!within || covers(within[0], within[1], a, l)));
      const w = within ? { w: [mask(within[0], within[1]), 0, 0, 0] as [number, number, number, number], len: within[1] } : undefined;
      const got = [...trie.after(mask(pa, pl), 0, 0, 0, pl, w)].map((n) => trie.value(n)!);
      return JSON.stringify(got) === JSON.stringify(want);
    }),
    { numRuns: 3000 },
  );
  t.pass('3000 random tries and positions');
});

t.test('random IPv6 operations agree with a reference model (keys differing in every word)', async (t) => {
  // Words from a small set so that keys share long prefixes across word boundaries.
  const word = fc.constantFrom(0, 1, 0x80000000, 0xffffffff, 0x20010db8);
  const keyOf = (w: number[], l: number) => {
    const m = w.map((x, i) => mask(x, Math.max(0, Math.min(32, l - 32 * i))));
    return `${m.join(':')}/${l}`;
  };
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.array(word, { minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 128 })), { maxLength: 120 }), (ops) => {
      const trie = new PrefixTrie<string>(128);
      const ref = new Map<string, [number[], number]>();
      for (const [add, w, l] of ops) {
        const k = keyOf(w, l);
        if (add) {
          trie.set(trie.ensure(w[0], w[1], w[2], w[3], l), k);
          ref.set(k, [w, l]);
        } else {
          const n = trie.get(w[0], w[1], w[2], w[3], l);
          if (n) trie.clear(n);
          ref.delete(k);
        }
      }
      if (trie.size !== ref.size) return false;
      for (const [k, [w, l]] of ref) {
        const n = trie.get(w[0], w[1], w[2], w[3], l);
        if (trie.value(n) !== k || keyOf(trie.key(n), trie.len(n)) !== k) return false;
      }
      const covered = [...trie.covered(0, 0, 0, 0, 0)].map((n) => trie.value(n));
      return covered.length === ref.size;
    }),
    { numRuns: 300 },
  );
  t.pass('300 random runs');
});

t.test('IPv6 prefixes inserted in order, removals between, agree with a reference model (the finger across words)', async (t) => {
  // As for IPv4 above: ensure resumes the last walk, here with keys that share their first words
  // and differ in the second, third or fourth.
  const word = fc.constantFrom(0, 1, 0x80000000, 0xffffffff);
  /** The key's words masked to the length. */
  const at = (w: number[], l: number) => w.map((x, i) => mask(x, Math.max(0, Math.min(32, l - 32 * i))));
  const keyOf = (w: number[], l: number) => `${at(w, l).join(':')}/${l}`;
  const op = fc.tuple(fc.boolean(), fc.tuple(fc.constant(0x2a000000), word, word, word), fc.integer({ min: 8, max: 128 }));
  fc.assert(
    fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
      ops.sort(([, a, la], [, b, lb]) => {
        const x = at(a, la);
        const y = at(b, lb);
        for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return x[i] - y[i];
        return la - lb;
      });
      const trie = new PrefixTrie<string>(128);
      const ref = new Map<string, [number[], number]>();
      for (const [adding, w, l] of ops) {
        const k = keyOf(w, l);
        trie.set(trie.ensure(w[0], w[1], w[2], w[3], l), k);
        ref.set(k, [w, l]);
        if (!adding) {
          trie.clear(trie.get(w[0], w[1], w[2], w[3], l));
          ref.delete(k);
        }
      }
      if (trie.size !== ref.size) return false;
      for (const [k, [w, l]] of ref) {
        const n = trie.get(w[0], w[1], w[2], w[3], l);
        if (trie.value(n) !== k || keyOf(trie.key(n), trie.len(n)) !== k) return false;
      }
      return [...trie.covered(0, 0, 0, 0, 0)].length === ref.size;
    }),
    { numRuns: 300 },
  );
  t.pass('300 random runs');
});

t.test('whole-table passes visit every node even when the visitor removes each one', async (t) => {
  const trie = new PrefixTrie<number>(32);
  // Nested prefixes: removing a node with one child moves the child up.
  for (let len = 8; len <= 32; len++) trie.set(trie.ensure(0x0a000000, 0, 0, 0, len), len);
  for (let i = 0; i < 100; i++) trie.set(trie.ensure(0x0b000000 + (i << 8), 0, 0, 0, 24), 100 + i);
  const seen: number[] = [];
  trie.forEach((n) => {
    seen.push(trie.value(n)!);
    trie.clear(n);
  });
  t.equal(seen.length, 125, 'forEach saw all 125');
  t.equal(trie.size, 0);
  for (let len = 8; len <= 32; len++) trie.set(trie.ensure(0x0a000000, 0, 0, 0, len), len);
  const walked: number[] = [];
  for (const n of trie.entries()) {
    walked.push(trie.value(n)!);
    trie.clear(n);
  }
  t.equal(walked.length, 25, 'entries() saw all 25');
});

t.test('the columns grow in chunks and return to their first size when the trie empties', async (t) => {
  const trie = new PrefixTrie<number>(32);
  const first = trie.bytes;
  for (let i = 0; i < 100_000; i++) trie.set(trie.ensure(i << 8, 0, 0, 0, 24), i);
  t.ok(trie.bytes > first * 100, `grown: ${trie.bytes} octets`);
  for (let i = 0; i < 100_000; i++) trie.clear(trie.get(i << 8, 0, 0, 0, 24));
  t.equal(trie.size, 0);
  t.equal(trie.bytes, first, 'back to the first size');
  t.equal(trie.idLimit, 0, 'ids start over');
});

t.test('values: small integers in the column, anything else beside it; each read back as set', async (t) => {
  const trie = new PrefixTrie<unknown>(32);
  const at = (w: number) => trie.ensure(w, 0, 0, 0, 24);
  const values: unknown[] = [0, 1, 0x7ffffffe, 0x7fffffff, -1, 1.5, 2 ** 32, 'host', { route: 1 }, [7]];
  const nodes = values.map((v, i) => {
    const n = at(0x0a000000 + i * 256);
    trie.set(n, v);
    return n;
  });
  t.equal(trie.size, values.length);
  t.ok(nodes.every((n, i) => trie.value(n) === values[i]), 'every value as it was set, 0 and the largest column value included');
  const obj = { route: 2 };
  trie.set(nodes[0], obj);
  trie.set(nodes[8], 5);
  t.equal(trie.value(nodes[0]), obj, 'a number replaced by an object');
  t.equal(trie.value(nodes[8]), 5, 'an object replaced by a number');
  t.equal(trie.size, values.length, 'replacing counts nothing');
  trie.clear(nodes[9]);
  t.equal(trie.value(nodes[9]), null, 'cleared');
  t.equal(trie.size, values.length - 1);
  const again = at(0x0b000000);
  trie.set(again, 'again');
  t.equal(trie.value(again), 'again', 'a freed object slot serves another node');
  t.equal(trie.value(nodes[7]), 'host', 'and the others keep theirs');
  t.equal(trie.value(0), null, 'node 0 is none');
});

t.test('the constant value: held by many nodes as a code, read back as the same object, replaced and cleared like any value', async (t) => {
  const constant = { empty: true };
  const trie = new PrefixTrie<unknown>(32, constant);
  const nodes = Array.from({ length: 3000 }, (_, i) => trie.ensure(i << 8, 0, 0, 0, 24));
  for (const n of nodes) trie.set(n, constant);
  t.equal(trie.size, 3000);
  t.ok(nodes.every((n) => trie.value(n) === constant), 'every node reads the constant');
  const other = { empty: false };
  trie.set(nodes[5], other);
  trie.set(nodes[6], 41);
  t.equal(trie.value(nodes[5]), other, 'an object beside it');
  t.equal(trie.value(nodes[6]), 41, 'a number beside it');
  t.equal(trie.value(nodes[7]), constant);
  for (const n of nodes) trie.clear(n);
  t.equal(trie.size, 0);
  t.equal(trie.idLimit, 0, 'empty again');
});

t.test('freed node ids are reused before new ones', async (t) => {
  const trie = new PrefixTrie<number>(32);
  const a = trie.ensure(0x0a000000, 0, 0, 0, 24);
  trie.set(a, 1);
  const b = trie.ensure(0x0b000000, 0, 0, 0, 24);
  trie.set(b, 2);
  const limit = trie.idLimit;
  trie.clear(b);
  const c = trie.ensure(0x0c000000, 0, 0, 0, 24);
  trie.set(c, 3);
  t.ok(trie.idLimit <= limit, `no new id past ${limit} (${trie.idLimit})`);
  t.same([trie.value(a), trie.value(c)], [1, 3]);
});

t.test('dense indices: one per prefix node, none for glue nodes, read back as their node', async (t) => {
  const trie = new PrefixTrie<number>(32);
  // 4,096 /24s spread out, so that nearly every insertion also makes a glue node above it.
  const prefixes = Array.from({ length: 4096 }, (_, i) => {
    const n = trie.ensure(((i * 2654435761) >>> 0) & 0xffffff00, 0, 0, 0, 24);
    trie.set(n, i);
    return n;
  });
  t.ok(trie.idLimit > 1.8 * 4096, `${trie.idLimit} node ids with the glue nodes`);
  // Id 0 (in the first block) is no node: one block's worth more at most.
  t.ok(trie.denseLimit <= 4096 + 64, `${trie.denseLimit} dense indices for 4,096 prefixes`);
  const indices = prefixes.map((n) => trie.denseIndex(n));
  t.ok(indices.every((i) => i >= 0 && i < trie.denseLimit), 'every prefix has one below the limit');
  t.equal(new Set(indices).size, prefixes.length, 'each its own');
  t.ok(prefixes.every((n, k) => trie.nodeAtDense(indices[k]) === n), 'each read back as its node');
  // 10.0.0.0/23 joins two /24s as a glue node; asked for as a prefix, the same node gets an index.
  const other = new PrefixTrie<number>(32);
  for (const a of [0x0a000000, 0x0a000100]) other.set(other.ensure(a, 0, 0, 0, 24), 1);
  const ids = other.idLimit;
  const [before] = [...Array(ids).keys()].filter((n) => n > 0 && other.len(n) === 23);
  t.equal(other.denseIndex(before), -1, 'a glue node has no index');
  const glue = other.ensure(0x0a000000, 0, 0, 0, 23);
  t.equal(glue, before, 'the glue node itself');
  t.ok(other.denseIndex(glue) >= 0 && other.nodeAtDense(other.denseIndex(glue)) === glue, 'asked for as a prefix, it has one');
  // Freed prefix ids are reused by prefixes: the dense indices stay where they were.
  const limit = trie.denseLimit;
  for (const n of prefixes.slice(0, 100)) trie.clear(n);
  for (let i = 0; i < 100; i++) trie.set(trie.ensure(0x01000000 + (i << 8), 0, 0, 0, 24), i);
  t.ok(trie.denseLimit <= limit + 64, `no more than a block more after 100 went and 100 came (${limit} -> ${trie.denseLimit})`);
});

t.test('values and holder counts are rows of prefixes only: glue nodes read as holding nothing', async (t) => {
  const trie = new PrefixTrie<number>(32);
  // Spread /24s: about as many glue nodes as prefixes.
  const prefixes = Array.from({ length: 4096 }, (_, i) => {
    const n = trie.ensure(((i * 2654435761) >>> 0) & 0xffffff00, 0, 0, 0, 24);
    trie.set(n, i);
    trie.setAux(n, i + 1);
    return n;
  });
  const glue = [...Array(trie.idLimit).keys()].filter((n) => n > 0 && trie.len(n) < 24 && trie.denseIndex(n) === -1);
  t.ok(glue.length > 3000, `${glue.length} glue nodes`);
  t.ok(glue.every((n) => trie.value(n) === null && trie.aux(n) === 0), 'every glue node holds nothing');
  t.ok(prefixes.every((n, i) => trie.value(n) === i && trie.aux(n) === i + 1), 'every prefix its own');
  t.throws(() => trie.setAux(glue[0], 1), /not a prefix/, 'a glue node cannot be given a count');
  t.throws(() => trie.set(glue[0], 1), /not a prefix/, 'nor a value');
  t.ok(trie.bytes < trie.capacity * (4 + 1 + 4 * 4), `columns (${trie.bytes} octets) under a value and a count per node id (${trie.capacity})`);
  // A glue node asked for as a prefix holds one; the others still hold nothing.
  const asked = trie.ensure(trie.word(glue[0], 0), 0, 0, 0, trie.len(glue[0]));
  t.equal(asked, glue[0]);
  trie.set(asked, 99999);
  trie.setAux(asked, 7);
  t.same([trie.value(asked), trie.aux(asked)], [99999, 7]);
  t.ok(glue.slice(1).every((n) => trie.value(n) === null && trie.aux(n) === 0), 'the other glue nodes hold nothing');
  // Emptied and filled again: rows start from zero.
  for (const n of [...prefixes, asked]) {
    trie.setAux(n, 0);
    trie.clear(n);
  }
  t.equal(trie.size, 0);
  const again = prefixes.slice(0, 100).map((_, i) => trie.ensure(((i * 2654435761) >>> 0) & 0xffffff00, 0, 0, 0, 24));
  t.ok(again.every((n) => trie.value(n) === null && trie.aux(n) === 0), 'an emptied trie starts with nothing held');
});
