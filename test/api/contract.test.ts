// The API contract, checked on what the API really serves: a daemon with an Established neighbor
// (a scripted peer on loopback sending paths with every kind of attribute), originations and a
// BFD neighbor; every operation of the OpenAPI document is called, and each answer is validated
// against the schema the document declares for its status (JSON Schema 2020-12, as OpenAPI 3.1
// has it; objects are closed, so a field the contract does not declare fails too).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { pino } from 'pino';
import t from 'tap';
import { buildApi } from '../../src/api/app.js';
import { createMetrics } from '../../src/api/metrics.js';
import { parseConfig } from '../../src/config/load.js';
import { DaemonProcess } from '../../src/daemon/process.js';
import { AS_PATH, NEXT_HOP, ORIGIN, attr, update } from '../helpers/build.js';
import { establishFrom, openOf, until } from '../helpers/raw-peer.js';
import { cachePdu, vrp } from '../helpers/rtr-cache.js';
import { createServer } from 'node:net';

const TOKEN = 'a-long-enough-api-token';
const PEER = '127.0.0.2';
const CONFIG = `asn: 65000
routerId: 10.0.0.1
listen: { addresses: [127.0.0.1], port: 0 }
fib: { enabled: false }
ebgpRequiresPolicy: false
api: { token: ${TOKEN} }
neighbors:
  - { address: ${PEER}, remoteAs: 65001, passive: true, description: tor-a, softReconfigurationInbound: true, gracefulRestart: { restartTime: 120 } }
  - { address: 10.0.0.4, remoteAs: 64502, passive: true, enabled: false, bfd: { transmitInterval: 100, receiveInterval: 200 } }
originate:
  - { prefix: 10.9.0.0/24, communities: ["65000:1"] }
  - { prefix: "2001:db8:1::/48" }
`;

/** Every attribute kind the path shape has: MED, communities, large and extended communities, an unknown transitive one. */
const ATTRS = ORIGIN + AS_PATH + NEXT_HOP
  + attr(0x80, 4, '00000064')
  + attr(0xc0, 8, 'fde90064')
  + attr(0xc0, 16, '0002fde900000064')
  + attr(0xc0, 32, '0000fde90000000100000002')
  + attr(0xc0, 99, 'abcd');

