// `nodebgp dump` read back by bgpdump (Debian's MRT reader): a daemon holding 100,000 IPv4 routes
// from one neighbor (4-octet AS paths, MED, communities), 1,000 IPv6 routes, a second neighbor
// with another path for 1,000 of the prefixes and one route of our own writes its RIB as MRT;
// every line bgpdump prints matches a path of the RIB, and every path of the RIB has its line.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parseConfig } from '../../src/config/load.js';
import { DaemonProcess } from '../../src/daemon/process.js';
import {
  Afi, type PathAttributes, addressToOctets, encodeAnnouncements, encodePathAttributes, ipv4ToString, makeContext, nlriFrom, asPathFrom, asPathSegments
} from '../../src/wire/index.js';
import { establishFrom, openOf, until } from '../helpers/raw-peer.js';

const N = 100_000;
const V6 = 1_000;
const BOTH = 1_000;
const A = '127.0.0.2';
const B = '127.0.0.3';
const ctx = makeContext();
const families = [{ type: 'multiprotocol' as const, afi: 2, safi: 1 }];

/** The UPDATEs of `count` IPv4 /24s from 11.0.0.0 (five to an attribute set), and `v6` IPv6 /48s. */
function table(asn: number, nextHop: number, count: number, v6: number): Buffer[] {
  const out: Buffer[] = [];
  for (let s = 0; s * 5 < count; s++) {
    const attrs: PathAttributes = {
      origin: (s % 3) as 0 | 1 | 2, asPath: asPathFrom([{ type: 2, asns: [asn, 4200000000 + (s % 100), 64512 + (s % 400)] }]), nextHop,
      ...(s % 2 === 0 ? { med: s % 7 } : {}), ...(s % 3 === 0 ? { communities: [((asn & 0xffff) << 16) | (s % 1000)] } : {}),
    };
    const entries = [];
    for (let k = 0; k < 5 && s * 5 + k < count; k++) entries.push([0, 24, (0x0b000000 + ((s * 5 + k) << 8)) >>> 0]);
    out.push(...encodeAnnouncements(encodePathAttributes(attrs, ctx), nlriFrom(Afi.IPV4, false, entries), ctx));
  }
  const v6nh = Buffer.from(`20010db8000000000000000000000${asn & 0xff}`.padEnd(32, '0'), 'hex');
  for (let i = 0; i < v6; i += 10) {
    const entries = [];
    for (let k = i; k < Math.min(v6, i + 10); k++) entries.push([0, 48, 0x20010db8, (k << 16) >>> 0, 0, 0]);
    out.push(...encodeAnnouncements(encodePathAttributes({ origin: 0, asPath: asPathFrom([{ type: 2, asns: [asn] }]) }, ctx), nlriFrom(Afi.IPV6, false, entries), ctx, { safi: 1, nextHop: v6nh }));
  }
  return out;
}

t.test('bgpdump reads every path of a 100k-route RIB dump as the RIB holds it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nodebgp-mrt-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'nodebgpd.yaml');
  const config = `asn: 65000
routerId: 10.0.0.1
listen: { addresses: [127.0.0.1], port: 0 }
fib: { enabled: false }
ebgpRequiresPolicy: false
mrt: { directory: ${dir} }
neighbors:
  - { address: ${A}, remoteAs: 65001, passive: true, addressFamilies: [ipv4-unicast, ipv6-unicast] }
  - { address: ${B}, remoteAs: 65002, passive: true }
originate:
  - { prefix: 10.9.0.0/24, communities: ["65000:1"] }
`;
  writeFileSync(file, config);
  const proc = new DaemonProcess(parseConfig(config, file), { configPath: file, logger: pino({ level: 'silent' }) });
  await proc.daemon.start();
  t.teardown(() => proc.daemon.stop());
  const port = proc.daemon.listener.ports[0];
  const a = await establishFrom(port, A, openOf(65001, 0x0a000002, 90, families), () => proc.daemon.neighbor(A).up);
  const b = await establishFrom(port, B, openOf(65002, 0x0a000003), () => proc.daemon.neighbor(B).up);
  t.teardown(() => {
    a.socket.destroy();
    b.socket.destroy();
  });
  for (const m of table(65001, 0x7f000002, N, V6)) a.socket.write(m);
  for (const m of table(65002, 0x7f000003, BOTH, 0)) b.socket.write(m);
  const count = () => proc.queries.summary().ribCount;
  t.ok(await until(() => count()['ipv4-unicast'] === N + 1 && count()['ipv6-unicast'] === V6, 60_000), `the RIB holds ${N + 1} IPv4 and ${V6} IPv6 prefixes: ${JSON.stringify(count())}`);

  const dumped = await proc.commands.dumpRib('rib.mrt');
  t.equal(dumped.prefixes, N + 1 + V6, `every prefix dumped (in ${dumped.seconds.toFixed(2)} s, ${dumped.bytes} octets)`);
  t.equal(dumped.paths, N + 1 + V6 + BOTH, 'every path dumped');
  t.equal(statSync(dumped.file).size, dumped.bytes, 'the file is as long as written');

  const r = spawnSync('bgpdump', ['-q', '-m', dumped.file], { encoding: 'utf8', maxBuffer: 256 << 20 });
  t.equal(r.status, 0, 'bgpdump reads the file');
  const hex = (address: string) => addressToOctets(address).toString('hex');
  // peer, prefix, AS path, origin, next hop, MED, communities: what the RIB says of each path.
  const got = r.stdout.trim().split('\n').map((l) => {
    const f = l.split('|');
    return [hex(f[3]), f[5], f[6], f[7], hex(f[8]), f[10], f[11]].join('|');
  });
  const want: string[] = [];
  for (const [afi, family] of [[Afi.IPV4, 'ipv4-unicast'], [Afi.IPV6, 'ipv6-unicast']] as const) {
    for (const route of proc.daemon.query.routes(afi)) {
      for (const p of route.paths) {
        const nextHop = typeof p.nextHop === 'number' ? ipv4ToString(p.nextHop) : p.nextHop;
        want.push([
          hex(p.peerAddress ?? '0.0.0.0'), route.prefix, asPathSegments(p.asPath).flatMap((s) => s.asns).join(' '), ['IGP', 'EGP', 'INCOMPLETE'][p.attrs.origin ?? 2],
          typeof nextHop === 'string' ? hex(nextHop) : nextHop.toString('hex'), String(p.attrs.med ?? 0),
          (p.attrs.communities ?? []).map((c) => `${c >>> 16}:${c & 0xffff}`).join(' '),
        ].join('|'));
      }
    }
    t.ok(want.length > 0, `${family}: paths listed`);
  }
  t.equal(got.length, want.length, `${got.length} lines for ${want.length} paths`);
  const gotSet = new Set(got);
  const wantSet = new Set(want);
  const missing = want.filter((x) => !gotSet.has(x));
  const extra = got.filter((x) => !wantSet.has(x));
  t.same(missing.slice(0, 5), [], 'every path of the RIB is in the dump');
  t.same(extra.slice(0, 5), [], 'every line of the dump is a path of the RIB');
});
