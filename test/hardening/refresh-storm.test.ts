// ROUTE-REFRESH storm (issue: 494 requests, 11 kB, cost 29 s of CPU and sent 148 MB back). The
// shipped binary holds 100,000 routes from a loader; a peer with enhanced route refresh sends 494
// requests at once, then one every 100 ms for 5 s. Requests during an answer join it, the rest are
// rate-bound: a handful of whole tables go back, each framed by BoRR/EoRR (RFC 7313), the CPU
// spent stays small, and the loader's session is untouched.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { RouteRefreshSubtype, encodeRouteRefresh } from '../../src/wire/index.js';
import { AS_PATH, NEXT_HOP, ORIGIN, attr, update } from '../helpers/build.js';
import { onLoopback } from '../helpers/nodebgpd.js';
import { dialFrom, until } from '../helpers/raw-peer.js';

const LOADER = '127.0.0.2';
const ASKER = '127.0.0.3';
const ROUTES = 100_000;
const octet = (n: number) => n.toString(16).padStart(2, '0');
const cpuSeconds = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};

t.test('494 ROUTE-REFRESH requests and a trickle after them: a few framed answers, little CPU', async (t) => {
  const { d, port } = await onLoopback(t, `
ebgpRequiresPolicy: false
neighbors:
  - { address: ${LOADER}, remoteAs: 65001, passive: true }
  - { address: ${ASKER}, remoteAs: 65003, passive: true }
`);
  for (const n of [LOADER, ASKER]) await until(() => d.cli('neighbors', n).state === 'Active', 10000);
  const open = (asn: number, id: number) => ({
    type: 'open' as const, version: 4, myAs: asn, holdTime: 90, bgpId: id,
    params: [[{ type: 'multiprotocol' as const, afi: 1, safi: 1 }, { type: 'four-octet-as' as const, asn }, { type: 'route-refresh' as const, code: 2 as const }, { type: 'enhanced-route-refresh' as const }]],
  });
  const loader = await dialFrom(port, LOADER);
  const asker = await dialFrom(port, ASKER);
  t.teardown(() => {
    loader.socket.destroy();
    asker.socket.destroy();
  });
  for (const [c, asn, id] of [[loader, 65001, 2], [asker, 65003, 3]] as const) {
    c.sendOpen(open(asn, id));
    c.send({ type: 'keepalive' });
  }
  t.ok(await until(() => loader.of('keepalive').length > 0 && asker.of('keepalive').length > 0, 5000), 'both sessions Established');

  // 100,000 /24s over 1,000 attribute sets (100 prefixes per UPDATE).
  const load: Buffer[] = [];
  for (let s = 0; s < ROUTES / 100; s++) {
    let nlri = '';
    for (let k = 0; k < 100; k++) {
      const i = s * 100 + k;
      nlri += `18${octet(10 + (i >> 16))}${octet((i >> 8) & 0xff)}${octet(i & 0xff)}`;
    }
    load.push(update('', ORIGIN + AS_PATH + NEXT_HOP + attr(0xc0, 8, `fde9${octet(s >> 8)}${octet(s & 0xff)}`), nlri));
  }
  loader.socket.write(Buffer.concat(load));
  const prefixesAt = () => asker.of('update').reduce((a, u) => a + u.nlri.words.length / 3, 0);
  t.ok(await until(() => prefixesAt() >= ROUTES, 60000), `the asker has the ${ROUTES} routes`);
  const initial = prefixesAt();

  const pid = d.pid!;
  const cpu0 = cpuSeconds(pid);
  const refresh = encodeRouteRefresh({ type: 'route-refresh', afi: 1, safi: 1, subtype: RouteRefreshSubtype.NORMAL });
  asker.socket.write(Buffer.concat(Array.from({ length: 494 }, () => refresh)));
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    asker.send({ type: 'keepalive' });
    asker.socket.write(refresh);
  }
  await new Promise((r) => setTimeout(r, 2000));
  const cpu = cpuSeconds(pid) - cpu0;
  const answers = (prefixesAt() - initial) / ROUTES;
  const rr = asker.of('route-refresh');
  const borr = rr.filter((m) => m.subtype === RouteRefreshSubtype.BEGINNING_OF_ROUTE_REFRESH).length;
  const eorr = rr.filter((m) => m.subtype === RouteRefreshSubtype.END_OF_ROUTE_REFRESH).length;
  t.ok(answers >= 1 && answers <= 4, `544 requests answered with ${answers.toFixed(2)} whole tables`);
  t.ok(borr >= 1 && borr === eorr, `every answer framed: ${borr} BoRR, ${eorr} EoRR`);
  t.ok(cpu < 5, `the daemon spent ${cpu.toFixed(2)} CPU-seconds over the storm`);
  const n = d.cli('neighbors', ASKER);
  t.ok(n.state === 'Established', 'the asker keeps its session');
  const l = d.cli('neighbors', LOADER);
  t.ok(l.state === 'Established' && l.flaps === 0 && !loader.closed, 'the loader session is untouched');
  const metrics = d.curl('/metrics');
  const deferred = Number(/nodebgp_peer_route_refresh_requests_total\{peer="127\.0\.0\.3"[^}]*outcome="deferred"[^}]*\} (\d+)/.exec(metrics)?.[1] ?? -1);
  const joined = Number(/nodebgp_peer_route_refresh_requests_total\{peer="127\.0\.0\.3"[^}]*outcome="joined"[^}]*\} (\d+)/.exec(metrics)?.[1] ?? -1);
  t.ok(joined > 400, `requests joined to one in progress are counted (${joined})`);
  t.ok(deferred >= 1, `and rate-bound ones (${deferred})`);
});
