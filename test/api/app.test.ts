// The admin API with app.inject() (no port opened): reads, paging, writes with the token, stable
// error codes for bad input with nothing changed, reload from a file, metrics and OpenAPI.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import t from 'tap';
import { buildApi } from '../../src/api/app.js';
import { createMetrics } from '../../src/api/metrics.js';
import { parseConfig } from '../../src/config/load.js';
import { DaemonProcess } from '../../src/daemon/process.js';
import { tempDir } from '../helpers/tmp.js';

const TOKEN = 'a-long-enough-api-token';
const dir = tempDir('nodebgp-api-');
const file = join(dir, 'nodebgpd.yaml');
const CONFIG = `asn: 64512
routerId: 10.0.0.1
listen: { addresses: [127.0.0.1], port: 0 }
fib: { enabled: false }
neighbors:
  - { address: 10.0.0.2, remoteAs: 64501, description: tor-a, passive: true }
  - { address: 10.0.0.4, remoteAs: 64502, passive: true, enabled: false, bfd: { transmitInterval: 100, receiveInterval: 200, strict: true } }
originate:
${Array.from({ length: 250 }, (_, i) => `  - prefix: 10.${100 + (i >> 8)}.${i & 255}.0/24`).join('\n')}
  - { prefix: "2001:db8:1::/48", communities: ["64512:100"] }
`;

async function setup(t: { teardown(fn: () => unknown): void }, token: string | undefined = TOKEN) {
  writeFileSync(file, CONFIG);
  const proc = new DaemonProcess(parseConfig(CONFIG, file), { configPath: file, logger: pino({ level: 'silent' }) });
  const app = await buildApi(proc, { token: () => proc.loaded.api.token ?? token, metrics: createMetrics(proc) });
  t.teardown(async () => {
    await app.close();
    for (const n of proc.daemon.neighbors.values()) n.session.close();
  });
  const auth = { authorization: `Bearer ${TOKEN}` };
  return { proc, app, auth };
}

t.test('health and readiness', async (t) => {
  const { app, proc } = await setup(t);
  t.equal((await app.inject('/healthz')).statusCode, 200);
  t.equal((await app.inject('/readyz')).statusCode, 503, 'not ready before the listeners are up');
  await proc.daemon.start();
  t.equal((await app.inject('/readyz')).statusCode, 200, 'ready after');
  await proc.daemon.stop();
});

t.test('summary and neighbors', async (t) => {
  const { app } = await setup(t);
  const s = (await app.inject('/v1/summary')).json();
  t.same([s.routerId, s.as, s.ribCount['ipv4-unicast'], s.ribCount['ipv6-unicast']], ['10.0.0.1', 64512, 250, 1]);
  t.match(s.peers['10.0.0.2'], { remoteAs: 64501, description: 'tor-a', state: 'Idle', pfxRcd: 0, pfxSnt: 0 });
  const n = (await app.inject('/v1/neighbors/10.0.0.2')).json();
  t.match(n, { address: '10.0.0.2', state: 'Idle', capabilities: null, policy: { import: null } });
  const missing = await app.inject('/v1/neighbors/10.0.0.9');
  t.same([missing.statusCode, missing.json().error.code], [404, 'not-found']);
});

t.test('BFD in the read model: /v1/bfd, neighbor detail, summary, metrics', async (t) => {
  const { app } = await setup(t);
  const b = (await app.inject('/v1/bfd')).json();
  t.equal(b.sessions.length, 1, 'only the neighbor with BFD');
  t.match(b.sessions[0], { peer: '10.0.0.4', strict: true, state: 'AdminDown', configured: { transmitIntervalMs: 100, receiveIntervalMs: 200, detectMultiplier: 3, passive: false }, downTransitions: 0 });
  t.equal((await app.inject('/v1/neighbors/10.0.0.2')).json().bfd, null, 'no BFD: null');
  t.equal((await app.inject('/v1/neighbors/10.0.0.4')).json().bfd.configured.receiveIntervalMs, 200);
  const s = (await app.inject('/v1/summary')).json();
  t.same([s.peers['10.0.0.2'].bfdState, s.peers['10.0.0.4'].bfdState], [null, 'AdminDown'], 'a neighbor shut down runs no BFD session');
  const m = (await app.inject('/metrics')).body;
  t.match(m, 'nodebgp_bfd_session_state{peer="10.0.0.4",peer_as="64502"} 0');
  t.notMatch(m, 'nodebgp_bfd_session_state{peer="10.0.0.2"', 'no series for a neighbor without BFD');
});

