// Kernel routes on a host whose net.core.wmem_max is the kernel's default: rtnetlink refuses a
// datagram longer than the request socket's send buffer (EMSGSIZE, none of its routes applied),
// and that buffer is then 425,984 octets. The driver (test/helpers/fib-host.mjs, in a namespace,
// the send buffer asked as such a host grants it) installs 4,000 IPv6 routes of 8 next hops each
// (2,000 of them are 584,000 octets) and removes them: the kernel holds every route, then none,
// with no error. Before datagrams were bounded in octets, both batches were refused, the kernel
// held none, and the driver counted all 4,000 as installed.
import { join } from 'node:path';
import t from 'tap';
import { createNamespace, destroyNamespace, inNs, link, uniquePrefix } from '../helpers/netns.js';

const p = uniquePrefix('fibd');
const N = `${p}n`;
const A = `${p}a`;
/** What a host with the default net.core.wmem_max makes of the 4 MB the driver asks (it doubles this). */
const DEFAULT_WMEM_MAX = 212_992;

t.before(() => {
  for (const ns of [N, A]) createNamespace(ns);
  link({ ns: N, ifname: 'tor', ipv4: '10.95.1.1', ipv6: 'fd99::1' }, { ns: A, ifname: 'eth0', ipv4: '10.95.1.2', ipv6: 'fd99::2' });
});
t.teardown(() => {
  for (const ns of [N, A]) destroyNamespace(ns);
});

t.test('4,000 IPv6 routes of 8 next hops each through a default-sized send buffer: all in, all out', async (t) => {
  const out = inNs(N, process.execPath, [join(import.meta.dirname, '..', 'helpers', 'fib-host.mjs'), '4000', '8', 'tor', String(DEFAULT_WMEM_MAX)]);
  const [installed, removed] = out.trim().split('\n').map((l) => JSON.parse(l));
  t.equal(installed.inKernel, 4000, 'the kernel holds every route');
  t.same(installed.transportErrors, [], 'no datagram refused');
  t.equal(installed.stats.installed.ipv6, installed.inKernel, 'the driver counts what the kernel holds');
  t.equal(installed.stats.errors, 0);
  t.ok(installed.stats.batches >= 6, `in datagrams of at most about 192 KB (${installed.stats.batches} batches)`);
  t.equal(removed.inKernel, 0, 'removed, every one');
  t.same(removed.transportErrors, []);
  t.equal(removed.stats.installed.ipv6, 0);
});
