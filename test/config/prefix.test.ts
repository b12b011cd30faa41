// parsePrefix reads canonical IPv4 prefixes without ip-num (the common case, on the start and
// reload path of every origination); it must agree with ip-num on every input, accepted or not.
import fc from 'fast-check';
import { IPv4, IPv4CidrRange, Validator } from 'ip-num';
import t from 'tap';
import { ParseError, parsePrefix } from '../../src/config/prefix.js';

/** What ip-num alone says: the prefix's value and length, or null for text it refuses or host bits set. */
function reference(text: string): { value: number; length: number } | null {
  if (!Validator.isValidIPv4CidrNotation(text)[0]) return null;
  const r = IPv4CidrRange.fromCidr(text);
  const first = r.getFirst().getValue();
  if (first !== IPv4.fromDecimalDottedString(text.split('/')[0]).getValue()) return null;
  return { value: Number(first), length: Number(r.cidrPrefix.getValue()) };
}

function ours(text: string): { value: number; length: number } | null {
  try {
    const p = parsePrefix(text);
    return { value: p.words[0], length: p.length };
  } catch (e) {
    if (e instanceof ParseError) return null;
    throw e;
  }
}

const octet = fc.integer({ min: 0, max: 255 });
const spelled = fc.oneof(octet.map(String), fc.integer({ min: 0, max: 999 }).map(String), octet.map((n) => `0${n}`));
const length = fc.oneof(fc.integer({ min: 0, max: 32 }).map(String), fc.integer({ min: 0, max: 99 }).map(String), fc.integer({ min: 0, max: 9 }).map((n) => `0${n}`));

t.test('any dotted text with a length: the same answer as ip-num', async (t) => {
  fc.assert(fc.property(fc.tuple(spelled, spelled, spelled, spelled, length), ([a, b, c, d, l]) => {
    const text = `${a}.${b}.${c}.${d}/${l}`;
    t.same(ours(text), reference(text), text);
  }), { numRuns: 3000 });
});

t.test('prefixes with their host bits cleared (the accepted case): the same value and length', async (t) => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }), (v, len) => {
    const value = len === 0 ? 0 : (v & (0xffffffff << (32 - len))) >>> 0;
    const text = `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}/${len}`;
    t.same(ours(text), { value, length: len }, text);
    t.same(reference(text), { value, length: len });
  }), { numRuns: 2000 });
});

t.test('the errors still say what is wrong', async (t) => {
  t.throws(() => parsePrefix('10.244.1.1/24'), /has host bits set; did you mean 10\.244\.1\.0\/24\?/);
  t.throws(() => parsePrefix('10.244.1.0/33'), /is not an IPv4 prefix/);
  t.throws(() => parsePrefix('10.256.1.0/24'), /is not an IPv4 prefix/);
  t.same(parsePrefix(' 0.0.0.0/0 ').words, [0, 0, 0, 0], 'the default route, trimmed');
  t.same(parsePrefix('255.255.255.255/32').words, [0xffffffff, 0, 0, 0]);
});
