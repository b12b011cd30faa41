// MRT TABLE_DUMP_V2 records read back by bgpdump (Debian's, an independent reader): peers of both
// families, several paths per prefix, IPv6 next hops in the abbreviated MP_REACH_NLRI, 4-octet AS
// numbers, communities and MED, and RFC 8050's ADD-PATH subtypes.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Afi, encodePeerIndexTable, encodeRibRecord, asPathFrom } from '../../src/wire/index.js';

const v6 = (hex: string) => Buffer.from(hex.padEnd(32, '0'), 'hex');
const T = 1764590400; // 2025-12-01 12:00:00 UTC

t.test('bgpdump reads every path of a snapshot as written', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nodebgp-mrt-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const peers = [
    { bgpId: 0x0a000001, address: Buffer.from([0, 0, 0, 0]), asn: 65000 },
    { bgpId: 0x0a000002, address: Buffer.from([192, 0, 2, 1]), asn: 65001 },
    { bgpId: 0x0a000003, address: v6('20010db8000000000000000000000003'), asn: 4200000003 },
  ];
  const records = [
    encodePeerIndexTable(T, 0x0a000001, 'nodebgp', peers),
    encodeRibRecord(T, Afi.IPV4, 0, [0x0a010000], 24, [
      { peerIndex: 1, originated: T - 60, pathId: 0, nextHop: 0xc0000201, attrs: { origin: 0, asPath: asPathFrom([{ type: 2, asns: [65001, 4200000009] }]), med: 7, communities: [0xfde90064] } },
      { peerIndex: 2, originated: T - 30, pathId: 0, nextHop: v6('20010db8000000000000000000000003'), attrs: { origin: 2, asPath: asPathFrom([{ type: 2, asns: [4200000003] }]) } },
    ], false),
    encodeRibRecord(T, Afi.IPV6, 1, [0x20010db8, 0x00a10000, 0, 0], 48, [
      { peerIndex: 2, originated: T - 5, pathId: 0, nextHop: v6('20010db8000000000000000000000003'), attrs: { origin: 0, asPath: asPathFrom([{ type: 2, asns: [4200000003, 65010] }]), localPref: 200 } },
    ], false),
    encodeRibRecord(T, Afi.IPV4, 2, [0x0a020000], 16, [
      { peerIndex: 1, originated: T - 1, pathId: 7, nextHop: 0xc0000201, attrs: { origin: 0, asPath: asPathFrom([{ type: 2, asns: [65001] }]) } },
      { peerIndex: 1, originated: T - 2, pathId: 8, nextHop: 0xc0000202, attrs: { origin: 0, asPath: asPathFrom([{ type: 2, asns: [65001, 65020] }]) } },
    ], true),
    encodeRibRecord(T, Afi.IPV4, 3, [0x0a030000], 24, [
      { peerIndex: 0, originated: T, pathId: 0, nextHop: 0, attrs: { origin: 0, asPath: [] } },
    ], false),
  ];
  const file = join(dir, 'rib.mrt');
  writeFileSync(file, Buffer.concat(records));
  const r = spawnSync('bgpdump', ['-q', '-m', '-v', file], { encoding: 'utf8' });
  t.equal(r.status, 0, `bgpdump exits 0 (${r.stderr.trim()})`);
  const lines = r.stdout.trim().split('\n');
  const fields = (l: string) => l.split('|').slice(0, 12).join('|');
  t.same(lines.map(fields), [
    `TABLE_DUMP2|${T}|B|192.0.2.1|65001|10.1.0.0/24|65001 4200000009|IGP|192.0.2.1|0|7|65001:100`,
    `TABLE_DUMP2|${T}|B|2001:db8::3|4200000003|10.1.0.0/24|4200000003|INCOMPLETE|2001:db8::3|0|0|`,
    `TABLE_DUMP2|${T}|B|2001:db8::3|4200000003|2001:db8:a1::/48|4200000003 65010|IGP|2001:db8::3|200|0|`,
    // RFC 8050: bgpdump shows the path identifier after the prefix.
    `TABLE_DUMP2_AP|${T}|B|192.0.2.1|65001|10.2.0.0/16|7|65001|IGP|192.0.2.1|0|0`,
    `TABLE_DUMP2_AP|${T}|B|192.0.2.1|65001|10.2.0.0/16|8|65001 65020|IGP|192.0.2.2|0|0`,
    `TABLE_DUMP2|${T}|B|0.0.0.0|65000|10.3.0.0/24||IGP|0.0.0.0|0|0|`,
  ]);
  // The multi-line form shows each path's originated time (-m -t change prints no usable time in 1.6.2).
  const long = spawnSync('bgpdump', ['-q', file], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } }).stdout;
  t.same(long.match(/ORIGINATED: .*/g)?.slice(0, 3), ['ORIGINATED: 12/01/25 11:59:00', 'ORIGINATED: 12/01/25 11:59:30', 'ORIGINATED: 12/01/25 11:59:55'], 'each path\'s received time is its originated time');
});
