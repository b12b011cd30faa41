// MRT snapshot benchmark (npm run bench:mrt-dump): the shipped nodebgpd, started from its config
// file, learns N IPv4 prefixes from the benchmark sender and re-advertises them to the receiver;
// then `POST /v1/rib/dump` (what `nodebgp dump` calls) writes the RIB as MRT. Measured: the dump's
// wall time as the API client sees it and the file's size; bgpdump reads the file and must print
// one line per path (N). Medians of RUNS.
//   SIZES=100000,1000000 RUNS=3 npm run bench:mrt-dump
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configs, startDut } from './lib/dut.mjs';
import { lineTopology, peer } from './lib/line.mjs';
import { median, stopDut } from './lib/runs.mjs';

const SIZES = (process.env.SIZES ?? '100000,1000000').split(',').map(Number);
const RUNS = Number(process.env.RUNS ?? 3);
const { NS, setup } = lineTopology(`bm${process.pid % 10000}`);

async function once(n) {
  setup();
  const dir = mkdtempSync(join(tmpdir(), 'nodebgp-bench-mrt-'));
  chmodSync(dir, 0o777);
  const cfg = JSON.parse(configs({ routerId: '10.90.0.1', neighbors: [{ address: '10.90.0.2', asn: 65001, local: '10.90.0.1' }, { address: '10.90.1.2', asn: 65002, local: '10.90.1.1' }] }).nodebgp);
  cfg.mrt = { directory: dir };
  const receiver = peer('receiver', NS.r, '10.90.1.2', '10.90.1.1', 65002, n);
  await receiver.wait((e) => e.event === 'listening', 10000);
  const proc = startDut('nodebgp', NS.d, JSON.stringify(cfg));
  try {
    await receiver.wait((e) => e.event === 'established', 60000);
    const sender = peer('sender', NS.s, '10.90.0.2', '10.90.0.1', 65001, n);
    try {
      await receiver.wait((e) => e.event === 'done', 300000);
      const t0 = performance.now();
      const out = spawnSync('ip', ['netns', 'exec', NS.d, 'curl', '-s', '-X', 'POST', '-H', 'content-type: application/json', '-d', '{"name":"bench.mrt"}', 'http://127.0.0.1:8179/v1/rib/dump'], { encoding: 'utf8' }).stdout;
      const seconds = (performance.now() - t0) / 1000;
      const answer = JSON.parse(out);
      if (!answer.ok) throw new Error(`dump refused: ${out}`);
      const lines = spawnSync('sh', ['-c', `bgpdump -q -m ${answer.file} | wc -l`], { encoding: 'utf8' }).stdout.trim();
      if (Number(lines) !== n) throw new Error(`bgpdump read ${lines} paths, not ${n}`);
      return { seconds, daemonSeconds: answer.seconds, mb: statSync(answer.file).size / 1e6, lines: Number(lines) };
    } finally {
      sender.kill();
    }
  } finally {
    receiver.kill();
    await stopDut(proc);
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = [];
for (const n of SIZES) {
  const rs = [];
  for (let run = 1; run <= RUNS; run++) {
    const r = await once(n);
    console.error(`nodebgp N=${n} run ${run}: dump ${r.seconds.toFixed(2)} s (daemon ${r.daemonSeconds.toFixed(2)} s), ${r.mb.toFixed(1)} MB, bgpdump read ${r.lines} paths`);
    rs.push(r);
  }
  rows.push(`| ${n.toLocaleString('en-US')} | ${median(rs.map((r) => r.seconds)).toFixed(2)} s | ${median(rs.map((r) => r.mb)).toFixed(1)} MB | ${rs[0].lines.toLocaleString('en-US')} |`);
}
console.log(`\nMRT snapshot (POST /v1/rib/dump) of N prefixes, medians of ${RUNS} runs (node ${process.version}, ${new Date().toISOString().slice(0, 10)})`);
console.log('| N | dump | file | paths bgpdump read |');
console.log('| --- | --- | --- | --- |');
for (const r of rows) console.log(r);