t.test('every operation answers in the shape its OpenAPI schema declares', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nodebgp-contract-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'nodebgpd.yaml');
  // An RTR cache on loopback answering the daemon's Reset Query with one VRP (RFC 8210 5).
  const cache = createServer((s) => {
    s.once('data', () => s.write(Buffer.concat([cachePdu.cacheResponse(1, 1), cachePdu.prefix(1, true, vrp('10.1.0.0/16-24 AS65001')), cachePdu.endOfData(1, 1, 1)])));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => cache.listen(0, '127.0.0.1', r));
  t.teardown(() => cache.close());
  const rtrPort = (cache.address() as { port: number }).port;
  // A BMP collector on loopback that reads what it is sent.
  const station = createServer((s) => s.resume().on('error', () => {}));
  await new Promise<void>((r) => station.listen(0, '127.0.0.1', r));
  t.teardown(() => station.close());
  const bmpPort = (station.address() as { port: number }).port;
  const config = `${CONFIG}mrt: { directory: ${dir} }\nrpki: { caches: [{ address: 127.0.0.1, port: ${rtrPort} }] }\nbmp: { collectors: [{ address: 127.0.0.1, port: ${bmpPort} }] }\n`;
  writeFileSync(file, config);
  const proc = new DaemonProcess(parseConfig(config, file), { configPath: file, logger: pino({ level: 'silent' }) });
  const app = await buildApi(proc, { token: () => TOKEN, metrics: createMetrics(proc) });
  await proc.daemon.start();
  t.teardown(async () => {
    await app.close();
    await proc.daemon.stop();
  });

  // The neighbor comes up and sends two routes; it then has our originations advertised.
  const up = () => proc.daemon.neighbor(PEER).up;
  const c = await establishFrom(proc.daemon.listener.ports[0], PEER, openOf(65001, 0x0a000002, 90, [{ type: 'graceful-restart', flags: 0, restartTime: 60, entries: [{ afi: 1, safi: 1, flags: 0x80 }] }]), up);
  t.teardown(() => c.socket.destroy());
  t.ok(up(), 'the neighbor is Established');
  c.socket.write(update('', ATTRS, '180a0100180a0200'));
  t.ok(await until(() => proc.queries.summary().ribCount['ipv4-unicast'] === 3, 5000), 'its two routes are in the Loc-RIB');

  const doc = (await app.inject('/openapi.json')).json() as { openapi: string; paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>> };
  t.equal(doc.openapi, '3.1.0');
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const called = new Set<string>();
  const auth = { authorization: `Bearer ${TOKEN}` };

  /** Calls `url`, checks the status, and validates the body against the document's schema for `pattern`. */
  const check = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', pattern: string, url: string, status: number, payload?: object) => {
    const r = await app.inject({ method, url, headers: method === 'GET' ? {} : auth, ...(payload ? { payload } : {}) });
    t.equal(r.statusCode, status, `${method} ${url}: ${status}`);
    const op = doc.paths[pattern]?.[method.toLowerCase()];
    const schema = op?.responses[String(status)]?.content?.['application/json']?.schema;
    if (!schema) return t.fail(`${method} ${pattern} declares no JSON schema for ${status}`);
    called.add(`${method} ${pattern}`);
    const body = r.json();
    const valid = ajv.validate(schema, body);
    t.ok(valid, `${method} ${url} matches its schema${valid ? '' : `: ${ajv.errorsText(ajv.errors)}\n${JSON.stringify(body).slice(0, 2000)}`}`);
    return body;
  };

  await check('GET', '/healthz', '/healthz', 200);
  await check('GET', '/readyz', '/readyz', 200);
  const summary = await check('GET', '/v1/summary', '/v1/summary', 200);
  t.equal(summary.peers[PEER].state, 'Established');
  await check('GET', '/v1/neighbors', '/v1/neighbors', 200);
  const n = await check('GET', '/v1/neighbors/{address}', `/v1/neighbors/${PEER}`, 200);
  t.ok(n.capabilities.byFamily['ipv4-unicast'].gracefulRestart, 'negotiated capabilities per family');
  await check('GET', '/v1/neighbors/{address}', '/v1/neighbors/10.9.9.9', 404);
  await check('GET', '/v1/bfd', '/v1/bfd', 200);
  t.ok(await until(() => proc.queries.rpki().caches[0]?.inUse === true, 5000), 'the RTR cache is in use');
  const rpki = await check('GET', '/v1/rpki', '/v1/rpki', 200);
  t.match(rpki.caches[0], { connected: true, protocolVersion: 1, serial: 1, vrps: { ipv4: 1, ipv6: 0 } });
  const judged = await check('GET', '/v1/rpki/validate', '/v1/rpki/validate?prefix=10.1.0.0/24&asn=65001', 200);
  t.same(judged, { prefix: '10.1.0.0/24', originAs: 65001, state: 'valid', covering: [{ prefix: '10.1.0.0/16', maxLength: 24, asn: 65001 }] });
  await check('GET', '/v1/rpki/validate', '/v1/rpki/validate?prefix=10.1.0.0/99&asn=65001', 400);
  t.ok(await until(() => proc.queries.bmp().collectors[0]?.up === true, 5000), 'the BMP collector is connected');
  const bmp = await check('GET', '/v1/bmp', '/v1/bmp', 200);
  t.match(bmp.collectors[0], { address: '127.0.0.1', port: bmpPort, up: true, resyncs: 0 });
  t.same(await check('GET', '/v1/nexthops', '/v1/nexthops', 200), { tracking: false, nexthops: [] }, 'without the FIB next hops are not tracked');

  const routes = await check('GET', '/v1/routes/{family}', '/v1/routes/ipv4-unicast', 200);
  const path = routes.items.find((r: { prefix: string }) => r.prefix === '10.1.0.0/24').paths[0];
  t.match(path, {
    from: PEER, med: 100, communities: ['65001:100'], largeCommunities: ['65001:1:2'], best: true, lostOn: null,
    extendedCommunities: [{ type: 'route-target', value: '65001:100' }], unknownAttributes: [{ type: 99, value: 'abcd' }], rpki: 'valid',
  }, 'a path with every kind of attribute, and its RPKI state');
  t.ok(Math.abs(Date.parse(path.lastUpdate) - Date.now()) < 60_000, `its last update is now (${path.lastUpdate})`);
  const one = await check('GET', '/v1/routes/{family}', '/v1/routes/ipv4-unicast?prefix=10.9.0.0/24', 200);
  t.same(one.items[0].advertisedTo, [PEER], 'one prefix: whom it was sent to');
  await check('GET', '/v1/routes/{family}', '/v1/routes/ipv6-unicast?lookup=2001:db8:1::1', 200);
  await check('GET', '/v1/routes/{family}', '/v1/routes/ipv4-unicast?after=nonsense', 400);
  for (const which of ['received', 'accepted', 'advertised']) {
    const p = await check('GET', '/v1/neighbors/{address}/routes/{which}', `/v1/neighbors/${PEER}/routes/${which}`, 200);
    t.ok(p.items.length > 0, `${which}: ${p.items.length} routes`);
  }

  await check('POST', '/v1/routes', '/v1/routes', 200, { prefix: '10.50.0.0/24', communities: ['65000:7'], med: 5 });
  await check('DELETE', '/v1/routes', '/v1/routes?prefix=10.50.0.0/24', 200);
  await check('DELETE', '/v1/routes', '/v1/routes?prefix=10.50.0.0/24', 404);
  await check('POST', '/v1/routes', '/v1/routes', 400, { prefix: '10.50.0.0/24', color: 'red' });
  await check('POST', '/v1/neighbors/{address}/soft-reset', `/v1/neighbors/${PEER}/soft-reset`, 200, { direction: 'in' });
  await check('POST', '/v1/config/reload', '/v1/config/reload', 200);
  await check('GET', '/v1/config/reload', '/v1/config/reload', 200);
  await check('GET', '/v1/log-level', '/v1/log-level', 200);
  await check('PUT', '/v1/log-level', '/v1/log-level', 200, { level: 'warn' });
  await check('POST', '/v1/memory/compact', '/v1/memory/compact', 409);
  const dumped = await check('POST', '/v1/rib/dump', '/v1/rib/dump', 200, { name: 'contract.mrt' });
  t.equal(dumped.file, join(dir, 'contract.mrt'), 'the dump is written into mrt.directory');
  await check('POST', '/v1/rib/dump', '/v1/rib/dump', 400, { name: '../elsewhere.mrt' });
  await check('POST', '/v1/neighbors/{address}/reset', `/v1/neighbors/${PEER}/reset`, 200, { message: 'contract test' });
  await check('POST', '/v1/neighbors/{address}/shutdown', `/v1/neighbors/${PEER}/shutdown`, 200, {});
  await check('POST', '/v1/neighbors/{address}/enable', `/v1/neighbors/${PEER}/enable`, 200);

  // Every operation answering JSON was called (a new one needs a line above; the event stream has its own test).
  const json = Object.entries(doc.paths).flatMap(([p, ops]) => Object.entries(ops)
    .filter(([, op]) => op.responses['200']?.content?.['application/json'])
    .map(([m]) => `${m.toUpperCase()} ${p}`));
  t.same(json.filter((k) => !called.has(k)), [], `all ${json.length} JSON operations checked`);
});
