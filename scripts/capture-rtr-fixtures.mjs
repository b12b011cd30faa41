#!/usr/bin/env node
// Captures what a real RTR cache (stayrtr, Debian) sends a router, for the RTR codec's golden
// fixtures: the answer to a Reset Query at versions 1 and 0, a Serial Notify and the answer to a
// Serial Query after the VRP file changed, and what a version 0 cache answers a version 1 query. Writes fixtures/rtr/stayrtr/*.json: the bytes as hex, what was asked, and the
// VRPs of the file the cache served (the truth the decoded PDUs must give).
// Run from the repository root: node scripts/capture-rtr-fixtures.mjs
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const OUT = join('fixtures', 'rtr', 'stayrtr');
const work = mkdtempSync(join(tmpdir(), 'nodebgp-rtr-capture-'));
const file = join(work, 'vrps.json');
const BEFORE = [
  { prefix: '10.50.0.0/16', maxLength: 24, asn: 65001 },
  { prefix: '192.0.2.0/24', maxLength: 24, asn: 4200000001 },
  { prefix: '2001:db8::/32', maxLength: 48, asn: 65002 },
];
const AFTER = [...BEFORE.slice(0, 2), { prefix: '198.51.100.0/22', maxLength: 24, asn: 65003 }];

function writeVrps(roas) {
  writeFileSync(`${file}.tmp`, JSON.stringify({ metadata: { buildtime: new Date().toISOString() }, roas: roas.map((r) => ({ ...r, asn: `AS${r.asn}`, ta: 'test' })) }));
  renameSync(`${file}.tmp`, file);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function cache(port, version) {
  return spawn('stayrtr', ['-bind', `127.0.0.1:${port}`, '-cache', file, '-checktime=false', '-refresh', '1', '-metrics.addr', `127.0.0.1:${port + 1000}`, '-protocol', String(version)], { stdio: 'ignore' });
}

/** Sends `query` and collects bytes until `done(bytes)` says the answer is whole (or 5 s pass). */
function ask(port, query, done, keep) {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let got = Buffer.alloc(0);
    const timer = setTimeout(() => finish(), 5000);
    const finish = () => {
      clearTimeout(timer);
      if (!keep) s.destroy();
      resolve({ bytes: got, socket: s });
    };
    s.on('connect', () => s.write(query));
    s.on('data', (d) => {
      got = Buffer.concat([got, d]);
      if (done(got)) finish();
    });
    s.on('error', reject);
  });
}

/** Whether the bytes end with a whole PDU of this type. */
function endsWith(type) {
  return (b) => {
    let i = 0;
    let last = -1;
    while (i + 8 <= b.length && i + b.readUInt32BE(i + 4) <= b.length) {
      last = b[i + 1];
      i += b.readUInt32BE(i + 4);
    }
    return i === b.length && last === type;
  };
}

const resetQuery = (v) => Buffer.from([v, 2, 0, 0, 0, 0, 0, 8]);
function serialQuery(v, session, serial) {
  const b = Buffer.alloc(12);
  b[0] = v;
  b[1] = 1;
  b.writeUInt16BE(session, 2);
  b.writeUInt32BE(12, 4);
  b.writeUInt32BE(serial, 8);
  return b;
}

function save(name, o) {
  writeFileSync(join(OUT, `${name}.json`), `${JSON.stringify({ source: 'stayrtr (Debian 12)', ...o, hex: o.hex }, null, 2)}\n`);
}

mkdirSync(OUT, { recursive: true });
writeVrps(BEFORE);
const v1 = cache(13401, 2);
const v0 = cache(13402, 0);
try {
  await sleep(1500);
  const r1 = await ask(13401, resetQuery(1), endsWith(7), true);
  save('reset-v1', { asked: 'Reset Query, version 1', hex: r1.bytes.toString('hex'), vrps: BEFORE });
  const session = r1.bytes.readUInt16BE(2);
  // Keep the connection: the cache notifies it when the file changes.
  const notified = new Promise((resolve) => {
    let b = Buffer.alloc(0);
    r1.socket.on('data', (d) => {
      b = Buffer.concat([b, d]);
      if (endsWith(0)(b)) resolve(b);
    });
  });
  writeVrps(AFTER);
  const notify = await Promise.race([notified, sleep(8000).then(() => undefined)]);
  r1.socket.destroy();
  if (!notify) throw new Error('no Serial Notify from the cache');
  save('serial-notify-v1', { asked: 'nothing: sent when the VRP file changed', hex: notify.toString('hex'), serial: notify.readUInt32BE(8) });
  const r2 = await ask(13401, serialQuery(1, session, 0), endsWith(7));
  save('serial-v1', { asked: `Serial Query, version 1, session ${session}, serial 0`, hex: r2.bytes.toString('hex'), announced: AFTER.slice(2), withdrawn: BEFORE.slice(2) });
  writeVrps(BEFORE);
  await sleep(2500);
  const r0 = await ask(13402, resetQuery(0), endsWith(7));
  save('reset-v0', { asked: 'Reset Query, version 0', hex: r0.bytes.toString('hex'), vrps: BEFORE });
  // RFC 8210 7 lets a version 0 cache answer at version 0 (stayrtr does) or refuse with an Error Report.
  const d0 = await ask(13402, resetQuery(1), (b) => endsWith(7)(b) || endsWith(10)(b));
  save('reset-v1-to-v0-cache', { asked: 'Reset Query, version 1, to a cache that speaks version 0 only', hex: d0.bytes.toString('hex'), vrps: BEFORE });
  console.log(`fixtures written to ${OUT}`);
} finally {
  v1.kill();
  v0.kill();
  rmSync(work, { recursive: true, force: true });
}
