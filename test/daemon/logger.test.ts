// The daemon's log lines: JSON with ISO timestamps and no duplicate keys, or pino-pretty's lines
// for a person; API writes leave one audit line each.
import { PassThrough } from 'node:stream';
import t from 'tap';
import { buildApi } from '../../src/api/app.js';
import { parseConfig } from '../../src/config/load.js';
import { makeLogger } from '../../src/daemon/logger.js';
import { DaemonProcess } from '../../src/daemon/process.js';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d) => (text += d));
  return { stream, text: () => text };
}

t.test('JSON lines: ISO time, the level once, the service', async (t) => {
  const c = capture();
  const log = makeLogger('info', 'json', c.stream);
  log.info({ newLevel: 'debug' }, 'log level changed to debug');
  await new Promise((r) => setImmediate(r));
  const line = c.text().trim();
  t.match(line, /^\{"level":30,"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","service":"nodebgpd","newLevel":"debug","msg":"log level changed to debug"\}$/, line);
  t.equal(line.match(/"level"/g)?.length, 1, 'one level key');
});

t.test('pretty lines for a person', async (t) => {
  const c = capture();
  makeLogger('info', 'pretty', c.stream).warn({ neighbor: '10.0.0.2' }, 'session down: hold-timer-expired');
  await new Promise((r) => setTimeout(r, 50));
  t.match(c.text(), /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] WARN.*: session down: hold-timer-expired\n\s+neighbor: "10\.0\.0\.2"/, c.text());
  t.notMatch(c.text(), /^\{/, 'not JSON');
});

t.test('an API write leaves one audit line: who, what, the outcome', async (t) => {
  const c = capture();
  const proc = new DaemonProcess(parseConfig('asn: 64512\nrouterId: 10.0.0.1\nfib: { enabled: false }\n', 'test'), { logger: makeLogger('info', 'json', c.stream) });
  const app = await buildApi(proc);
  t.teardown(() => app.close());
  await app.inject({ method: 'POST', url: '/v1/routes', payload: { prefix: '10.244.9.0/24' } });
  await app.inject({ method: 'POST', url: '/v1/routes', payload: { prefix: '10.244.9.1/24' } });
  await app.inject('/v1/summary');
  await new Promise((r) => setImmediate(r));
  const audits = c.text().trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.audit);
  t.same(audits.map((l) => l.audit), [
    { from: '127.0.0.1', method: 'POST', path: '/v1/routes', status: 200 },
    { from: '127.0.0.1', method: 'POST', path: '/v1/routes', status: 400 },
  ], 'writes only, each with its status');
});
