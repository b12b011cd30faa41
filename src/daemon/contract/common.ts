// Building blocks of the API contract (TypeBox's types: each schema is JSON Schema and a TypeScript
// type; built by schema.ts): closed objects, nullable values as JSON Schema type arrays (OpenAPI 3.1).

import type { Static, TSchema } from 'typebox';
import { Type } from './schema.js';

export { Type, type Static };

/**
 * An object with exactly these fields: the document tells clients the whole shape, and the
 * contract test fails when the daemon serves a field the contract does not declare.
 */
export const Closed = <P extends Record<string, TSchema>>(properties: P, options: { description?: string } = {}) => Type.Object(properties, { additionalProperties: false, ...options });

/** `schema` or null. */
export function Nullable<T extends TSchema>(schema: T, options: { description?: string } = {}) {
  const base = schema as unknown as { type?: string };
  if (typeof base.type !== 'string') return Type.Unsafe<Static<T> | null>({ anyOf: [schema, { type: 'null' }], ...options });
  return Type.Unsafe<Static<T> | null>({ ...schema, ...options, type: [base.type, 'null'] });
}

export const FAMILY_NAMES = ['ipv4-unicast', 'ipv6-unicast'] as const;
export const FamilyName = Type.Enum(FAMILY_NAMES, { description: 'address family (AFI/SAFI)' });
export type FamilyName = Static<typeof FamilyName>;

/** ISO 8601 wall-clock time. */
export const Time = Type.String({ format: 'date-time' });

/** `{ ok: true, ... }`: what a write answers. */
export const Ok = <P extends Record<string, TSchema>>(properties: P) => Closed({ ok: Type.Boolean(), ...properties });
