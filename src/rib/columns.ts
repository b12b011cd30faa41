// Columns of typed arrays (the trie's nodes, the path store's rows) grow in chunks: a column is
// copied to a new capacity, keeping the rows that fit.
// Must not import fsm, api, daemon, node:net or metrics libraries.

export type Column = Int32Array | Uint32Array | Uint16Array | Uint8Array | Float64Array;

/** The column at a new capacity: its first rows kept, new rows zero. */
export function resized<T extends Column>(old: T, capacity: number): T {
  const grown = new (old.constructor as new (n: number) => T)(capacity);
  grown.set(old.subarray(0, Math.min(old.length, capacity)) as ArrayLike<number>);
  return grown;
}
