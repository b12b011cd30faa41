// GTSM (RFC 5082) between two nodebgpd speakers in namespaces, both dialing: each side's SYN-ACK
// must leave with TTL 255 or the other's IP_MINTTL drops it (issue: both sat in Connect with no log
// line and connectFailures 0). Then a listener that answers with TTL 64: the handshakes that never
// complete are counted and logged.
import { spawn } from 'node:child_process';
import t from 'tap';
import { Nodebgpd } from '../helpers/nodebgpd.js';
import { createNamespace, destroyNamespace, link, uniquePrefix } from '../helpers/netns.js';
import { until } from '../helpers/peers.js';

const p = uniquePrefix('gtsm');
const A = `${p}a`;
const B = `${p}b`;

t.before(() => {
  createNamespace(A);
  createNamespace(B);
  link({ ns: A, ifname: 'eth0', ipv4: '10.93.0.1', ipv6: 'fd93::1' }, { ns: B, ifname: 'eth0', ipv4: '10.93.0.2', ipv6: 'fd93::2' });
});
t.teardown(() => {
  destroyNamespace(A);
  destroyNamespace(B);
});

const config = (me: string, asn: number, peer: string, peerAs: number, gtsm: boolean) => `
asn: ${asn}
routerId: ${me}
ebgpRequiresPolicy: false
fib: { enabled: false }
neighbors:
  - { address: ${peer}, remoteAs: ${peerAs}, ${gtsm ? 'ttlSecurityHops: 1, ' : ''}timers: { connectRetryTime: 3 } }
`;

t.test('two nodebgpd speakers with ttlSecurityHops 1 both dialing: Established over IPv4', async (t) => {
  const a = new Nodebgpd(A, config('10.93.0.1', 65001, '10.93.0.2', 65002, true));
  const b = new Nodebgpd(B, config('10.93.0.2', 65002, '10.93.0.1', 65001, true));
  t.teardown(() => {
    a.stop();
    b.stop();
  });
  await Promise.all([a.ready(), b.ready()]);
  t.ok(await until(() => a.cli('neighbors', '10.93.0.2').state === 'Established' && b.cli('neighbors', '10.93.0.1').state === 'Established', 30000), 'both Established');
  const n = a.cli('neighbors', '10.93.0.2');
  t.equal(n.connectFailures, 0, 'no failed connection on the way');
  a.stop();
  b.stop();
  await Promise.all([a.exited, b.exited]);
});

t.test('a GTSM speaker dialing a listener that answers with TTL 64: counted and logged, not silent', async (t) => {
  // A plain TCP listener on B's BGP port: its SYN-ACK leaves with the system TTL (64), which A's
  // IP_MINTTL 255 drops, so A's handshake never completes.
  const listener = spawn('ip', ['netns', 'exec', B, process.execPath, '-e', 'require("net").createServer(() => {}).listen(179, "10.93.0.2")'], { stdio: 'ignore' });
  const a = new Nodebgpd(A, config('10.93.0.1', 65001, '10.93.0.2', 65002, true));
  t.teardown(() => {
    a.stop();
    listener.kill('SIGKILL');
  });
  await a.ready();
  t.ok(await until(() => a.cli('neighbors', '10.93.0.2').connectFailures >= 2, 15000), `attempts whose handshake never completed are counted (${a.cli('neighbors', '10.93.0.2').connectFailures})`);
  t.not(a.cli('neighbors', '10.93.0.2').state, 'Established', 'no session');
  const logged = a.log.filter((l) => l.reason === 'timeout' && /TCP connection not established/.test(l.msg));
  t.ok(logged.length > 0 && logged.every((l) => l.level === 40), 'and logged at warn, saying what to check');
});
