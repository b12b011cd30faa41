// An operator's AS-path pattern with nested repetition, a neighbor's AS path built to make it
// backtrack: against the shipped binary, whose node flags have V8 move such a pattern to its
// linear-time engine (src/api/node-flags.ts). Before, `^([0-9]+_?)*$` over 30 ASNs and an AS_SET
// would have held the daemon's one thread for longer than anyone waits (10 ASNs: 140 s), and every
// session's hold timer with it. Now the route is judged at once, the next one behind it arrives,
// and a bystander with a 3 s hold time never misses a keepalive.
import t from 'tap';
import { NEXT_HOP, ORIGIN, attr, update, hex } from '../helpers/build.js';
import { onLoopback } from '../helpers/nodebgpd.js';
import { until } from '../helpers/raw-peer.js';
import { attackerAndBystander, attackerAndBystanderConfig } from '../helpers/attacker.js';


t.test('a pattern that backtracks exponentially over a crafted AS path costs milliseconds, not the daemon', async (t) => {
  const { d, port } = await onLoopback(t, `
ebgpRequiresPolicy: false
policy:
  asPathLists:
    NUMBERS:
      - { action: permit, regex: "^([0-9]+_?)*$" }
  routeMaps:
    FROM-ATTACKER:
      - { seq: 10, action: permit, match: { asPath: NUMBERS } }
${attackerAndBystanderConfig(3, 'importPolicy: FROM-ATTACKER')}`);
  const { attacker, bystander, heard } = await attackerAndBystander(t, d, port, 3);
  t.pass('both sessions Established');

  // AS_SEQUENCE of 30 ASNs, then AS_SET {1}: the text "65001 64500 ... {1}" fails the pattern
  // only at its end, after every way of splitting the numbers was tried.
  const asns = [65001, ...Array.from({ length: 29 }, (_, i) => 64500 + i)];
  const crafted = attr(0x40, 2, `02${hex(asns.length, 1)}${asns.map((a) => hex(a, 4)).join('')} 0101 00000001`);
  const started = Date.now();
  attacker.socket.write(update('', ORIGIN + crafted + NEXT_HOP, '180a0100'));
  attacker.socket.write(update('', ORIGIN + attr(0x40, 2, '0202 0000fde9 0000fbf4') + NEXT_HOP, '180a0200'));
  const routes = () => d.cli('routes').items.map((r: { prefix: string }) => r.prefix);
  t.ok(await until(() => routes().includes('10.2.0.0/24'), 5000), 'the route behind the crafted one is taken');
  const took = Date.now() - started;
  t.ok(took < 2000, `both judged within ${took} ms`);
  t.notOk(routes().includes('10.1.0.0/24'), 'the crafted path does not match the pattern: its route is not taken');
  const gaps = heard.slice(1).map((x, i) => x - heard[i]).filter((_, i) => heard[i + 1] >= started);
  t.ok(Math.max(0, ...gaps) < 2500, 'the bystander kept hearing from the daemon');
  t.same(bystander.of('notification'), [], 'and its session was not reset');
  t.ok(d.alive, 'the daemon is running');
});
