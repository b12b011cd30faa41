// The JSON Schema builders the contract uses, with TypeBox's types (each schema still is a
// TypeScript type through `Static`) and none of its runtime: TypeBox's is 374 modules (560 KB of
// source kept in the heap; 2.8 MB of the idle daemon's resident memory, issue 17's idle target)
// for a few plain objects built once, at start. Each builder returns what TypeBox's returns
// (test/daemon/contract-schema.test.ts compares them); TypeBox is imported for its types only.

import type TypeBox from 'typebox';
import type { TSchema } from 'typebox';

type Options = Record<string, unknown>;

/** TypeBox's mark of an optional property: not enumerable, so not part of the JSON. */
const OPTIONAL = '~optional';

const leaf = (type: string) => (options?: Options) => ({ type, ...options });

function optional(schema: TSchema): TSchema {
  return Object.defineProperty({ ...schema }, OPTIONAL, { value: true, writable: true, configurable: true, enumerable: false });
}

/** `required` lists the properties not made optional, and is left out when none is. */
function object(properties: Record<string, TSchema>, options?: Options) {
  const required = Object.keys(properties).filter((k) => !Object.hasOwn(properties[k], OPTIONAL));
  return { type: 'object', ...(required.length > 0 ? { required } : {}), properties, ...options };
}

/** Keys of a record are strings here: TypeBox writes any string as this pattern. */
function record(key: TSchema, value: TSchema, options?: Options) {
  const k = key as { type?: unknown };
  if (k.type !== 'string' || Object.keys(key).length !== 1) throw new Error('contract: a record is keyed by plain strings');
  return { type: 'object', patternProperties: { '^.*$': value }, ...options };
}

const literal = (value: string | number | boolean, options?: Options) => ({ type: typeof value, const: value, ...options });

export const Type = {
  Integer: leaf('integer'),
  Number: leaf('number'),
  String: leaf('string'),
  Boolean: leaf('boolean'),
  Unknown: (options?: Options) => ({ ...options }),
  Unsafe: (schema: Options) => ({ ...schema }),
  Optional: optional,
  Object: object,
  Record: record,
  Array: (items: TSchema, options?: Options) => ({ type: 'array', items, ...options }),
  Enum: (values: readonly unknown[], options?: Options) => ({ enum: [...values], ...options }),
  Union: (anyOf: readonly TSchema[], options?: Options) => ({ anyOf: [...anyOf], ...options }),
  Literal: literal,
} as unknown as Pick<typeof TypeBox, 'Integer' | 'Number' | 'String' | 'Boolean' | 'Unknown' | 'Unsafe' | 'Optional' | 'Object' | 'Record' | 'Array' | 'Enum' | 'Union' | 'Literal'>;
