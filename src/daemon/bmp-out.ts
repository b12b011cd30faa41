// What a BMP station writes in one turn of the event loop, gathered in one buffer: Route
// Monitoring messages are framed straight into it (a full table is 200k UPDATEs per view: no
// Buffer per message, no second copy to join them), then written together.

import { routeMonitoringLength, writeRouteMonitoring } from '../wire/index.js';

/** Octets allocated at a time; a turn's messages fill a chunk from where the last turn's ended. */
const CHUNK = 256 * 1024;

export class TurnOutput {
  #chunk = Buffer.alloc(0);
  /** Where this turn's octets start in the chunk (those before are the socket's now). */
  #start = 0;
  #used = 0;
  /** Chunks this turn filled before the current one. */
  #full: Buffer[] = [];
  #octets = 0;
  #messages = 0;

  /** Octets gathered this turn. */
  get octets(): number {
    return this.#octets;
  }

  /** Messages gathered this turn. */
  get messages(): number {
    return this.#messages;
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

  /** This turn's octets, in order, in as many buffers as chunks it filled (none when empty); the next turn starts empty. */
  take(): Buffer[] {
    if (this.#octets === 0) return [];
    const out = this.#full;
    out.push(this.#chunk.subarray(this.#start, this.#used));
    this.#start = this.#used;
    this.#full = [];
    this.#octets = 0;
    this.#messages = 0;
    return out;
  }

  /** Forgets this turn's octets (the connection they were for is gone). */
  clear(): void {
    this.#used = this.#start;
    this.#full = [];
    this.#octets = 0;
    this.#messages = 0;
  }

  /** The chunk with `length` octets free at #used: the current one, or a new one (the current kept for this turn). */
  #room(length: number): Buffer {
    if (this.#used + length <= this.#chunk.length) return this.#chunk;
    if (this.#used > this.#start) this.#full.push(this.#chunk.subarray(this.#start, this.#used));
    this.#chunk = Buffer.allocUnsafe(Math.max(CHUNK, length));
    this.#start = 0;
    this.#used = 0;
    return this.#chunk;
  }

  #wrote(length: number): void {
    this.#used += length;
    this.#octets += length;
    this.#messages++;
  }
}
