// The RTR codec (RFC 8210, RFC 6810) on what a real cache sent (stayrtr, captured by
// scripts/capture-rtr-fixtures.mjs): every PDU framed at every split of the stream and decoded to
// the VRPs of the file the cache served; what a router sends; and bad input, which only ever gives
// the codec's own error with the RFC 8210 12 code a router reports.
import t from 'tap';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  RTR_MAX_PDU_LENGTH, RtrError, RtrErrorCode, RtrFramer, type RtrPdu, type Vrp, decodeRtrPdu, encodeErrorReport, encodeResetQuery, encodeSerialQuery,
} from '../../src/wire/index.js';
import { parsePrefix } from '../../src/config/prefix.js';
import { ROOT } from '../helpers/fixtures.js';
import { cachePdu, vrp } from '../helpers/rtr-cache.js';

interface RtrFixture {
  readonly asked: string;
  readonly hex: string;
  readonly vrps?: { prefix: string; maxLength: number; asn: number }[];
  readonly announced?: { prefix: string; maxLength: number; asn: number }[];
  readonly withdrawn?: { prefix: string; maxLength: number; asn: number }[];
  readonly serial?: number;
}

const DIR = join(ROOT, 'fixtures', 'rtr', 'stayrtr');
const fixtures = new Map(readdirSync(DIR).map((f) => [f.replace('.json', ''), JSON.parse(readFileSync(join(DIR, f), 'utf8')) as RtrFixture]));

const key = (v: Vrp) => `${v.afi}|${v.words.join('.')}|${v.length}|${v.maxLength}|${v.asn}`;
const fromFile = (r: { prefix: string; maxLength: number; asn: number }): Vrp => {
  const p = parsePrefix(r.prefix);
  return { afi: p.afi, words: [...p.words] as [number, number, number, number], length: p.length, maxLength: r.maxLength, asn: r.asn };
};

function decodeAll(hex: string): RtrPdu[] {
  return new RtrFramer().push(Buffer.from(hex, 'hex')).map(decodeRtrPdu);
}

t.test('every stream splits into the same PDUs at any byte boundary', async (t) => {
  for (const [name, f] of fixtures) {
    const bytes = Buffer.from(f.hex, 'hex');
    const whole = new RtrFramer().push(bytes).map((b) => b.toString('hex'));
    t.equal(whole.join(''), f.hex, `${name}: the PDUs cover the stream`);
    for (let cut = 1; cut < bytes.length; cut++) {
      const framer = new RtrFramer();
      const got = [...framer.push(bytes.subarray(0, cut)), ...framer.push(bytes.subarray(cut))].map((b) => b.toString('hex'));
      if (got.join('|') !== whole.join('|')) t.fail(`${name}: split at ${cut} gives other PDUs`);
    }
  }
});

for (const name of ['reset-v1', 'reset-v0', 'reset-v1-to-v0-cache']) {
  t.test(`${name}: a Cache Response with every VRP of the file, then End of Data`, async (t) => {
    const f = fixtures.get(name)!;
    const pdus = decodeAll(f.hex);
    const version = name === 'reset-v1' ? 1 : 0;
    t.equal(pdus[0].type, 'cache-response');
    t.ok(pdus.every((p) => p.version === version), `every PDU at version ${version}`);
    const eod = pdus.at(-1)!;
    t.equal(eod.type, 'end-of-data');
    if (eod.type === 'end-of-data') {
      if (version === 1) t.same(eod.timers, { refresh: 3600, retry: 600, expire: 7200 }, 'version 1 carries the cache\'s intervals');
      else t.equal(eod.timers, undefined, 'version 0 carries none');
    }
    const prefixes = pdus.filter((p) => p.type === 'prefix');
    t.ok(prefixes.every((p) => p.type === 'prefix' && p.announce), 'a reset answer only announces');
    t.same(prefixes.map((p) => (p.type === 'prefix' ? key(p.vrp) : '')).sort(), f.vrps!.map(fromFile).map(key).sort(), 'the VRPs are the file\'s (a 4-octet AS, IPv6 too)');
  });
}

t.test('a Serial Notify, and the changes a Serial Query gets', async (t) => {
  const notify = decodeAll(fixtures.get('serial-notify-v1')!.hex);
  t.match(notify, [{ type: 'serial-notify', version: 1, serial: fixtures.get('serial-notify-v1')!.serial }]);
  const f = fixtures.get('serial-v1')!;
  const pdus = decodeAll(f.hex);
  const changes = pdus.filter((p) => p.type === 'prefix');
  t.same(changes.filter((p) => p.type === 'prefix' && p.announce).map((p) => (p.type === 'prefix' ? key(p.vrp) : '')), f.announced!.map(fromFile).map(key), 'announced');
  t.same(changes.filter((p) => p.type === 'prefix' && !p.announce).map((p) => (p.type === 'prefix' ? key(p.vrp) : '')), f.withdrawn!.map(fromFile).map(key), 'withdrawn');
  t.match(pdus.at(-1), { type: 'end-of-data', serial: 1 });
});

