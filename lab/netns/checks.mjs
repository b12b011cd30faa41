// The lab's checks, shared by `fabric.mjs check` and test/interop/lab-fabric.test.ts. Each returns
// { name, ok, saw }: `saw` is what it looked at (FRR's `show bgp`, kernel routes, ping summaries),
// so that a failure explains itself.
import { pingStream, until } from './wait.mjs';

const NODES = [1, 2, 3, 4];
const pod = (n) => `10.244.${n}.0/26`;
const podAddress = (n) => `10.244.${n}.1`;
/** node n's address on its link to leaf l (and the leaf's, one below). */
const nodeAddress = (n, l) => `10.1.${l}.${4 * n - 2}`;
const leafAddress = (n, l) => `10.1.${l}.${4 * n - 3}`;

async function check(name, fn) {
  try {
    const { ok, saw } = await fn();
    return { name, ok: Boolean(ok), saw: saw ?? '' };
  } catch (e) {
    return { name, ok: false, saw: String(e?.stack ?? e) };
  }
}

/** Converged: every leaf has every pod CIDR and every node every other one, BFD Up everywhere. */
export async function waitConverged(lab, ms = 90000) {
  return until(() => {
    for (const l of ['leaf1', 'leaf2']) {
      const routes = lab.frrJson(l, 'show bgp ipv4 unicast json').routes ?? {};
      if (!NODES.every((n) => routes[pod(n)])) return false;
    }
    for (const n of NODES) {
      for (const m of NODES) {
        if (m !== n && !/nexthop via .*\n.*nexthop via/.test(lab.inNs(`node${n}`, 'ip', ['route', 'show', pod(m)], { allowFail: true }))) return false;
      }
      const bfd = lab.nodebgp(`node${n}`, 'bfd');
      if (!bfd || bfd.sessions.length !== 2 || !bfd.sessions.every((s) => s.state === 'Up' && s.detectionTimeMs === 300)) return false;
    }
    return true;
  }, ms, 500);
}

/** Every leaf holds every pod CIDR with the node's own AS path as best. */
function leavesLearnPods(lab) {
  return () => check('every leaf learns every pod CIDR, best path AS 64512 (straight from the node)', () => {
    let ok = true;
    let saw = '';
    for (const l of ['leaf1', 'leaf2']) {
      const routes = lab.frrJson(l, 'show bgp ipv4 unicast json').routes ?? {};
      for (const n of NODES) {
        const best = (routes[pod(n)] ?? []).find((p) => p.bestpath);
        ok &&= best?.path === '64512';
      }
      saw += `${l}:\n${lab.vtysh(l, 'show bgp ipv4 unicast')}\n`;
    }
    return { ok, saw };
  });
}

function podPing(lab) {
  return () => check('a ping from a pod address on node1 to one on node4 crosses the fabric', async () => {
    const r = await pingStream(lab, 'node1', podAddress(1), podAddress(4), 5, 200);
    const trace = lab.inNs('node1', 'ip', ['route', 'get', podAddress(4), 'from', podAddress(1)], { allowFail: true });
    return { ok: r.received === 5, saw: `${r.text}\n${trace}` };
  });
}

/** BFD Up on all eight node-leaf sessions at 100 ms x 3, at both ends. */
function bfdUp(lab) {
  return () => check('BFD is Up on every node-leaf session at 100 ms x 3, on both ends', () => {
    let ok = true;
    let saw = '';
    for (const n of NODES) {
      const s = lab.nodebgp(`node${n}`, 'bfd')?.sessions ?? [];
      ok &&= s.length === 2 && s.every((x) => x.state === 'Up' && x.transmitIntervalMs === 100 && x.detectionTimeMs === 300);
      saw += `node${n}: ${s.map((x) => `${x.peer} ${x.state} tx ${x.transmitIntervalMs} ms detect ${x.detectionTimeMs} ms`).join('; ')}\n`;
    }
    for (const l of ['leaf1', 'leaf2']) {
      const peers = lab.frrJson(l, 'show bfd peers json');
      const up = Array.isArray(peers) ? peers.filter((p) => p.status === 'up').length : 0;
      ok &&= up === 4;
      saw += `${l}: ${up} BFD peers up\n`;
    }
    return { ok, saw };
  });
}

