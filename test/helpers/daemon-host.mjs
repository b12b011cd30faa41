// Runs the daemon (dist/) inside a network namespace for interop tests, reporting events as JSON
// lines on stdout and answering commands from stdin: neighbor states, RIB entries, originate and
// withdraw, resource stats. Exits when stdin closes.
import { readFileSync, readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Daemon } from '../../dist/daemon/daemon.js';
import { parsePrefix } from '../../dist/config/prefix.js';
import { ipv4ToString, ipv6ToString, asPathSegments } from '../../dist/wire/index.js';
import { asPathOf } from '../../dist/rib/index.js';

const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const daemon = new Daemon(cfg, {
  events: {
    sessionState: (peer, from, to) => out({ event: 'state', peer, from, to }),
    sessionDown: (peer, reason) => out({ event: 'down', peer, reason }),
    maxPrefix: (peer, afi, count, limit, action) => out({ event: 'max-prefix', peer, afi, count, limit, action }),
  },
});
await daemon.start();
out({ event: 'ready' });

const nh = (v) => (typeof v === 'number' ? ipv4ToString(v) : ipv6ToString(v));
const pathJson = (p) => ({ peer: p.peer.address, pathId: p.pathId, stale: p.stale, asPath: asPathSegments(asPathOf(p.entry)).flatMap((s) => s.asns), nextHop: nh(p.nextHop), med: p.entry.attrs.med, localPref: p.entry.attrs.localPref, communities: p.entry.attrs.communities });

function route(prefix) {
  const p = parsePrefix(prefix);
  const table = daemon.rib.table(p.afi);
  const node = table.trie.get(p.words[0], p.words[1], p.words[2], p.words[3], p.length);
  const paths = table.candidates(node);
  if (paths.length === 0) return null;
  const best = table.best(node);
  return { paths: paths.map(pathJson), best: best && pathJson(best), multipath: table.multipath(node)?.map(pathJson) ?? null };
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const c = JSON.parse(line);
  const reply = (o) => out({ event: 'reply', id: c.id, ...o });
  switch (c.cmd) {
    case 'neighbors':
      return reply({ neighbors: [...daemon.neighbors.values()].map((n) => ({ address: n.config.address, state: n.session.state, stats: daemon.rib.peerStats(n.index) ?? null })) });
    case 'route': return reply({ route: route(c.prefix) });
    case 'originate': daemon.announce({ prefix: c.prefix, communities: c.communities ?? [] }); return reply({});
    case 'withdraw': daemon.withdraw(c.prefix); return reply({});
    case 'summary': return reply({ v4: daemon.rib.v4.prefixes, v6: daemon.rib.v6.prefixes, paths: daemon.rib.v4.paths + daemon.rib.v6.paths, attrs: daemon.rib.attrs.size });
    case 'stats': globalThis.gc?.(); return reply({ heapUsed: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss, fds: readdirSync('/proc/self/fd').length });
    case 'exit': return shutdown();
  }
});
process.stdin.on('end', shutdown);
let stopping = false;
function shutdown() {
  if (stopping) return;
  stopping = true;
  daemon.stop().then(() => setTimeout(() => process.exit(0), 100));
}
