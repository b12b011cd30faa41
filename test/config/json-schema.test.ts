// The configuration's JSON Schema for editors: generated from the loader's own spec, published as
// schema/nodebgpd.schema.json (kept equal to what nodebgpd --print-config-schema prints), and it
// agrees with the loader on the shipped files and on mistakes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import t from 'tap';
import { parse } from 'yaml';
import { DEFAULT_CONFIG_TEXT } from '../../src/config/default.js';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { ROOT } from '../helpers/fixtures.js';

const schema = configJsonSchema();
const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);

t.test('the published file is the generated schema', async (t) => {
  const published = JSON.parse(readFileSync(join(ROOT, 'schema', 'nodebgpd.schema.json'), 'utf8'));
  t.same(published, schema, 'schema/nodebgpd.schema.json is up to date (regenerate: node dist/api/nodebgpd.js --print-config-schema > schema/nodebgpd.schema.json)');
});

t.test('the shipped files are valid against it', async (t) => {
  const files: [string, string][] = [['embedded default', DEFAULT_CONFIG_TEXT]];
  for (const n of [1, 2, 3, 4]) files.push([`fabric node${n}`, readFileSync(join(ROOT, 'lab', 'containerlab', 'fabric', `node${n}.yaml`), 'utf8')]);
  for (const n of [1, 2, 3, 4, 5, 6]) files.push([`fabric-rr node${n}`, readFileSync(join(ROOT, 'lab', 'containerlab', 'fabric-rr', `node${n}.yaml`), 'utf8')]);
  for (const [name, text] of files) t.ok(validate(parse(text)), `${name}: ${JSON.stringify(validate.errors)}`);
});

t.test('what the loader refuses by shape, the schema refuses too', async (t) => {
  const bad: [string, unknown][] = [
    ['a misspelt key', { asn: 1, holdtime: 90 }],
    ['asn 0', { asn: 0 }],
    ['a string hold time', { asn: 1, holdTime: '90' }],
    ['a neighbor without an address', { asn: 1, neighbors: [{ remoteAs: 1 }] }],
    ['a BFD multiplier of 1', { asn: 1, neighbors: [{ address: '10.0.0.2', remoteAs: 1, bfd: { detectMultiplier: 1 } }] }],
    ['an unknown route-map action', { asn: 1, policy: { routeMaps: { A: [{ seq: 10, action: 'allow' }] } } }],
  ];
  for (const [what, cfg] of bad) t.notOk(validate(cfg), what);
});
