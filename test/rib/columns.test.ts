// Columns: a reserved column grows in place (the same view, its rows kept, new rows zero) until
// its room is used, then is copied once into a larger reservation; emptied columns read zero;
// retiring after a growth frees only what was replaced.
import t from 'tap';
import { IntList, column, emptied, regrown, reserved, resized, retire, retireReplaced } from '../../src/rib/columns.js';

t.test('a reserved column grows in place, keeping its rows, new rows zero', async (t) => {
  const c = reserved(Int32Array, 4);
  c.set([1, -2, 3, 4]);
  const grown = resized(c, 1000);
  t.equal(grown, c, 'the same view');
  t.equal(grown.length, 1000);
  t.same([...grown.subarray(0, 5)], [1, -2, 3, 4, 0], 'rows kept, the new ones zero');
  t.equal(resized(c, 2), c, 'shrinks in place too');
  t.same([...c], [1, -2]);
});

t.test('past its room a column is copied once into a larger reservation that grows in place again', async (t) => {
  const c = reserved(Uint16Array, 8);
  const room = (c.buffer as ArrayBuffer).maxByteLength / Uint16Array.BYTES_PER_ELEMENT;
  c[7] = 0xbeef;
  const copied = resized(c, room + 1);
  t.not(copied, c, 'a new column past the room');
  t.equal(copied[7], 0xbeef, 'rows copied');
  t.ok((copied.buffer as ArrayBuffer).resizable, 'reserved again');
  t.equal(resized(copied, room + 2), copied, 'which grows in place');
  retireReplaced([c, copied], [copied, copied]);
  t.equal(c.length, 0, 'the replaced column retired');
  t.equal(copied.length, room + 2, 'the one grown in place kept');
});

t.test('a plain column is copied, and regrown retires the old one', async (t) => {
  const c = new Uint32Array([5, 6]);
  const g = regrown(c, 4);
  t.not(g, c);
  t.same([...g], [5, 6, 0, 0]);
  t.equal(c.length, 0, 'old one retired');
  const r = reserved(Uint32Array, 2);
  r[1] = 9;
  t.equal(regrown(r, 4), r, 'grown in place');
  t.equal(r[1], 9, 'and not retired');
});

t.test('emptied columns read zero at their new size, reserved or plain', async (t) => {
  const r = reserved(Uint8Array, 100);
  r.fill(7);
  const e = emptied(r, 50);
  t.equal(e, r, 'in place');
  t.equal(e.length, 50);
  t.ok(e.every((v) => v === 0), 'all zero');
  const p = new Uint8Array(10).fill(7);
  const q = emptied(p, 10);
  t.ok(q.every((v) => v === 0));
  t.equal(p.length, 0, 'the plain one retired');
  retire(q);
  t.equal(q.length, 0);
});

t.test('an IntList keeps what is pushed, past its first chunk, and starts over when cleared', async (t) => {
  const l = new IntList();
  for (let i = 0; i < 100_000; i++) l.push(i * 3);
  t.equal(l.length, 100_000);
  t.equal(l.at(0), 0);
  t.equal(l.at(99_999), 299_997);
  l.clear();
  t.equal(l.length, 0);
  l.push(7);
  t.same([l.length, l.at(0)], [1, 7], 'reused');
});

t.test('small columns stay plain (each reservation is a mapping of its own); large ones, and plain ones grown large, are reserved', async (t) => {
  const small = column(Uint16Array, 4096);
  t.notOk((small.buffer as ArrayBuffer).resizable, 'plain while small');
  const stillSmall = resized(small, 8192);
  t.notOk((stillSmall.buffer as ArrayBuffer).resizable, 'copied plain');
  stillSmall[8191] = 3;
  const large = resized(stillSmall, 1 << 17);
  t.ok((large.buffer as ArrayBuffer).resizable, 'reserved once large');
  t.equal(large[8191], 3, 'rows copied');
  t.equal(resized(large, 1 << 18), large, 'then grows in place');
  t.ok((column(Uint32Array, 1 << 16).buffer as ArrayBuffer).resizable, 'a large column is reserved from the start');
});