t.test('routes: pages of at most `limit`, continued with `after`; filters', async (t) => {
  const { app } = await setup(t);
  const seen: string[] = [];
  let after: string | null = null;
  let pages = 0;
  do {
    const r: { items: { prefix: string }[]; next: string | null } = (await app.inject(`/v1/routes/ipv4-unicast?limit=100${after ? `&after=${after}` : ''}`)).json();
    t.ok(r.items.length <= 100, 'page size respected');
    seen.push(...r.items.map((i) => i.prefix));
    after = r.next;
    pages++;
  } while (after && pages < 10);
  t.equal(pages, 3, 'three pages for 250 routes');
  t.equal(new Set(seen).size, 250, 'every route exactly once');
  const one = (await app.inject('/v1/routes/ipv4-unicast?prefix=10.100.7.0/24')).json();
  t.match(one.items[0], { prefix: '10.100.7.0/24', paths: [{ from: 'local', best: true, lostOn: null }] });
  const lpm = (await app.inject('/v1/routes/ipv4-unicast?lookup=10.100.7.9')).json();
  t.equal(lpm.items[0].prefix, '10.100.7.0/24', 'longest-prefix match');
  const longer = (await app.inject('/v1/routes/ipv4-unicast?prefix=10.100.0.0/17&longer=true&limit=1000')).json();
  t.equal(longer.items.length, 128, 'longer prefixes: the 128 /24s inside 10.100.0.0/17');
  t.equal(longer.items.every((i: { prefix: string }) => Number(i.prefix.split('.')[2]) < 128), true);
  const v6 = (await app.inject('/v1/routes/ipv6-unicast?community=64512:100')).json();
  t.same(v6.items.map((i: { prefix: string }) => i.prefix), ['2001:db8:1::/48'], 'community filter');
  t.equal((await app.inject('/v1/routes/ipv4-unicast?limit=5000')).json().error.code, 'invalid-request', 'a page larger than 1000 is refused');
  // Validators compile on a route's first request: each answer is its own request's.
  const refusal = (await app.inject('/v1/routes/ipv4-unicast?limit=5000')).json().error.message;
  t.match(refusal, /limit must be <= 1000/);
  t.equal((await app.inject('/v1/routes/ipv4-unicast?limit=2')).statusCode, 200, 'a valid request after a refused one');
  t.match((await app.inject('/v1/routes/ipv4-unicast?limit=0')).json().error.message, /limit must be >= 1/, 'and another refusal names its own problem');
});

