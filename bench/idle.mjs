// Idle memory (npm run bench:idle): each daemon started alone in a namespace of its own, with
// nothing to talk to but its monitoring, and its resident memory read SETTLE seconds later (VmRSS,
// and how much of it is anonymous, from /proc). Monitoring reads each daemon every POLL_MS, as its
// exporter would (a little more often than Prometheus' usual 15 s): nodebgp's /metrics, BIRD's
// `show protocols all` (what bird_exporter asks birdc). Much faster reads are no idle daemon: V8
// then grows nodebgp's young generation as for a load (read every 100 ms, 16 MB of it after 300
// reads; every second, 1 MB). nodebgp is the shipped binary: `nodebgp` with a config file
// holding its embedded default (`nodebgpd --print-default-config`, so the config file is loaded as
// a DaemonSet's rendered one is), `nodebgp-default` with no file at all (the README's first
// command). BIRD runs the same job: dynamic eBGP neighbors from connected subnets, pod CIDRs
// accepted, nothing exported, routes into the kernel. Two rows show what nodebgp stands on, read
// the same way (bench/lib/library-floor.mjs, node with nodebgpd's flags): `node`, the BGP port
// and /metrics served by node alone; `libraries`, the same served by Fastify, pino and prom-client.
// Medians of RUNS runs, ratios to BIRD.
//   RUNS=3 DUTS=nodebgp,nodebgp-default,node,libraries,bird npm run bench:idle
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listening, startDut } from './lib/dut.mjs';
import { inNs, ownedNamespaces } from './lib/line.mjs';
import { eachRun, median, ratio, stopDut } from './lib/runs.mjs';
import { MALLOC_ARENAS, NODE_FLAGS } from '../dist/api/node-flags.js';

const RUNS = Number(process.env.RUNS ?? 3);
const DUTS = (process.env.DUTS ?? 'nodebgp,nodebgp-default,node,libraries,bird').split(',');
const SETTLE_S = Number(process.env.SETTLE ?? 60);
const POLL_MS = Number(process.env.POLL_MS ?? 1000);
const NS = `bi${process.pid % 10000}`;
const spaces = ownedNamespaces([NS]);
const here = dirname(fileURLToPath(import.meta.url));
const nodebgpd = join(here, '..', 'dist', 'api', 'nodebgpd.js');
const FLOORS = ['node', 'libraries'];

/** A DUT of FLOORS: node with the daemon's flags and arenas, as nodebgpd re-executes itself. */
const floor = (kind) => spawn('ip', ['netns', 'exec', NS, process.execPath, ...NODE_FLAGS, join(here, 'lib', 'library-floor.mjs'), kind], { stdio: 'ignore', env: { ...process.env, MALLOC_ARENA_MAX: MALLOC_ARENAS } });

const BIRD = `router id 10.93.0.1;
protocol device {}
protocol kernel { ipv4 { export all; }; }
protocol bgp nodes {
  local as 64512;
  neighbor range 10.93.0.0/24 external;
  dynamic name "node";
  passive on;
  ttl security on;
  ipv4 { import where net ~ [ 10.244.0.0/16{24,24} ]; export none; import limit 64 action disable; };
}
`;

function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, anonMb: kb('RssAnon') / 1024, fileMb: kb('RssFile') / 1024 };
}

async function once(dut) {
  spaces.create();
  // A connected subnet for the dynamic neighbors' range (a veth pair: no dummy module here).
  inNs(NS, 'ip', 'link', 'add', 'n0', 'type', 'veth', 'peer', 'name', 'n1');
  inNs(NS, 'ip', 'addr', 'add', '10.93.0.1/24', 'dev', 'n0');
  inNs(NS, 'ip', 'link', 'set', 'n1', 'up');
  inNs(NS, 'ip', 'link', 'set', 'n0', 'up');
  const proc = FLOORS.includes(dut) ? floor(dut) : dut === 'nodebgp-default'
    ? spawn('ip', ['netns', 'exec', NS, process.execPath, nodebgpd], { stdio: 'ignore' })
    : startDut(dut, NS, dut === 'bird' ? BIRD : spawnSync(process.execPath, [nodebgpd, '--print-default-config'], { encoding: 'utf8' }).stdout);
  try {
    await listening(NS, 179);
    const read = dut === 'bird'
      ? ['birdc', '-s', join(proc.dir, 'bird.ctl'), 'show', 'protocols', 'all']
      : ['curl', '-s', '-o', '/dev/null', 'http://127.0.0.1:8179/metrics'];
    const end = Date.now() + SETTLE_S * 1000;
    let reads = 0;
    for (; Date.now() < end; reads++) {
      if (spawnSync('ip', ['netns', 'exec', NS, ...read]).status !== 0) throw new Error(`${dut}: ${read.join(' ')} failed`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    return { ...memory(proc.pid), reads };
  } finally {
    await stopDut(proc);
    spaces.remove();
  }
}

const results = await eachRun(RUNS, DUTS, once, (r) => `${r.rssMb.toFixed(1)} MB RSS (${r.anonMb.toFixed(1)} anonymous, ${r.fileMb.toFixed(1)} from files) after ${r.reads} reads`);
const base = median(results.bird?.map((r) => r.rssMb) ?? [NaN]);
console.log(`\nIdle, ${SETTLE_S} s after start, read every ${POLL_MS} ms, medians of ${RUNS} runs (node ${process.version}, ${new Date().toISOString().slice(0, 10)})`);
console.log('| daemon | RSS | anonymous | from files | ratio to BIRD (RSS) |\n| --- | --- | --- | --- | --- |');
for (const dut of DUTS) {
  const m = (f) => median(results[dut].map(f));
  console.log(`| ${dut} | ${m((r) => r.rssMb).toFixed(1)} MB | ${m((r) => r.anonMb).toFixed(1)} MB | ${m((r) => r.fileMb).toFixed(1)} MB | ${ratio(m((r) => r.rssMb), base)} |`);
}
