// The lab (issue: kernel routes and the lab), run as CI runs it: lab/containerlab's three
// topologies built in network namespaces by lab/netns/fabric.mjs from their own files, then every
// check of lab/netns/checks.mjs, each printing what it saw. The leaf-spine fabric: leaves learn
// every pod CIDR, drop node2's default route, nodes install ECMP routes, BFD Up, a pod-to-pod ping
// crosses the fabric, a cut link loses less than 1 s, a rolling restart of nodebgpd on a node loses
// no ping at one per 9 ms, a node down past its restart time keeps its routes long-lived stale
// (RFC 9494) with no ping lost until its stale time ends them. The route-reflector variant: session count,
// ORIGINATOR_ID/CLUSTER_LIST, kernel routes, ping. The unnumbered variant (no IPv4 on any fabric
// link): sessions on link-local addresses learned from router advertisements, ECMP via inet6
// link-local next hops, a ping, a leaf taking a link down, a rolling restart.
import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { Lab, loadTopology } from '../../lab/netns/fabric.mjs';
import { runChecks } from '../../lab/netns/checks.mjs';
import { until } from '../../lab/netns/wait.mjs';
import { uniquePrefix } from '../helpers/netns.js';

for (const name of ['fabric', 'fabric-rr', 'fabric-unnumbered'] as const) {
  t.test(`lab ${name}`, async (t) => {
    const lab = new Lab(loadTopology(name), uniquePrefix({ fabric: 'labf', 'fabric-rr': 'labr', 'fabric-unnumbered': 'labu' }[name]));
    t.teardown(() => lab.down());
    lab.up();
    // The nodes run as their container does: nodebgpd as UID 1000, NET_BIND_SERVICE and NET_ADMIN
    // effective, and NET_RAW only on the unnumbered fabric (router advertisements); permitted all three.
    for (const [n, spec] of Object.entries(lab.topology.nodes)) {
      if (spec.kind !== 'nodebgp') continue;
      const pid = readFileSync(join(lab.work, n, 'nodebgpd.pid'), 'utf8').trim();
      // ip netns exec, then setpriv, then node, all in this one process. None are effective at
      // exec (+p): nodebgpd raises two once it has read its configuration, NET_RAW when it opens
      // its router advertisement socket.
      const effective = name === 'fabric-unnumbered' ? '0000000000003400' : '0000000000001400';
      let seen = '';
      const status = await until(() => {
        if (!readlinkSync(`/proc/${pid}/exe`).endsWith('/bin/node')) return undefined;
        seen = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^(Uid:\s+\d+)[\s\S]*^(CapEff:\s+\w+)/m)?.slice(1).join(' ') ?? '';
        return new RegExp(`^Uid:\\s+1000 CapEff:\\s+${effective}$`).test(seen) ? seen : undefined;
      }, 10000);
      t.ok(status, `${n}: nodebgpd as UID 1000 with ${name === 'fabric-unnumbered' ? 'NET_RAW too' : 'two capabilities'} effective (${seen})`);
    }
    for (const r of await runChecks(lab, name)) {
      t.ok(r.ok, r.name);
      t.comment(`${r.name}\n${r.saw}`);
      if (!r.ok) console.error(`FAILED ${r.name}\n${r.saw}`);
    }
  });
}