/** The link node1's pings use cut silently (nftables drops both ways): BFD notices, under 1 s lost. */
function bfdCut(lab) {
  return () => check('cutting the node1-leaf link the ping stream uses: BFD detects it, less than 1 s lost', async () => {
    const iface = await flowLink(lab);
    const { logMark, stream } = await streamUnderway(lab);
    const cutAt = Date.now();
    lab.inNs('node1', 'nft', [`table inet linkcut { chain i { type filter hook input priority 0; iifname "${iface}" drop; }; chain o { type filter hook output priority 0; oifname "${iface}" drop; }; }`]);
    const cutDone = Date.now();
    const r = await stream;
    const bfdLine = lab.log('node1').slice(logMark).split('\n').find((l) => l.includes('"to":"Down"'));
    const downAt = bfdLine ? Date.parse(JSON.parse(bfdLine).bfd.at) : NaN;
    // Reported from the cut command; checked from when the rule was surely in place.
    const detectedMs = downAt - cutAt;
    const late = downAt - cutDone;
    const lostMs = Math.round((r.transmitted - r.received) * r.intervalMs);
    const routeAfter = lab.inNs('node1', 'ip', ['route', 'show', pod(4)]);
    lab.inNs('node1', 'nft', ['delete', 'table', 'inet', 'linkcut']);
    const back = await waitConverged(lab, 60000);
    return {
      ok: lostMs < 1000 && late <= 350 && back,
      saw: `cut ${iface} (the link the flow used); BFD Down ${detectedMs} ms after the cut; ${r.transmitted - r.received} of ${r.transmitted} pings lost, one every ${r.intervalMs.toFixed(1)} ms: ${lostMs} ms without traffic\n${r.text}\nnode1 route while cut: ${routeAfter}link restored: BFD Up and ECMP back: ${Boolean(back)}`,
      lostMs,
      detectedMs,
    };
  });
}

/** Which of node1's links carries its pings to node4 (ECMP hashes a flow onto one): its transmit counter. */
async function flowLink(lab) {
  const tx = () => Object.fromEntries(JSON.parse(lab.inNs('node1', 'ip', ['-s', '-j', 'link', 'show'])).map((l) => [l.ifname, l.stats64.tx.packets]));
  const before = tx();
  await pingStream(lab, 'node1', podAddress(1), podAddress(4), 50, 10);
  const after = tx();
  return after.eth1 - before.eth1 >= after.eth2 - before.eth2 ? 'eth1' : 'eth2';
}

/** 500 pings node1 -> node4, one per 10 ms, 1.5 s under way; with where node1's log stood before them. */
async function streamUnderway(lab) {
  const logMark = lab.log('node1').length;
  const stream = pingStream(lab, 'node1', podAddress(1), podAddress(4), 500, 10);
  await new Promise((r) => setTimeout(r, 1500));
  return { logMark, stream };
}

