// A test host for the session layer until nodebgpd exists: runs inside a network namespace
// (`ip netns exec NS node speaker-host.mjs CONFIG.json`), starts a listener and the configured
// sessions from the built code (dist/), reports events as JSON lines on stdout and takes commands
// as JSON lines on stdin. Exits when stdin closes, so a dead test never leaves it behind.
import { readFileSync, readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { getHeapStatistics } from 'node:v8';
import { Listener, Session, SystemClock } from '../../dist/fsm/index.js';
import { AttributeCache } from '../../dist/wire/index.js';

const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const clock = new SystemClock();
const sessions = new Map();
const cache = new AttributeCache();
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const ip = (s) => s.split('.').reduce((a, o) => a * 256 + Number(o), 0);

for (const p of cfg.peers) {
  const open = { ...p.open, routerId: ip(p.open.routerId) };
  const name = p.remoteAddress;
  const s = new Session({ ...p, open, attributeCache: cache }, {
    stateChange: (from, to) => out({ event: 'state', peer: name, from, to }),
    established: (n) => out({ event: 'established', peer: name, holdTime: n.holdTime, keepaliveTime: n.keepaliveTime, peerAs: n.peerAs, afiSafis: n.afiSafis, addPathRx: [...n.rx.addPath], addPathTx: [...n.tx.addPath] }),
    down: (reason, wasEstablished) => out({ event: 'down', peer: name, reason, wasEstablished }),
    notification: (direction, n) => out({ event: 'notification', peer: name, direction, code: n.code, subcode: n.subcode }),
    collision: (kept) => out({ event: 'collision', peer: name, kept }),
    message: (m) => out({ event: 'message', peer: name, type: m.type }),
    wireError: (e) => out({ event: 'wire-error', peer: name, code: e.code, subcode: e.subcode }),
  }, clock);
  sessions.set(name, s);
}

const listener = new Listener({ addresses: cfg.listen ?? ['0.0.0.0'], port: cfg.port ?? 179 }, (addr) => sessions.get(addr));
listener.onRefused = (addr) => out({ event: 'refused', address: addr });
await listener.start();
for (const p of cfg.peers) if (p.password) listener.setPassword(p.remoteAddress, p.password);
for (const s of sessions.values()) if (!cfg.noStart) s.start();
out({ event: 'ready', ports: listener.ports });

function stats() {
  globalThis.gc?.();
  const handles = process.getActiveResourcesInfo();
  const count = {};
  for (const h of handles) count[h] = (count[h] ?? 0) + 1;
  return { heapUsed: process.memoryUsage().heapUsed, heapTotal: getHeapStatistics().total_heap_size, rss: process.memoryUsage().rss, resources: count, timers: clock.pending, fds: readdirSync('/proc/self/fd').length };
}

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const c = JSON.parse(line);
  const s = c.peer ? sessions.get(c.peer) : undefined;
  switch (c.cmd) {
    case 'snapshot': return out({ event: 'snapshot', id: c.id, peer: c.peer, snapshot: s.snapshot(), timers: s.activeTimers });
    case 'start': s.start(); break;
    case 'stop': s.stop(c.message); break;
    case 'reset': s.reset(c.message); break;
    case 'refresh': out({ event: 'refresh', id: c.id, sent: s.requestRefresh(c.afi ?? 1, c.safi ?? 1) }); return;
    case 'stats': return out({ event: 'stats', id: c.id, ...stats() });
    case 'exit': shutdown(); return;
  }
  out({ event: 'ok', id: c.id });
});
rl.on('close', shutdown);

function shutdown() {
  for (const s of sessions.values()) s.close();
  listener.close().then(() => setTimeout(() => process.exit(0), 200));
}
