// Turns TCP segments exported by tshark (see capture-fixtures.sh) into golden fixtures: one JSON
// file per distinct message with the raw bytes, the codec context negotiated on its session, and
// the decoded JSON as expected output. Uses the built codec (npm run build first).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Framer, decodeMessage, messageJson, negotiateContexts, afiSafiName } from '../dist/wire/index.js';

const [csv, outDir] = process.argv.slice(2);
const DAEMON = { '10.77.0.1': 'frr', 'fd77::1': 'frr', '10.77.0.2': 'bird', '10.77.0.4': 'bird', 'fd77::2': 'bird', '10.77.0.3': 'gobgp', 'fd77::3': 'gobgp' };

// direction key -> ordered payload chunks (deduplicated by sequence number)
const streams = new Map();
for (const line of readFileSync(csv, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const [, ip4s, ip6s, sport, ip4d, ip6d, dport, seq, payload] = line.split(',');
  const src = ip4s || ip6s;
  const dst = ip4d || ip6d;
  const key = `${src}|${sport}|${dst}|${dport}`;
  if (!streams.has(key)) streams.set(key, new Map());
  const s = streams.get(key);
  if (!s.has(seq)) s.set(seq, Buffer.from(payload.replace(/:/g, ''), 'hex'));
}

function frames(key) {
  const chunks = [...streams.get(key).entries()].sort((a, b) => Number(BigInt(a[0]) - BigInt(b[0]))).map(([, b]) => b);
  const f = new Framer(65535);
  return f.push(Buffer.concat(chunks));
}

for (const d of ['frr', 'bird', 'gobgp']) rmSync(join(outDir, d), { recursive: true, force: true });
const seen = new Set();
let written = 0;
for (const key of streams.keys()) {
  const [src, sport, dst, dport] = key.split('|');
  const reverse = `${dst}|${dport}|${src}|${sport}`;
  const mine = frames(key);
  const theirs = streams.has(reverse) ? frames(reverse) : [];
  const openMine = mine.find((m) => m[18] === 1);
  const openTheirs = theirs.find((m) => m[18] === 1);
  const plain = { as4: true, extendedMessage: false, addPath: new Set() };
  const ctx = openMine && openTheirs
    ? negotiateContexts(decodeMessage(openMine, plain), decodeMessage(openTheirs, plain)).tx
    : plain;
  const source = DAEMON[src];
  const peer = DAEMON[dst];
  const dir = join(outDir, source);
  mkdirSync(dir, { recursive: true });
  for (const m of mine) {
    const hex = m.toString('hex');
    const ctxJson = { as4: ctx.as4, extendedMessage: ctx.extendedMessage, addPath: [...ctx.addPath].map((k) => afiSafiName(k >> 8, k & 255)) };
    const id = `${source}|${hex}|${JSON.stringify(ctxJson)}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const expected = JSON.parse(JSON.stringify(messageJson(decodeMessage(m, ctx))));
    const name = `${String(written).padStart(3, '0')}-${expected.type}-to-${peer}.json`;
    writeFileSync(join(dir, name), JSON.stringify({ source, peer, transport: src.includes(':') ? 'ipv6' : 'ipv4', context: ctxJson, hex, expected }, null, 2) + '\n');
    written++;
  }
}
console.log(`${written} fixtures`);
