// `nodebgp decode --mrt`: MRT files (RFC 6396) to JSON lines, checked against bgpdump reading the
// same files: a RIB dump written by FRR 8.4 (`dump bgp routes-mrt`, fixtures/mrt), a RIB dump and
// an update log written by our encoders; a truncated file gives an error line and exit 1.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Afi, encodeBgp4mpMessage, encodeBgp4mpStateChange, encodePeerIndexTable, encodeRibRecord, asPathFrom } from '../../src/wire/index.js';
import { ROOT } from '../helpers/fixtures.js';
import { shipped } from '../helpers/shipped-env.js';
import { MANDATORY, NLRI, update } from '../helpers/build.js';

const cli = join(ROOT, 'dist', 'api', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'nodebgp-decode-mrt-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function decode(file: string) {
  const [cmd, ...args] = shipped([process.execPath, cli, 'decode', '--mrt', file]);
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { status: r.status, records: r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}
/** An AS path as bgpdump writes it: sequences spaced, sets in braces. */
const pathText = (segs: { type: string; asns: number[] }[] = []) => segs.map((g) => (g.type === 'set' ? `{${g.asns.join(',')}}` : g.asns.join(' '))).join(' ');
const bgpdump = (file: string) => spawnSync('bgpdump', ['-q', '-m', file], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);

t.test('a RIB dump written by FRR', async (t) => {
  const file = join(ROOT, 'fixtures', 'mrt', 'frr-8.4-routes.mrt');
  const r = decode(file);
  t.equal(r.status, 0);
  t.equal(r.records[0].mrt, 'peer-index-table');
  const ours = r.records.filter((x) => x.mrt === 'rib').flatMap((x) => x.entries.map((e: any) => `${e.peer}|${x.prefix}|${pathText(e.attributes.asPath)}|${e.attributes.origin}|${e.attributes.nextHop ?? e.attributes.mpNextHop?.[0]}`));
  const theirs = bgpdump(file).map((l) => l.split('|')).map((f) => `${f[3]}|${f[5]}|${f[6]}|${f[7].toLowerCase()}|${f[8]}`);
  t.same(ours, theirs, `every path as bgpdump reads it:\n${theirs.join('\n')}`);
});

t.test('a RIB dump and an update log of ours, and a truncated file', async (t) => {
  const peer = { bgpId: 0x0a000002, address: Buffer.from([10, 0, 0, 2]), asn: 65001 };
  const rib = Buffer.concat([
    encodePeerIndexTable(1796140000, 0x0a000001, 'test', [peer]),
    encodeRibRecord(1796140000, Afi.IPV4, 0, [0x0a010000], 16, [{ peerIndex: 0, originated: 1796139000, pathId: 0, nextHop: 0x0a000002, attrs: { origin: 0, asPath: asPathFrom([{ type: 2, asns: [65001, 4200000001] }]), med: 5, communities: [0xfde90001] } }], false),
  ]);
  const ribFile = join(dir, 'rib.mrt');
  writeFileSync(ribFile, rib);
  const r = decode(ribFile);
  t.match(r.records[1], { mrt: 'rib', prefix: '10.1.0.0/16', entries: [{ peer: '10.0.0.2', peerAs: 65001, attributes: { asPath: [{ asns: [65001, 4200000001] }], med: 5, communities: ['65001:1'], nextHop: '10.0.0.2' } }] });
  t.match(bgpdump(ribFile)[0], /\|10\.0\.0\.2\|65001\|10\.1\.0\.0\/16\|65001 4200000001\|IGP\|10\.0\.0\.2\|0\|5\|65001:1\|/, 'bgpdump reads the same');

  const session = { peerAs: 65001, localAs: 64512, peerAddress: Buffer.from([10, 0, 0, 2]), localAddress: Buffer.from([10, 0, 0, 1]) };
  const log = Buffer.concat([
    encodeBgp4mpStateChange(1796140001, session, 5, 6),
    encodeBgp4mpMessage(1796140002, session, true, false, update('', MANDATORY, NLRI)),
  ]);
  const logFile = join(dir, 'updates.mrt');
  writeFileSync(logFile, log);
  const u = decode(logFile);
  t.equal(u.status, 0);
  t.match(u.records, [
    { mrt: 'state-change', peer: '10.0.0.2', peerAs: 65001, local: '10.0.0.1', localAs: 64512, from: 'OpenConfirm', to: 'Established' },
    { mrt: 'bgp4mp', peer: '10.0.0.2', message: { type: 'update', nlri: ['10.0.0.0/24'] } },
  ]);
  t.match(bgpdump(logFile).join('\n'), /STATE\|10\.0\.0\.2\|65001\|5\|6[\s\S]*\|A\|10\.0\.0\.2\|65001\|10\.0\.0\.0\/24\|/, 'bgpdump reads the same');

  const cut = join(dir, 'cut.mrt');
  writeFileSync(cut, readFileSync(logFile).subarray(0, log.length - 3));
  const c = decode(cut);
  t.equal(c.status, 1, 'a truncated file exits 1');
  t.match(c.records.at(-1), { error: /claims \d+ octets/ }, 'after the records that could be read, an error line');
  t.equal(c.records[0].mrt, 'state-change');
});

t.test('random and mutated files: records or the reader\'s error, nothing else', async () => {
  const { default: fc } = await import('fast-check');
  const { MrtError, readMrt } = await import('../../src/wire/index.js');
  const base = readFileSync(join(ROOT, 'fixtures', 'mrt', 'frr-8.4-routes.mrt'));
  fc.assert(fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.nat(255)), { maxLength: 8 }), fc.uint8Array({ maxLength: 64 }), (flips, tail) => {
    const b = Buffer.concat([base, Buffer.from(tail)]);
    for (const [i, v] of flips) b[i] = v;
    try {
      readMrt(b, () => {});
    } catch (e) {
      if (!(e instanceof MrtError)) throw e;
    }
  }), { numRuns: 3000 });
});
