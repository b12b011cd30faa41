// A neighbor without max-prefix sending endless distinct attribute sets, against the shipped binary
// with a small JavaScript heap (NODE_OPTIONS, as an operator may set it): before the heap guard the
// daemon ended with "JavaScript heap out of memory" and every session with it. Now that neighbor's session ends with Cease 6/1 (max-prefix semantics) while there is
// room, the daemon says why in its log, and a bystander keeps its session and its route.
import t from 'tap';
import { NEXT_HOP, ORIGIN, attr, update, hex } from '../helpers/build.js';
import { onLoopback } from '../helpers/nodebgpd.js';
import { until } from '../helpers/raw-peer.js';
import { BYSTANDER, attackerAndBystander, attackerAndBystanderConfig } from '../helpers/attacker.js';

/** The heap the daemon runs with (MB): a few times what it holds idle. */
const HEAP_MB = 64;
/** More sets than that heap can hold (each about 500 octets with its decode-cache entry). */
const MAX_SETS = 1_000_000;


/** UPDATE `i`: its own attribute set (AS path and community from i) for its own /32 in 10/8. */
function flood(i: number): Buffer {
  const attrs = `${ORIGIN}${attr(0x40, 2, `0203 0000fde9 ${hex(64512 + (i >>> 16), 4)} ${hex(i & 0xffff, 4)}`)}${NEXT_HOP}${attr(0xc0, 8, hex(i, 4))}`;
  return update('', attrs, `200a${hex(i, 3)}`);
}

t.test(`a neighbor filling a ${HEAP_MB} MB heap with attribute sets is refused; the daemon and the bystander carry on`, async (t) => {
  const { d, port } = await onLoopback(t, `ebgpRequiresPolicy: false\n${attackerAndBystanderConfig(90)}`, { NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` });
  const { attacker, bystander } = await attackerAndBystander(t, d, port, 90);
  bystander.socket.write(update('', `${ORIGIN}${attr(0x40, 2, '0201 0000fdeb')}${NEXT_HOP}`, '180a0300'));
  t.ok(await until(() => d.cli('routes').items.length === 1, 5000), 'both sessions Established, the bystander\'s route in');
  // Its flaps: the wall time of its establishment is derived from two clocks, its flaps are counted.
  const bystanderFlaps = d.cli('neighbors', BYSTANDER).flaps;

  // As fast as the daemon takes them, until it ends the session (or the sets run out).
  let sent = 0;
  while (sent < MAX_SETS && !attacker.closed && attacker.of('notification').length === 0) {
    const batch: Buffer[] = [];
    for (let k = 0; k < 1000; k++) batch.push(flood(sent++));
    if (!attacker.socket.write(Buffer.concat(batch))) await new Promise((r) => { attacker.socket.once('drain', r); attacker.socket.once('close', r); });
  }
  const notification = await until(() => attacker.of('notification').length > 0, 30000) ? attacker.of('notification')[0] : undefined;
  t.comment(`${sent} sets sent`);
  t.ok(d.alive, 'the daemon is running');
  t.same(notification ? [notification.code, notification.subcode] : null, [6, 1], 'the flooding neighbor got Cease 6/1, as max-prefix ends a session');
  const line = d.log.find((l) => l.msg.includes('the RIB could not grow'));
  t.match(line?.msg, /the JavaScript heap holds \d+ MB live of the \d+ MB its old generation may hold/, 'the log says the heap was near its limit');

  t.notOk(bystander.closed, 'the bystander\'s connection is up');
  t.same(bystander.of('notification'), [], 'and was sent no NOTIFICATION');
  const n = d.cli('neighbors', BYSTANDER);
  t.ok(n.state === 'Established' && n.flaps === bystanderFlaps, 'the daemon says the bystander is Established, with no flap since before the flood');
  const paths = d.cli('routes', '10.3.0.0/24').items[0]?.paths ?? [];
  t.ok(paths.some((p: { from: string }) => p.from === BYSTANDER), 'its route 10.3.0.0/24 stands');
});