t.test('writes need the token; bad input is 4xx with a stable code and changes nothing', async (t) => {
  const { app, auth, proc } = await setup(t);
  const before = proc.daemon.rib.v4.prefixes;
  const post = (body: unknown, headers: Record<string, string> = auth) => app.inject({ method: 'POST', url: '/v1/routes', headers, payload: body as object });
  const noToken = await post({ prefix: '10.244.1.0/26' }, {});
  t.same([noToken.statusCode, noToken.json().error.code], [401, 'unauthorized']);
  const wrong = await post({ prefix: '10.244.1.0/26' }, { authorization: 'Bearer nope' });
  t.equal(wrong.statusCode, 401);
  const cases: [string, unknown, number, string, RegExp][] = [
    ['malformed prefix', { prefix: '10.244.1/26' }, 400, 'invalid-request', /not an IPv4 prefix/],
    ['host bits', { prefix: '10.244.1.1/26' }, 400, 'invalid-request', /did you mean 10\.244\.1\.0\/26/],
    ['unknown field', { prefix: '10.244.1.0/26', colour: 'red' }, 400, 'invalid-request', /unknown field "colour"/],
    ['wrong type', { prefix: '10.244.1.0/26', med: '5' }, 400, 'invalid-request', /med must be integer/],
    ['missing field', {}, 400, 'invalid-request', /must have required property 'prefix'/],
    ['bad community', { prefix: '10.244.1.0/26', communities: ['1:99999'] }, 400, 'invalid-request', /not a community/],
    ['next hop of the other family', { prefix: '10.244.1.0/26', nextHop: '2001:db8::1' }, 400, 'invalid-request', /address family/],
  ];
  for (const [what, body, status, code, msg] of cases) {
    const r = await post(body);
    t.equal(r.statusCode, status, `${what}: status`);
    t.equal(r.json().error?.code, code, `${what}: code`);
    t.match(r.json().error?.message, msg, `${what}: message`);
  }
  const huge = await post({ prefix: '10.244.1.0/26', communities: Array.from({ length: 20000 }, () => '64512:100') });
  t.same([huge.statusCode, huge.json().error.code], [413, 'body-too-large'], 'a huge body is refused');
  const notJson = await app.inject({ method: 'POST', url: '/v1/routes', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"prefix":' });
  t.same([notJson.statusCode, notJson.json().error.code], [400, 'invalid-request'], 'malformed JSON');
  t.equal(proc.daemon.rib.v4.prefixes, before, 'nothing changed');
  const ok = await post({ prefix: '10.244.1.0/26', communities: ['64512:100'], localPref: 200 });
  t.equal(ok.statusCode, 200);
  t.equal(proc.daemon.rib.v4.prefixes, before + 1, 'a valid announce is applied');
  const del = await app.inject({ method: 'DELETE', url: '/v1/routes?prefix=10.244.1.0/26', headers: auth });
  t.equal(del.statusCode, 200);
  t.equal((await app.inject({ method: 'DELETE', url: '/v1/routes?prefix=10.244.1.0/26', headers: auth })).json().error.code, 'not-found', 'withdrawing twice: not found');
  const unknownRoute = await app.inject('/v1/nothing');
  t.same([unknownRoute.statusCode, unknownRoute.json().error.code], [404, 'not-found']);
  const text = await app.inject({ method: 'POST', url: '/v1/routes', headers: { ...auth, 'content-type': 'text/plain' }, payload: 'prefix=10.244.1.0/26' });
  t.same([text.statusCode, text.json().error.code], [415, 'unsupported-media-type'], 'a body that is not JSON: 415');
  const wrongMethod = await app.inject({ method: 'DELETE', url: '/v1/summary', headers: auth });
  t.same([wrongMethod.statusCode, wrongMethod.json().error.code, wrongMethod.headers.allow], [405, 'method-not-allowed', 'GET, HEAD'], 'a known path with another method: 405 with Allow');
  const wrongMethodParam = await app.inject({ method: 'GET', url: '/v1/neighbors/10.0.0.2/reset' });
  t.same([wrongMethodParam.statusCode, wrongMethodParam.headers.allow], [405, 'POST'], 'paths with parameters too');
  const badCursor = await app.inject('/v1/routes/ipv4-unicast?after=10.0.0.0/33');
  t.same([badCursor.statusCode, badCursor.json().error.code], [400, 'invalid-request'], 'a malformed cursor: 400');
  t.equal(proc.daemon.rib.v4.prefixes, before, 'still nothing changed');
});

t.test('neighbor actions and log level', async (t) => {
  const { app, auth, proc } = await setup(t);
  const r = await app.inject({ method: 'POST', url: '/v1/neighbors/10.0.0.2/shutdown', headers: auth, payload: { message: 'maintenance' } });
  t.equal(r.statusCode, 200);
  t.equal(proc.daemon.neighbors.get('10.0.0.2')?.config.enabled, false);
  t.equal((await app.inject({ method: 'POST', url: '/v1/neighbors/10.0.0.2/soft-reset', headers: auth, payload: {} })).json().error.code, 'conflict', 'soft reset of a session that is not up: conflict');
  t.equal((await app.inject({ method: 'POST', url: '/v1/neighbors/10.0.0.9/reset', headers: auth, payload: {} })).statusCode, 404);
  t.equal((await app.inject({ method: 'PUT', url: '/v1/log-level', headers: auth, payload: { level: 'loud' } })).statusCode, 400);
  t.equal((await app.inject({ method: 'PUT', url: '/v1/log-level', headers: auth, payload: { level: 'debug' } })).statusCode, 200);
  t.equal(proc.logger.level, 'debug');
});

t.test('reload: an invalid file is refused with its problems, a valid one applied', async (t) => {
  const { app, auth, proc } = await setup(t);
  writeFileSync(file, CONFIG.replace('description: tor-a', 'descripton: tor-a'));
  const bad = await app.inject({ method: 'POST', url: '/v1/config/reload', headers: auth });
  t.equal(bad.statusCode, 422);
  t.equal(bad.json().error.code, 'config-invalid');
  t.match(bad.json().error.details[0], { key: 'neighbors[0].descripton', line: 6 });
  t.equal(proc.daemon.neighbors.get('10.0.0.2')?.config.description, 'tor-a', 'the running config is kept');
  writeFileSync(file, CONFIG.replace('asn: 64512', 'asn: 64513'));
  const restart = await app.inject({ method: 'POST', url: '/v1/config/reload', headers: auth });
  t.same([restart.statusCode, restart.json().error.code], [409, 'restart-needed'], 'changing the AS needs a restart');
  writeFileSync(file, CONFIG.replace('description: tor-a', 'description: tor-b').replace('neighbors:\n', 'neighbors:\n  - { address: 10.0.0.3, remoteAs: 64502, passive: true }\n'));
  const good = await app.inject({ method: 'POST', url: '/v1/config/reload', headers: auth });
  t.equal(good.statusCode, 200);
  t.same(good.json().result.added, ['10.0.0.3']);
  t.same(good.json().result.soft, ['10.0.0.2'], 'a description change is applied in place');
  t.equal(proc.daemon.neighbors.size, 3);
  t.equal((await app.inject('/v1/config/reload')).json().lastReload.ok, true);
});

t.test('metrics and the OpenAPI document', async (t) => {
  const { app } = await setup(t);
  const m = (await app.inject('/metrics')).body;
  t.match(m, /nodebgp_peer_state\{peer="10\.0\.0\.2",peer_as="64501"\} 1/);
  t.match(m, /nodebgp_rib_prefixes\{afi_safi="ipv4-unicast"\} 250/);
  // The first chunk of the trie (1024 nodes, 21 octets each, and its 16 blocks of ids, 9 octets
  // each) and of the path store (1024 rows, 27 octets: one path a prefix, no path ids or weights,
  // so none of the columns made on demand).
  t.match(m, /nodebgp_rib_bytes\{afi_safi="ipv4-unicast"\} 49296/);
  t.match(m, /nodebgp_adj_rib_out_bytes\{afi_safi="ipv4-unicast"\} \d+/);
  t.match(m, /process_resident_memory_bytes/);
  const doc = (await app.inject('/openapi.json')).json();
  t.ok(doc.paths['/v1/summary'] && doc.paths['/v1/routes/{family}'] && doc.paths['/v1/neighbors/{address}/shutdown'], 'routes documented');
  t.ok(doc.paths['/v1/routes'].post.requestBody, 'request bodies documented');
});

t.test('without a token configured, writes are open (the API binds to loopback)', async (t) => {
  const { app } = await setup(t, '');
  t.equal((await app.inject({ method: 'POST', url: '/v1/routes', payload: { prefix: '10.244.1.0/26' } })).statusCode, 200);
});

t.test('auth comes first: a write without the token is 401 with WWW-Authenticate, whatever its body', async (t) => {
  const { app } = await setup(t);
  for (const payload of [{ prefix: 'not a prefix', nope: 1 }, 'garbage', { prefix: '10.9.0.0/24' }]) {
    const r = await app.inject({ method: 'POST', url: '/v1/routes', payload: payload as never, headers: typeof payload === 'string' ? { 'content-type': 'application/json' } : {} });
    t.equal(r.statusCode, 401, `${JSON.stringify(payload)}: 401, not a validation error`);
    t.equal(r.headers['www-authenticate'], 'Bearer realm="nodebgp"');
    t.notMatch(r.body, /nope|prefix/, 'nothing about the body');
  }
});

t.test('a token changed in the file applies at the reload; secrets are never echoed', async (t) => {
  const { proc, app } = await setup(t);
  const NEW = 'a-different-token-of-length';
  writeFileSync(file, `${CONFIG}api: { token: ${NEW} }\n`);
  const reload = await app.inject({ method: 'POST', url: '/v1/config/reload', headers: { authorization: `Bearer ${TOKEN}` } });
  t.equal(reload.statusCode, 200, 'reloaded with the old token');
  t.equal((await app.inject({ method: 'POST', url: '/v1/routes', payload: { prefix: '10.9.0.0/24' }, headers: { authorization: `Bearer ${TOKEN}` } })).statusCode, 401, 'the old token no longer works');
  t.equal((await app.inject({ method: 'POST', url: '/v1/routes', payload: { prefix: '10.9.0.0/24' }, headers: { authorization: `Bearer ${NEW}` } })).statusCode, 200, 'the new one does');

  // A password and a token written as numbers: the error names the key and the type, never the value.
  writeFileSync(file, `${CONFIG.replace('description: tor-a,', 'description: tor-a, password: 987654321987,')}api: { token: 123456789012345678 }\n`);
  const bad = await app.inject({ method: 'POST', url: '/v1/config/reload', headers: { authorization: `Bearer ${NEW}` } });
  t.equal(bad.statusCode, 422);
  t.match(bad.body, /password/, 'the error names the password key');
  t.notMatch(bad.body, /987654321987|123456789012345/, 'but shows neither value');
  const last = await app.inject('/v1/config/reload');
  t.notMatch(last.body, /987654321987|123456789012345/, 'nor does the last reload outcome');
  t.equal(proc.loaded.api.token, NEW, 'the running configuration is kept');
});
