// Long-lived short octet strings (the attribute lists of outbound forms, unknown attributes'
// values: kept as long as their attribute set) packed in chunks of their own. Node hands out
// short buffers (Buffer.from, allocUnsafe) as slices of a pool slab shared with every short-lived
// allocation, and one slice kept keeps its whole slab: a full table's 200k forms held 770 slabs
// of 64 KB, 50 MB for about 18 MB of octets (a heap snapshot of the binary at 1M, 2026-12-02). A
// chunk here holds kept octets only, and goes back when the last of them is collected.
// Must not import anything outside src/wire.

/** Octets per chunk: small enough that a few live strings keep little under churn. */
export const CHUNK_OCTETS = 16 * 1024;

/** Longer strings get memory of their own (a chunk would be mostly one of them). */
const OWN_FROM = CHUNK_OCTETS / 8;

export class OctetChunks {
  #chunk: Buffer | undefined;
  #used = 0;
  /** Where the last `keep` put its copy in the chunk it returned. */
  keptAt = 0;

  /**
   * Copies `octets` into memory shared only with other kept copies; returns that memory, the copy
   * at `keptAt` (callers that keep many hold the chunk and the offset, not a view: a view is 104
   * octets of heap).
   */
  keep(octets: Uint8Array): Buffer {
    const n = octets.length;
    if (n >= OWN_FROM) {
      const own = Buffer.allocUnsafeSlow(n);
      own.set(octets);
      this.keptAt = 0;
      return own;
    }
    if (this.#chunk === undefined || this.#used + n > CHUNK_OCTETS) {
      this.#chunk = Buffer.allocUnsafeSlow(CHUNK_OCTETS);
      this.#used = 0;
    }
    const chunk = this.#chunk;
    chunk.set(octets, this.#used);
    this.keptAt = this.#used;
    this.#used += n;
    return chunk;
  }

  /** A kept copy of `octets` as a view of its own. */
  copy(octets: Uint8Array): Buffer {
    const chunk = this.keep(octets);
    return chunk.subarray(this.keptAt, this.keptAt + octets.length);
  }
}
