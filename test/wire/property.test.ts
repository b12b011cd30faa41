// decode(encode(m)) deep-equals m for generated messages of every type, in several contexts.
import t from 'tap';
import fc from 'fast-check';
import { decodeMessage, encodeMessage, makeContext, afiSafiKey } from '../../src/wire/index.js';
import { messageArb } from '../helpers/arbitraries.js';

const contexts = [
  makeContext(),
  makeContext({ as4: false }),
  makeContext({ addPath: new Set([afiSafiKey(1, 1), afiSafiKey(2, 1)]) }),
  makeContext({ extendedMessage: true }),
];

for (const ctx of contexts) {
  t.test(`round trip with as4=${ctx.as4} addPath=${[...ctx.addPath]} extended=${ctx.extendedMessage}`, async (t) => {
    let checked = 0;
    fc.assert(
      fc.property(messageArb(ctx), (m) => {
        const out = encodeMessage(m, ctx);
        if (out.length !== 1) return true; // split UPDATEs are covered by update-packing.test.ts
        const back = decodeMessage(out[0], ctx);
        checked++;
        t.strictSame(back, m);
        return true;
      }),
      { numRuns: 400 },
    );
    t.ok(checked > 300, `${checked} messages round-tripped`);
  });
}
