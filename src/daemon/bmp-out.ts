// What a BMP station writes in one turn of the event loop, gathered in one buffer: Route
// Monitoring messages are framed straight into it (a full table is 200k UPDATEs per view: no
// Buffer per message, no second copy to join them), then written together. Chunks the socket is
// done with are used again: a 1M-route load writes 80 MB per view, and as new memory each time it
// would be outside V8's heap, counted toward its next collection.

import { routeMonitoringLength, writeRouteMonitoring } from '../wire/index.js';

/** Octets allocated at a time; a turn's messages fill a chunk from where the last turn's ended. */
const CHUNK = 256 * 1024;
/** Chunks kept for reuse once the socket is done with them. */
const SPARE = 4;

/** A chunk and its pieces not yet written: of this turn (not taken yet) or handed to the socket. */
interface Chunk {
  readonly buf: Buffer;
  pieces: number;
}

export class TurnOutput {
  #chunk: Chunk = { buf: Buffer.alloc(0), pieces: 0 };
  /** Where this turn's octets start in the chunk (those before are the socket's now). */
  #start = 0;
  #used = 0;
  /** Pieces of chunks this turn filled before the current one. */
  #full: Buffer[] = [];
  #octets = 0;
  /** Each piece handed out, to its chunk (weak: a piece never reported written is simply collected). */
  readonly #chunkOf = new WeakMap<Buffer, Chunk>();
  readonly #spare: Chunk[] = [];

  /** Octets gathered this turn. */
  get octets(): number {
    return this.#octets;
  }

  /** A message as it is. */
  append(message: Buffer): void {
    this.#room(message.length).set(message, this.#used);
    this.#wrote(message.length);
  }

  /** A Route Monitoring message of `update` behind `perPeerHeader`. */
  appendRouteMonitoring(perPeerHeader: Buffer, update: Buffer): void {
    const length = routeMonitoringLength(perPeerHeader, update);
    writeRouteMonitoring(this.#room(length), this.#used, perPeerHeader, update);
    this.#wrote(length);
  }

  /**
   * This turn's octets, in order, in as many pieces as chunks it filled (none when empty); the next
   * turn starts empty. Each piece is the socket's until `written` says it is done with it.
   */
  take(): Buffer[] {
    if (this.#octets === 0) return [];
    const out = this.#full;
    if (this.#used > this.#start) out.push(this.#piece(this.#chunk, this.#start, this.#used));
    this.#start = this.#used;
    this.#full = [];
    this.#octets = 0;
    return out;
  }

  /** The socket wrote a piece `take` handed out (its write callback, without error): its chunk may be used again. */
  written(piece: Buffer): void {
    const c = this.#chunkOf.get(piece);
    if (!c) return;
    this.#chunkOf.delete(piece);
    c.pieces--;
    this.#spareIfDone(c);
  }

  /** Forgets this turn's octets (the connection they were for is gone). */
  clear(): void {
    for (const p of this.#full) this.written(p);
    this.#used = this.#start;
    this.#full = [];
    this.#octets = 0;
  }

  /** The chunk with `length` octets free at #used: the current one, or another (the current's piece kept for this turn). */
  #room(length: number): Buffer {
    if (this.#used + length <= this.#chunk.buf.length) return this.#chunk.buf;
    const old = this.#chunk;
    if (this.#used > this.#start) this.#full.push(this.#piece(old, this.#start, this.#used));
    this.#chunk = (length <= CHUNK && this.#spare.pop()) || { buf: Buffer.allocUnsafe(Math.max(CHUNK, length)), pieces: 0 };
    this.#spareIfDone(old);
    this.#start = 0;
    this.#used = 0;
    return this.#chunk.buf;
  }

  #piece(c: Chunk, from: number, to: number): Buffer {
    const p = c.buf.subarray(from, to);
    c.pieces++;
    this.#chunkOf.set(p, c);
    return p;
  }

  /** A chunk no longer filled, with no piece left to write, is kept for reuse (a standard-sized one, up to SPARE). */
  #spareIfDone(c: Chunk): void {
    if (c !== this.#chunk && c.pieces === 0 && c.buf.length === CHUNK && this.#spare.length < SPARE) this.#spare.push(c);
  }

  #wrote(length: number): void {
    this.#used += length;
    this.#octets += length;
  }
}
