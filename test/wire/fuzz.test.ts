// Bounded fuzzing: random and mutated messages (from the captured fixtures) only ever decode or
// raise the codec's protocol error, and what decodes re-encodes. Crashers are saved under
// fixtures/wire/crashers and replayed on every run. FUZZ_SECONDS and FUZZ_SEED tune a run.
import t from 'tap';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CodecContext, AttributeCache, BgpProtocolError, Framer, decodeMessage, encodeMessage, makeContext, afiSafiKey } from '../../src/wire/index.js';
import { DAEMONS, ROOT, loadFixtures } from '../helpers/fixtures.js';

const CRASHERS = join(ROOT, 'fixtures', 'wire', 'crashers');
const seconds = Number(process.env.FUZZ_SECONDS ?? 3);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 0x7fffffff);

let state = seed || 1;
function rand(n: number): number {
  // xorshift32: reproducible from the printed seed.
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) % n;
}

const contexts: CodecContext[] = [
  makeContext(),
  makeContext({ as4: false }),
  makeContext({ addPath: new Set([afiSafiKey(1, 1), afiSafiKey(2, 1)]) }),
  makeContext({ extendedMessage: true, addPath: new Set([afiSafiKey(2, 1)]) }),
];
const seeds = DAEMONS.flatMap((d) => loadFixtures(d)).map((f) => Buffer.from(f.hex, 'hex'));

function withLength(b: Buffer): Buffer {
  if (b.length >= 18) b.writeUInt16BE(Math.min(b.length, 0xffff), 16);
  return b;
}

function mutate(src: Buffer): Buffer {
  let b = Buffer.from(src);
  const rounds = 1 + rand(4);
  for (let i = 0; i < rounds; i++) {
    const at = b.length > 19 ? 19 + rand(b.length - 19) : rand(Math.max(1, b.length));
    switch (rand(6)) {
      case 0: b[at] ^= 1 << rand(8); break;
      case 1: b[at] = [0, 0xff, 0x80, 0x7f, 1, rand(256)][rand(6)]; break;
      case 2: b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + rand(8)))]); break;
      case 3: b = Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + rand(8) }, () => rand(256))), b.subarray(at)]); break;
      case 4: b = b.subarray(0, Math.max(19, at)); break;
      default: if (at + 1 < b.length) b[at + 1] = rand(256);
    }
  }
  return rand(5) === 0 ? b : withLength(b);
}

function randomMessage(): Buffer {
  const body = Buffer.from(Array.from({ length: rand(80) }, () => rand(256)));
  const head = Buffer.alloc(19, 0xff);
  head.writeUInt16BE(19 + body.length, 16);
  head[18] = 1 + rand(5);
  return Buffer.concat([head, body]);
}

/** Returns a description of the crash, or undefined when the input was handled. */
function check(input: Buffer, ctx: CodecContext, cache: AttributeCache): string | undefined {
  let decoded;
  try {
    decoded = decodeMessage(input, ctx, cache);
  } catch (e) {
    return e instanceof BgpProtocolError ? undefined : `decode threw ${(e as Error).name}: ${(e as Error).message}`;
  }
  try {
    encodeMessage(decoded, ctx);
  } catch (e) {
    return `encode of a decoded message threw ${(e as Error).name}: ${(e as Error).message}`;
  }
  return undefined;
}

function saveCrasher(input: Buffer, ctxIndex: number, why: string): string {
  mkdirSync(CRASHERS, { recursive: true });
  const name = createHash('sha1').update(input).digest('hex').slice(0, 16) + '.json';
  writeFileSync(join(CRASHERS, name), JSON.stringify({ hex: input.toString('hex'), context: ctxIndex, why }, null, 2) + '\n');
  return name;
}

t.test('saved crashers are handled', async (t) => {
  const files = readdirSync(CRASHERS).filter((f) => f.endsWith('.json'));
  for (const f of files) {
    const c = JSON.parse(readFileSync(join(CRASHERS, f), 'utf8'));
    t.equal(check(Buffer.from(c.hex, 'hex'), contexts[c.context], new AttributeCache()), undefined, f);
  }
  t.pass(`${files.length} crashers replayed`);
});

t.test(`fuzz for ${seconds}s (FUZZ_SEED=${seed})`, async (t) => {
  const cache = new AttributeCache(1000);
  const deadline = Date.now() + seconds * 1000;
  let runs = 0;
  const crashes: string[] = [];
  while (Date.now() < deadline && crashes.length < 5) {
    for (let i = 0; i < 200; i++) {
      const input = rand(4) === 0 ? randomMessage() : mutate(seeds[rand(seeds.length)]);
      const ci = rand(contexts.length);
      const why = check(input, contexts[ci], cache);
      if (why) crashes.push(`${saveCrasher(input, ci, why)}: ${why}`);
      runs++;
    }
  }
  t.same(crashes, [], `${runs} inputs, no crash`);
  t.ok(runs > 1000, `${runs} inputs tried`);
});

t.test('framer on random streams', async (t) => {
  let others = 0;
  for (let i = 0; i < 2000; i++) {
    const stream = Buffer.concat(Array.from({ length: 1 + rand(4) }, () => (rand(2) ? mutate(seeds[rand(seeds.length)]) : randomMessage())));
    const f = new Framer(rand(2) ? 4096 : 65535);
    try {
      for (let p = 0; p < stream.length; ) {
        const n = 1 + rand(64);
        f.push(stream.subarray(p, p + n));
        p += n;
      }
    } catch (e) {
      if (!(e instanceof BgpProtocolError)) others++;
    }
  }
  t.equal(others, 0, 'the framer only raises protocol errors');
});
