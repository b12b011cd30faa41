// The containerlab topology in lab/containerlab/tor-nodes, rebuilt with network namespaces and run
// with its own files: the two FRR ToR configs and the two nodes' nodebgpd.yaml, unchanged. Each
// ToR learns both pod CIDRs (K8S-PODS filter, AS path 64512); each node learns the other's pod
// CIDR through both ToRs as a multipath pair.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ROOT } from '../helpers/fixtures.js';
import { Nodebgpd } from '../helpers/nodebgpd.js';
import { createNamespace, destroyNamespace, inNs, run, uniquePrefix } from '../helpers/netns.js';
import { Frr, until } from '../helpers/peers.js';

const LAB = join(ROOT, 'lab', 'containerlab', 'tor-nodes');
const p = uniquePrefix('clab');
const ns = { tor1: `${p}t1`, tor2: `${p}t2`, node1: `${p}n1`, node2: `${p}n2` };

/** The topology's links and the addresses the lab file gives each end (a /30 per link). */
const links: [keyof typeof ns, string, string, keyof typeof ns, string, string][] = [
  ['tor1', 'eth1', '10.1.1.1', 'node1', 'eth1', '10.1.1.2'],
  ['tor2', 'eth1', '10.1.2.1', 'node1', 'eth2', '10.1.2.2'],
  ['tor1', 'eth2', '10.1.1.5', 'node2', 'eth1', '10.1.1.6'],
  ['tor2', 'eth2', '10.1.2.5', 'node2', 'eth2', '10.1.2.6'],
];

t.before(() => {
  for (const n of Object.values(ns)) createNamespace(n);
  for (const [a, ai, aaddr, b, bi, baddr] of links) {
    run('ip', ['link', 'add', ai, 'netns', ns[a], 'type', 'veth', 'peer', 'name', bi, 'netns', ns[b]]);
    for (const [n, i, addr] of [[a, ai, aaddr], [b, bi, baddr]] as const) {
      inNs(ns[n], 'ip', ['addr', 'add', `${addr}/30`, 'dev', i]);
      inNs(ns[n], 'ip', ['link', 'set', i, 'up']);
    }
  }
});
t.teardown(() => {
  for (const n of Object.values(ns)) destroyNamespace(n);
});

t.test('the containerlab files: ToRs learn both pod CIDRs, nodes learn each other through both ToRs', async (t) => {
  const tors = [1, 2].map((i) => new Frr(ns[`tor${i}` as 'tor1'], readFileSync(join(LAB, `tor${i}`, 'frr.conf'), 'utf8')));
  const nodes = [1, 2].map((i) => new Nodebgpd(ns[`node${i}` as 'node1'], readFileSync(join(LAB, `node${i}.yaml`), 'utf8')));
  t.teardown(() => {
    for (const x of [...tors, ...nodes]) x.stop();
  });
  for (const n of nodes) await n.ready();
  for (const [i, tor] of tors.entries()) {
    const ok = await until(() => {
      const r = tor.json('show bgp ipv4 unicast json').routes ?? {};
      return r['10.244.1.0/26'] && r['10.244.2.0/26'] ? r : undefined;
    }, 45000);
    t.ok(ok, `tor${i + 1} learns both pod CIDRs:\n${tor.vtysh('show bgp ipv4 unicast')}`);
    t.equal(ok?.['10.244.1.0/26']?.[0]?.path, '64512', `tor${i + 1}: AS path 64512`);
  }
  for (const [i, n] of nodes.entries()) {
    const other = i === 0 ? '10.244.2.0/26' : '10.244.1.0/26';
    const route = await until(() => {
      const r = n.cli('routes', other).items[0];
      return r?.paths.length === 2 ? r : undefined;
    }, 30000);
    t.ok(route, `node${i + 1} learns ${other} from both ToRs:\n${n.cliRaw('routes').stdout}`);
    t.equal(route?.paths.filter((x: { multipath: boolean }) => x.multipath).length, 2, `node${i + 1}: both paths in the multipath set (multipath-relax across ToR AS 64501 and 64502)`);
  }
});
