// The framer returns the same messages however the stream is cut, and rejects bad headers.
import t from 'tap';
import { Framer } from '../../src/wire/index.js';
import { throwsProtocolError } from '../helpers/errors.js';
import { DAEMONS, loadFixtures } from '../helpers/fixtures.js';

const messages = DAEMONS.flatMap((d) => loadFixtures(d)).slice(0, 40).map((f) => Buffer.from(f.hex, 'hex'));
const stream = Buffer.concat(messages);

function collect(chunks: Buffer[]): string[] {
  const f = new Framer(65535);
  return chunks.flatMap((c) => f.push(c)).map((m) => m.toString('hex'));
}

t.test('split at every offset', async (t) => {
  const want = messages.map((m) => m.toString('hex'));
  let ok = 0;
  for (let cut = 0; cut <= stream.length; cut++) {
    const got = collect([stream.subarray(0, cut), stream.subarray(cut)]);
    if (JSON.stringify(got) === JSON.stringify(want)) ok++;
  }
  t.equal(ok, stream.length + 1, `all ${stream.length + 1} two-chunk splits give the same ${want.length} messages`);
});

t.test('one octet at a time', async (t) => {
  const chunks = Array.from(stream, (b) => Buffer.from([b]));
  t.same(collect(chunks), messages.map((m) => m.toString('hex')));
});

t.test('a message inside one chunk is returned without a copy', async (t) => {
  const f = new Framer();
  const [m] = f.push(messages[0]);
  t.equal(m.buffer, messages[0].buffer);
});

t.test('bad headers', async (t) => {
  const keepalive = Buffer.from('ffffffffffffffffffffffffffffffff001304', 'hex');
  const cases: [string, Buffer, number, number, string][] = [
    ['bad marker', Buffer.from('fffffffffffffffffffffffffffffffe001304', 'hex'), 1, 1, ''],
    ['length below 19', Buffer.from('ffffffffffffffffffffffffffffffff001204', 'hex'), 1, 2, '0012'],
    ['length above 4096', Buffer.from('ffffffffffffffffffffffffffffffff100102', 'hex'), 1, 2, '1001'],
    ['KEEPALIVE longer than 19', Buffer.from('ffffffffffffffffffffffffffffffff001404', 'hex'), 1, 2, '0014'],
    ['OPEN shorter than 29', Buffer.from('ffffffffffffffffffffffffffffffff001c01', 'hex'), 1, 2, '001c'],
    ['unknown type 6', Buffer.from('ffffffffffffffffffffffffffffffff001306', 'hex'), 1, 3, '06'],
  ];
  for (const [name, bytes, code, subcode, data] of cases) {
    const f = new Framer();
    throwsProtocolError(t, () => f.push(Buffer.concat([keepalive, bytes])), code, subcode, name, data);
  }
  const f = new Framer();
  f.maxLength = 65535;
  t.same(f.push(Buffer.from('ffffffffffffffffffffffffffffffff100102', 'hex')), [], 'a 4097-octet length is awaited once extended messages are negotiated');
});

t.test('a 65,535-octet message one octet per chunk costs O(n), not O(n^2)', async (t) => {
  const big = Buffer.alloc(65535);
  big.fill(0xff, 0, 16);
  big.writeUInt16BE(65535, 16);
  big[18] = 2;
  const f = new Framer(65535);
  const started = performance.now();
  const got: Buffer[] = [];
  for (let i = 0; i < big.length; i++) got.push(...f.push(big.subarray(i, i + 1)));
  const ms = performance.now() - started;
  t.equal(got.length, 1, 'one message');
  t.ok(got[0].equals(big), 'the same octets');
  t.ok(ms < 500, `65,535 one-octet chunks framed in ${ms.toFixed(0)} ms (concatenating each chunk took seconds)`);
  t.equal(f.buffered, 0, 'nothing held back after it');
});

t.test('what is held back is counted, and a header split mid-way is checked once complete', async (t) => {
  const f = new Framer();
  const m = messages[0];
  t.same(f.push(m.subarray(0, 10)), []);
  t.equal(f.buffered, 10);
  t.same(f.push(m.subarray(10, 25)), []);
  t.equal(f.buffered, 25);
  const [whole] = f.push(m.subarray(25));
  t.ok(whole.equals(m));
  throwsProtocolError(t, () => {
    f.push(Buffer.alloc(10, 0xff));
    f.push(Buffer.from('ffffffffff00001304', 'hex'));
  }, 1, 1, 'a bad marker across two chunks');
});
