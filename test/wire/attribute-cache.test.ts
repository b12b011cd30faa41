// The decode cache: lookups by octets, a sweep that runs a slice at a time while the cache keeps
// answering, and a new key when a probe sequence grows past its bound.
import t from 'tap';
import { AttributeCache, type AttributeError, type PathAttributes } from '../../src/wire/index.js';

const keyOf = (i: number) => {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(i, 0);
  b.writeUInt32BE(~i >>> 0, 4);
  return b;
};
const whole = (b: Buffer) => Int32Array.of(0, b.length);
const valueOf = (i: number) => ({ origin: 0, asPath: [], med: i }) as unknown as PathAttributes;
const medOf = (v: PathAttributes | null | undefined) => v?.med;

function put(cache: AttributeCache, i: number, errors: readonly AttributeError[] = []): PathAttributes {
  const k = keyOf(i);
  const v = valueOf(i);
  cache.store(cache.hash(k, whole(k), 1, 0), k, whole(k), 1, k.length, v, errors, 0);
  return v;
}
function get(cache: AttributeCache, i: number): PathAttributes | null | undefined {
  const k = keyOf(i);
  return cache.lookup(cache.hash(k, whole(k), 1, 0), k, whole(k), 1, k.length);
}

/** With the cache's (known) key: 130 keys that all start probing at slot 0 of a first table (2048 slots). */
function collidingKeys(cache: AttributeCache): number[] {
  const found: number[] = [];
  for (let i = 0; found.length < 130; i++) {
    const k = keyOf(i);
    if ((cache.hash(k, whole(k), 1, 0) & 2047) === 0) found.push(i);
  }
  return found;
}

t.test('a stored set is found by its octets and only by them', async (t) => {
  const cache = new AttributeCache();
  for (let i = 0; i < 5000; i++) put(cache, i);
  t.equal(cache.size, 5000);
  t.ok(Array.from({ length: 5000 }, (_, i) => medOf(get(cache, i)) === i).every(Boolean), 'every key finds its own value');
  t.equal(get(cache, 5000), undefined, 'an unknown key misses');
  const k = keyOf(7);
  t.equal(cache.lookup(cache.hash(k, whole(k), 1, 1), k, whole(k), 1, k.length), undefined, 'the same octets with another tweak miss');
});

t.test('a set found with the errors it decoded with; a clean one with none', async (t) => {
  const cache = new AttributeCache();
  const error = { code: 3, subcode: 1, action: 'treat-as-withdraw', message: 'x' } as unknown as AttributeError;
  const flawed = put(cache, 1, [error]);
  put(cache, 2);
  const k = keyOf(3);
  cache.store(cache.hash(k, whole(k), 1, 0), k, whole(k), 1, k.length, null, [error], 0);
  t.equal(get(cache, 1), flawed, 'the set itself');
  t.same(cache.foundErrors, [error], 'with its errors');
  t.equal(medOf(get(cache, 2)), 2);
  t.same(cache.foundErrors, [], 'a clean set: none');
  t.equal(get(cache, 3), null, 'a set that decoded to none is found as none');
  t.same(cache.foundErrors, [error]);
  cache.sweep((a) => a === flawed);
  t.equal(get(cache, 1), flawed, 'a sweep keeps a flawed set it is asked to keep');
  t.equal(get(cache, 2), undefined, 'and drops the rest');
});

