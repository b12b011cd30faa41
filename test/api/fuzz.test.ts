// The admin API under random input (fast-check): arbitrary JSON bodies, fields and query strings
// on the write and read routes. Never a 5xx; every refusal is a 4xx with one of the stable error
// codes; a refused write changes nothing (the Loc-RIB and the neighbor set are as before).
import fc from 'fast-check';
import { pino } from 'pino';
import t from 'tap';
import { buildApi } from '../../src/api/app.js';
import { parseConfig } from '../../src/config/load.js';
import { DaemonProcess } from '../../src/daemon/process.js';

const CODES = new Set(['invalid-request', 'unauthorized', 'not-found', 'conflict', 'restart-needed', 'body-too-large', 'config-invalid']);
const CONFIG = `asn: 64512
routerId: 10.0.0.1
listen: { addresses: [127.0.0.1], port: 0 }
fib: { enabled: false }
neighbors:
  - { address: 10.0.0.2, remoteAs: 64501, passive: true }
originate:
  - prefix: 10.244.1.0/26
`;

t.test('random requests: no 5xx, stable codes, refused writes change nothing', async (t) => {
  const proc = new DaemonProcess(parseConfig(CONFIG, 'fuzz.yaml'), { logger: pino({ level: 'silent' }) });
  const app = await buildApi(proc);
  t.teardown(async () => {
    await app.close();
    for (const n of proc.daemon.neighbors.values()) n.session.close();
  });
  const state = () => JSON.stringify([proc.daemon.rib.v4.prefixes, proc.daemon.rib.v6.prefixes, [...proc.daemon.neighbors.keys()], proc.logger.level]);
  const json = fc.jsonValue({ maxDepth: 3 });
  const field = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.constantFrom('10.244.9.0/26', '2001:db8::/48', '10.0.0.1', '-1', '1e9', '64512:100', 'no-export', '', '::', '300.1.1.1/8', '10.0.0.0/33'));
  const body = fc.oneof(json, fc.record({ prefix: field, communities: fc.oneof(json, fc.array(field)), nextHop: field, med: field, localPref: field }, { requiredKeys: [] }), fc.dictionary(fc.string({ maxLength: 10 }), field));
  const route = fc.constantFrom(
    ['POST', '/v1/routes'], ['DELETE', '/v1/routes?prefix='], ['PUT', '/v1/log-level'], ['POST', '/v1/neighbors/10.0.0.2/soft-reset'],
    ['POST', '/v1/neighbors/10.0.0.2/shutdown'], ['POST', '/v1/neighbors/10.9.9.9/reset'], ['GET', '/v1/routes/ipv4-unicast?prefix='],
    ['GET', '/v1/routes/ipv6-unicast?lookup='], ['GET', '/v1/neighbors/'], ['GET', '/v1/routes/ipv4-unicast?limit='],
  );
  let writes = 0;
  await fc.assert(fc.asyncProperty(route, body, field, async ([method, path], payload, q) => {
    const before = state();
    const url = path.endsWith('=') || path.endsWith('/') ? `${path}${encodeURIComponent(String(q))}` : path;
    const res = await app.inject({ method: method as 'GET', url, ...(method === 'GET' || method === 'DELETE' ? {} : { payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } }) });
    if (res.statusCode >= 500) throw new Error(`${method} ${url} ${JSON.stringify(payload)}: ${res.statusCode} ${res.body}`);
    if (res.statusCode >= 400) {
      const code = res.json().error?.code;
      if (!CODES.has(code)) throw new Error(`${method} ${url}: unstable error code ${code}`);
      if (state() !== before) throw new Error(`${method} ${url} ${JSON.stringify(payload)} was refused (${code}) but changed something`);
    } else if (method !== 'GET') {
      writes++;
    }
  }), { numRuns: Number(process.env.API_FUZZ_RUNS ?? 600), seed: Number(process.env.API_FUZZ_SEED ?? 4242) });
  t.pass(`no 5xx, stable codes; ${writes} random writes were accepted (valid by chance)`);
});
