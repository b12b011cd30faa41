// The scene of the binary's hardening tests: a neighbor that attacks (127.0.0.2, AS 65001) and one
// that must not notice (127.0.0.3, AS 65003, sending a keepalive every 500 ms), both dialing the
// binary on loopback and Established before the test goes on.
import type { Nodebgpd } from './nodebgpd.js';
import { type RawConnection, dialFrom, until } from './raw-peer.js';

export const ATTACKER = '127.0.0.2';
export const BYSTANDER = '127.0.0.3';

/** The two neighbors as the daemon's configuration names them; `bystanderHold` its hold time, `attacker` more of the attacker's keys. */
export function attackerAndBystanderConfig(bystanderHold: number, attacker = ''): string {
  return `neighbors:
  - { address: ${ATTACKER}, remoteAs: 65001, passive: true${attacker ? `, ${attacker}` : ''} }
  - { address: ${BYSTANDER}, remoteAs: 65003, passive: true, holdTime: ${bystanderHold} }
`;
}

const open = (asn: number, id: number, hold: number) => ({ type: 'open' as const, version: 4, myAs: asn, holdTime: hold, bgpId: id, params: [[{ type: 'multiprotocol' as const, afi: 1, safi: 1 }, { type: 'four-octet-as' as const, asn }]] });

/**
 * Both sessions up with `d` (listening on `port`); `heard`, when the bystander heard from the
 * daemon. Connections closed and keepalives stopped at `t`'s teardown.
 */
export async function attackerAndBystander(t: { teardown(fn: () => unknown): void }, d: Nodebgpd, port: number, bystanderHold: number): Promise<{ attacker: RawConnection; bystander: RawConnection; heard: number[] }> {
  for (const n of [ATTACKER, BYSTANDER]) await until(() => d.cli('neighbors', n).state === 'Active', 10000);
  const bystander = await dialFrom(port, BYSTANDER);
  t.teardown(() => bystander.socket.destroy());
  bystander.sendOpen(open(65003, 3, bystanderHold));
  bystander.send({ type: 'keepalive' });
  const heard: number[] = [];
  bystander.socket.on('data', () => heard.push(Date.now()));
  const ours = setInterval(() => bystander.send({ type: 'keepalive' }), 500);
  t.teardown(() => clearInterval(ours));
  const attacker = await dialFrom(port, ATTACKER);
  t.teardown(() => attacker.socket.destroy());
  attacker.sendOpen(open(65001, 2, 90));
  attacker.send({ type: 'keepalive' });
  if (!(await until(() => [ATTACKER, BYSTANDER].every((a) => d.cli('neighbors', a).state === 'Established'), 5000))) throw new Error('the attacker\'s and the bystander\'s sessions did not come up');
  return { attacker, bystander, heard };
}
