// The kernel driver's queue against a scripted kernel (a transport that applies what is sent and
// answers as rtnetlink does): removals go out scattered, not in the order the routes came or its
// reverse (after a session in runs of at most SCATTER_RUN neighbours, at shutdown one at a time);
// a removal still held when the prefix comes back is dropped, never sent after the install; at
// most 16 batches wait for the kernel's answer; a datagram stays within BATCH_OCTETS and a route;
// a datagram refused is sent again, and one refused for ever ends as failed routes; a dump whose
// request may be lost is asked again, and ends rather than waits for ever.
import t from 'tap';
import { AF_INET, AF_INET6, BATCH_OCTETS, Fib, type KernelRoute, NetlinkBatch, NlmsgType, type NetlinkTransport, RESENDS, RTPROT_BGP, SCATTER_RUN, parseMessages, scattered } from '../../src/fib/index.js';

const NLM_F_ACK = 0x4;

/** A kernel table behind a transport: replaces and removals applied in order, each acknowledged batch answered. */
class ScriptedKernel implements NetlinkTransport {
  readonly portId = 4242;
  readonly problems = [];
  readonly table = new Map<number, KernelRoute>();
  /** Prefixes (first word) in the order their removals arrived. */
  readonly removals: number[] = [];
  readonly batches: Buffer[] = [];
  answering = true;
  /** Dump requests answered (false: held until answerDumps(); one asked meanwhile is refused EBUSY, as the kernel does). */
  answeringDumps = true;
  readonly #heldDumps: [number, number][] = [];
  /** The next this many datagrams are refused whole, as rtnetlink does one too long (EMSGSIZE). */
  refusing = 0;
  readonly #unanswered: number[] = [];
  #deliver: (d: Buffer) => void = () => undefined;
  #error: (e: Error) => void = () => undefined;

