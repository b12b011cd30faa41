// Logs and metrics from untrusted sources (issue: 18,575 malformed OPENs from dynamic sources in
// 30 s wrote 172.8 MB of log; every source left a permanent metric series; RFC 7606 outcomes and
// refused connections were neither logged nor counted). The shipped binary on loopback: 2,000
// dynamic sources send malformed OPENs, 200 unknown sources connect, a configured peer sends 100
// UPDATEs that RFC 7606 treats as withdrawals. The log stays small and says what it suppressed,
// the counters count, and nothing is left behind of the sources that came and went.
import { connect } from 'node:net';
import t from 'tap';
import { ORIGIN, NEXT_HOP, NLRI, attr, msg, update } from '../helpers/build.js';
import { onLoopback } from '../helpers/nodebgpd.js';
import { dialFrom, until } from '../helpers/raw-peer.js';

const PEER = '127.0.0.2';

/** Opens a connection from `from`, writes `bytes`, and resolves when the daemon closes it (or it fails). */
function hit(port: number, from: string, bytes?: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1', localAddress: from });
    const done = () => {
      s.destroy();
      resolve();
    };
    s.once('connect', () => (bytes ? s.write(bytes) : undefined));
    s.once('close', done);
    s.once('error', done);
    s.on('data', () => {});
    setTimeout(done, 3000).unref();
  });
}

t.test('malformed OPENs from 2,000 dynamic sources, 200 unknown sources, 100 treat-as-withdraw UPDATEs', async (t) => {
  const { d, port } = await onLoopback(t, `
ebgpRequiresPolicy: false
peerGroups:
  nodes: { remoteAs: external, passive: true }
dynamicNeighbors:
  - { range: 127.1.0.0/16, peerGroup: nodes, limit: 100 }
neighbors:
  - { address: ${PEER}, remoteAs: 65001, passive: true }
`);
  const before = d.log.length;

  const badOpen = msg(1, '05 fde9 005a 00000002 00'); // version 5
  for (let i = 0; i < 2000; i += 50) {
    await Promise.all(Array.from({ length: 50 }, (_, k) => hit(port, `127.1.${(i + k) >> 8}.${((i + k) & 0xff) || 1}`, badOpen)));
  }
  await Promise.all(Array.from({ length: 200 }, (_, k) => hit(port, `127.2.0.${k + 1}`)));

  await until(() => d.cli('neighbors', PEER).state === 'Active', 10000);
  const peer = await dialFrom(port, PEER);
  t.teardown(() => peer.socket.destroy());
  peer.sendOpen({ type: 'open', version: 4, myAs: 65001, holdTime: 90, bgpId: 2, params: [[{ type: 'multiprotocol', afi: 1, safi: 1 }, { type: 'four-octet-as', asn: 65001 }]] });
  peer.send({ type: 'keepalive' });
  t.ok(await until(() => peer.of('keepalive').length > 0, 5000), 'the configured peer is Established');
  const twa = update('', ORIGIN + attr(0x40, 2, '0501 0000fde9') + NEXT_HOP, NLRI); // AS_PATH segment type 5
  peer.socket.write(Buffer.concat(Array.from({ length: 100 }, () => twa)));
  await until(() => /action="treat-as-withdraw"[^\n]* 100\n/.test(d.curl('/metrics')), 5000);
  await until(() => d.cli('summary').totalPeers === 1, 10000);
  await d.waitLog((l) => /RFC 7606/.test(l.msg), 5000, before);

  const lines = d.log.slice(before);
  const bytes = lines.reduce((a, l) => a + JSON.stringify(l).length, 0);
  t.comment(lines.map((l) => l.msg).join('\n'));
  t.ok(lines.length < 150, `${lines.length} log lines (${(bytes / 1024).toFixed(1)} kB) for 2,300 hostile connections and 100 bad UPDATEs`);
  t.ok(lines.some((l) => /more lines like this in the next minute are counted, not logged/.test(l.msg)), 'a line says that more like it will be counted, not logged (the count comes a minute later)');
  t.ok(lines.some((l) => /refused: not a neighbor/.test(l.msg) && l.level === 40), 'refused connections are logged at warn');
  t.ok(lines.some((l) => /RFC 7606/.test(l.msg) && l.action === 'treat-as-withdraw' && l.level === 40), 'treat-as-withdraw is logged at warn');

  const metrics = d.curl('/metrics');
  const value = (re: RegExp) => Number(re.exec(metrics)?.[1] ?? -1);
  t.ok(value(/nodebgp_connections_refused_total\{reason="unknown-source"\} (\d+)/) >= 200, 'refused connections are counted');
  t.equal(value(/nodebgp_peer_update_errors_total\{peer="127\.0\.0\.2"[^}]*action="treat-as-withdraw"\} (\d+)/), 100, 'treat-as-withdraw counted per peer and action');
  t.notOk(/peer="127\.1\./.test(metrics), 'no metric series is left of the dynamic sources that are gone');
  t.ok(d.alive, 'the daemon is running');
});
