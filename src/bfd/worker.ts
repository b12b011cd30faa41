// The BFD worker thread: every session's timers and sockets live here, on their own event loop,
// so that a busy daemon thread (a full table arriving, a large reload) cannot delay a packet or a
// detection. It demultiplexes received packets to sessions (RFC 5880 6.8.6: by Your Discriminator,
// else by source address, single-hop) and reports state changes to the daemon's thread.
// Must not import rib, api, daemon, pino or prom-client.

import { parentPort, workerData } from 'node:worker_threads';
import { isIPv6 } from 'node:net';
import { addressToOctets } from '../wire/index.js';
import { realClock } from './clock.js';
import { BfdPacketError, decodeControl } from './packet.js';
import type { BfdPeer, WorkerEvent, WorkerOptions, WorkerRequest } from './protocol.js';
import { BfdSession } from './session.js';
import { BfdTransport, type Received, type Sender } from './transport.js';

interface Entry {
  readonly id: number;
  readonly peerKey: string;
  readonly session: BfdSession;
  readonly sender: Sender;
}

const options = workerData as WorkerOptions;
const port = parentPort!;
const post = (e: WorkerEvent) => port.postMessage(e);

const byId = new Map<number, Entry>();
const byDiscr = new Map<number, Entry>();
const byPeer = new Map<string, Entry>();
/** Adds in flight (their sockets are being bound); a remove before it completes cancels it. */
const pending = new Set<number>();
let discardedUnmatched = 0;

const transport = new BfdTransport(receive, (message) => post({ ev: 'error', message }), options.port);

function peerKey(address: string): string {
  return addressToOctets(address).toString('hex');
}

function newDiscriminator(): number {
  for (;;) {
    const d = (Math.random() * 0xffffffff) >>> 0;
    if (d !== 0 && !byDiscr.has(d)) return d;
  }
}

function receive(r: Received): void {
  const from = peerKey(r.from);
  let p;
  try {
    p = decodeControl(r.packet);
  } catch (e) {
    if (!(e instanceof BfdPacketError)) throw e;
    const entry = byPeer.get(from);
    if (entry) entry.session.countDiscard();
    else discardedUnmatched++;
    return;
  }
  const entry = p.yourDiscriminator !== 0 ? byDiscr.get(p.yourDiscriminator) : byPeer.get(from);
  // A discriminator that is ours but arrives from another address is not this session's peer.
  if (!entry || entry.peerKey !== from) {
    discardedUnmatched++;
    return;
  }
  entry.session.receive(p);
}

async function add(id: number, s: BfdPeer): Promise<void> {
  pending.add(id);
  let sender: Sender;
  try {
    await transport.listen(isIPv6(s.peer) ? 6 : 4);
    sender = await transport.openSender(s.peer, s.local);
  } catch (e) {
    pending.delete(id);
    post({ ev: 'error', id, message: (e as Error).message });
    return;
  }
  if (!pending.delete(id)) {
    sender.close();
    return;
  }
  const localDiscr = newDiscriminator();
  const session = new BfdSession({
    localDiscr,
    timing: s.timing,
    clock: realClock,
    send: (b) => sender.send(b),
    stateChange: (change) => post({ ev: 'state', id, change, snapshot: session.snapshot() }),
  });
  const entry: Entry = { id, peerKey: peerKey(s.peer), session, sender };
  byId.set(id, entry);
  byDiscr.set(localDiscr, entry);
  byPeer.set(entry.peerKey, entry);
  if (s.adminDown) session.setAdminDown(true);
  session.start();
}

/**
 * RFC 5880 6.8.16: a session being removed first tells the peer it is AdminDown (so the peer does
 * not take it for a failure), for a detection time, then goes.
 */
function remove(id: number): void {
  if (pending.delete(id)) return;
  const e = byId.get(id);
  if (!e) return;
  byId.delete(id);
  if (byPeer.get(e.peerKey) === e) byPeer.delete(e.peerKey);
  const snap = e.session.snapshot();
  const heard = snap.remoteDiscriminator !== 0;
  e.session.setAdminDown(true);
  const linger = heard ? Math.min(Math.max(snap.detectionTimeMs, 3 * snap.transmitIntervalMs), 5000) : 0;
  setTimeout(() => {
    e.session.close();
    e.sender.close();
    byDiscr.delete(e.session.vars.localDiscr);
  }, linger).unref();
}

port.on('message', (m: WorkerRequest) => {
  switch (m.op) {
    case 'add':
      void add(m.id, m.session);
      return;
    case 'update':
      byId.get(m.id)?.session.reconfigure(m.timing);
      return;
    case 'admin':
      byId.get(m.id)?.session.setAdminDown(m.down);
      return;
    case 'remove':
      remove(m.id);
      return;
    case 'close':
      for (const e of byId.values()) {
        e.session.close();
        e.sender.close();
      }
      byId.clear();
      void transport.close().then(() => {
        clearInterval(stats);
        post({ ev: 'closed' });
        port.close();
      });
      return;
  }
});

const stats = setInterval(() => {
  if (byId.size > 0) post({ ev: 'snapshots', list: [...byId.values()].map((e) => [e.id, e.session.snapshot()] as const), unmatched: discardedUnmatched });
}, options.snapshotIntervalMs);