/** A rolling restart of node1's nodebgpd with pods pinging across the fabric: none lost. `leaves`: its neighbors' names. */
function rollingRestart(lab, leaves) {
  return () => check('a rolling restart of nodebgpd on node1 (SIGTERM, start again) while pods ping across the fabric every 10 ms', async () => {
    const logMark = lab.log('node1').length;
    // ping's timer runs in steps: 9 ms asked is 9 ms given (10 ms asked would be 16).
    const stream = pingStream(lab, 'node1', podAddress(1), podAddress(4), 2000, 9);
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = Date.now();
    await lab.restartNodebgpd('node1');
    const stoppedMs = Date.now() - t0;
    // Back: both sessions Established again, the stale routes replaced (End-of-RIB from both leaves).
    const back = await until(() => {
      const peers = lab.nodebgp('node1', 'summary')?.peers ?? {};
      return leaves.every((a) => peers[a]?.state === 'Established') && /kernel routes reconciled/.test(lab.log('node1').slice(logMark));
    }, 30000, 200);
    const backMs = Date.now() - t0;
    const r = await stream;
    const lost = r.transmitted - r.received;
    const lines = lab.log('node1').slice(logMark).split('\n').filter((l) => /graceful|session down|Established|kernel/.test(l)).map((l) => {
      try {
        return JSON.parse(l).msg;
      } catch {
        return l;
      }
    });
    const leaf = lab.vtysh('leaf1', `show bgp ipv4 unicast ${pod(1)}`);
    return {
      ok: Boolean(back) && lost === 0 && r.transmitted === 2000 && r.intervalMs <= 10,
      saw: `nodebgpd stopped and started again in ${stoppedMs} ms; sessions back and stale routes settled ${backMs} ms after the SIGTERM: ${Boolean(back)}\n${lost} of ${r.transmitted} pings lost (one every ${r.intervalMs.toFixed(1)} ms)\n${r.text}\nnode1's log:\n  ${lines.join('\n  ')}\nleaf1 now:\n${leaf}`,
      lost,
    };
  });
}

