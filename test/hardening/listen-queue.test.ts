// A reflector's clients dial at once after it restarts: the listen queue must hold them, or the
// kernel drops handshakes and each client waits out a SYN retransmission (5,000 clients against
// a queue of 4,096 overflowed 902 times). The daemon asks for as much as the kernel allows; the
// kernel caps that at net.core.somaxconn, which an operator raises for more clients (README).
// Read from the kernel: a listening socket's Send-Q in `ss` is its queue's length.
import t from 'tap';
import { createNamespace, destroyNamespace, inNs, uniquePrefix } from '../helpers/netns.js';
import { Nodebgpd } from '../helpers/nodebgpd.js';

const N = `${uniquePrefix('lq')}n`;

t.teardown(() => destroyNamespace(N));

t.test('the binary listens with the queue the namespace allows, past 4,096', async (t) => {
  createNamespace(N);
  inNs(N, 'sysctl', ['-q', '-w', 'net.core.somaxconn=10000']);
  const d = new Nodebgpd(N, `asn: 65000
routerId: 10.0.0.1
listen: { addresses: [127.0.0.1] }
fib: { enabled: false }
`);
  t.teardown(() => d.stop());
  await d.ready();
  const line = inNs(N, 'ss', ['-ltnH', 'sport = :179']).trim();
  const sendQ = Number(line.split(/\s+/)[2]);
  t.equal(sendQ, 10000, `the BGP listener's queue: ${line}`);
});
