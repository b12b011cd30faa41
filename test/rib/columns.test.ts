// Columns: a reserved column grows in place (a new view of the same memory, its rows kept, new
// rows zero, the old view detached) until its room is used, then is copied once into a larger
// reservation; emptied columns read zero; retiring after a growth frees only what was replaced.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { IntList, column, emptied, isReserved, regrown, reserved, resized, retire, retireReplaced } from '../../src/rib/columns.js';

t.test('a reserved column grows in place, keeping its rows, new rows zero; the old view is detached', async (t) => {
  const c = reserved(Int32Array, 4);
  c.set([1, -2, 3, 4]);
  // Its room: 16 times the rows asked for, at least 64K rows.
  const grown = resized(c, 60_000);
  t.equal(grown.length, 60_000);
  t.same([...grown.subarray(0, 5)], [1, -2, 3, 4, 0], 'rows kept, the new ones zero');
  t.equal(c.length, 0, 'the old view reads empty: only the returned column is used');
  t.ok(isReserved(grown), 'still a reservation');
  const shrunk = resized(grown, 2);
  t.same([...shrunk], [1, -2], 'shrinks');
  const back = resized(shrunk, 4);
  t.same([...back], [1, -2, 0, 0], 'rows given up read zero when it grows back over them');
});

t.test('past its room a column is copied once into a larger reservation that grows in place again', async (t) => {
  const c = reserved(Uint16Array, 8);
  c[7] = 0xbeef;
  const copied = resized(c, (1 << 16) * 4);
  t.equal(c.length, 8, 'not grown: the old column is intact');
  t.equal(copied[7], 0xbeef, 'rows copied');
  t.ok(isReserved(copied), 'reserved again');
  const again = resized(copied, (1 << 16) * 5);
  t.equal(again[7], 0xbeef, 'which grows in place');
  t.equal(copied.length, 0, 'its old view detached');
  retireReplaced([c], [again]);
  t.equal(c.length, 8, 'a reservation is left to the collector (a memory cannot be detached by hand)');
});

t.test('a plain column is copied, and regrown retires the old one', async (t) => {
  const c = new Uint32Array([5, 6]);
  const g = regrown(c, 4);
  t.not(g, c);
  t.same([...g], [5, 6, 0, 0]);
  t.equal(c.length, 0, 'old one retired');
  const r = reserved(Uint32Array, 2);
  r[1] = 9;
  const rg = regrown(r, 4);
  t.same([...rg], [0, 9, 0, 0], 'a reservation grown in place');
});

t.test('emptied columns read zero at their new size, reserved or plain', async (t) => {
  const r = reserved(Uint8Array, 100);
  r.fill(7);
  const e = emptied(r, 50);
  t.equal(e.length, 50);
  t.ok(e.every((v) => v === 0), 'all zero');
  t.equal(emptied(reserved(Uint8Array, 1 << 17), 1 << 16).length, 1 << 16, 'a large one: a new reservation');
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

t.test('small columns stay plain (each reservation is address space of its own); large ones, and plain ones grown large, are reserved', async (t) => {
  const small = column(Uint16Array, 4096);
  t.notOk(isReserved(small), 'plain while small');
  const stillSmall = resized(small, 8192);
  t.notOk(isReserved(stillSmall), 'copied plain');
  stillSmall[8191] = 3;
  const large = resized(stillSmall, 1 << 17);
  t.ok(isReserved(large), 'reserved once large');
  t.equal(large[8191], 3, 'rows copied');
  const larger = resized(large, 1 << 18);
  t.equal(larger[8191], 3, 'then grows in place');
  t.equal(large.length, 0, 'a new view of the same memory');
  t.ok(isReserved(column(Uint32Array, 1 << 16)), 'a large column is reserved from the start');
});

t.test('without WebAssembly (node --jitless) reservations are resizable buffers that grow as the same view', async (t) => {
  const script = `
    const { reserved, resized, isReserved } = await import(${JSON.stringify(new URL('../../dist/rib/columns.js', import.meta.url).href)});
    const c = reserved(Int32Array, 4);
    c[3] = 7;
    const g = resized(c, 60000);
    console.log(JSON.stringify({ wasm: typeof WebAssembly, same: g === c, row: g[3], length: g.length, resizable: c.buffer.resizable, reserved: isReserved(g) }));`;
  const r = spawnSync(process.execPath, ['--jitless', '--input-type=module', '-e', script], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.same(JSON.parse(r.stdout), { wasm: 'undefined', same: true, row: 7, length: 60000, resizable: true, reserved: true });
});
