// Columns of typed arrays (the trie's nodes, the path store's rows) grow in chunks: a column is
// copied to a new capacity, keeping the rows that fit, and the old one's memory is returned at
// once (retired), not when the garbage collector next finds it: a 1M-route table's columns are
// 100 MB, and copies waiting for a collection add to the peak.
// Must not import fsm, api, daemon, node:net or metrics libraries.

export type Column = Int32Array | Uint32Array | Uint16Array | Uint8Array | Float64Array;

/** The column at a new capacity: its first rows kept, new rows zero. */
export function resized<T extends Column>(old: T, capacity: number): T {
  const grown = new (old.constructor as new (n: number) => T)(capacity);
  grown.set(old.subarray(0, Math.min(old.length, capacity)) as ArrayLike<number>);
  return grown;
}

/** A column made only when first needed (empty until then) at a new capacity: still empty if never made. */
export function resizedIfMade<T extends Column>(old: T, capacity: number): T {
  return old.length === 0 ? old : resized(old, capacity);
}

/**
 * Returns the memory of columns no longer used at once (their buffers detached: reading one after
 * sees length 0). Call after every replacement is made, so a failed allocation changes nothing.
 * A view of part of a buffer, or an empty one, is left to the collector.
 */
export function retire(...columns: Column[]): void {
  for (const c of columns) {
    const b = c.buffer;
    if (b instanceof ArrayBuffer && c.byteLength > 0 && c.byteOffset === 0 && c.byteLength === b.byteLength && !b.detached) b.transfer(0);
  }
}

/** A column replaced alone by a larger copy: the copy, the old one retired. */
export function regrown<T extends Column>(old: T, capacity: number): T {
  const grown = resized(old, capacity);
  retire(old);
  return grown;
}
