// What a column's kind of buffer costs V8 per element read (node bench/column-access.mjs): a method
// comparing two rows of two Uint32Array columns (four reads, as the path store's sameSource does),
// called for 128K rows 50 times, in a fresh process per kind so no call site has seen another:
// a plain typed array; one tracking a resizable buffer (src/rib/columns.ts `reserved`); a
// fixed-length view of a resizable buffer; a view of the first part of a larger plain buffer; a
// view of a WebAssembly memory's buffer (one way to grow in place without a resizable buffer).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROWS = 1 << 17;
const KINDS = {
  plain: () => new Uint32Array(ROWS),
  'resizable, length-tracking': () => new Uint32Array(new ArrayBuffer(ROWS * 4, { maxByteLength: ROWS * 64 })),
  'resizable, fixed-length view': () => new Uint32Array(new ArrayBuffer(ROWS * 4, { maxByteLength: ROWS * 64 }), 0, ROWS),
  'first part of a larger plain buffer': () => new Uint32Array(new ArrayBuffer(ROWS * 64), 0, ROWS),
  'WebAssembly memory': () => new Uint32Array(new WebAssembly.Memory({ initial: (ROWS * 4) / 65536, maximum: (ROWS * 64) / 65536 }).buffer),
};

class Rows {
  #a;
  #b;
  constructor(a, b) {
    this.#a = a;
    this.#b = b;
  }
  same(x, y) {
    return this.#a[x] === this.#a[y] && this.#b[x] === this.#b[y];
  }
}

const kind = process.argv[2];
if (kind) {
  const rows = new Rows(KINDS[kind](), KINDS[kind]());
  let n = 0;
  const t0 = performance.now();
  for (let r = 0; r < 50; r++) for (let i = 1; i < ROWS; i++) n += rows.same(i, i - 1) ? 1 : 0;
  console.log(`${kind}: ${(((performance.now() - t0) * 1e6) / (50 * ROWS)).toFixed(2)} ns a call (${n})`);
} else {
  for (const k of Object.keys(KINDS)) process.stdout.write(spawnSync(process.execPath, [fileURLToPath(import.meta.url), k], { encoding: 'utf8' }).stdout);
}
