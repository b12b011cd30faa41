// Columns of typed arrays (the trie's nodes, the path store's rows, an Adj-RIB-Out's slots) grow
// in chunks. A large column views a resizable buffer with room set aside for many more rows than
// it holds (`reserved`): growing it commits more pages in place, so the rows already written are
// neither copied nor held twice while a copy is made (a 1M-route table's columns are about 75 MB,
// and doubling them by copies was a tenth of a full table's load: each new page touched twice,
// the old ones kept until the copy was done). Past its room a column is copied once into a new,
// larger one. A small column is a plain typed array, copied to each new capacity, and the old
// one's memory returned at once (retired), not when the garbage collector next finds it.
// Must not import fsm, api, daemon, node:net or metrics libraries.

export type Column = Int32Array | Uint32Array | Uint16Array | Uint8Array | Float64Array;

type ColumnType<T extends Column> = { new (n: number): T; new (b: ArrayBuffer): T; readonly BYTES_PER_ELEMENT: number };

/** A reserved column's room, in rows, against the rows asked for: virtual address space only, no memory until used. */
const ROOM_FACTOR = 16;
const MIN_ROOM = 1 << 16;

/**
 * A column of `rows` zero rows that grows in place (see above) up to 16 times that (at least 64K
 * rows) before it must be copied.
 */
export function reserved<T extends Column>(type: ColumnType<T>, rows: number): T {
  const room = Math.max(rows * ROOM_FACTOR, MIN_ROOM) * type.BYTES_PER_ELEMENT;
  return new type(new ArrayBuffer(rows * type.BYTES_PER_ELEMENT, { maxByteLength: room }));
}

/**
 * Columns made by `column`, and plain ones copied to a new capacity, are reserved from this many
 * rows on: a small one stays plain, since each reservation is a mapping of its own (a reflector's
 * 5,000 clients each with two reserved columns took 20,000 of the kernel's 65,530 a process, and
 * each peer's Adj-RIB-In, when kept, is two tables of 22 columns).
 */
const RESERVE_FROM = 1 << 16;

/** A column of `rows` zero rows: reserved if large, else plain. */
export function column<T extends Column>(type: ColumnType<T>, rows: number): T {
  return rows >= RESERVE_FROM ? reserved(type, rows) : new type(rows);
}

/** Whether a column grows in place: a view that tracks the whole of a resizable buffer. */
function growsInPlace(c: Column): boolean {
  const b = c.buffer;
  return b instanceof ArrayBuffer && b.resizable && !b.detached && c.byteOffset === 0 && c.byteLength === b.byteLength;
}

/**
 * The column at a new capacity, its first rows kept and new rows zero: the same column resized
 * where it has the room, else a copy (reserved again if the old one was).
 */
export function resized<T extends Column>(old: T, capacity: number): T {
  const inPlace = growsInPlace(old);
  const bytes = capacity * old.BYTES_PER_ELEMENT;
  if (inPlace && bytes <= (old.buffer as ArrayBuffer).maxByteLength) {
    (old.buffer as ArrayBuffer).resize(bytes);
    return old;
  }
  const type = old.constructor as ColumnType<T>;
  const grown = inPlace ? reserved(type, capacity) : column(type, capacity);
  grown.set(old.subarray(0, Math.min(old.length, capacity)) as ArrayLike<number>);
  return grown;
}

/** A column made only when first needed (empty until then) at a new capacity: still empty if never made. */
export function resizedIfMade<T extends Column>(old: T, capacity: number): T {
  return old.length === 0 ? old : resized(old, capacity);
}

/** The column emptied, then at `capacity` zero rows: in place where it can be, its pages given back; else a new one. */
export function emptied<T extends Column>(old: T, capacity: number): T {
  if (growsInPlace(old)) {
    (old.buffer as ArrayBuffer).resize(0);
    return resized(old, capacity);
  }
  retire(old);
  return column(old.constructor as ColumnType<T>, capacity);
}

/**
 * Returns the memory of columns no longer used at once (their buffers detached: reading one after
 * sees length 0). Call after every replacement is made, so a failed allocation changes nothing.
 * A view of part of a buffer, or an empty one, is left to the collector.
 */
export function retire(...columns: Column[]): void {
  for (const c of columns) {
    const b = c.buffer;
    if (b instanceof ArrayBuffer && c.byteLength > 0 && c.byteOffset === 0 && c.byteLength === b.byteLength && !b.detached) b.transferToFixedLength(0);
  }
}

/** Retires each column of `before` that `after` no longer holds (one grown in place is kept). */
export function retireReplaced(before: readonly Column[], after: readonly Column[]): void {
  for (let i = 0; i < before.length; i++) if (before[i] !== after[i]) retire(before[i]!);
}

/** A two-octet column at four octets a row (its rows copied), the two-octet one retired. */
export function widened(narrow: Uint16Array): Uint32Array {
  const wide = column(Uint32Array, narrow.length);
  wide.set(narrow);
  retire(narrow);
  return wide;
}

/** A column replaced alone by a larger copy: the copy, the old one retired. */
export function regrown<T extends Column>(old: T, capacity: number): T {
  const grown = resized(old, capacity);
  if (grown !== old) retire(old);
  return grown;
}

/**
 * A list of non-negative int32s in a column, kept for reuse: a million entries are 4 MB outside
 * the heap rather than an array of 8 to 12 MB the collector traces, and a long list's pages go
 * back when it is cleared.
 */
export class IntList {
  #items = column(Int32Array, 0);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(v: number): void {
    if (this.#length === this.#items.length) this.#items = regrown(this.#items, Math.max(1024, this.#length * 2));
    this.#items[this.#length++] = v;
  }

  at(i: number): number {
    return this.#items[i];
  }

  /** Empties the list; a long one's memory is given back. */
  clear(): void {
    if (this.#items.length > RESERVE_FROM) this.#items = emptied(this.#items, 0);
    this.#length = 0;
  }
}
