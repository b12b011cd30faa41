// The request socket's writer on virtual time, with threads that record what they are given: no
// thread until a datagram long enough for one; everything through the thread while it runs; the
// thread ends IDLE_MS after its last datagram, and what arrives while it drains goes out after its
// exit, in order; a thread that ends unasked leaves everything to the event loop; close waits for
// the thread. (The real thread sends to the kernel in test/interop's FIB tests.)
import t from 'tap';
import { VirtualClock } from '../../src/fsm/clock.js';
import { IDLE_MS, OnDemandWriter, THREAD_FROM_OCTETS, type WriterThread } from '../../src/fib/writer.js';

const short = (n: number) => Buffer.alloc(8, n);
const long = (n: number) => Buffer.alloc(THREAD_FROM_OCTETS, n);
const id = (d: Buffer) => `${d.length < THREAD_FROM_OCTETS ? 's' : 'L'}${d[0]}`;

function setup() {
  const clock = new VirtualClock();
  /** Who sent what, in order: `direct s1`, `thread1 L2`, `thread1 end`. */
  const log: string[] = [];
  const errors: string[] = [];
  const threads: { exit: () => void }[] = [];
  const start = (exited: () => void): WriterThread => {
    const n = threads.length + 1;
    threads.push({ exit: exited });
    return { post: (d) => log.push(`thread${n} ${id(d)}`), end: () => log.push(`thread${n} end`) };
  };
  const w = new OnDemandWriter(start, (d) => log.push(`direct ${id(d)}`), clock, (e) => errors.push(e.message));
  return { clock, log, errors, threads, w };
}

t.test('short datagrams go from the event loop; a long one starts the thread, which then takes everything', async (t) => {
  const { log, threads, w } = setup();
  w.send(short(1));
  w.send(Buffer.alloc(THREAD_FROM_OCTETS - 1, 2));
  t.equal(threads.length, 0, 'no thread for short datagrams');
  w.send(long(3));
  w.send(short(4));
  t.equal(threads.length, 1);
  t.ok(w.threadRunning);
  t.same(log, ['direct s1', 'direct s2', 'thread1 L3', 'thread1 s4'], 'a short one after a long one follows it through the thread');
  w.send(long(5));
  t.equal(threads.length, 1, 'one thread at a time');
});

t.test('the thread ends IDLE_MS after its last datagram; what arrives meanwhile waits for its exit, in order', async (t) => {
  const { clock, log, errors, threads, w } = setup();
  w.send(long(1));
  clock.advance(IDLE_MS - 1);
  w.send(short(2));
  clock.advance(IDLE_MS - 1);
  t.notOk(log.includes('thread1 end'), 'each datagram starts the idle time again');
  clock.advance(1);
  t.equal(log.at(-1), 'thread1 end');
  w.send(short(3));
  w.send(long(4));
  w.send(short(5));
  t.same(log, ['thread1 L1', 'thread1 s2', 'thread1 end'], 'nothing overtakes what the ending thread still holds');
  threads[0].exit();
  t.same(log.slice(3), ['direct s3', 'thread2 L4', 'thread2 s5'], 'after the exit: the short one directly, the long one starts a new thread');
  t.same(errors, [], 'an exit that was asked for is no error');
  t.equal(clock.pending, 1, 'the new thread has its idle timer');
  clock.advance(IDLE_MS);
  threads[1].exit();
  t.notOk(w.threadRunning);
  t.equal(clock.pending, 0);
});

t.test('a thread that ends unasked is reported once and everything goes from the event loop from then on', async (t) => {
  const { clock, log, errors, threads, w } = setup();
  w.send(long(1));
  threads[0].exit();
  t.same(errors, ['netlink writer thread ended; sending from the event loop']);
  t.equal(clock.pending, 0, 'its idle timer is gone');
  w.send(long(2));
  w.send(short(3));
  t.equal(threads.length, 1, 'no new thread');
  t.same(log, ['thread1 L1', 'direct L2', 'direct s3']);
});

t.test('close: at once without a thread; else after the thread has sent what it holds, and what waited goes out first', async (t) => {
  const { clock, log, threads, w } = setup();
  let closed = 0;
  w.close(() => closed++);
  t.equal(closed, 1, 'no thread: closed at once');

  const b = setup();
  b.w.send(long(1));
  b.clock.advance(IDLE_MS);
  b.w.send(short(2));
  b.w.close(() => b.log.push('closed'));
  t.same(b.log, ['thread1 L1', 'thread1 end'], 'not closed while the thread drains');
  b.threads[0].exit();
  t.same(b.log, ['thread1 L1', 'thread1 end', 'direct s2', 'closed'], 'what waited goes out before the close');

  w.send(long(3));
  w.close(() => log.push('closed'));
  t.same(log, ['thread1 L3', 'thread1 end'], 'a running thread is asked to end');
  t.equal(clock.pending, 0, 'no idle timer left');
  threads[0].exit();
  t.equal(log.at(-1), 'closed');
});
