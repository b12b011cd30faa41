// Kept octet strings: copies, packed together in chunks of their own (never in Node's shared
// buffer pool, where one kept slice holds a whole slab of others' garbage); long ones alone.
import t from 'tap';
import { CHUNK_OCTETS, OctetChunks } from '../../src/wire/octet-chunks.js';

t.test('short strings are copies packed in one chunk, outside the shared pool', async (t) => {
  const k = new OctetChunks();
  const src = Buffer.from('400101004002060201000000fd', 'hex');
  const a = k.copy(src);
  const b = k.copy(Buffer.from([1, 2, 3]));
  t.same([...a], [...src]);
  t.same([...b], [1, 2, 3]);
  src[0] = 0xff;
  t.equal(a[0], 0x40, 'a copy: the source may change after');
  t.equal(a.buffer, b.buffer, 'one chunk');
  t.equal(b.byteOffset, a.byteOffset + a.length, 'back to back');
  t.equal(a.buffer.byteLength, CHUNK_OCTETS);
  t.not(a.buffer, Buffer.from([9]).buffer, 'not a slab of the pool');
  t.not(a.buffer, Buffer.allocUnsafe(16).buffer);
});

t.test('a full chunk is followed by a new one; long strings get memory of their own', async (t) => {
  const k = new OctetChunks();
  const piece = Buffer.alloc(1000, 7);
  const kept = Array.from({ length: 17 }, () => k.copy(piece));
  t.equal(kept[15].buffer, kept[0].buffer, 'sixteen fit in a chunk');
  t.not(kept[16].buffer, kept[0].buffer, 'the seventeenth starts the next');
  t.ok(kept.every((c) => c.length === 1000 && c.every((x) => x === 7)));
  const long = k.copy(Buffer.alloc(CHUNK_OCTETS / 8, 1));
  t.equal(long.buffer.byteLength, CHUNK_OCTETS / 8, 'its own memory, exactly');
  t.not(long.buffer, kept[16].buffer);
  t.equal(k.copy(Buffer.alloc(0)).length, 0, 'an empty string');
});

t.test('keep returns the memory and where the copy is in it', async (t) => {
  const k = new OctetChunks();
  const first = k.keep(Buffer.from([1, 2, 3]));
  t.equal(k.keptAt, 0);
  const second = k.keep(Buffer.from([4, 5]));
  t.equal(second, first, 'the same chunk');
  t.equal(k.keptAt, 3, 'right after the first');
  t.same([...second.subarray(0, 5)], [1, 2, 3, 4, 5]);
  const long = k.keep(Buffer.alloc(CHUNK_OCTETS, 9));
  t.equal(k.keptAt, 0, 'a long one at the start of its own memory');
  t.equal(long.length, CHUNK_OCTETS);
});
