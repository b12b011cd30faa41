// One TCP connection of a session: framing, decoding with the session's receive context, and
// writes with backpressure. Reports to its owner; decides nothing.
// Must not import rib, api, daemon, pino or prom-client.

import type { Socket } from 'node:net';
import {
  type AttributeCache, type BgpMessage, BgpProtocolError, type CodecContext, DEFAULT_CONTEXT, Framer, MAX_MESSAGE_LENGTH,
  decodeMessage, maxMessageLength,
} from '../wire/index.js';
import type { ConnectionDirection } from './collision.js';

export type MessageKind = BgpMessage['type'];

export interface MessageCounters {
  open: number;
  update: number;
  notification: number;
  keepalive: number;
  'route-refresh': number;
}

export function emptyCounters(): MessageCounters {
  return { open: 0, update: 0, notification: 0, keepalive: 0, 'route-refresh': 0 };
}

export interface ConnectionEvents {
  /** A whole message decoded, or the protocol error its octets raised. */
  message(conn: Connection, msg: BgpMessage, frame: Buffer): void;
  protocolError(conn: Connection, err: BgpProtocolError, frame: Buffer | undefined): void;
  /** The TCP connection closed or failed (once). */
  closed(conn: Connection, error: Error | undefined): void;
  /** The send buffer drained after a write that filled it. */
  drained(conn: Connection): void;
}

/**
 * What a session's socket queues in the process before a write reports the transport full (its
 * high-water mark; Node's default is 64 KB). The kernel's send buffer, which grows for a fast
 * reader, holds the rest: what waits here is what a slow reader has not taken yet, and a
 * reflector's thousands of clients may each have that much waiting. Measured on the binary
 * against 64 KB (alternating runs): 2,000 reflector clients peaked at 194-207 MB against 203-213
 * (six pairs), a full table at 334-358 MB against 367-375 (three pairs), in the same times.
 */
export const SEND_QUEUE_OCTETS = 16 * 1024;

export class Connection {
  readonly socket: Socket;
  readonly direction: ConnectionDirection;
  readonly #framer = new Framer(MAX_MESSAGE_LENGTH);
  readonly #events: ConnectionEvents;
  readonly #cache: AttributeCache | undefined;
  #rx: CodecContext = DEFAULT_CONTEXT;
  #closed = false;
  /** The peer's OPEN on this connection, once received (collision resolution reads it). */
  peerOpen: Extract<BgpMessage, { type: 'open' }> | undefined;
  /** The OPENs exchanged on this connection as octets (BMP's Peer Up carries both, RFC 7854 4.10). */
  peerOpenFrame: Buffer | undefined;
  sentOpenFrame: Buffer | undefined;
  openSent = false;
  /** True after a write that the socket could not take at once, until 'drain'. */
  blocked = false;

  constructor(socket: Socket, direction: ConnectionDirection, events: ConnectionEvents, cache?: AttributeCache) {
    this.socket = socket;
    this.direction = direction;
    this.#events = events;
    this.#cache = cache;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#data(chunk));
    socket.on('drain', () => {
      this.blocked = false;
      if (!this.#closed) this.#events.drained(this);
    });
    socket.on('error', (e) => this.#close(e));
    socket.on('close', () => this.#close(undefined));
    socket.on('end', () => socket.end());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The receive context once the OPENs are exchanged (ADD-PATH, 4-octet AS, extended messages). */
  setReceiveContext(ctx: CodecContext): void {
    this.#rx = ctx;
    this.#framer.maxLength = maxMessageLength(ctx);
  }

  #data(chunk: Buffer): void {
    if (this.#closed) return;
    let frames: Buffer[];
    try {
      frames = this.#framer.push(chunk);
    } catch (e) {
      if (e instanceof BgpProtocolError) return this.#events.protocolError(this, e, undefined);
      throw e;
    }
    for (const frame of frames) {
      if (this.#closed) return;
      let msg: BgpMessage;
      try {
        msg = decodeMessage(frame, this.#rx, this.#cache);
      } catch (e) {
        if (e instanceof BgpProtocolError) {
          this.#events.protocolError(this, e, frame);
          return;
        }
        throw e;
      }
      this.#events.message(this, msg, frame);
    }
  }

  /** Writes whole messages; returns false when the socket buffer is full (wait for `drained`). */
  send(buf: Buffer): boolean {
    if (this.#closed) return false;
    const ok = this.socket.write(buf);
    if (!ok) this.blocked = true;
    return ok;
  }

  /** Ends the connection after what is queued (a NOTIFICATION) is flushed; destroys it if that stalls. */
  close(graceMs = 1000): void {
    if (this.#closed) return;
    this.#closed = true;
    this.socket.end();
    const t = setTimeout(() => this.socket.destroy(), graceMs);
    t.unref();
    this.socket.once('close', () => clearTimeout(t));
  }

  destroy(): void {
    this.#closed = true;
    this.socket.destroy();
  }

  #close(error: Error | undefined): void {
    if (this.#closed) {
      this.socket.destroy();
      return;
    }
    this.#closed = true;
    this.socket.destroy();
    this.#events.closed(this, error);
  }
}
