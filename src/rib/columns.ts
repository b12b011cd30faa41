// Columns of typed arrays (the trie's nodes, the path store's rows, an Adj-RIB-Out's slots) grow
// in chunks. A large column views a WebAssembly memory with room set aside for many more rows than
// it holds (`reserved`): growing it commits more pages in place, so the rows already written are
// neither copied nor held twice while a copy is made (a 1M-route table's columns are about 75 MB,
// and doubling them by copies was a tenth of a full table's load: each new page touched twice,
// the old ones kept until the copy was done). A memory's view reads as fast as a plain typed
// array, where one of a resizable ArrayBuffer (what reserved columns were until 2026-12-05) reads
// 2-3 times slower (`bench/column-access.mjs`); a full table loads about 7% faster. Growing a
// memory detaches its old buffer, so a grown column is a new view: owners take the column that
// resized() returns at once, field by field, and never keep one across a growth. Past its room a
// column is copied once into a new, larger one. A small column is a plain typed array, copied to
// each new capacity, and the old one's memory returned at once (retired), not when the garbage
// collector next finds it.
// Must not import fsm, api, daemon, node:net or metrics libraries.

export type Column = Int32Array | Uint32Array | Uint16Array | Uint8Array | Float64Array;

type ColumnType<T extends Column> = { new (n: number): T; new (b: ArrayBuffer): T; readonly BYTES_PER_ELEMENT: number };

/** A reserved column's room, in rows, against the rows asked for: virtual address space only, no memory until used. */
const ROOM_FACTOR = 16;
const MIN_ROOM = 1 << 16;

/** WebAssembly's unit of memory. */
const PAGE = 65536;
/**
 * V8 reserves about 8 GB of address space for every WebAssembly memory, whatever its maximum
 * (guard regions): past this many, columns reserve resizable buffers instead (slower to read),
 * so that a reflector with full tables to thousands of clients stays far from the 128 TB a
 * process can map.
 */
const MAX_MEMORIES = 4096;

interface Memory { readonly buffer: ArrayBuffer; grow(pages: number): number }
/** What this file uses of the WebAssembly global (absent under --jitless). */
declare const WebAssembly: { Memory: new (d: { initial: number; maximum: number }) => Memory } | undefined;
type ViewType<T extends Column> = new (buffer: ArrayBuffer, byteOffset: number, rows: number) => T;

/** Each live reservation's memory, by its current buffer. */
const memories = new WeakMap<ArrayBuffer, Memory>();
let memoriesMade = 0;
/** Counts memories no longer reachable, so that MAX_MEMORIES bounds those alive. */
const memoriesGone = new FinalizationRegistry<void>(() => memoriesMade--);

/**
 * A column of `rows` zero rows that grows in place (see above) up to 16 times that (at least 64K
 * rows) before it must be copied.
 */
export function reserved<T extends Column>(type: ColumnType<T>, rows: number): T {
  const room = Math.max(rows * ROOM_FACTOR, MIN_ROOM) * type.BYTES_PER_ELEMENT;
  if (typeof WebAssembly !== 'object' || memoriesMade >= MAX_MEMORIES) {
    return new type(new ArrayBuffer(rows * type.BYTES_PER_ELEMENT, { maxByteLength: room }));
  }
  const memory = new WebAssembly.Memory({ initial: Math.ceil((rows * type.BYTES_PER_ELEMENT) / PAGE), maximum: Math.ceil(room / PAGE) });
  memoriesMade++;
  memoriesGone.register(memory, undefined);
  memories.set(memory.buffer, memory);
  return new (type as unknown as ViewType<T>)(memory.buffer, 0, rows);
}

/** Whether a column is a reservation (grows in place until its room is used), not a plain array. */
export function isReserved(c: Column): boolean {
  return memories.has(c.buffer as ArrayBuffer) || growsInPlace(c);
}

/** A reserved column in a memory at a new capacity within its room: a view of the grown memory. */
function resizedInMemory<T extends Column>(old: T, memory: Memory, capacity: number): T | undefined {
  // Read before growing: growing detaches the old buffer, and its views then read as empty.
  const rows = old.length;
  const had = memory.buffer.byteLength;
  const bytes = capacity * old.BYTES_PER_ELEMENT;
  if (bytes > had) {
    try {
      memory.grow(Math.ceil((bytes - had) / PAGE));
    } catch {
      return undefined; // past its room (or no memory): copied instead
    }
    memories.set(memory.buffer, memory);
  }
  const view = new (old.constructor as unknown as ViewType<T>)(memory.buffer, 0, capacity);
  // Rows a shrunk column gave up are zero again when it grows back over them.
  const kept = Math.min(capacity, had / old.BYTES_PER_ELEMENT);
  if (kept > rows) view.fill(0, rows, kept);
  return view;
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

/** Whether a column grows in place in a resizable buffer: a view that tracks the whole of it. */
function growsInPlace(c: Column): boolean {
  const b = c.buffer;
  return b instanceof ArrayBuffer && b.resizable && !b.detached && c.byteOffset === 0 && c.byteLength === b.byteLength;
}

/**
 * The column at a new capacity, its first rows kept and new rows zero: grown where it has the
 * room (a memory's column as a new view, the old one detached; a resizable buffer's as the same
 * view), else a copy (reserved again if the old one was). Use the returned column only.
 */
export function resized<T extends Column>(old: T, capacity: number): T {
  const memory = memories.get(old.buffer as ArrayBuffer);
  if (memory !== undefined) {
    const grown = resizedInMemory(old, memory, capacity);
    if (grown !== undefined) return grown;
  }
  const inPlace = growsInPlace(old);
  const bytes = capacity * old.BYTES_PER_ELEMENT;
  if (inPlace && bytes <= (old.buffer as ArrayBuffer).maxByteLength) {
    (old.buffer as ArrayBuffer).resize(bytes);
    return old;
  }
  const type = old.constructor as ColumnType<T>;
  const grown = inPlace || memory !== undefined ? reserved(type, capacity) : column(type, capacity);
  grown.set(old.subarray(0, Math.min(old.length, capacity)) as ArrayLike<number>);
  return grown;
}

/** A column made only when first needed (empty until then) at a new capacity: still empty if never made. */
export function resizedIfMade<T extends Column>(old: T, capacity: number): T {
  return old.length === 0 ? old : resized(old, capacity);
}

/**
 * The column emptied, then at `capacity` zero rows: in place where it can be, its pages given back;
 * else a new one. A memory cannot shrink: its column is a new one, and its pages go back when the
 * collector finds it (the memory keeper runs a full collection once most of a table is gone).
 */
export function emptied<T extends Column>(old: T, capacity: number): T {
  if (memories.has(old.buffer as ArrayBuffer)) return column(old.constructor as ColumnType<T>, capacity);
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
 * A view of part of a buffer, an empty one, or a memory's (which cannot be detached) is left to
 * the collector.
 */
export function retire(...columns: Column[]): void {
  for (const c of columns) {
    const b = c.buffer;
    if (b instanceof ArrayBuffer && c.byteLength > 0 && c.byteOffset === 0 && c.byteLength === b.byteLength && !b.detached && !memories.has(b)) b.transferToFixedLength(0);
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