export function fabricChecks(lab) {
  return [
    leavesLearnPods(lab),
    () => check('the default route node2 announces by mistake is dropped at both leaves (K8S-PODS)', () => {
      const advertised = lab.nodebgp('node2', 'neighbors', leafAddress(2, 1), '--routes', 'advertised');
      const sent = (advertised?.items ?? []).some((r) => r.prefix === '0.0.0.0/0');
      let saw = `node2 advertised to leaf1: ${(advertised?.items ?? []).map((r) => r.prefix).join(', ')}\n`;
      let ok = sent;
      for (const l of [1, 2]) {
        const received = lab.frrJson(`leaf${l}`, `show bgp ipv4 unicast neighbors ${nodeAddress(2, l)} received-routes json`).receivedRoutes ?? {};
        const inRib = lab.frrJson(`leaf${l}`, 'show bgp ipv4 unicast 0.0.0.0/0 json').paths ?? [];
        ok &&= '0.0.0.0/0' in received && inRib.length === 0;
        saw += `leaf${l}: received from node2 ${Object.keys(received).join(', ')}; 0.0.0.0/0 in its table: ${inRib.length} paths\n`;
      }
      return { ok, saw };
    }),
    () => check('each node installs the other pod CIDRs in its kernel, ECMP through both leaves', () => {
      let ok = true;
      let saw = '';
      for (const n of NODES) {
        const table = lab.inNs(`node${n}`, 'ip', ['route', 'show', 'proto', '201']);
        saw += `node${n}:\n${table}`;
        for (const m of NODES) {
          if (m === n) continue;
          const r = lab.inNs(`node${n}`, 'ip', ['route', 'show', pod(m)]);
          ok &&= r.includes(`nexthop via ${leafAddress(n, 1)} dev eth1`) && r.includes(`nexthop via ${leafAddress(n, 2)} dev eth2`);
        }
        ok &&= !table.includes(pod(n));
      }
      return { ok, saw };
    }),
    bfdUp(lab),
    podPing(lab),
    bfdCut(lab),
    rollingRestart(lab, [leafAddress(1, 1), leafAddress(1, 2)]),
    () => check('nodebgpd on node3 stopped past its restart time (3 s): the leaves keep its pod CIDR long-lived stale (RFC 9494, 10 s), node4\'s pods keep reaching it, then it goes', async () => {
      const RESTART_MS = 3000;
      const STALE_MS = 10000;
      const atLeaf = () => (lab.frrJson('leaf1', `show bgp ipv4 unicast ${pod(3)} json`).paths ?? [])[0];
      const inKernel = () => lab.inNs('node4', 'ip', ['route', 'show', pod(3)], { allowFail: true }).trim() !== '';
      // Pings from a pod on node4 to one on node3 while node3's nodebgpd is down: about 11 s of them.
      const stream = pingStream(lab, 'node4', podAddress(4), podAddress(3), 1200, 9);
      await new Promise((r) => setTimeout(r, 500));
      const t0 = Date.now();
      await lab.stopNodebgpd('node3');
      let staleAt;
      let longLivedAt;
      await until(() => {
        const p = atLeaf();
        const at = Date.now() - t0;
        if (p?.stale && staleAt === undefined) staleAt = at;
        if (/llgr-stale/i.test(JSON.stringify(p?.community ?? {}))) longLivedAt ??= at;
        return longLivedAt !== undefined;
      }, RESTART_MS + 5000, 100);
      const leafDuring = lab.vtysh('leaf1', `show bgp ipv4 unicast ${pod(3)}`);
      // node4 hears it from both leaves with LLGR_STALE (least preferred, but its only paths).
      const node4Paths = () => lab.nodebgp('node4', 'routes', pod(3))?.items?.[0]?.paths ?? [];
      const node4LongLived = await until(() => { const p = node4Paths(); return p.length === 2 && p.every((x) => x.communities.includes('llgr-stale')); }, 3000, 100);
      const node4During = node4Paths();
      const r = await stream;
      let goneAt;
      await until(() => (inKernel() ? undefined : (goneAt = Date.now() - t0)), RESTART_MS + STALE_MS + 8000, 100);
      const leafGone = atLeaf() === undefined;
      lab.startNodebgpd('node3');
      const back = await waitConverged(lab, 60000);
      const lost = r.transmitted - r.received;
      const communities = node4During.map((p) => p.communities.join(' ')).join('; ');
      return {
        // The routes are kept (the point here): at most 2 pings (18 ms) may go missing. One was
        // lost with an ICMP error in one of seven CI runs (2026-12-01 and 02) as the leaves turned
        // the route long-lived stale; a rolling restart (above) must lose none.
        ok: lost <= 2 && r.transmitted === 1200 && Boolean(node4LongLived) && longLivedAt >= RESTART_MS - 500 && longLivedAt <= RESTART_MS + 3000
          && goneAt >= RESTART_MS + STALE_MS - 1000 && goneAt <= RESTART_MS + STALE_MS + 4000 && leafGone && Boolean(back),
        saw: `SIGTERM at 0 ms; leaf1 marks node3's ${pod(3)} stale at ${staleAt} ms, long-lived stale (LLGR_STALE) at ${longLivedAt} ms (restart time ${RESTART_MS} ms)\n`
          + `node4 holds it meanwhile from ${node4During.map((p) => p.from).join(' and ')}, communities: ${communities}\n${lost} of ${r.transmitted} pings node4 -> node3 lost (one every ${r.intervalMs.toFixed(1)} ms, ${Math.round(r.transmitted * r.intervalMs)} ms from 500 ms before the SIGTERM)\n${r.text}\n`
          + `gone from node4's kernel at ${goneAt} ms (restart time + stale time: ${RESTART_MS + STALE_MS} ms); gone at leaf1: ${leafGone}; node3 started again, converged: ${Boolean(back)}\nleaf1 during the long-lived phase:\n${leafDuring}`,
      };
    }),
  ];
}

