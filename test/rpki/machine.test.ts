// The RTR router machine (RFC 8210) as scenarios: the actions it returns for each PDU, timer and
// connection event, and the table it keeps. No socket, no clock: the driver is tested by the
// interop test against stayrtr and by session.test.ts.
import t from 'tap';
import { VrpTable } from '../../src/rib/index.js';
import { type RtrAction, RtrMachine, vrpKey } from '../../src/rpki/index.js';
import { RtrErrorCode, decodeRtrPdu, encodeErrorReport } from '../../src/wire/index.js';
import { cachePdu, vrp } from '../helpers/rtr-cache.js';

const A = vrp('10.0.0.0/16-24 AS65001');
const B = vrp('2001:db8::/32-48 AS65002');
const C = vrp('192.0.2.0/24-24 AS4200000001');

function feed(m: RtrMachine, pdu: Buffer): RtrAction[] {
  return m.pdu(decodeRtrPdu(pdu), pdu);
}

/** The PDUs sent, as hex, and the other actions by kind. */
const sent = (as: RtrAction[]) => as.filter((a) => a.kind === 'send').map((a) => (a.kind === 'send' ? a.pdu.toString('hex') : ''));
const kinds = (as: RtrAction[]) => as.map((a) => (a.kind === 'start' || a.kind === 'stop' ? `${a.kind}:${a.timer}` : a.kind));
const held = (m: RtrMachine) => [...m.table.entries()].map(vrpKey).sort();

/** A machine that received a whole table (session 7, serial 1) over version 1. */
function synced(version = 1): RtrMachine {
  const m = new RtrMachine(new VrpTable(), { refresh: 60, retry: 5, expire: 600 });
  m.connecting();
  m.connected();
  feed(m, cachePdu.cacheResponse(version, 7));
  feed(m, cachePdu.prefix(version, true, A));
  feed(m, cachePdu.prefix(version, true, B));
  feed(m, cachePdu.endOfData(version, 7, 1, { refresh: 120, retry: 10, expire: 1200 }));
  return m;
}

t.test('a new connection asks for everything; End of Data applies it whole', async (t) => {
  const m = new RtrMachine(new VrpTable());
  m.connecting();
  t.same(sent(m.connected()), ['0102000000000008'], 'Reset Query at version 1');
  feed(m, cachePdu.cacheResponse(1, 7));
  feed(m, cachePdu.prefix(1, true, A));
  t.equal(m.table.size, 0, 'nothing is used before End of Data');
  const done = feed(m, cachePdu.endOfData(1, 7, 1, { refresh: 120, retry: 10, expire: 1200 }));
  t.same(held(m), [vrpKey(A)]);
  t.same(kinds(done), ['stop:response', 'start:refresh', 'start:expire', 'changed'], 'timers armed, change reported');
  t.match(done, [{}, { seconds: 120 }, { seconds: 1200 }, { changes: [{ afi: 1, length: 16 }] }], 'the cache\'s own intervals are used');
  t.match(m.status, { state: 'established', version: 1, sessionId: 7, serial: 1, hasData: true, resets: 1 });
});

t.test('Serial Notify and the refresh timer ask for changes since our serial', async (t) => {
  const m = synced();
  t.same(sent(feed(m, cachePdu.serialNotify(1, 7, 2))), ['010100070000000c00000001'], 'Serial Query for session 7, serial 1');
  feed(m, cachePdu.cacheResponse(1, 7));
  feed(m, cachePdu.prefix(1, false, A));
  feed(m, cachePdu.prefix(1, true, C));
  const done = feed(m, cachePdu.endOfData(1, 7, 2));
  t.same(held(m), [vrpKey(B), vrpKey(C)].sort(), 'withdrawal and announcement applied in order');
  t.match(done.find((a) => a.kind === 'changed'), { changes: [{ length: 16 }, { length: 24 }] }, 'the changed ROA prefixes');
  t.same(feed(m, cachePdu.serialNotify(1, 7, 2)), [], 'a notify for the serial held changes nothing');
  t.same(sent(m.timer('refresh')), ['010100070000000c00000002'], 'the refresh timer asks too');
});

t.test('Cache Reset, or a new session id, starts over with a Reset Query that replaces the table', async (t) => {
  const m = synced();
  m.timer('refresh');
  t.same(sent(feed(m, cachePdu.cacheReset(1))), ['0102000000000008'], 'Cache Reset answered with a Reset Query');
  feed(m, cachePdu.cacheResponse(1, 8));
  feed(m, cachePdu.prefix(1, true, B));
  feed(m, cachePdu.prefix(1, true, C));
  const done = feed(m, cachePdu.endOfData(1, 8, 1));
  t.same(held(m), [vrpKey(B), vrpKey(C)].sort(), 'the answer replaces the table');
  t.match(done.find((a) => a.kind === 'changed'), { changes: [{ length: 16 }, { length: 24 }] }, 'changed: what went and what came (B stayed)');
  t.same(sent(feed(m, cachePdu.serialNotify(1, 9, 5))), ['0102000000000008'], 'a notify from another session: Reset Query');
  const m2 = synced();
  m2.timer('refresh');
  t.same(sent(feed(m2, cachePdu.cacheResponse(1, 99))), ['0102000000000008'], 'a Cache Response of another session to a Serial Query: Reset Query');
});

