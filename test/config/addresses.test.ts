// One text per address: a neighbor written non-canonically (FD00:88:0:0::2, or ::ffff:10.1.2.3)
// is the neighbor the kernel reports connecting; wire's address parser reads embedded IPv4.
import { connect } from 'node:net';
import t from 'tap';
import { parseConfig } from '../../src/config/load.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { addressToOctets, canonicalAddress } from '../../src/wire/index.js';
import { RawConnection, until } from '../helpers/raw-peer.js';

t.test('addressToOctets and canonicalAddress', async (t) => {
  t.equal(addressToOctets('::ffff:10.1.2.3').toString('hex'), '00000000000000000000ffff0a010203', 'IPv4 in the last 32 bits (RFC 4291 2.2)');
  t.equal(addressToOctets('fe80::1%eth0').toString('hex'), 'fe800000000000000000000000000001', 'a zone is not part of the address');
  const cases: [string, string][] = [
    ['FD00:88:0:0::2', 'fd00:88::2'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['10.1.2.3', '10.1.2.3'],
    ['0:0:0:0:0:0:0:1', '::1'],
  ];
  for (const [given, want] of cases) t.equal(canonicalAddress(given), want, `${given} -> ${want}`);
  t.equal(canonicalAddress('not-an-address'), 'not-an-address', 'what is not an address is left as it is');
});

t.test('the loader keeps neighbors (and local addresses) in canonical form; duplicates are found across spellings', async (t) => {
  const c = parseConfig('asn: 64512\nrouterId: 10.0.0.1\nneighbors:\n  - { address: FD00:88:0:0::2, remoteAs: 65001, localAddress: "FD00:88::1" }\n');
  t.equal(c.daemon.neighbors[0].address, 'fd00:88::2');
  t.equal(c.daemon.neighbors[0].localAddress, 'fd00:88::1');
  t.throws(() => parseConfig('asn: 64512\nrouterId: 10.0.0.1\nneighbors:\n  - { address: "fd00:88::2", remoteAs: 1 }\n  - { address: "FD00:88:0:0::2", remoteAs: 1 }\n'), /already neighbors\[0\]/);
});

t.test('a neighbor written 0:0:0:0:0:0:0:1 accepts the connection the kernel reports from ::1', async (t) => {
  const cfg = parseConfig('asn: 65000\nrouterId: 10.0.0.1\nlisten: { addresses: ["::1"], port: 0 }\nebgpRequiresPolicy: false\nfib: { enabled: false }\nneighbors:\n  - { address: "0:0:0:0:0:0:0:1", remoteAs: 65001, passive: true }\n');
  const d = new Daemon(cfg.daemon);
  await d.start();
  t.teardown(() => d.stop());
  t.equal(d.neighbor('0:0::1').config.address, '::1', 'the API finds it by any spelling');
  await until(() => d.neighbor('::1').session.state === 'Active', 5000);
  const s = connect({ port: d.listener.ports[0], host: '::1' });
  await new Promise((r) => s.once('connect', r));
  t.teardown(() => s.destroy());
  const c = new RawConnection(s);
  c.sendOpen({ type: 'open', version: 4, myAs: 65001, holdTime: 90, bgpId: 2, params: [[{ type: 'multiprotocol', afi: 2, safi: 1 }, { type: 'four-octet-as', asn: 65001 }]] });
  c.send({ type: 'keepalive' });
  t.ok(await until(() => d.neighbor('::1').up, 5000), 'Established');
});

t.test('what is not an address is left as it is, never a crash', async (t) => {
  for (const x of ['64512:100', '1:2:3:4:5:6:7:8:9', ':::', '10.0.0.256', 'fe80::1::2', '12345::', '', 'ffff:10.1.2.3']) t.equal(canonicalAddress(x), x, JSON.stringify(x));
  t.equal(canonicalAddress('1:2:3:4:5:6:7:8'), '1:2:3:4:5:6:7:8');
  t.equal(canonicalAddress('::10.1.2.3'), '::a01:203', 'IPv4-compatible (not mapped) stays IPv6');
});
