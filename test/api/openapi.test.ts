// The OpenAPI document the API serves, checked with a real linter: Redocly's recommended ruleset
// passes with no error and no warning (an operationId and a summary for every operation, security
// declared, 4xx responses, servers, license).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import t from 'tap';
import { buildApi } from '../../src/api/app.js';
import { createMetrics } from '../../src/api/metrics.js';
import { parseConfig } from '../../src/config/load.js';
import { DaemonProcess } from '../../src/daemon/process.js';
import { ROOT } from '../helpers/fixtures.js';

t.test('Redocly lint, recommended rules: valid, no warnings', async (t) => {
  const proc = new DaemonProcess(parseConfig('asn: 64512\nrouterId: 10.0.0.1\nfib: { enabled: false }\n', 'test'), { logger: pino({ level: 'silent' }) });
  const app = await buildApi(proc, { metrics: createMetrics(proc) });
  t.teardown(() => app.close());
  const doc = (await app.inject('/openapi.json')).json();
  const dir = mkdtempSync(join(tmpdir(), 'nodebgp-openapi-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'openapi.json');
  writeFileSync(file, JSON.stringify(doc, null, 2));
  const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'redocly'), ['lint', file, '--format=summary'], { encoding: 'utf8', cwd: dir });
  const out = `${r.stdout}${r.stderr}`;
  t.equal(r.status, 0, `redocly lint exits 0:\n${out}`);
  t.notMatch(out, /warning/i, 'and reports no warning');
  const ops = Object.values(doc.paths as Record<string, Record<string, { operationId?: string }>>).flatMap((p) => Object.values(p));
  t.ok(ops.length >= 20 && ops.every((o) => o.operationId), `${ops.length} operations, each with an operationId`);
});
