// Hash flooding (issue: 16,384 crafted attribute sets stalled the daemon 11.4 s). The sets below
// collide in the low 16 bits of 32-bit FNV-1a, the attribute cache's hash until it was keyed: one
// probe cluster in a linear-probing table. Sent to the shipped nodebgpd binary (1.75 MB on the
// wire); a bystander session with a 3 s hold time must keep its keepalives and the whole lot must
// be processed in bounded time.
import t from 'tap';
import { ipv4ToString } from '../../src/wire/index.js';
import { ORIGIN, AS_PATH, NEXT_HOP, update } from '../helpers/build.js';
import { onLoopback } from '../helpers/nodebgpd.js';
import { until } from '../helpers/raw-peer.js';
import { BYSTANDER, attackerAndBystander, attackerAndBystanderConfig } from '../helpers/attacker.js';

const SETS = 16384;

// FNV-1a as the cache used it: offset basis xor the 4-octet-AS flag, over the attributes' octets.
const FNV_PRIME = 0x01000193;
const fnv = (bytes: Uint8Array, h: number) => {
  for (const b of bytes) h = Math.imul(h ^ b, FNV_PRIME);
  return h >>> 0;
};

const BLOCKS = 14;

/**
 * 2^14 attribute sets ORIGIN, AS_PATH, NEXT_HOP, COMMUNITIES [c1..c14] with the
 * same 32-bit FNV-1a hash and length (a multicollision): for each position two communities that
 * lead from the same state to the same state, found by a birthday search (about 2^16 tries each);
 * every combination of the choices collides. Equal hash and length make every probe compare octets.
 */
function collidingSets(): Buffer[] {
  const prefix = Buffer.concat([Buffer.from((ORIGIN + AS_PATH + NEXT_HOP).replace(/\s/g, ''), 'hex'), Buffer.from([0xc0, 8, 4 * BLOCKS])]);
  let state = fnv(prefix, 0x811c9dc5 ^ 1);
  const pairs: [Buffer, Buffer][] = [];
  let k = 1;
  for (let b = 0; b < BLOCKS; b++) {
    const seen = new Map<number, Buffer>();
    for (;;) {
      const v = Buffer.alloc(4);
      v.writeUInt32BE(Math.imul(k++, 0x9e3779b1) >>> 0);
      const h = fnv(v, state);
      const other = seen.get(h);
      if (other && !other.equals(v)) {
        pairs.push([other, v]);
        state = h;
        break;
      }
      seen.set(h, v);
    }
  }
  const out: Buffer[] = [];
  for (let m = 0; m < 1 << BLOCKS; m++) out.push(Buffer.concat([prefix, ...pairs.map((p, j) => p[(m >> j) & 1])]));
  return out;
}

t.test('16,384 attribute sets colliding under the old hash: bounded time, the bystander keeps its session', async (t) => {
  const sets = collidingSets();
  const hashes = new Set(sets.map((x) => fnv(x, 0x811c9dc5 ^ 1)));
  t.ok(sets.length === SETS && hashes.size === 1 && new Set(sets.map((x) => x.toString('hex'))).size === SETS, `${SETS} distinct sets, one FNV-1a hash`);
  const octet = (n: number) => n.toString(16).padStart(2, '0');
  const messages = sets.map((a, i) => update('', a.toString('hex'), `18${octet(11)}${octet((i >> 8) & 0xff)}${octet(i & 0xff)}`));
  const bytes = messages.reduce((a, m) => a + m.length, 0);
  t.ok(bytes > 1.7e6, `${(bytes / 1e6).toFixed(2)} MB on the wire`);

  const { d, port } = await onLoopback(t, `ebgpRequiresPolicy: false\n${attackerAndBystanderConfig(3)}`);
  const { attacker, bystander, heard: keepaliveTimes } = await attackerAndBystander(t, d, port, 3);
  t.pass('both sessions Established');

  const started = Date.now();
  attacker.socket.write(Buffer.concat(messages));
  attacker.socket.write(update('', `${ORIGIN}${AS_PATH}${NEXT_HOP}`, '180a6300'));
  const marker = () => bystander.of('update').some((u) => u.nlri.words.length > 0 && ipv4ToString(u.nlri.words[u.nlri.words.length - 1]) === '10.99.0.0');
  t.ok(await until(marker, 20000), 'the route sent after the flood reaches the bystander');
  const took = Date.now() - started;
  t.ok(took < 5000, `all ${SETS} sets processed and propagated in ${took} ms (the unkeyed hash took over 10 s)`);
  const gaps = keepaliveTimes.slice(1).map((x, i) => x - keepaliveTimes[i]);
  const worst = Math.max(...gaps.filter((_, i) => keepaliveTimes[i + 1] >= started));
  t.ok(worst < 2500, `the bystander heard from us at most ${worst} ms apart during the flood (hold time 3 s)`);
  t.same(bystander.of('notification'), [], 'the bystander session was not reset');
  t.notOk(bystander.closed, 'and is up');
  t.ok(d.alive, 'the daemon is running');
  const summary = d.cli('summary');
  t.equal(summary.peers[BYSTANDER].state, 'Established', 'the daemon says the bystander is Established');
});
