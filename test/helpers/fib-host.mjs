// The kernel driver alone inside a network namespace, for interop tests: installs COUNT IPv6 /64
// routes (fd50:<id>::/64) with NEXTHOPS next hops each (fd99::10 upwards on IFNAME) in table 100
// through a request socket whose send buffer is SEND_BUFFER octets, then removes them all;
// prints one JSON line per step: the routes `ip -6 route` shows in table 100, the driver's
// counters, the transport errors it was told.
//   node fib-host.mjs COUNT NEXTHOPS IFNAME SEND_BUFFER
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { AF_INET6, Fib, RTPROT_BGP, openRtnetlink } from '../../dist/fib/index.js';
import { SystemClock } from '../../dist/fsm/index.js';

const [count, nexthops, ifname, sendBuffer] = process.argv.slice(2);
const ifindex = Number(readFileSync(`/sys/class/net/${ifname}/ifindex`, 'utf8'));
const prefix = (id) => {
  const dst = Buffer.alloc(16);
  dst.writeUInt16BE(0xfd50, 0);
  dst.writeUInt16BE(id, 2);
  return { dst, len: 64 };
};
const gateway = (k) => {
  const g = Buffer.alloc(16);
  g.writeUInt16BE(0xfd99, 0);
  g[15] = 0x10 + k;
  return g;
};
const wanted = new Set();
const transportErrors = [];
const socket = openRtnetlink({ writerThread: new SystemClock(), sendBuffer: Number(sendBuffer) });
const fib = new Fib(socket, {
  route: (_f, id) => (wanted.has(id) ? { family: AF_INET6, ...prefix(id), table: 100, protocol: RTPROT_BGP, metric: 20, nexthops: Array.from({ length: Number(nexthops) }, (_, k) => ({ gateway: gateway(k), ifindex, weight: 1 })) } : null),
  prefix: (_f, id) => prefix(id),
  installed: () => undefined,
  idOf: () => undefined,
}, { table: 100, protocol: RTPROT_BGP, metric: 20 }, { transportError: (e) => transportErrors.push(e.message) });
await fib.start();

/** Our prefixes in table 100 (a table that holds nothing does not exist: none). */
function routesInTable() {
  try {
    return execFileSync('ip', ['-6', 'route', 'show', 'table', '100'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 2 ** 20 }).split('\n').filter((l) => l.startsWith('fd50:')).length;
  } catch {
    return 0;
  }
}

async function step(name, want) {
  for (let id = 1; id <= Number(count); id++) {
    if (want) wanted.add(id);
    else wanted.delete(id);
    fib.dirty(6, id);
  }
  await fib.settled();
  const inKernel = routesInTable();
  process.stdout.write(JSON.stringify({ step: name, inKernel, stats: fib.stats(), transportErrors: transportErrors.splice(0) }) + '\n');
}
await step('installed', true);
await step('removed', false);
fib.close();
