// Asserts that a call throws the codec's protocol error with the given NOTIFICATION fields.
import { BgpProtocolError } from '../../src/wire/index.js';

interface Asserts {
  fail(message: string): unknown;
  same(found: unknown, wanted: unknown, message: string): unknown;
}

export function throwsProtocolError(t: Asserts, fn: () => unknown, code: number, subcode: number, name: string, data?: string): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof BgpProtocolError)) {
      t.fail(`${name}: threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
      return;
    }
    const got: Record<string, unknown> = { code: e.code, subcode: e.subcode };
    const want: Record<string, unknown> = { code, subcode };
    if (data !== undefined) {
      got.data = e.data.toString('hex');
      want.data = data;
    }
    t.same(got, want, name);
    return;
  }
  t.fail(`${name}: did not throw`);
}
