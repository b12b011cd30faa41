// A small declarative schema for the configuration file: each key's kind, range and allowed values.
// Validation collects every problem with its key path and says what is allowed; unknown keys are
// errors (a misspelt key silently ignored is how outages start). Pure: no I/O.

export type Spec =
  | { readonly kind: 'int'; readonly min?: number; readonly max?: number }
  | { readonly kind: 'bool' }
  | { readonly kind: 'string'; readonly check?: (s: string) => string | undefined; readonly hint?: string; readonly secret?: boolean }
  | { readonly kind: 'enum'; readonly values: readonly (string | number)[] }
  | { readonly kind: 'either'; readonly options: readonly Spec[]; readonly hint: string }
  | { readonly kind: 'array'; readonly of: Spec }
  | { readonly kind: 'map'; readonly of: Spec }
  | { readonly kind: 'object'; readonly fields: Readonly<Record<string, Spec>>; readonly required?: readonly string[]; readonly exactlyOne?: readonly string[] };

export type KeyPath = readonly (string | number)[];

export interface SchemaProblem {
  readonly path: KeyPath;
  readonly message: string;
  /** The problem is about the key itself (unknown key), not its value. */
  readonly atKey?: boolean;
}

export const int = (min?: number, max?: number): Spec => ({ kind: 'int', min, max });
export const bool: Spec = { kind: 'bool' };
export const str = (check?: (s: string) => string | undefined, hint?: string): Spec => ({ kind: 'string', check, hint });
/** A string that must never be echoed (passwords, tokens): problems name its type, not its value. */
export const secret = (check: (s: string) => string | undefined, hint: string): Spec => ({ kind: 'string', check, hint, secret: true });
export const oneOf = (...values: (string | number)[]): Spec => ({ kind: 'enum', values });
export const either = (hint: string, ...options: Spec[]): Spec => ({ kind: 'either', options, hint });
export const list = (of: Spec): Spec => ({ kind: 'array', of });
export const map = (of: Spec): Spec => ({ kind: 'map', of });
/** A map with these keys; `required` must be there, and of `exactlyOne` one and only one. */
export const obj = (fields: Record<string, Spec>, required: string[] = [], exactlyOne?: string[]): Spec => ({ kind: 'object', fields, required, ...(exactlyOne ? { exactlyOne } : {}) });

function describe(s: Spec): string {
  switch (s.kind) {
    case 'int':
      return s.min !== undefined && s.max !== undefined ? `an integer from ${s.min} to ${s.max}` : s.min !== undefined ? `an integer >= ${s.min}` : 'an integer';
    case 'bool':
      return 'true or false';
    case 'string':
      return s.hint ?? 'a string';
    case 'enum':
      return `one of ${s.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'either':
      return s.hint;
    case 'array':
      return 'a list';
    case 'map':
      return 'a map of names';
    case 'object':
      return 'a map';
  }
}

function typeName(v: unknown, secretValue = false): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (secretValue) return `a ${typeof v} (not shown: it is a secret)`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Every problem in `value` against `spec`, in document order. */
export function validate(spec: Spec, value: unknown, path: KeyPath = []): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  check(spec, value, path, out);
  return out;
}

function check(s: Spec, v: unknown, path: KeyPath, out: SchemaProblem[]): void {
  const bad = (message = `is ${typeName(v, s.kind === 'string' && s.secret === true)}; expected ${describe(s)}`): void => {
    out.push({ path, message });
  };
  switch (s.kind) {
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v)) return bad();
      if ((s.min !== undefined && v < s.min) || (s.max !== undefined && v > s.max)) return bad(`is ${v}; expected ${describe(s)}`);
      return;
    case 'bool':
      if (typeof v !== 'boolean') bad();
      return;
    case 'string': {
      if (typeof v !== 'string') return bad();
      const problem = s.check?.(v);
      if (problem) bad(problem);
      return;
    }
    case 'enum':
      if (!s.values.includes(v as string | number)) bad();
      return;
    case 'either':
      if (!s.options.some((o) => validate(o, v, path).length === 0)) {
        // A map or list meant for one option: that option's own problems are the precise ones.
        const shaped = s.options.filter((o) => (o.kind === 'object' && isMap(v)) || (o.kind === 'array' && Array.isArray(v)));
        const fits = shaped.filter((o) => o.kind !== 'object' || Object.keys(v as object).every((k) => k in o.fields));
        const pick = fits.length === 1 ? fits : shaped;
        if (pick.length === 1) check(pick[0], v, path, out);
        else bad();
      }
      return;
    case 'array':
      if (!Array.isArray(v)) return bad();
      v.forEach((item, i) => check(s.of, item, [...path, i], out));
      return;
    case 'map':
      if (!isMap(v)) return bad();
      for (const [k, item] of Object.entries(v)) check(s.of, item, [...path, k], out);
      return;
    case 'object': {
      if (!isMap(v)) return bad();
      for (const [k, item] of Object.entries(v)) {
        const f = s.fields[k];
        if (!f) {
          const near = closest(k, Object.keys(s.fields));
          out.push({ path: [...path, k], atKey: true, message: `unknown key${near ? ` (did you mean "${near}"?)` : ''}; allowed here: ${Object.keys(s.fields).join(', ')}` });
        } else if (item !== undefined) check(f, item, [...path, k], out);
      }
      for (const r of s.required ?? []) if (v[r] === undefined || v[r] === null) out.push({ path: [...path, r], message: `is required (${describe(s.fields[r])})` });
      if (s.exactlyOne) {
        const given = s.exactlyOne.filter((k) => v[k] !== undefined && v[k] !== null);
        if (given.length !== 1) out.push({ path, message: given.length === 0 ? `needs one of ${s.exactlyOne.join(' or ')}` : `has ${given.join(' and ')}: give only one` });
      }
      return;
    }
  }
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The allowed key within edit distance 2 of a misspelt one, if any. */
function closest(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const a of allowed) {
    const d = distance(key.toLowerCase(), a.toLowerCase());
    if (d < bestD) [best, bestD] = [a, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}