t.test('a record that cannot apply is reported, the serial undone, the connection dropped', async (t) => {
  const m = synced();
  m.timer('refresh');
  feed(m, cachePdu.cacheResponse(1, 7));
  feed(m, cachePdu.prefix(1, true, C));
  feed(m, cachePdu.prefix(1, true, A));
  const dup = feed(m, cachePdu.endOfData(1, 7, 2));
  t.same(kinds(dup), ['send', 'close'], 'Error Report, then close');
  t.match(decodeRtrPdu((dup[0] as { pdu: Buffer }).pdu), { type: 'error-report', code: RtrErrorCode.DUPLICATE_ANNOUNCEMENT });
  t.same(held(m), [vrpKey(A), vrpKey(B)].sort(), 'the table keeps its last whole serial (C undone)');
  t.same(kinds(m.closed('error')), ['stop:response', 'stop:refresh', 'start:retry'], 'retry later; expire keeps running');
  t.same(sent(m.connected()), ['0102000000000008'], 'the next connection asks for everything');

  const w = synced();
  w.timer('refresh');
  feed(w, cachePdu.cacheResponse(1, 7));
  feed(w, cachePdu.prefix(1, false, C));
  t.match(decodeRtrPdu((feed(w, cachePdu.endOfData(1, 7, 2))[0] as { pdu: Buffer }).pdu), { code: RtrErrorCode.WITHDRAWAL_OF_UNKNOWN }, 'withdrawal of an unknown record');

  const r = new RtrMachine(new VrpTable());
  r.connected();
  feed(r, cachePdu.cacheResponse(1, 1));
  feed(r, cachePdu.prefix(1, true, A));
  t.match(decodeRtrPdu((feed(r, cachePdu.prefix(1, true, A))[0] as { pdu: Buffer }).pdu), { code: RtrErrorCode.DUPLICATE_ANNOUNCEMENT }, 'a duplicate within a reset answer, reported when it comes');
  t.equal(r.table.size, 0, 'and nothing of it is used');
});

t.test('PDUs out of place are protocol errors', async (t) => {
  const m = synced();
  t.match(kinds(feed(m, cachePdu.prefix(1, true, C))), ['send', 'close'], 'a prefix outside a response');
  const e = synced();
  t.match(kinds(feed(e, cachePdu.endOfData(1, 7, 3))), ['send', 'close'], 'End of Data outside a response');
  const v = synced();
  const wrong = feed(v, cachePdu.serialNotify(0, 7, 3));
  t.match(decodeRtrPdu((wrong[0] as { pdu: Buffer }).pdu), { code: RtrErrorCode.UNEXPECTED_VERSION }, 'another version mid-session');
  const q = synced();
  t.match(kinds(feed(q, Buffer.from('0102000000000008', 'hex'))), ['send', 'close'], 'a query from the cache');
  const rep = synced();
  const report = encodeErrorReport(1, RtrErrorCode.CORRUPT_DATA, Buffer.alloc(0), 'bad');
  t.same(kinds(feed(rep, report)), ['close'], 'an Error Report from the cache closes without one of ours');
  t.match(rep.status.lastError, /corrupt-data: bad/);
  t.same(held(rep), [vrpKey(A), vrpKey(B)].sort(), 'and the data stays');
});

t.test('version negotiation (RFC 8210 7)', async (t) => {
  const m = new RtrMachine(new VrpTable());
  m.connecting();
  m.connected();
  const refused = feed(m, encodeErrorReport(0, RtrErrorCode.UNSUPPORTED_VERSION, Buffer.alloc(0), 'version 0 only'));
  t.same(kinds(refused), ['close'], 'a version 0 refusal closes');
  t.match(m.closed('x'), [{}, {}, { kind: 'start', timer: 'retry', seconds: 0 }], 'and reconnects at once');
  t.same(sent(m.connected()), ['0002000000000008'], 'with a version 0 Reset Query');
  const d = new RtrMachine(new VrpTable());
  d.connected();
  feed(d, cachePdu.cacheResponse(0, 3));
  feed(d, cachePdu.prefix(0, true, A));
  feed(d, cachePdu.endOfData(0, 3, 1));
  t.match(d.status, { version: 0, hasData: true, intervals: { refresh: 3600, retry: 600, expire: 7200 } }, 'a version 0 answer downgrades; configured intervals stay');
});

t.test('timers: no answer drops the connection; data expires (RFC 8210 6)', async (t) => {
  const m = synced();
  m.timer('refresh');
  t.same(kinds(m.timer('response')), ['close'], 'a query without an answer is given up');
  t.same(kinds(m.closed('no answer')), ['stop:response', 'stop:refresh', 'start:retry']);
  t.same(kinds(m.timer('retry')), ['connect'], 'the retry timer connects again');
  t.same(held(m), [vrpKey(A), vrpKey(B)].sort(), 'data outlives the connection');
  const gone = m.timer('expire');
  t.same(kinds(gone), ['changed'], 'until it expires');
  t.equal(m.table.size, 0);
  t.match(m.status, { hasData: false, lastError: 'data expired' });
  t.same(m.timer('expire'), [], 'expiring twice changes nothing');
});

t.test('intervals are kept within RFC 8210 6 ranges', async (t) => {
  const m = new RtrMachine(new VrpTable());
  m.connected();
  feed(m, cachePdu.cacheResponse(1, 1));
  feed(m, cachePdu.endOfData(1, 1, 1, { refresh: 0, retry: 999999, expire: 1 }));
  t.same(m.status.intervals, { refresh: 1, retry: 7200, expire: 600 });
});
