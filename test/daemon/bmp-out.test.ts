// A BMP station's output of one turn (bmp-out.ts): messages framed into shared chunks must come
// out whole and in order, and what a turn handed to the socket is never written over later.
import t from 'tap';
import { TurnOutput } from '../../src/daemon/bmp-out.js';
import { encodeRouteMonitoringWith, writeRouteMonitoring } from '../../src/wire/index.js';

const filled = (n: number, v: number) => Buffer.alloc(n, v);
const head = filled(42, 0xee);

t.test('one turn: plain and Route Monitoring messages in order, as one buffer', async (t) => {
  const out = new TurnOutput();
  t.same(out.take(), [], 'nothing gathered: nothing to write');
  const a = filled(10, 1);
  const u = filled(30, 2);
  out.append(a);
  out.appendRouteMonitoring(head, u);
  t.equal(out.octets, 10 + 6 + 42 + 30);
  t.same(Buffer.concat(out.take()), Buffer.concat([a, encodeRouteMonitoringWith(head, u)]), 'framed as encodeRouteMonitoringWith frames it');
  t.equal(out.octets, 0, 'the next turn starts empty');
});

t.test('later turns never write over what an earlier turn handed out, across chunk boundaries', async (t) => {
  const out = new TurnOutput();
  const taken: { got: Buffer[]; want: Buffer }[] = [];
  // Turns of 1..4 messages of 1,000..120,000 octets: several chunks, some messages past a chunk's size.
  for (let turn = 0; turn < 40; turn++) {
    const want: Buffer[] = [];
    for (let k = 0; k <= turn % 4; k++) {
      const m = filled(1000 + ((turn * 7919 + k * 104729) % 120_000), (turn * 5 + k) & 0xff);
      if (k % 2 === 0) {
        out.append(m);
        want.push(m);
      } else {
        out.appendRouteMonitoring(head, m);
        want.push(encodeRouteMonitoringWith(head, m));
      }
    }
    taken.push({ got: out.take(), want: Buffer.concat(want) }); // kept as handed out, read at the end
  }
  const big = filled(300 * 1024, 9);
  out.append(big);
  taken.push({ got: out.take(), want: big });
  t.ok(taken.every(({ got, want }) => Buffer.concat(got).equals(want)), 'every turn\'s octets are still what it wrote');
  t.ok(taken.some(({ got }) => got.length > 1), 'some turns filled more than one chunk');
});

t.test('a chunk is filled again only once the socket wrote every piece of it', async (t) => {
  const out = new TurnOutput();
  // A socket that finishes writes out of step with the turns: each piece is checked when written.
  const inFlight: { piece: Buffer; copy: Buffer }[] = [];
  const buffers = new Set<ArrayBufferLike>();
  let intact = true;
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  for (let turn = 0; turn < 400; turn++) {
    for (let k = 0; k < 1 + (turn % 3); k++) out.appendRouteMonitoring(head, filled(2000 + (next() % 60_000), turn & 0xff));
    for (const piece of out.take()) {
      buffers.add(piece.buffer);
      inFlight.push({ piece, copy: Buffer.from(piece) });
    }
    // The socket finishes some of what it holds, oldest first or not.
    while (inFlight.length > 0 && next() % 3 !== 0) {
      const [w] = inFlight.splice(next() % inFlight.length, 1);
      if (!w.piece.equals(w.copy)) intact = false;
      out.written(w.piece);
    }
  }
  for (const w of inFlight) if (!w.piece.equals(w.copy)) intact = false;
  t.ok(intact, 'no piece changed before the socket wrote it');
  t.ok(buffers.size < 40, `chunks were used again (${buffers.size} for about 40 MB)`);
});

t.test('a turn cleared (its connection lost) is not written; its room is used again', async (t) => {
  const out = new TurnOutput();
  out.append(filled(100, 1));
  const [first] = out.take();
  out.append(filled(100, 2));
  out.appendRouteMonitoring(head, filled(10, 3));
  out.clear();
  t.equal(out.octets, 0);
  t.same(out.take(), [], 'nothing left to write');
  out.append(filled(5, 4));
  t.same(out.take(), [filled(5, 4)], 'the next turn holds only its own');
  t.same(first, filled(100, 1), 'the earlier turn is untouched');
});

t.test('a Route Monitoring message is never written past its target', async (t) => {
  const b = Buffer.alloc(50);
  t.throws(() => writeRouteMonitoring(b, 10, head, filled(1, 1)), RangeError, '6 + 42 + 1 octets do not fit at 10 of 50');
  t.same(b, Buffer.alloc(50), 'and nothing was written');
  t.equal(writeRouteMonitoring(Buffer.alloc(49), 0, head, filled(1, 1)), 49, 'exactly fitting: its end');
});
