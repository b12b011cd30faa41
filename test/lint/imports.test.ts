// The import-boundary check passes on this tree and fails on a tree where src/wire reaches up.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/fixtures.js';

const script = join(ROOT, 'scripts', 'check-imports.mjs');

t.test('this tree respects the layers', async (t) => {
  const r = spawnSync(process.execPath, [script, ROOT], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
});

t.test('a wire module importing the RIB or a package fails the check', async (t) => {
  const dir = t.testdir({ src: { wire: {}, rib: {} } });
  mkdirSync(join(dir, 'src', 'wire'), { recursive: true });
  writeFileSync(join(dir, 'src', 'wire', 'codec.ts'), "import { Rib } from '../rib/rib.js';\nimport pino from 'pino';\n");
  writeFileSync(join(dir, 'src', 'rib', 'rib.ts'), "import { decodeMessage } from '../wire/index.js';\n");
  const r = spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });
  t.equal(r.status, 1);
  t.match(r.stderr, /src\/wire\/codec\.ts: imports '\.\.\/rib\/rib\.js': wire may not import rib/);
  t.match(r.stderr, /imports 'pino': wire may not import packages/);
  t.notMatch(r.stderr, /src\/rib\/rib\.ts/, 'rib -> wire is allowed');
});

t.test('TypeBox is imported for its types only', async (t) => {
  const dir = t.testdir({ src: { daemon: { contract: {} } } });
  writeFileSync(join(dir, 'src', 'daemon', 'contract', 'ok.ts'), "import type { Static, TSchema } from 'typebox';\nimport type TypeBox from 'typebox';\n");
  writeFileSync(join(dir, 'src', 'daemon', 'contract', 'loads.ts'), "import Type, { type Static } from 'typebox';\n");
  writeFileSync(join(dir, 'src', 'daemon', 'contract', 'dynamic.ts'), "const Type = await import('typebox');\n");
  const r = spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });
  t.equal(r.status, 1);
  t.match(r.stderr, /loads\.ts: imports 'typebox': typebox only with `import type`/);
  t.match(r.stderr, /dynamic\.ts: imports 'typebox': typebox only with `import type`/);
  t.notMatch(r.stderr, /ok\.ts/, 'type-only imports are fine');
});
