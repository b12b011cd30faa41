// Turns BFD packets exported by tshark (see capture-bfd-fixtures.sh) into golden fixtures: one
// JSON file per distinct packet shape (state, flags, diag, intervals) and sender, holding the
// octets, the TTL they arrived with, and the decoded packet as expected output (the built codec).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeControl } from '../dist/bfd/index.js';

const [csv, outDir] = process.argv.slice(2);
const DAEMON = { '10.78.0.1': 'frr', 'fd78::1': 'frr', '10.78.0.2': 'bird', 'fd78::2': 'bird' };
for (const d of new Set(Object.values(DAEMON))) rmSync(join(outDir, d), { recursive: true, force: true });
const seen = new Set();
let n = 0;
for (const line of readFileSync(csv, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const [, ip4, ip6, ttl4, hlim6, sport, payload] = line.split(',');
  const from = ip4 || ip6;
  const octets = Buffer.from(payload.replace(/:/g, ''), 'hex');
  const decoded = decodeControl(octets);
  const { myDiscriminator, yourDiscriminator, ...shape } = decoded;
  const key = `${DAEMON[from]}|${from.includes(':') ? 6 : 4}|${JSON.stringify(shape)}|${yourDiscriminator === 0}`;
  if (seen.has(key)) continue;
  seen.add(key);
  const dir = join(outDir, DAEMON[from]);
  mkdirSync(dir, { recursive: true });
  const name = `${String(n++).padStart(3, '0')}-${['admindown', 'down', 'init', 'up'][decoded.state]}${decoded.poll ? '-poll' : ''}${decoded.final ? '-final' : ''}.json`;
  writeFileSync(join(dir, name), JSON.stringify({ daemon: DAEMON[from], from, sourcePort: Number(sport), ttl: Number(ttl4 || hlim6), hex: octets.toString('hex'), decoded }, null, 2) + '\n');
}
console.log(`${n} BFD fixtures written under ${outDir}`);
