// The contract's schema builders (src/daemon/contract/schema.ts) return what TypeBox's own
// return, as JSON and in what marks a property optional, for every builder the contract uses and
// the options it passes; the document the API serves is checked by the OpenAPI linter in
// test/api/openapi.test.ts (a real OpenAPI linter).
import t from 'tap';
import TypeBox from 'typebox';
import { Type } from '../../src/daemon/contract/schema.js';
import { Closed, Nullable } from '../../src/daemon/contract/common.js';

const json = (s: unknown) => JSON.parse(JSON.stringify(s)) as unknown;
const optional = (s: object) => Object.hasOwn(s, '~optional');

t.test('leaf builders, with and without options', async (t) => {
  const options = [undefined, {}, { description: 'd' }, { minimum: 0, maximum: 4294967295, default: 100 }, { format: 'date-time' }];
  for (const o of options) {
    for (const name of ['Integer', 'Number', 'String', 'Boolean', 'Unknown'] as const) {
      t.same(json(Type[name](o)), json(TypeBox[name](o)), `${name}(${JSON.stringify(o)})`);
    }
  }
});

t.test('composite builders', async (t) => {
  const cases: [string, unknown, unknown][] = [
    ['Array', Type.Array(Type.String(), { maxItems: 3 }), TypeBox.Array(TypeBox.String(), { maxItems: 3 })],
    ['Array of objects', Type.Array(Type.Object({ a: Type.Integer() })), TypeBox.Array(TypeBox.Object({ a: TypeBox.Integer() }))],
    ['Enum', Type.Enum(['ipv4-unicast', 'ipv6-unicast'], { default: 'ipv4-unicast' }), TypeBox.Enum(['ipv4-unicast', 'ipv6-unicast'], { default: 'ipv4-unicast' })],
    ['Enum of one', Type.Enum(['a']), TypeBox.Enum(['a'])],
    ['Record', Type.Record(Type.String(), Type.Integer()), TypeBox.Record(TypeBox.String(), TypeBox.Integer())],
    ['Record with options', Type.Record(Type.String(), Type.Unknown(), { description: 'x' }), TypeBox.Record(TypeBox.String(), TypeBox.Unknown(), { description: 'x' })],
    ['Union', Type.Union([Type.Integer(), Type.Enum(['external', 'internal'])], { description: 'd' }), TypeBox.Union([TypeBox.Integer(), TypeBox.Enum(['external', 'internal'])], { description: 'd' })],
    ['Literal string', Type.Literal('self'), TypeBox.Literal('self')],
    ['Literal number', Type.Literal(5), TypeBox.Literal(5)],
    ['Literal boolean', Type.Literal(true), TypeBox.Literal(true)],
    ['Unsafe', Type.Unsafe({ anyOf: [{ type: 'string' }, { type: 'null' }], description: 'd' }), TypeBox.Unsafe({ anyOf: [{ type: 'string' }, { type: 'null' }], description: 'd' })],
    ['Object, none optional', Type.Object({ a: Type.String(), b: Type.Integer() }, { additionalProperties: false }), TypeBox.Object({ a: TypeBox.String(), b: TypeBox.Integer() }, { additionalProperties: false })],
    ['Object, some optional', Type.Object({ a: Type.Optional(Type.String()), b: Type.Integer(), c: Type.Optional(Type.Literal('resent')) }), TypeBox.Object({ a: TypeBox.Optional(TypeBox.String()), b: TypeBox.Integer(), c: TypeBox.Optional(TypeBox.Literal('resent')) })],
    ['Object, all optional', Type.Object({ a: Type.Optional(Type.String()) }), TypeBox.Object({ a: TypeBox.Optional(TypeBox.String()) })],
    ['Object, empty', Type.Object({}), TypeBox.Object({})],
    ['Object, options after', Type.Object({ a: Type.String() }, { description: 'd', additionalProperties: false }), TypeBox.Object({ a: TypeBox.String() }, { description: 'd', additionalProperties: false })],
  ];
  for (const [name, ours, theirs] of cases) t.same(json(ours), json(theirs), name);
});

t.test('Optional marks a copy, out of the JSON, and only what it is given', async (t) => {
  const s = Type.String({ description: 'd' });
  const o = Type.Optional(s);
  t.ok(optional(o));
  t.notOk(optional(s), 'the schema given is not changed');
  t.notOk(Object.keys(o).includes('~optional'), 'not enumerable');
  t.equal(optional(o), optional(TypeBox.Optional(TypeBox.String())));
  t.notOk(optional(Nullable(Type.Optional(Type.String()))), 'a nullable of an optional is a new schema (as with TypeBox)');
});

t.test('the contract\'s own helpers build the same with either', async (t) => {
  t.same(json(Closed({ a: Type.Optional(Type.Integer()), b: Type.Boolean() }, { description: 'd' })), json(TypeBox.Object({ a: TypeBox.Optional(TypeBox.Integer()), b: TypeBox.Boolean() }, { additionalProperties: false, description: 'd' })));
  t.same(json(Nullable(Type.Integer(), { description: 'd' })), { type: ['integer', 'null'], description: 'd' });
  t.same(json(Nullable(Type.Union([Type.Integer(), Type.String()]))), { anyOf: [{ anyOf: [{ type: 'integer' }, { type: 'string' }] }, { type: 'null' }] });
});

t.test('a record keyed by anything but plain strings is refused at build time', async (t) => {
  t.throws(() => Type.Record(Type.Integer() as never, Type.String()), /keyed by plain strings/);
  t.throws(() => Type.Record(Type.String({ pattern: '^a' }) as never, Type.String()), /keyed by plain strings/);
});