/** The unnumbered fabric: node n's eth1/eth2 face leaf1/leaf2's eth(n+2). */
export function unnumberedChecks(lab) {
  const leafOf = (iface) => (iface === 'eth1' ? 'leaf1' : 'leaf2');
  return [
    () => check('no IPv4 address on any fabric link; every session Established on IPv6 link-local addresses', () => {
      let ok = true;
      let saw = '';
      for (const n of Object.keys(lab.topology.nodes)) {
        const v4 = JSON.parse(lab.inNs(n, 'ip', ['-4', '-j', 'addr', 'show'])).filter((l) => l.ifname !== 'lo' && l.addr_info.length > 0);
        ok &&= v4.length === 0;
        if (v4.length > 0) saw += `${n}: IPv4 on ${v4.map((l) => l.ifname).join(', ')}\n`;
      }
      for (const [r, count] of [['spine1', 2], ['spine2', 2], ['leaf1', 6], ['leaf2', 6]]) {
        const peers = Object.entries(lab.frrJson(r, 'show bgp ipv4 unicast summary json').peers ?? {});
        const up = peers.filter(([, p]) => p.state === 'Established');
        ok &&= up.length === count;
        saw += `${r}: ${up.length} of ${peers.length} Established (${peers.map(([name]) => name).join(' ')})\n`;
      }
      for (const n of NODES) {
        const links = ['eth1', 'eth2'].map((i) => lab.nodebgp(`node${n}`, 'neighbors', i));
        ok &&= links.every((x) => x?.state === 'Established' && /^fe80::/.test(x.unnumbered?.neighborAddress ?? ''));
        saw += `node${n}: ${links.map((x) => `${x?.address} ${x?.state} ${x?.unnumbered?.neighborAddress}`).join('; ')}\n`;
      }
      return { ok, saw };
    }),
    leavesLearnPods(lab),
    bfdUp(lab),
    () => check('each node installs the other pod CIDRs via inet6 link-local next hops, ECMP through both leaves', () => {
      let ok = true;
      let saw = '';
      for (const n of NODES) {
        const leafLl = Object.fromEntries(['eth1', 'eth2'].map((i) => [i, lab.nodebgp(`node${n}`, 'neighbors', i)?.unnumbered?.neighborAddress]));
        const table = lab.inNs(`node${n}`, 'ip', ['route', 'show', 'proto', '201']);
        saw += `node${n}:\n${table}`;
        for (const m of NODES) {
          if (m === n) continue;
          const r = lab.inNs(`node${n}`, 'ip', ['route', 'show', pod(m)]);
          ok &&= ['eth1', 'eth2'].every((i) => r.includes(`nexthop via inet6 ${leafLl[i]} dev ${i}`));
        }
      }
      return { ok, saw };
    }),
    podPing(lab),
    bfdCut(lab),
    // Our side (node1's session ends, its route leaves the link) is held to 1 s. The pings also
    // need the way back: node4's packets to node1 reach the leaf that lost the link half the time,
    // and that FRR leaf must reroute through the spines; on a loaded machine that has taken 1.7 s.
    () => check('a leaf takes its link to node1 down (node1 loses carrier): within 1 s the session ends and node1\'s route leaves the link; traffic keeps the other leaf, less than 3 s lost both ways', async () => {
      const iface = await flowLink(lab);
      const { logMark, stream } = await streamUnderway(lab);
      const onLink = () => lab.inNs('node1', 'ip', ['route', 'show', pod(4)]).includes(`dev ${iface}`);
      const cutAt = Date.now();
      lab.inNs(leafOf(iface), 'ip', ['link', 'set', 'eth3', 'down']);
      const moved = await until(() => !onLink(), 3000, 10);
      const movedMs = Date.now() - cutAt;
      const r = await stream;
      const downLine = lab.log('node1').slice(logMark).split('\n').find((l) => l.includes('"reason":"interface-down"'));
      const downAt = downLine ? Date.parse(JSON.parse(downLine).time) : NaN;
      const lostMs = Math.round((r.transmitted - r.received) * r.intervalMs);
      const routeAfter = lab.inNs('node1', 'ip', ['route', 'show', pod(4)]);
      lab.inNs(leafOf(iface), 'ip', ['link', 'set', 'eth3', 'up']);
      const back = await until(() => lab.nodebgp('node1', 'neighbors', iface)?.state === 'Established', 30000, 200) && await waitConverged(lab, 60000);
      return {
        ok: downAt - cutAt < 1000 && Boolean(moved) && movedMs < 1000 && lostMs < 3000 && !routeAfter.includes(`dev ${iface}`) && Boolean(back),
        saw: `${leafOf(iface)} took eth3 down (node1's ${iface}, the link the flow used); node1's session on ${iface} down ${downAt - cutAt} ms after; its route to ${pod(4)} off ${iface} ${moved ? `${movedMs} ms after` : 'never (3 s)'}; ${r.transmitted - r.received} of ${r.transmitted} pings lost, one every ${r.intervalMs.toFixed(1)} ms: ${lostMs} ms without traffic both ways\n${r.text}\nnode1 route while down: ${routeAfter}link up again: session and ECMP back: ${Boolean(back)}`,
      };
    }),
    rollingRestart(lab, ['eth1', 'eth2']),
  ];
}

