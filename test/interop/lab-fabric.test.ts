// The lab (issue: kernel routes and the lab), run as CI runs it: lab/containerlab's two
// topologies built in network namespaces by lab/netns/fabric.mjs from their own files, then every
// check of lab/netns/checks.mjs, each printing what it saw. The leaf-spine fabric: leaves learn
// every pod CIDR, drop node2's default route, nodes install ECMP routes, BFD Up, a pod-to-pod ping
// crosses the fabric, a cut link loses less than 1 s. The route-reflector variant: session count,
// ORIGINATOR_ID/CLUSTER_LIST, kernel routes, ping.
import t from 'tap';
import { Lab, loadTopology } from '../../lab/netns/fabric.mjs';
import { runChecks } from '../../lab/netns/checks.mjs';
import { uniquePrefix } from '../helpers/netns.js';

for (const name of ['fabric', 'fabric-rr'] as const) {
  t.test(`lab ${name}`, async (t) => {
    const lab = new Lab(loadTopology(name), uniquePrefix(name === 'fabric' ? 'labf' : 'labr'));
    t.teardown(() => lab.down());
    lab.up();
    for (const r of await runChecks(lab, name)) {
      t.ok(r.ok, r.name);
      t.comment(`${r.name}\n${r.saw}`);
      if (!r.ok) console.error(`FAILED ${r.name}\n${r.saw}`);
    }
  });
}
