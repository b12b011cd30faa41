// Kernel routes at scale, the way a ToR's table arrives: the shipped binary in a namespace learns
// 30,000 prefixes from a peer in another (the benchmark speaker) and installs them. Each route it
// installs is also a notification to its own route monitor; those once overflowed the monitor's
// buffer, and the `netlink` package turned the overflow into an abort of the whole process. Then
// someone else deletes 100,000 routes, while the daemon is stopped in the same namespace at once (more removals than any buffer
// takes): the daemon stays up, keeps every route of its own, and still puts back one of its routes
// that an operator deletes.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import { Nodebgpd } from '../helpers/nodebgpd.js';
import { createNamespace, destroyNamespace, inNs, link, uniquePrefix } from '../helpers/netns.js';
import { until } from '../helpers/peers.js';

const p = uniquePrefix('fibs');
const N = `${p}n`;
const A = `${p}a`;
const COUNT = 30_000;
const FOREIGN = 100_000;

t.before(() => {
  for (const ns of [N, A]) createNamespace(ns);
  link({ ns: N, ifname: 'toa', ipv4: '10.96.1.1', ipv6: 'fd96:1::1' }, { ns: A, ifname: 'eth0', ipv4: '10.96.1.2', ipv6: 'fd96:1::2' });
});
t.teardown(() => {
  for (const ns of [N, A]) destroyNamespace(ns);
});

const ours = () => Number(inNs(N, 'sh', ['-c', 'ip -4 route show proto 201 | wc -l']).trim());

t.test(`${COUNT} kernel routes, and someone else removing ${FOREIGN} at once`, async (t) => {
  const d = new Nodebgpd(N, `
asn: 64512
routerId: 10.96.1.1
listen: { addresses: [0.0.0.0] }
ebgpRequiresPolicy: false
neighbors:
  - { address: 10.96.1.2, remoteAs: 65001, timers: { connectRetryTime: 1 } }
`);
  t.teardown(() => d.stop());
  await d.ready();
  const sender = spawn('ip', ['netns', 'exec', A, process.execPath, join(import.meta.dirname, '..', '..', 'bench', 'lib', 'peer.mjs'), 'sender', '10.96.1.2', '10.96.1.1', '65001', String(COUNT), '[64512]'], { stdio: ['pipe', 'ignore', 'inherit'] });
  t.teardown(() => {
    sender.stdin.end();
    sender.kill('SIGKILL');
  });
  t.ok(await until(() => ours() === COUNT, 60000), `all ${COUNT} installed (${ours()})`);
  t.ok(d.alive, 'the daemon is running');

  // Someone else: 100,000 routes of another protocol added, then deleted in one batch.
  const routes = Array.from({ length: FOREIGN }, (_, i) => `172.${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32 dev toa proto static`);
  inNs(N, 'ip', ['-batch', '-'], { input: routes.map((r) => `route add ${r}\n`).join('') });
  // Stopped meanwhile, the daemon reads nothing: the removals overflow its monitor's buffer for sure.
  d.signal('SIGSTOP');
  try {
    inNs(N, 'ip', ['-batch', '-'], { input: routes.map((r) => `route del ${r}\n`).join('') });
  } finally {
    d.signal('SIGCONT');
  }
  await new Promise((r) => setTimeout(r, 1000));
  t.ok(d.alive, `the daemon survived ${FOREIGN} foreign removals`);
  t.equal(d.cli('summary').ribCount['ipv4-unicast'], COUNT, 'the API answers, the RIB is whole');
  t.equal(ours(), COUNT, 'and every route of ours is still in the kernel');

  // The monitor still hears removals it must repair.
  const victim = inNs(N, 'sh', ['-c', 'ip -4 route show proto 201 | head -1']).split(' ')[0];
  inNs(N, 'ip', ['route', 'del', victim, 'proto', '201']);
  t.ok(await until(() => inNs(N, 'ip', ['route', 'show', victim]).includes('proto 201'), 5000), `${victim}, deleted by an operator, is installed again`);
  t.same(d.stderr.filter((l) => /terminate|Napi/.test(l)), [], 'nothing on stderr about an abort');
});