t.test('what a router sends', async (t) => {
  t.equal(encodeResetQuery(1).toString('hex'), '0102000000000008');
  t.equal(encodeResetQuery(0).toString('hex'), '0002000000000008');
  t.equal(encodeSerialQuery(1, 0x15a8, 7).toString('hex'), '010115a80000000c00000007');
  const report = encodeErrorReport(1, RtrErrorCode.DUPLICATE_ANNOUNCEMENT, cachePdu.prefix(1, true, vrp('10.0.0.0/8-8 AS1')), 'twice');
  t.match(decodeRtrPdu(report), { type: 'error-report', version: 1, code: 7, text: 'twice' }, 'an Error Report decodes back, with its PDU');
  t.equal((decodeRtrPdu(report) as { pdu: Buffer }).pdu.length, 20);
  t.equal(encodeErrorReport(1, 0, Buffer.alloc(5000), 'x'.repeat(2000)).length, 16 + 1024 + 512, 'the echoed PDU and text are cut to a bound');
});

t.test('host bits beyond a VRP\'s length are cleared', async (t) => {
  const pdu = cachePdu.prefix(1, true, { afi: 1, words: [0x0a0101ff, 0, 0, 0], length: 16, maxLength: 24, asn: 1 });
  t.match(decodeRtrPdu(pdu), { vrp: { words: [0x0a010000, 0, 0, 0] } });
});

t.test('bad input gives the codec\'s error with the code to report', async (t) => {
  const code = (fn: () => unknown) => {
    try {
      fn();
      return 'no error';
    } catch (e) {
      return e instanceof RtrError ? e.code : `other: ${e}`;
    }
  };
  const pfx = cachePdu.prefix(1, true, vrp('10.0.0.0/8-16 AS1'));
  const withByte = (b: Buffer, i: number, v: number) => {
    const c = Buffer.from(b);
    c[i] = v;
    return c;
  };
  t.equal(code(() => new RtrFramer().push(Buffer.from('0103000000000004', 'hex'))), RtrErrorCode.CORRUPT_DATA, 'a length below the header');
  t.equal(code(() => new RtrFramer().push(Buffer.from(`01030000${(RTR_MAX_PDU_LENGTH + 1).toString(16).padStart(8, '0')}`, 'hex'))), RtrErrorCode.CORRUPT_DATA, 'a length above the bound');
  t.equal(code(() => decodeRtrPdu(withByte(pfx, 0, 2))), RtrErrorCode.UNSUPPORTED_VERSION, 'version 2');
  t.equal(code(() => decodeRtrPdu(withByte(pfx, 1, 5))), RtrErrorCode.UNSUPPORTED_PDU_TYPE, 'an unknown type');
  t.equal(code(() => decodeRtrPdu(withByte(pfx, 10, 4))), RtrErrorCode.CORRUPT_DATA, 'max length below length');
  t.equal(code(() => decodeRtrPdu(withByte(pfx, 9, 33))), RtrErrorCode.CORRUPT_DATA, 'an IPv4 length above 32');
  t.equal(code(() => decodeRtrPdu(pfx.subarray(0, 16))), RtrErrorCode.CORRUPT_DATA, 'a short prefix PDU');
  t.equal(code(() => decodeRtrPdu(cachePdu.endOfData(0, 1, 1).subarray(0, 8))), RtrErrorCode.CORRUPT_DATA, 'a short End of Data');
  t.equal(code(() => decodeRtrPdu(Buffer.from('0009000000000020'.padEnd(64, '0'), 'hex'))), RtrErrorCode.UNSUPPORTED_PDU_TYPE, 'a Router Key at version 0');
  const report = encodeErrorReport(1, 2, Buffer.alloc(0), 'no data');
  t.equal(code(() => decodeRtrPdu(withByte(report, 11, 200))), RtrErrorCode.CORRUPT_DATA, 'an Error Report whose PDU overruns it');
  t.equal(code(() => decodeRtrPdu(withByte(report, 15, 200))), RtrErrorCode.CORRUPT_DATA, 'an Error Report whose text overruns it');
});

t.test('random bytes: whole PDUs or the codec\'s error, nothing else', async () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(11), (bytes, type) => {
    const b = Buffer.from(bytes);
    if (b.length >= 8) {
      b[0] = b[0] & 1;
      b[1] = type;
      b.writeUInt32BE(b.length, 4);
    }
    try {
      for (const f of new RtrFramer().push(b)) decodeRtrPdu(f);
    } catch (e) {
      if (!(e instanceof RtrError)) throw e;
    }
  }), { numRuns: 5000 });
});
