// MRT update logs (RFC 6396 BGP4MP) from the nodebgpd binary, read back by Debian's bgpdump: an FRR
// ToR announces and withdraws routes (a churn: 1,000, then 1,000 more and 500 withdrawn), nodebgpd logs every message it receives and every
// state change into files rotated by size, and bgpdump reads every UPDATE of the run back: each
// record one UPDATE nodebgpd counted, each prefix announced and withdrawn as the ToR did.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Nodebgpd } from '../helpers/nodebgpd.js';
import { createNamespace, destroyNamespace, link, uniquePrefix } from '../helpers/netns.js';
import { Frr, until } from '../helpers/peers.js';

const p = uniquePrefix('mrtu');
const T = `${p}t`;
const N = `${p}n`;
const dir = mkdtempSync(join(tmpdir(), 'nodebgp-mrtu-'));
chmodSync(dir, 0o777);

t.before(() => {
  createNamespace(T);
  createNamespace(N);
  link({ ns: T, ifname: 'eth0', ipv4: '10.95.0.1', ipv6: 'fd95::1' }, { ns: N, ifname: 'eth0', ipv4: '10.95.0.2', ipv6: 'fd95::2' });
});
t.teardown(() => {
  destroyNamespace(T);
  destroyNamespace(N);
  rmSync(dir, { recursive: true, force: true });
});

// Enough routes that the UPDATEs fill several files of updatesMaxSize.
const FIRST = Array.from({ length: 1000 }, (_, i) => `10.${80 + (i >> 8)}.${i & 255}.0/24`);
const LATER = Array.from({ length: 1000 }, (_, i) => `10.${90 + (i >> 8)}.${i & 255}.0/24`);
const GONE = FIRST.slice(0, 500);

const torConfig = `frr defaults datacenter
hostname tor
router bgp 65010
 bgp router-id 10.95.0.1
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.95.0.2 remote-as 64512
 neighbor 10.95.0.2 timers connect 1
 address-family ipv4 unicast
${FIRST.map((x) => `  network ${x}`).join('\n')}
 exit-address-family
 address-family ipv6 unicast
  network 2001:db8:80::/48
  neighbor 10.95.0.2 activate
 exit-address-family
`;

const config = `
asn: 64512
routerId: 10.95.0.2
listen: { addresses: [0.0.0.0] }
ebgpRequiresPolicy: false
mrt: { directory: ${dir}, updatesInterval: 3600, updatesMaxSize: 4096 }
neighbors:
  - { address: 10.95.0.1, remoteAs: 65010, addressFamilies: [ipv4-unicast, ipv6-unicast], timers: { connectRetryTime: 1 } }
`;

/** BGP4MP records of an MRT file: subtype and, for messages, the BGP message type. */
function records(file: string): { subtype: number; bgpType?: number }[] {
  const b = readFileSync(file);
  const out: { subtype: number; bgpType?: number }[] = [];
  for (let i = 0; i + 12 <= b.length; ) {
    const type = b.readUInt16BE(i + 4);
    const subtype = b.readUInt16BE(i + 6);
    const len = b.readUInt32BE(i + 8);
    if (type === 16 && subtype === 4) {
      // peer AS, local AS (4 each), ifindex, AFI, two IPv4 addresses, then the message (marker, length, type).
      out.push({ subtype, bgpType: b[i + 12 + 4 + 4 + 2 + 2 + 4 + 4 + 18] });
    } else out.push({ subtype });
    i += 12 + len;
  }
  return out;
}

t.test('every UPDATE received is logged, rotated by size, and read back by bgpdump', async (t) => {
  const tor = new Frr(T, torConfig);
  const d = new Nodebgpd(N, config);
  t.teardown(() => {
    d.stop();
    tor.stop();
  });
  await d.ready();
  t.ok(await until(() => d.cli('summary').ribCount?.['ipv4-unicast'] === FIRST.length, 30000), 'the first routes are in');
  // The churn: 50 more announced, 25 of the first withdrawn.
  tor.vtysh('configure terminal', 'router bgp 65010', 'address-family ipv4 unicast', ...LATER.map((x) => `network ${x}`), ...GONE.map((x) => `no network ${x}`));
  t.ok(await until(() => d.cli('summary').ribCount?.['ipv4-unicast'] === FIRST.length + LATER.length - GONE.length, 30000), 'then the churn');
  const updates = Number(d.cli('neighbors', '10.95.0.1').messages.received.update);
  d.signal('SIGTERM');
  t.equal(await d.exited, 0, 'stopped (the last file completed)');

  const files = readdirSync(dir).filter((f) => f.startsWith('updates.')).sort();
  t.ok(files.length >= 2, `rotated by size: ${files.join(' ')}`);
  t.notOk(files.some((f) => f.endsWith('.part')), 'every file completed (no .part left)');
  const recs = files.flatMap((f) => records(join(dir, f)));
  t.equal(recs.filter((r) => r.bgpType === 2).length, updates, `one record per UPDATE received (${updates}, End-of-RIB included)`);
  t.ok(recs.some((r) => r.subtype === 5), 'state changes are logged (BGP4MP_STATE_CHANGE_AS4)');

  const lines = files.flatMap((f) => spawnSync('bgpdump', ['-q', '-m', join(dir, f)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean));
  const announced = new Set(lines.filter((l) => l.split('|')[2] === 'A').map((l) => l.split('|')[5]));
  const withdrawn = lines.filter((l) => l.split('|')[2] === 'W').map((l) => l.split('|')[5]).sort();
  t.same([...announced].sort(), [...FIRST, ...LATER, '2001:db8:80::/48'].sort(), 'bgpdump: every prefix announced');
  t.same(withdrawn, [...GONE].sort(), 'bgpdump: exactly the withdrawn ones withdrawn');
  const one = lines.find((l) => l.includes('|A|') && l.includes('|10.91.7.0/24|'));
  t.match(one, /^BGP4MP\|\d+\|A\|10\.95\.0\.1\|65010\|10\.91\.7\.0\/24\|65010\|IGP\|10\.95\.0\.1\|0\|0\|/, `a line as bgpdump prints it: ${one}`);
  t.ok(lines.some((l) => /^BGP4MP\|\d+\|STATE\|10\.95\.0\.1\|65010\|\d\|\d$/.test(l)), 'bgpdump reads the state changes');
});