const RR = [1, 2, 3];
const CLIENTS = [4, 5, 6];

export function reflectorChecks(lab) {
  const established = (n) => Object.values(lab.nodebgp(`node${n}`, 'summary')?.peers ?? {}).filter((p) => p.state === 'Established').length;
  return [
    () => check('sessions: each client peers with the 3 reflectors, each reflector with the other 2 and the 3 clients', () => {
      const per = Object.fromEntries([...RR, ...CLIENTS].map((n) => [n, established(n)]));
      const total = Object.values(per).reduce((a, b) => a + b, 0) / 2;
      const seeds = CLIENTS.length * RR.length + RR.length * (RR.length - 1);
      const ok = CLIENTS.every((n) => per[n] === 3) && RR.every((n) => per[n] === 5) && total === CLIENTS.length * RR.length + (RR.length * (RR.length - 1)) / 2;
      return { ok, saw: `Established per node: ${JSON.stringify(per)}; ${total} sessions = ${CLIENTS.length} clients x ${RR.length} reflectors + ${(RR.length * (RR.length - 1)) / 2} in the reflectors' mesh. The seeds' arithmetic (non-reflectors x reflectors + reflectors x their reflector peers) gives ${seeds}: it counts each mesh session from both ends (${RR.length} x ${RR.length - 1}). A full mesh of 6 nodes would need 15 sessions.` };
    }),
    () => check('every node learns every other pod CIDR; reflected routes carry ORIGINATOR_ID and CLUSTER_LIST 1.0.0.1', () => {
      let ok = true;
      let saw = '';
      for (const n of [...RR, ...CLIENTS]) {
        for (const m of [...RR, ...CLIENTS]) {
          if (m === n) continue;
          const paths = lab.nodebgp(`node${n}`, 'routes', pod(m))?.items?.[0]?.paths ?? [];
          const best = paths.find((p) => p.best);
          ok &&= best !== undefined && best.nextHop === `10.2.0.${m}`;
          // A client hears another client's route only by reflection.
          if (CLIENTS.includes(n) && CLIENTS.includes(m)) {
            ok &&= best?.originatorId === `10.2.0.${m}` && best?.clusterList?.[0] === '1.0.0.1';
            saw += `node${n} ${pod(m)}: next hop ${best?.nextHop}, originator ${best?.originatorId}, cluster list ${best?.clusterList?.join(' ')}, from ${paths.map((p) => p.from).join(' ')}\n`;
          }
        }
      }
      return { ok, saw };
    }),
    () => check('kernel routes straight to the originating node, and a ping between client pods', async () => {
      const routes = lab.inNs('node4', 'ip', ['route', 'show', 'proto', '201']);
      const r = await pingStream(lab, 'node4', podAddress(4), podAddress(6), 5, 200);
      return { ok: routes.includes(`${pod(6)} via 10.2.0.6`) && r.received === 5, saw: `node4:\n${routes}${r.text}` };
    }),
  ];
}

export async function runChecks(lab, name) {
  if (name === 'fabric' || name === 'fabric-unnumbered') {
    await waitConverged(lab);
    const out = [];
    for (const c of name === 'fabric-unnumbered' ? unnumberedChecks(lab) : fabricChecks(lab)) out.push(await c());
    return out;
  }
  await until(() => [...RR, ...CLIENTS].every((n) => (lab.nodebgp(`node${n}`, 'routes')?.items ?? []).length >= 6 && Object.values(lab.nodebgp(`node${n}`, 'summary')?.peers ?? {}).every((p) => p.state === 'Established')), 60000, 500);
  const out = [];
  for (const c of reflectorChecks(lab)) out.push(await c());
  return out;
}