t.test('a sweep in slices keeps answering and drops what is not kept', async (t) => {
  const cache = new AttributeCache();
  const values = Array.from({ length: 10_000 }, (_, i) => put(cache, i));
  const kept = new Set(values.filter((_, i) => i % 4 === 0));
  cache.beginSweep((a) => kept.has(a!));
  t.ok(cache.sweeping, 'under way');
  let steps = 0;
  let wrong = 0;
  let late = 0;
  while (!cache.sweepStep(1000)) {
    steps++;
    // Between slices every kept key is found with its own value; a dropped one, if found, is right too.
    for (let i = 0; i < 10_000; i += 97) {
      const v = get(cache, i);
      if ((i % 4 === 0 && medOf(v) !== i) || (v && medOf(v) !== i)) wrong++;
    }
    put(cache, 100_000 + steps); // stores go on meanwhile
    late++;
  }
  t.equal(steps, 9, 'ten slices of 1000');
  t.equal(wrong, 0, 'no wrong answer between slices');
  t.notOk(cache.sweeping, 'over');
  t.equal(cache.size, 2500 + late, 'the kept sets and those stored meanwhile remain');
  t.ok(Array.from({ length: 10_000 }, (_, i) => (i % 4 === 0 ? medOf(get(cache, i)) === i : get(cache, i) === undefined)).every(Boolean), 'kept sets are found, dropped ones are not');
  t.ok(Array.from({ length: late }, (_, s) => medOf(get(cache, 100_001 + s)) === 100_001 + s).every(Boolean), 'sets stored during the sweep are found');
  t.equal(cache.sweep(() => false), 2500 + late, 'a whole sweep at once drops everything not kept');
  t.equal(cache.size, 0);
});

t.test('a probe sequence past the bound makes the cache take a new key and lose nothing', async (t) => {
  const cache = new AttributeCache({ key: [0x01234567, 0x89abcdef] });
  const colliding = collidingKeys(cache);
  for (const i of colliding) put(cache, i);
  t.equal(cache.rekeys, 1, 'one new key');
  t.ok(cache.longestProbe < 128, `probes stay bounded (${cache.longestProbe})`);
  t.ok(colliding.every((i) => medOf(get(cache, i)) === i), 'every set is found under the new key');
});

t.test('a new key during a sweep keeps what the sweep would keep', async (t) => {
  const cache = new AttributeCache({ key: [0x01234567, 0x89abcdef] });
  const values = Array.from({ length: 600 }, (_, i) => put(cache, 1_000_000 + i));
  const index = new Map<PathAttributes | null, number>(values.map((v, i) => [v, i]));
  cache.beginSweep((a) => (index.get(a) ?? 0) % 2 === 0);
  cache.sweepStep(100);
  const colliding = collidingKeys(cache);
  for (const i of colliding) put(cache, i);
  t.equal(cache.rekeys, 1, 'one new key');
  t.notOk(cache.sweeping, 'the new key ended the sweep');
  t.ok(values.every((_, i) => (i % 2 === 0 ? medOf(get(cache, 1_000_000 + i)) === 1_000_000 + i : get(cache, 1_000_000 + i) === undefined)), 'kept sets found, dropped ones gone');
  t.ok(colliding.every((i) => medOf(get(cache, i)) === i), 'the colliding sets are found');
});

t.test('keys across several chunks (none spans two) are found, also after a sweep and a new key; a key longer than a chunk is not stored', async (t) => {
  const cache = new AttributeCache();
  // Keys of 1,000 octets (an AS path of ~250 ASNs): 3,000 of them fill the first chunk as it grows and two more.
  const longKey = (i: number) => {
    const b = Buffer.alloc(1000, i & 0xff);
    b.writeUInt32BE(i, 0);
    return b;
  };
  const putLong = (i: number) => {
    const k = longKey(i);
    cache.store(cache.hash(k, whole(k), 1, 0), k, whole(k), 1, k.length, valueOf(i), [], 0);
  };
  const getLong = (i: number) => {
    const k = longKey(i);
    return medOf(cache.lookup(cache.hash(k, whole(k), 1, 0), k, whole(k), 1, k.length));
  };
  for (let i = 0; i < 3000; i++) putLong(i);
  t.equal(cache.keyBytes, 3_000_000);
  t.ok([0, 1048, 1049, 2097, 2098, 2999].every((i) => getLong(i) === i), 'keys at chunk ends and starts');
  t.equal(getLong(3000), undefined);
  cache.sweep((a) => (a?.med ?? 0) % 2 === 0);
  t.equal(cache.size, 1500);
  t.equal(cache.keyBytes, 1_500_000, 'only the kept keys moved');
  let found = 0;
  for (let i = 0; i < 3000; i++) if (getLong(i) === (i % 2 === 0 ? i : undefined)) found++;
  t.equal(found, 3000, 'the kept ones found, the dropped ones not');
  const huge = Buffer.alloc((1 << 20) + 1);
  cache.store(cache.hash(huge, whole(huge), 1, 0), huge, whole(huge), 1, huge.length, valueOf(7), [], 0);
  t.equal(cache.size, 1500, 'not stored');
});