  send(m: Buffer): void {
    if (this.refusing > 0) {
      this.refusing--;
      // As the transport tells it: after the send has returned.
      queueMicrotask(() => this.#error(new Error('netlink send failed (errno 90)')));
      return;
    }
    this.batches.push(m);
    let ackSeq: number | undefined;
    for (let o = 0; o < m.length; o = o + ((m.readUInt32LE(o) + 3) & ~3)) {
      if (m.readUInt16LE(o + 6) & NLM_F_ACK) ackSeq = m.readUInt32LE(o + 8);
      // RTM_GETROUTE: the family asked for is the rtmsg's first octet.
      if (m.readUInt16LE(o + 4) === NlmsgType.RTM_GETROUTE) this.#dumpAsked(m.readUInt32LE(o + 8), m[o + 16]);
    }
    for (const msg of parseMessages(m)) {
      if (msg.type === 'route') this.table.set(msg.route.dst.readUInt32BE(0), msg.route);
      if (msg.type === 'deleted') {
        this.table.delete(msg.route.dst.readUInt32BE(0));
        this.removals.push(msg.route.dst.readUInt32BE(0));
      }
    }
    if (ackSeq === undefined) return;
    this.#unanswered.push(ackSeq);
    if (this.answering) this.answer();
  }

  /** Acknowledges every batch sent so far, as the kernel would (asynchronously). */
  answer(): void {
    for (const seq of this.#unanswered.splice(0)) this.#reply(NlmsgType.ERROR, seq, 0);
  }

  #dumpAsked(seq: number, family: number): void {
    if (this.answeringDumps) return this.#answerDump(seq, family);
    if (this.#heldDumps.length > 0) return this.#reply(NlmsgType.ERROR, seq, -16);
    this.#heldDumps.push([seq, family]);
  }

  answerDumps(): void {
    for (const [seq, family] of this.#heldDumps.splice(0)) this.#answerDump(seq, family);
  }

  /** The family's routes as RTM_NEWROUTE messages, then NLMSG_DONE, all with the request's sequence number. */
  #answerDump(seq: number, family: number): void {
    const b = new NetlinkBatch();
    for (const r of this.table.values()) if (r.family === family) b.replace(r, seq);
    const routes = b.take();
    setImmediate(() => this.#deliver(routes));
    this.#reply(NlmsgType.DONE, seq, 0);
  }

  /** NLMSG_DONE or NLMSG_ERROR (`value`: 0 or -errno, then the request's header). */
  #reply(type: number, seq: number, value: number): void {
    const b = Buffer.alloc(36);
    b.writeUInt32LE(36, 0);
    b.writeUInt16LE(type, 4);
    b.writeUInt32LE(seq, 8);
    b.writeInt32LE(value, 16);
    b.writeUInt32LE(seq, 16 + 4 + 8);
    setImmediate(() => this.#deliver(b));
  }

  onMessage(fn: (d: Buffer) => void): void {
    this.#deliver = fn;
  }

  onError(fn: (e: Error) => void): void {
    this.#error = fn;
  }

  close(): void {}
}

/** Prefix i: 10.(i>>8).(i&255).0/24; ids are i; `want` says which should be in the kernel. */
function setup(n: number) {
  const kernel = new ScriptedKernel();
  const want = new Set<number>();
  const pinned = new Set<number>();
  const dst = (id: number) => Buffer.from([10, (id >> 8) & 255, id & 255, 0]);
  const fib = new Fib(kernel, {
    route: (_f, id) => (want.has(id) ? { family: AF_INET, dst: dst(id), len: 24, table: 254, protocol: RTPROT_BGP, metric: 20, nexthops: [{ gateway: Buffer.from([192, 0, 2, 1]) }] } : null),
    prefix: (_f, id) => ({ dst: dst(id), len: 24 }),
    installed: (_f, id, yes) => (yes ? pinned.add(id) : pinned.delete(id)),
    idOf: () => undefined,
  }, { table: 254, protocol: RTPROT_BGP, metric: 20, batchSize: 100 });
  const key = (id: number) => dst(id).readUInt32BE(0);
  /** Prefixes 0..count-1 wanted, and in the kernel once it has answered. */
  const install = async (count: number) => {
    for (let i = 0; i < count; i++) {
      want.add(i);
      fib.dirty(4, i);
    }
    await fib.settled();
  };
  return { kernel, want, pinned, fib, key, n, install };
}

/**
 * The order removals reached the kernel in, as its trie sees it: stretches of neighbouring
 * prefixes (keys `step` apart, either way), the longest of them, and how many stretches begin
 * above the last one's start (about half when they are scattered, all or none in order).
 */
function stretches(order: readonly number[], step: number): { longest: number; count: number; rising: number } {
  const starts = [order[0]];
  let longest = 1;
  let current = 1;
  for (let i = 1; i < order.length; i++) {
    if (Math.abs(order[i] - order[i - 1]) === step) current++;
    else {
      current = 1;
      starts.push(order[i]);
    }
    longest = Math.max(longest, current);
  }
  return { longest, count: starts.length, rising: starts.filter((k, i) => i > 0 && k > starts[i - 1]).length };
}

/** Removals of `n` prefixes (keys 256 apart) left in runs of at most `run` neighbours, the runs scattered. */
function checkScattered(t: { ok(pass: boolean, message: string): unknown }, order: readonly number[], n: number, run: number): void {
  const s = stretches(order, 256);
  t.ok(s.longest <= run, `no more than ${run} neighbours in a row (longest ${s.longest})`);
  t.ok(s.count >= n / run, `${s.count} runs`);
  t.ok(s.rising > s.count * 0.2 && s.rising < s.count * 0.8, `runs neither in order nor reversed (${s.rising} of ${s.count} start above the last)`);
}

t.test('a peer\'s routes leave the kernel scattered, and all of them', async (t) => {
  const { kernel, want, pinned, fib, key, install } = setup(0);
  const N = 20_000;
  await install(N);
  t.equal(kernel.table.size, N, 'all installed');
  // The peer goes: its routes are withdrawn newest first (as the RIB walks a peer's paths).
  for (let i = N - 1; i >= 0; i--) {
    want.delete(i);
    fib.dirty(4, i);
  }
  await fib.settled();
  t.equal(kernel.table.size, 0, 'all removed');
  t.equal(pinned.size, 0, 'and none left pinned');
  const order = kernel.removals;
  checkScattered(t, order, N, SCATTER_RUN);
  t.same([...order].sort((a, b) => a - b), Array.from({ length: N }, (_, i) => key(i)), 'each prefix removed once');
});

t.test('a held removal is dropped when the prefix comes back before it goes out', async (t) => {
  const { kernel, want, fib, key, install } = setup(0);
  await install(10);
  // 3 is withdrawn while 5,000 installs queue behind a kernel that does not answer yet: its
  // removal is held (removals go out once the queue is through).
  kernel.answering = false;
  want.delete(3);
  fib.dirty(4, 3);
  for (let i = 100; i < 5_100; i++) {
    want.add(i);
    fib.dirty(4, i);
  }
  await new Promise((r) => setTimeout(r, 20));
  // Back before the removal went out.
  want.add(3);
  fib.dirty(4, 3);
  kernel.answering = true;
  kernel.answer();
  await fib.settled();
  t.ok(kernel.table.has(key(3)), 'the route is in the kernel');
  t.notOk(kernel.removals.includes(key(3)), 'its held removal was never sent');
  t.equal(kernel.table.size, 5_010);
});

t.test('at most 16 batches wait for the kernel\'s answer', async (t) => {
  const { kernel, want, fib } = setup(0);
  kernel.answering = false;
  for (let i = 0; i < 5_000; i++) {
    want.add(i);
    fib.dirty(4, i);
  }
  await new Promise((r) => setTimeout(r, 50));
  t.equal(kernel.batches.length, 16, '16 batches of 100 sent, then it waits');
  kernel.answering = true;
  kernel.answer();
  await fib.settled();
  t.equal(kernel.table.size, 5_000, 'the answers release the rest');
});

t.test('scattered: every item once, for any count and run (a stride that shares no factor with the runs\' count)', async (t) => {
  for (const run of [1, SCATTER_RUN]) {
    for (const n of [0, 1, 2, 7, 65, 7919, 7919 * 2, 7919 * run, 7919 * run + 1, 65_536]) {
      const out = scattered(Array.from({ length: n }, (_, i) => i), run);
      const seen = new Uint8Array(n);
      for (const i of out) seen[i]++;
      t.ok(out.length === n && seen.every((c) => c === 1), `n = ${n}, runs of ${run}`);
    }
  }
});

t.test('shutdown: every installed route removed, scattered', async (t) => {
  const { kernel, fib, install } = setup(0);
  await install(20_000);
  await fib.withdrawAll();
  t.equal(kernel.table.size, 0, 'the kernel holds none');
  // One at a time: nothing waits for the kernel here, and it takes single routes fastest.
  checkScattered(t, kernel.removals, 20_000, 1);
});

t.test('paused (RFC 4724 4.1 selection deferral): the kernel keeps what it has; changes go out once resumed, coalesced', async (t) => {
  const { kernel, want, fib } = setup(0);
  want.add(1);
  fib.dirty(4, 1);
  await fib.settled();
  t.equal(kernel.table.size, 1);
  fib.pause();
  want.delete(1);
  for (let i = 2; i < 5; i++) {
    want.add(i);
    fib.dirty(4, i);
    fib.dirty(4, i);
  }
  fib.dirty(4, 1);
  await new Promise((r) => setTimeout(r, 20));
  t.equal(kernel.table.size, 1, 'nothing written while paused');
  t.equal(fib.pending, 4, 'four prefixes queued, each once');
  fib.resume();
  await fib.settled();
  t.equal(kernel.table.size, 3, 'after resume: the three new routes in, the withdrawn one out');
});

/** IPv6 /64s fd50:<id>::/64 with `nexthops` next hops each (an ECMP table); the kernel keys them by their first four octets. */
function setup6(nexthops: number) {
  const kernel = new ScriptedKernel();
  const want = new Set<number>();
  const dst = (id: number) => Buffer.from([0xfd, 0x50, id >> 8, id & 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const gateway = (k: number) => Buffer.from([0xfd, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10 + k]);
  const errors: string[] = [];
  const fib = new Fib(kernel, {
    route: (_f, id) => (want.has(id) ? { family: AF_INET6, dst: dst(id), len: 64, table: 100, protocol: RTPROT_BGP, metric: 20, nexthops: Array.from({ length: nexthops }, (_, k) => ({ gateway: gateway(k), ifindex: 3 })) } : null),
    prefix: (_f, id) => ({ dst: dst(id), len: 64 }),
    installed: () => undefined,
    idOf: () => undefined,
  }, { table: 100, protocol: RTPROT_BGP, metric: 20 }, { transportError: (e) => errors.push(e.message) });
  const all = (n: number, yes: boolean) => {
    for (let id = 1; id <= n; id++) {
      if (yes) want.add(id);
      else want.delete(id);
      fib.dirty(6, id);
    }
  };
  return { kernel, fib, all, errors };
}

t.test('a datagram ends at BATCH_OCTETS and a route: 4,000 IPv6 routes of 8 next hops (2,000 would be 584,000 octets)', async (t) => {
  const { kernel, fib, all } = setup6(8);
  all(4000, true);
  await fib.settled();
  t.equal(kernel.table.size, 4000, 'all installed');
  const longest = Math.max(...kernel.batches.map((b) => b.length));
  // One route of 8 next hops: 292 octets.
  t.ok(longest >= BATCH_OCTETS && longest < BATCH_OCTETS + 292, `the longest datagram ${longest} octets`);
  t.ok(longest < 425_952, 'within what a send buffer takes where net.core.wmem_max is the default');
  all(4000, false);
  await fib.settled();
  t.equal(kernel.table.size, 0, 'all removed');
});

t.test('a datagram refused whole: what it carried is sent again, installs and removals alike', async (t) => {
  const { kernel, fib, all, errors } = setup6(8);
  kernel.refusing = 1;
  all(4000, true);
  await fib.settled();
  t.equal(errors.length, 1, 'the transport told of one');
  t.equal(kernel.table.size, 4000, 'every route in the kernel');
  t.equal(fib.stats().installed.ipv6, 4000);
  t.equal(fib.stats().errors, 0);
  kernel.refusing = 2;
  all(4000, false);
  await fib.settled();
  t.equal(errors.length, 3);
  t.equal(kernel.table.size, 0, 'every removal applied, the refused ones sent again');
  t.equal(fib.stats().installed.ipv6, 0);
});

t.test(`a transport that refuses everything: after ${RESENDS} errors in a row the installs count as failed, and waiting ends`, async (t) => {
  const { kernel, fib, all, errors } = setup6(1);
  kernel.refusing = Infinity;
  all(100, true);
  await fib.settled();
  // Each round sends the routes again and a request for the kernel's answer: two errors at most.
  t.ok(errors.length > RESENDS && errors.length <= RESENDS + 2, `sent again, then given up (${errors.length} errors)`);
  t.equal(kernel.table.size, 0);
  t.equal(fib.stats().installed.ipv6, 0, 'none counted as installed');
  t.equal(fib.stats().errors, 100, 'each counted as failed');
  kernel.refusing = 0;
  all(100, true);
  await fib.settled();
  t.equal(kernel.table.size, 100, 'the next change of each is installed');
});

/** `p`, or 'waited' after two seconds (what a dump nobody answers would do for ever). */
async function within<T>(p: Promise<T>): Promise<T | 'waited'> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<'waited'>((r) => (timer = setTimeout(() => r('waited'), 2000)));
  try {
    return await Promise.race([p, waited]);
  } finally {
    clearTimeout(timer);
  }
}

t.test('a dump whose request is refused is asked again; one refused every time ends with nothing read', async (t) => {
  const { kernel, fib, install } = setup(0);
  await install(300);
  kernel.refusing = 1;
  const again = await within(fib.routes());
  t.equal(again === 'waited' ? 'waited' : again.length, 300, 'the second ask is answered: every route');
  kernel.refusing = 1_000;
  const never = await within(fib.routes());
  t.same(never, [], `no answer after ${RESENDS} asks again: nothing, not a wait`);
  kernel.refusing = 0;
  const later = await within(fib.routes());
  t.equal(later === 'waited' ? 'waited' : later.length, 300, 'and the next dump is not held behind it');
});

t.test('an error while a dump runs unanswered asks again; the kernel\'s EBUSY is ignored and the first dump counts, once', async (t) => {
  const { kernel, want, fib, install } = setup(0);
  await install(300);
  kernel.answeringDumps = false;
  const dump = within(fib.routes());
  await new Promise((r) => setImmediate(r));
  // Another datagram is refused: its error does not say which, so the dump is asked again.
  kernel.refusing = 1;
  want.add(1_000);
  fib.dirty(4, 1_000);
  await new Promise((r) => setTimeout(r, 20));
  kernel.answeringDumps = true;
  kernel.answerDumps();
  const routes = await dump;
  t.not(routes, 'waited', 'answered');
  const dsts = routes === 'waited' ? [] : routes.map((r) => r.dst.readUInt32BE(0));
  // 301: the refused install went again before the dump was answered.
  t.equal(dsts.length, kernel.table.size, 'every route the kernel held when it answered');
  t.equal(new Set(dsts).size, dsts.length, 'each once');
});
