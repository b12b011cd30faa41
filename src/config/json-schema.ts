// The configuration file's schema as JSON Schema (draft 2020-12), generated from CONFIG_SPEC so the
// two never disagree: editors (the YAML language server, VS Code) complete and check nodebgpd.yaml
// with it. `nodebgpd --print-config-schema` prints it; schema/nodebgpd.schema.json is that output.

import type { Spec } from './schema.js';
import { CONFIG_SPEC } from './spec.js';

type JsonSchema = Record<string, unknown>;

function toJsonSchema(s: Spec): JsonSchema {
  switch (s.kind) {
    case 'int':
      return { type: 'integer', ...(s.min !== undefined ? { minimum: s.min } : {}), ...(s.max !== undefined ? { maximum: s.max } : {}) };
    case 'bool':
      return { type: 'boolean' };
    case 'string':
      return { type: 'string', ...(s.hint ? { description: s.hint } : {}), ...(s.secret ? { writeOnly: true } : {}) };
    case 'enum':
      return { enum: [...s.values] };
    case 'either':
      return { description: s.hint, anyOf: s.options.map(toJsonSchema) };
    case 'array':
      return { type: 'array', items: toJsonSchema(s.of) };
    case 'map':
      return { type: 'object', additionalProperties: toJsonSchema(s.of) };
    case 'object':
      return {
        type: 'object',
        properties: Object.fromEntries(Object.entries(s.fields).map(([k, f]) => [k, toJsonSchema(f)])),
        ...(s.required && s.required.length > 0 ? { required: [...s.required] } : {}),
        ...(s.exactlyOne ? { oneOf: s.exactlyOne.map((k) => ({ required: [k] })) } : {}),
        additionalProperties: false,
      };
  }
}

export function configJsonSchema(): JsonSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'nodebgpd configuration',
    description: 'The nodebgpd configuration file (YAML or JSON). nodebgpd --check also checks what a schema cannot: references, addresses, prefixes.',
    ...toJsonSchema(CONFIG_SPEC),
  };
}
