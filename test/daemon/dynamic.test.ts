// Dynamic-neighbor admission on virtual time: ranges (a prefix, or our connected subnets), the
// limits per range, and the hold-down of a source whose session failed or did not last.
import t from 'tap';
import type { DynamicNeighborsConfig } from '../../src/config/types.js';
import { DynamicRanges } from '../../src/daemon/dynamic.js';

const range = (r: string, over: Partial<DynamicNeighborsConfig> = {}): DynamicNeighborsConfig => ({ range: r, peerGroup: 'nodes', template: { remoteAs: 'external' }, ...over });

t.test('ranges: a prefix, or connected subnets (loopback is not one)', async (t) => {
  let now = 0;
  const d = new DynamicRanges(() => now);
  const none = () => ({ all: 0, pending: 0 });
  d.set([range('10.1.0.0/16')]);
  t.equal(typeof d.admit('10.1.2.3', none), 'object', 'inside the prefix');
  t.equal(d.admit('10.2.0.1', none), 'unknown-source');
  d.set([range('connected')]);
  t.equal(d.admit('127.0.0.1', none), 'unknown-source', 'loopback is not a connected subnet');
  t.equal(d.admit('203.0.113.9', none), 'unknown-source', 'nor an address of no interface\'s subnet');
});

t.test('limits: all sessions of the range, and those not yet Established', async (t) => {
  const d = new DynamicRanges(() => 0);
  d.set([range('10.1.0.0/16', { limit: 5, maxPending: 2 })]);
  t.equal(d.admit('10.1.0.1', () => ({ all: 5, pending: 0 })), 'dynamic-limit');
  t.equal(d.admit('10.1.0.1', () => ({ all: 3, pending: 2 })), 'dynamic-pending');
  t.equal(typeof d.admit('10.1.0.1', () => ({ all: 3, pending: 1 })), 'object');
});

t.test('hold-down: 1 s after a failed session, doubling to 60 s; a stable session clears it', async (t) => {
  let now = 0;
  const d = new DynamicRanges(() => now);
  d.set([range('10.1.0.0/16')]);
  const none = () => ({ all: 0, pending: 0 });
  const waits: number[] = [];
  for (let i = 0; i < 8; i++) {
    d.ended('10.1.0.7', 0);
    const from = now;
    while (d.admit('10.1.0.7', none) === 'dynamic-damped') now += 100;
    waits.push((now - from) / 1000);
  }
  t.same(waits, [1, 2, 4, 8, 16, 32, 60, 60], 'seconds a failing source waits');
  t.equal(typeof d.admit('10.1.0.8', none), 'object', 'another source is not held');
  d.ended('10.1.0.7', 60_000);
  t.equal(typeof d.admit('10.1.0.7', none), 'object', 'after a stable session the source is welcome at once');
  d.ended('10.1.0.7', 5_000);
  t.equal(d.admit('10.1.0.7', none), 'dynamic-damped', 'and a short one starts the hold-down at 1 s again');
  now += 1000;
  t.equal(typeof d.admit('10.1.0.7', none), 'object');
});