t.test('the entry last found or stored is named by lastRef; its holder number stays with it as the table grows and through a sweep in slices', async (t) => {
  const cache = new AttributeCache({ key: [0x01234567, 0x89abcdef] });
  const v = put(cache, 7);
  const stored = cache.lastRef;
  t.ok(stored >= 0, 'a store names its entry');
  t.equal(cache.valueAt(stored), v, 'whose set reads back');
  t.equal(cache.holderAt(stored), 0, 'no holder yet');
  cache.setHolder(stored, 41);
  t.equal(get(cache, 12345), undefined);
  t.equal(cache.lastRef, -1, 'a miss names none');
  t.equal(cache.holderAt(-1), 0);
  t.equal(cache.valueAt(-1), undefined);
  t.equal(get(cache, 7), v);
  t.equal(cache.holderAt(cache.lastRef), 41, 'a hit names the entry with its holder number');
  // Growth: the table's columns double several times.
  const values = Array.from({ length: 5000 }, (_, i) => put(cache, 100 + i));
  values.forEach((_, i) => {
    get(cache, 100 + i);
    cache.setHolder(cache.lastRef, 1000 + i);
  });
  get(cache, 7);
  t.equal(cache.holderAt(cache.lastRef), 41, 'kept as the table grew');
  // A sweep in slices: an entry not yet moved is named in the old table, then in the new one.
  cache.beginSweep((a, holder) => a === v || holder % 2 === 0);
  t.equal(cache.lastRef, -1, 'a sweep starting names none');
  get(cache, 7);
  t.ok(cache.lastRef <= -2, 'found in the table being swept');
  t.equal(cache.valueAt(cache.lastRef), v);
  t.equal(cache.holderAt(cache.lastRef), 41);
  cache.setHolder(cache.lastRef, 43);
  while (!cache.sweepStep(700));
  get(cache, 7);
  t.ok(cache.lastRef >= 0, 'moved to the new table');
  t.equal(cache.holderAt(cache.lastRef), 43, 'with the number given while it waited');
  const holders = values.map((_, i) => (get(cache, 100 + i) === undefined ? -1 : cache.holderAt(cache.lastRef)));
  t.ok(holders.every((h, i) => (i % 2 === 0 ? h === 1000 + i : h === -1)), 'the kept ones with their numbers, the others dropped (the keep saw each number)');
  cache.clear();
  t.equal(cache.lastRef, -1, 'cleared: names none');
});

t.test('holder numbers survive a new key taken during a sweep', async (t) => {
  const cache = new AttributeCache({ key: [0x01234567, 0x89abcdef] });
  for (let i = 0; i < 600; i++) {
    put(cache, 1_000_000 + i);
    cache.setHolder(cache.lastRef, i + 1);
  }
  cache.beginSweep((_, holder) => holder % 2 === 1);
  cache.sweepStep(100);
  for (const i of collidingKeys(cache)) put(cache, i);
  t.equal(cache.rekeys, 1, 'one new key');
  t.notOk(cache.sweeping, 'which ended the sweep');
  const holders = Array.from({ length: 600 }, (_, i) => (get(cache, 1_000_000 + i) === undefined ? -1 : cache.holderAt(cache.lastRef)));
  t.ok(holders.every((h, i) => (i % 2 === 0 ? h === i + 1 : h === -1)), 'the kept entries with their numbers (those the sweep had visited and those it had not)');
});
