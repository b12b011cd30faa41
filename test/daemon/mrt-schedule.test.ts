// Timed RIB dumps (mrt.ribInterval) on a virtual clock: one per interval, each timed from the end
// of the one before; a reload changes the interval or stops them; a failing dump is reported and
// the next one still comes.
import t from 'tap';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DaemonConfig } from '../../src/config/types.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { DumpSchedule } from '../../src/daemon/mrt-dump.js';
import { VirtualClock } from '../../src/fsm/index.js';
import { until } from '../helpers/raw-peer.js';

t.test('the schedule: one run per interval from the end of the last, re-armed or stopped by set()', async (t) => {
  const clock = new VirtualClock();
  const runs: number[] = [];
  let finish: (() => void) | undefined;
  const s = new DumpSchedule(clock, () => {
    runs.push(clock.now());
    return new Promise<void>((r) => (finish = r));
  });
  s.set(60);
  clock.advance(59_999);
  t.same(runs, [], 'nothing before the interval');
  clock.advance(1);
  t.same(runs, [60_000], 'the first at 60 s');
  clock.advance(120_000);
  t.equal(runs.length, 1, 'no second run while the first is under way');
  finish!();
  await new Promise((r) => setImmediate(r));
  clock.advance(60_000);
  t.same(runs, [60_000, 240_000], 'the next 60 s after the first ended');
  s.set(60);
  finish!();
  await new Promise((r) => setImmediate(r));
  s.set(300);
  clock.advance(299_999);
  t.equal(runs.length, 2, 'a new interval starts over');
  clock.advance(1);
  t.equal(runs.length, 3);
  s.set(undefined);
  finish!();
  await new Promise((r) => setImmediate(r));
  clock.advance(10_000_000);
  t.equal(runs.length, 3, 'stopped: no more runs, even after one that was under way ends');
});

t.test('a daemon with mrt.ribInterval writes dumps on its clock; a reload stops them', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nodebgp-mrt-timer-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const clock = new VirtualClock();
  const config: DaemonConfig = {
    asn: 65000, routerId: '10.0.0.1', listen: { addresses: ['127.0.0.1'], port: 0 }, fib: { enabled: false },
    neighbors: [], originate: [{ prefix: '10.9.0.0/24' }], mrt: { directory: dir, ribInterval: 600 },
  };
  const dumped: number[] = [];
  const failed: string[] = [];
  const daemon = new Daemon(config, { clock, events: { ribDumped: (d) => dumped.push(d.prefixes), ribDumpFailed: (m) => failed.push(m) } });
  await daemon.start();
  t.teardown(async () => {
    const stopped = daemon.stop();
    clock.advance(100);
    await stopped;
  });
  clock.advance(600_000);
  t.ok(await until(() => dumped.length === 1), 'a dump after 600 s');
  t.same(dumped, [1], 'of our one prefix');
  t.equal(readdirSync(dir).filter((f) => /^rib\.\d{8}\.\d{6}\.mrt$/.test(f)).length, 1, 'named by its time');
  rmSync(dir, { recursive: true, force: true });
  clock.advance(600_000);
  t.ok(await until(() => failed.length === 1), `a dump that cannot be written is reported: ${failed[0]}`);
  await daemon.reload({ ...config, mrt: { directory: dir } });
  clock.advance(6_000_000);
  await new Promise((r) => setTimeout(r, 50));
  t.equal(dumped.length + failed.length, 2, 'after a reload without ribInterval, no more dumps');
});
