// The router advertisement driver on virtual time, with a socket and link reader of the test's own
// (the real raw socket and FRR are test/interop/unnumbered-frr.test.ts's): when it advertises, what
// it reports, what it refuses (RFC 4861 6.1.2), what a flood costs, links going down and away.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { VirtualClock } from '../../src/fsm/index.js';
import { type LinkInfo, RawSocketError, RouterAdvertiser } from '../../src/nd/index.js';
import { ROOT } from '../helpers/fixtures.js';

const frr = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'nd', 'frr-router-advert.json'), 'utf8'));
const LL = (last: number) => Buffer.from(`fe80000000000000000000000000${last.toString(16).padStart(4, '0')}`, 'hex');

/** FRR's captured packet, from `source`, with the arrival data rewritten: hop limit and interface. */
function packet(source: Buffer, hopLimit = 255, ifindex = 2, data = Buffer.from(frr.hex, 'hex')) {
  const control = Buffer.from(frr.control, 'hex');
  control.writeUInt32LE(ifindex, 32);
  control.writeInt32LE(hopLimit, 56);
  return { data, source, scopeId: ifindex, control };
}

function rig(links: Record<string, LinkInfo | undefined>) {
  const clock = new VirtualClock();
  const queue: ReturnType<typeof packet>[] = [];
  const sent: { ifindex: number; at: number }[] = [];
  const events: string[] = [];
  let reads = 0;
  const a = new RouterAdvertiser({
    clock,
    readLink: (name) => links[name],
    socket: () => ({
      receive: () => {
        reads++;
        return queue.shift();
      },
      sendAllNodes: (ifindex, message) => {
        if (message[0] !== 134) throw new Error('not an RA');
        sent.push({ ifindex, at: clock.now() });
      },
      close: () => events.push('closed'),
    }),
    events: {
      heard: (ifname, source) => events.push(`heard ${ifname} ${source}`),
      link: (ifname, up, present) => events.push(`link ${ifname} ${up ? 'up' : 'down'}${present ? '' : ' gone'}`),
      invalid: (ifname, reason) => events.push(`invalid ${ifname} ${reason}`),
      failed: (message) => events.push(`failed ${message}`),
      unsent: (ifname, message) => events.push(`unsent ${ifname} ${message}`),
    },
  });
  return { clock, queue, sent, events, a, reads: () => reads };
}

const up = (ifindex: number): LinkInfo => ({ ifindex, up: true, mac: Buffer.from('02aabbccddee', 'hex') });

t.test('advertises at once on a link that is up, three times a second apart, then every 10 s', async (t) => {
  const r = rig({ eth1: up(2) });
  r.a.watch(['eth1']);
  r.clock.advance(35_000);
  t.same(r.sent.map((s) => s.at), [0, 1000, 2000, 3000, 13000, 23000, 33000]);
  t.same(r.events, ['link eth1 up']);
  r.a.close();
});

t.test('a newly heard neighbor hears from us within a second', async (t) => {
  const r = rig({ eth1: up(2) });
  r.a.watch(['eth1']);
  r.clock.advance(5_000);
  r.a.advertiseSoon('eth1');
  r.clock.advance(1_000);
  t.same(r.sent.map((s) => s.at), [0, 1000, 2000, 3000, 5200], 'at the next tick, not at 13000');
  r.a.close();
});

t.test('valid advertisements are reported; refused ones are counted with why', async (t) => {
  const r = rig({ eth1: up(2), eth2: up(3) });
  r.a.watch(['eth1', 'eth2']);
  r.queue.push(packet(LL(1)), packet(LL(2), 255, 3), packet(LL(3), 64), packet(Buffer.from('20010db8000000000000000000000001', 'hex')), packet(LL(4), 255, 2, Buffer.from('8600', 'hex')), packet(LL(5), 255, 9));
  r.clock.advance(200);
  t.same(r.events.filter((e) => !e.startsWith('link')), [
    'heard eth1 fe80::1',
    'heard eth2 fe80::2',
    'invalid eth1 hop limit 64, not 255 (from fe80::3)',
    'invalid eth1 source is not link-local (from 2001:db8::1)',
    'invalid eth1 router advertisement of 2 octets (at least 16) (from fe80::4)',
  ], 'an advertisement on an interface not watched is not ours to judge');
  t.same(r.a.counts('eth1'), { sent: 1, unsent: 0, heard: 1, invalid: 3 });
  r.a.close();
});

