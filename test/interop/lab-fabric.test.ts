// The lab (issue: kernel routes and the lab), run as CI runs it: lab/containerlab's two
// topologies built in network namespaces by lab/netns/fabric.mjs from their own files, then every
// check of lab/netns/checks.mjs, each printing what it saw. The leaf-spine fabric: leaves learn
// every pod CIDR, drop node2's default route, nodes install ECMP routes, BFD Up, a pod-to-pod ping
// crosses the fabric, a cut link loses less than 1 s, a rolling restart of nodebgpd on a node loses
// no ping at one per 9 ms, a node down past its restart time keeps its routes long-lived stale
// (RFC 9494) with no ping lost until its stale time ends them. The route-reflector variant: session count,
// ORIGINATOR_ID/CLUSTER_LIST, kernel routes, ping.
import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { Lab, loadTopology } from '../../lab/netns/fabric.mjs';
import { runChecks } from '../../lab/netns/checks.mjs';
import { until } from '../../lab/netns/wait.mjs';
import { uniquePrefix } from '../helpers/netns.js';

for (const name of ['fabric', 'fabric-rr'] as const) {
  t.test(`lab ${name}`, async (t) => {
    const lab = new Lab(loadTopology(name), uniquePrefix(name === 'fabric' ? 'labf' : 'labr'));
    t.teardown(() => lab.down());
    lab.up();
    // The nodes run as their container does: nodebgpd as UID 1000, NET_BIND_SERVICE and NET_ADMIN
    // effective (NET_RAW permitted, for interface neighbors, which these nodes have none of).
    for (const [n, spec] of Object.entries(lab.topology.nodes)) {
      if (spec.kind !== 'nodebgp') continue;
      const pid = readFileSync(join(lab.work, n, 'nodebgpd.pid'), 'utf8').trim();
      // ip netns exec, then setpriv, then node, all in this one process.
      const status = await until(() => {
        if (!readlinkSync(`/proc/${pid}/exe`).endsWith('/bin/node')) return undefined;
        const s = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^(Uid:\s+\d+)[\s\S]*^(CapEff:\s+\w+)/m)?.slice(1).join(' ');
        // None are effective at exec (+p): nodebgpd raises them once it has read its configuration.
        return s?.endsWith(' 0000000000000000') ? undefined : s;
      }, 5000);
      t.match(status, /^Uid:\s+1000 CapEff:\s+0000000000001400$/, `${n}: nodebgpd as UID 1000 with two capabilities effective (${status})`);
    }
    for (const r of await runChecks(lab, name)) {
      t.ok(r.ok, r.name);
      t.comment(`${r.name}\n${r.saw}`);
      if (!r.ok) console.error(`FAILED ${r.name}\n${r.saw}`);
    }
  });
}
