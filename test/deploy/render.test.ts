// The DaemonSet's per-node rendering as pure rules: dual-stack, IPv6-only and pod-CIDR-less nodes
// get a working configuration (checked by nodebgpd's own loader), impossible ones one line each.
import t from 'tap';
import { parse } from 'yaml';
import { RenderError, renderNodeConfig, routerIdFromIpv6 } from '../../src/api/render/render.js';

const BASE = { asn: 64512, peerGroups: { tors: { remoteAs: 'external', importPolicy: 'IN', exportPolicy: 'OUT' } }, policy: { routeMaps: { IN: [{ seq: 10, action: 'permit' }], OUT: [{ seq: 10, action: 'permit' }] } } };
const opts = { peerGroup: 'tors', communities: ['64512:100'] };
const render = (f: Parameters<typeof renderNodeConfig>[1]) => {
  const r = renderNodeConfig(BASE, f, opts);
  return { ...r, doc: parse(r.text) };
};

t.test('dual-stack: one session per family per ToR, both pod CIDRs, the node\'s addresses', async (t) => {
  const { doc, notes } = render({ name: 'n1', ipv4: '10.0.1.5', ipv6: 'fd00:1::5', podCidrs: ['10.244.1.0/24', 'fd10:244:1::/64'], peers: ['10.0.1.1', 'fd00:1::1'], peersFrom: 'default gateways', password: 's3cret-from-a-secret' });
  t.equal(doc.routerId, '10.0.1.5');
  t.same(doc.listen, { addresses: ['10.0.1.5', 'fd00:1::5'] });
  t.equal(doc.metrics.address, '10.0.1.5', 'metrics on the node\'s address');
  t.same(doc.neighbors.map((n: { address: string; addressFamilies: string[] }) => [n.address, n.addressFamilies]), [['10.0.1.1', ['ipv4-unicast']], ['fd00:1::1', ['ipv6-unicast']]]);
  t.same(doc.originate, [{ prefix: '10.244.1.0/24', communities: ['64512:100'] }, { prefix: 'fd10:244:1::/64', communities: ['64512:100'] }]);
  t.equal(doc.peerGroups.tors.password, 's3cret-from-a-secret', 'the password from the Secret');
  t.same(notes, []);
});

t.test('IPv6-only: a router ID from the address, said so', async (t) => {
  const { doc, notes } = render({ name: 'n6', ipv6: '2001:db8::a:102', podCidrs: ['fd10:244:6::/64'], peers: ['2001:db8::1'], peersFrom: 'annotation' });
  t.equal(doc.routerId, '0.10.1.2');
  t.equal(routerIdFromIpv6('fd00::'), '0.0.0.1', 'never 0');
  t.match(notes[0], /IPv6-only: router ID 0\.10\.1\.2/);
});

t.test('no spec.podCIDR: it peers and originates nothing, said so', async (t) => {
  const { doc, notes } = render({ name: 'n0', ipv4: '10.0.1.7', podCidrs: [''], peers: ['10.0.1.1'], peersFrom: 'default gateways' });
  t.same(doc.originate, []);
  t.match(notes[0], /no spec\.podCIDR/);
});

t.test('impossible nodes: one line each', async (t) => {
  const fail = (f: Parameters<typeof renderNodeConfig>[1], re: RegExp, name: string) => t.throws(() => renderNodeConfig(BASE, f, opts), { constructor: RenderError, message: re } as never, name);
  fail({ name: 'x', ipv4: '10.0.1.7', podCidrs: [], peers: [], peersFrom: 'default gateways' }, /^node x has no BGP peer: set the annotation nodebgp\.io\/peers/, 'no default route and no annotation');
  fail({ name: 'x', ipv6: 'fd00::7', podCidrs: [], peers: ['fe80::1'], peersFrom: 'default gateways' }, /link-local; set the annotation nodebgp\.io\/peers/, 'a link-local IPv6 gateway');
  fail({ name: 'x', podCidrs: [], peers: ['10.0.0.1'], peersFrom: 'default gateways' }, /has no address/, 'no address at all');
  fail({ name: 'x', ipv4: '10.0.1.7', podCidrs: ['10.244.1.1/24'], peers: ['10.0.1.1'], peersFrom: 'default gateways' }, /not valid: originate\[0\]\.prefix: .*host bits/, 'a malformed pod CIDR is caught by the loader');
  t.throws(() => renderNodeConfig(BASE, { name: 'x', ipv4: '10.0.1.7', podCidrs: [], peers: ['10.0.1.1'], peersFrom: 'default gateways' }, { peerGroup: 'nope' }), /no peer group "nope"/);
});