t.test('a flood costs at most 64 reads per tick; the rest waits (the kernel drops past its buffer)', async (t) => {
  const r = rig({ eth1: up(2) });
  for (let i = 0; i < 1000; i++) r.queue.push(packet(LL(i + 1)));
  r.a.watch(['eth1']);
  t.equal(r.reads(), 64, 'one tick');
  t.equal(r.a.deferredReads, 1);
  r.clock.advance(200 * 20);
  t.equal(r.queue.length, 0, 'drained over the next ticks');
  r.a.close();
});

t.test('a link that goes down, comes back, goes away: reported once each, advertised on when up', async (t) => {
  const links: Record<string, LinkInfo | undefined> = { eth1: up(2) };
  const r = rig(links);
  r.a.watch(['eth1']);
  r.clock.advance(5_000);
  links.eth1 = { ...up(2), up: false };
  r.clock.advance(20_000);
  const whileDown = r.sent.length;
  links.eth1 = up(2);
  r.clock.advance(400);
  links.eth1 = undefined;
  r.clock.advance(20_000);
  t.same(r.events, ['link eth1 up', 'link eth1 down', 'link eth1 up', 'link eth1 down gone']);
  t.equal(whileDown, 4, 'nothing sent while down');
  t.equal(r.sent.length, 5, 'once at once when it came back');
  r.a.close();
});

t.test('a socket that cannot be opened (no CAP_NET_RAW): one report, no retry storm', async (t) => {
  const clock = new VirtualClock();
  const events: string[] = [];
  let opens = 0;
  const a = new RouterAdvertiser({
    clock,
    readLink: () => up(2),
    socket: () => {
      opens++;
      throw new Error('raw ICMPv6 socket: errno 1 (EPERM: router advertisements need CAP_NET_RAW)');
    },
    events: { heard: () => {}, link: () => {}, invalid: () => {}, failed: (m) => events.push(m), unsent: () => {} },
  });
  a.watch(['eth1']);
  clock.advance(60_000);
  t.equal(opens, 1);
  t.same(events, ['raw ICMPv6 socket: errno 1 (EPERM: router advertisements need CAP_NET_RAW)']);
  a.close();
});

t.test('nothing watched: no ticks', async (t) => {
  const r = rig({ eth1: up(2) });
  r.a.watch(['eth1']);
  r.a.watch([]);
  t.equal(r.clock.pending, 0);
  t.ok(r.events.includes('closed'));
});

t.test('an advertisement the kernel will not send (no link-local address): said and counted, the next tried as usual', async (t) => {
  const clock = new VirtualClock();
  const events: string[] = [];
  let tries = 0;
  const a = new RouterAdvertiser({
    clock,
    readLink: () => up(2),
    socket: () => ({
      receive: () => undefined,
      sendAllNodes: () => {
        tries++;
        throw new RawSocketError('sendto ff02::1 on interface 2: errno 99', 99);
      },
      close: () => undefined,
    }),
    events: { heard: () => {}, link: () => {}, invalid: () => {}, failed: (m) => events.push(`failed ${m}`), unsent: (i, m) => events.push(`unsent ${i} ${m}`) },
  });
  a.watch(['eth1']);
  clock.advance(3500);
  t.equal(tries, 4, 'on schedule all the same');
  t.same(a.counts('eth1'), { sent: 0, unsent: 4, heard: 0, invalid: 0 });
  t.equal(events[0], 'unsent eth1 sendto ff02::1 on interface 2: errno 99 (no usable link-local address on eth1)');
  t.notOk(events.some((e) => e.startsWith('failed')), 'the socket is kept');
  a.close();
});
