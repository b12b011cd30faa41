// Wire codec benchmark (npm run bench:wire): a realistic table of 1M IPv4 prefixes (/21-/24) in about 200k
// distinct attribute sets (AS paths 2-7 long, 0-3 communities, some MED), about 5 prefixes per
// UPDATE. Reports UPDATEs/s and prefixes/s for encode and for decode (framer included, 64 KiB
// chunks as a socket delivers them; attribute sets interned), median of RUNS runs, beside a plain
// Buffer copy of the same octets as the ceiling. One core: the process is single-threaded.
import {
  Afi, AttributeCache, DEFAULT_CONTEXT, asSequence, Framer, decodeMessage, encodeAnnouncements, encodePathAttributes, nlriFrom, nlriCount,
} from '../dist/wire/index.js';

const PREFIXES = Number(process.env.PREFIXES ?? 1_000_000);
const PER_SET = 5;
const RUNS = Number(process.env.RUNS ?? 5);
const ctx = DEFAULT_CONTEXT;

let seed = 42;
const rand = (n) => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return (seed >>> 8) % n;
};

function buildTable() {
  const sets = [];
  const blocks = [];
  let next = 0x0b000000; // 11.0.0.0 upwards, no overlaps
  for (let s = 0; s * PER_SET < PREFIXES; s++) {
    const asns = Array.from({ length: 2 + rand(6) }, () => 64512 + rand(60000));
    const attrs = { origin: rand(3), asPath: asSequence(...asns), nextHop: 0xc0000201 + rand(200) };
    if (rand(3) === 0) attrs.med = rand(1000);
    const nc = rand(4);
    if (nc > 0) attrs.communities = Array.from({ length: nc }, () => ((64512 << 16) | rand(1000)) >>> 0);
    const entries = [];
    for (let i = 0; i < PER_SET && s * PER_SET + i < PREFIXES; i++) {
      // Mostly /24, some shorter, aligned and without overlaps below 60.0.0.0.
      const len = [24, 24, 24, 24, 24, 23, 22, 21][rand(8)];
      next = Math.ceil(next / 2 ** (32 - len)) * 2 ** (32 - len);
      entries.push([0, len, next >>> 0]);
      next += 2 ** (32 - len);
    }
    sets.push(attrs);
    blocks.push(nlriFrom(Afi.IPV4, false, entries));
  }
  return { sets, blocks };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn) {
  globalThis.gc?.();
  const t0 = process.hrtime.bigint();
  const r = fn();
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, result: r };
}

const { sets, blocks } = buildTable();

// As a daemon does, each set's attributes are encoded once and its prefixes packed behind them;
// the messages are handed on (here: counted) rather than kept.
function encodeAll() {
  let octets = 0;
  for (let i = 0; i < sets.length; i++) {
    for (const m of encodeAnnouncements(encodePathAttributes(sets[i], ctx), blocks[i], ctx)) octets += m.length;
  }
  return octets;
}

const messages = sets.flatMap((attrs, i) => encodeAnnouncements(encodePathAttributes(attrs, ctx), blocks[i], ctx));
const stream = Buffer.concat(messages);
const CHUNK = 65536;

// First sight: every attribute set is new and is decoded and interned (a table's first load).
// Interned: the sets are already in the cache (the same table from a second peer, or a resend).
const warmCache = new AttributeCache();
function decodeAll(cache = new AttributeCache()) {
  const framer = new Framer();
  let prefixes = 0;
  let updates = 0;
  for (let p = 0; p < stream.length; p += CHUNK) {
    for (const frame of framer.push(stream.subarray(p, p + CHUNK))) {
      const m = decodeMessage(frame, ctx, cache);
      prefixes += nlriCount(m.nlri);
      updates++;
    }
  }
  return { prefixes, updates };
}

function copyAll() {
  let n = 0;
  for (const m of messages) n += Buffer.from(m).length;
  return n;
}

// Warm up the JIT on the same work, then measure.
encodeAll();
decodeAll();
copyAll();
const enc = [];
const dec = [];
const warm = [];
const cpy = [];
decodeAll(warmCache);
for (let r = 0; r < RUNS; r++) {
  enc.push(time(encodeAll).seconds);
  const d = time(decodeAll);
  if (d.result.prefixes !== PREFIXES) throw new Error(`decoded ${d.result.prefixes} prefixes, expected ${PREFIXES}`);
  dec.push(d.seconds);
  warm.push(time(() => decodeAll(warmCache)).seconds);
  cpy.push(time(copyAll).seconds);
}
const n = messages.length;
const fmt = (x) => Math.round(x).toLocaleString('en-US');
const row = (name, secs) => `${name.padEnd(24)} ${median(secs).toFixed(3).padStart(7)} s  ${fmt(n / median(secs)).padStart(12)} UPDATEs/s  ${fmt(PREFIXES / median(secs)).padStart(12)} prefixes/s`;
console.log(`nodebgp wire benchmark: node ${process.version} ${process.execArgv.filter((a) => a.includes('semi-space')).join(' ') || '(default heap flags)'}, ${fmt(PREFIXES)} prefixes, ${fmt(sets.length)} attribute sets, ${fmt(n)} UPDATEs, ${fmt(stream.length)} octets; median of ${RUNS} runs`);
console.log(row('encode', enc));
console.log(row('decode, first sight', dec));
console.log(row('decode, interned sets', warm));
console.log(row('Buffer copy (ceiling)', cpy));
