// The admin API (Fastify): reads go to the daemon's read model, writes to its commands; nothing
// here touches the RIB or sessions directly. Every route has a JSON schema (served as OpenAPI at
// /openapi.json); unknown fields are rejected, not dropped. Writes need the bearer token when one
// is configured.

import { timingSafeEqual } from 'node:crypto';
import fastifySwagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { TSchema } from 'typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifySchemaValidationError } from 'fastify';
import type { Metrics } from './metrics.js';
import { ConfigError } from '../config/load.js';
import { ParseError } from '../config/prefix.js';
import { CommandError } from '../daemon/daemon.js';
import * as C from '../daemon/contract/index.js';
import type { DaemonProcess } from '../daemon/process.js';
import { QueryError } from '../daemon/read-model.js';
import { ApiError } from './errors.js';
import { registerEvents } from './events.js';

/**
 * Route listings cost memory until the client has read them: at most `limit` are in flight at
 * once; more get 429 with Retry-After (each page is also bounded in octets, PAGE_BYTES).
 */
export class HeavyReads {
  inFlight = 0;
  constructor(readonly limit = 4) {}
}

export interface ApiOptions {
  /** Concurrent route listings (tests pass their own to watch it). */
  readonly heavyReads?: HeavyReads;
  /** The bearer token writes need, read on every request (a reload that changes it applies at once). */
  readonly token?: () => string | undefined;
  readonly metrics?: Metrics;
  /** Largest request body accepted, in bytes. */
  readonly bodyLimit?: number;
}

const { Type } = C;
const E = C.ErrorBody;
const errors = { 400: E, 401: E, 404: E, 405: E, 409: E, 413: E, 415: E, 422: E, 429: E } as const;
const page = {
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  after: Type.Optional(Type.String({ description: 'the last prefix of the previous page (its `next`)' })),
};
const address = C.Closed({ address: Type.String({ description: 'neighbor address, or an unnumbered neighbor\'s interface' }) });

function translate(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof CommandError) return new ApiError(e.code === 'invalid' ? 'invalid-request' : e.code, e.message);
  if (e instanceof ConfigError) return new ApiError('config-invalid', 'the configuration file has errors; the running configuration is kept', e.problems);
  if (e instanceof ParseError || e instanceof QueryError) return new ApiError('invalid-request', e.message);
  const f = e as { validation?: unknown; statusCode?: number; code?: string; message?: string };
  if (Array.isArray(f.validation)) {
    const v = f.validation[0] as { instancePath?: string; keyword?: string; params?: { additionalProperty?: string } };
    const where = (f as { validationContext?: string }).validationContext ?? 'request';
    if (v?.keyword === 'additionalProperties') return new ApiError('invalid-request', `${where}: unknown field "${v.params?.additionalProperty}"`);
    return new ApiError('invalid-request', f.message ?? 'invalid request');
  }
  if (f.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ApiError('body-too-large', f.message ?? 'body too large');
  if (f.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new ApiError('unsupported-media-type', 'the body must be application/json');
  if (f.statusCode && f.statusCode >= 400 && f.statusCode < 500) return new ApiError('invalid-request', f.message ?? 'invalid request');
  return new ApiError('internal-error', (e as Error)?.message ?? 'internal error');
}

/**
 * A route's validator, compiled when the route is first asked (Ajv's code for every route at start
 * is memory an idle daemon keeps for routes it may never serve); answers as Ajv's does, with
 * `errors` on the function, which is where Fastify reads them. A schema Ajv could not compile would
 * fail its route's requests instead of the start: test/api/contract.test.ts calls every operation.
 */
function lazyValidator(ajv: Ajv, schema: object): ((data: unknown) => boolean) & { errors?: FastifySchemaValidationError[] | null } {
  let compiled: ValidateFunction | undefined;
  const validate = (data: unknown): boolean => {
    compiled ??= ajv.compile(schema);
    const ok = compiled(data);
    validate.errors = compiled.errors;
    return ok;
  };
  validate.errors = undefined as FastifySchemaValidationError[] | null | undefined;
  return validate;
}

export async function buildApi(proc: DaemonProcess, options: ApiOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    // Requests are not logged (the daemon's own log carries what changed); errors go to its logger.
    logger: false,
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    // Event streams stay open: on shutdown they are closed, not waited for.
    forceCloseConnections: true,
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Answers are written with JSON.stringify: the contract's types make the read model return exactly
  // the documented shapes (the contract test checks every answer against its schema), and nothing
  // is silently dropped by a schema-driven serializer.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  // Bodies are JSON: anything else is 415 (Fastify would otherwise hand a text/plain body to the schema).
  app.removeContentTypeParser('text/plain');
  // Every route's methods by path pattern: a known path with another method is 405, not 404.
  const methods = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  app.addHook('onRoute', (r) => {
    const entry = methods.get(r.url) ?? { pattern: new RegExp(`^${r.url.replace(/:[^/]+/g, '[^/]+')}$`), methods: new Set<string>() };
    for (const m of [r.method].flat()) entry.methods.add(m);
    methods.set(r.url, entry);
  });
  // Unknown fields are errors (not silently dropped); bodies are not type-coerced, query strings are.
  const strict = new Ajv({ removeAdditional: false, coerceTypes: false, useDefaults: true, strict: false });
  const lenient = new Ajv({ removeAdditional: false, coerceTypes: 'array', useDefaults: true, strict: false });
  app.setValidatorCompiler(({ schema, httpPart }) => lazyValidator(httpPart === 'body' ? strict : lenient, schema));
  await app.register(fastifySwagger, {
    openapi: {
      // 3.1: its schemas are JSON Schema 2020-12, so nullable values are type arrays as the contract writes them.
      openapi: '3.1.0',
      info: {
        title: 'nodebgp admin API',
        version: '1',
        description: 'Read the BGP daemon state and change it at runtime. Reads are open; writes need `Authorization: Bearer <token>` when a token is configured (always, off loopback).',
        license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
      },
      servers: [{ url: 'http://127.0.0.1:8179', description: 'the default: loopback on the node' }],
      tags: [
        { name: 'health', description: 'Liveness and readiness' },
        { name: 'state', description: 'Sessions, BFD, routes: what FRR shows with `show bgp ...`' },
        { name: 'routes', description: 'Routes this daemon originates' },
        { name: 'neighbors', description: 'Actions on a neighbor' },
        { name: 'daemon', description: 'Configuration, logging, memory' },
        { name: 'monitoring', description: 'Metrics and the event stream' },
      ],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });

  app.setErrorHandler((e, _req, reply) => {
    const err = translate(e);
    if (err.code === 'internal-error') proc.logger.error({ err: e }, 'API request failed');
    void reply.code(err.status).send(err.body());
  });
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0];
    const allowed = [...methods.values()].filter((e) => e.pattern.test(path)).flatMap((e) => [...e.methods]);
    if (allowed.length > 0) {
      void reply.code(405).header('allow', [...new Set(allowed)].sort().join(', ')).send(new ApiError('method-not-allowed', `${req.method} is not allowed on ${path}; allowed: ${[...new Set(allowed)].sort().join(', ')}`).body());
      return;
    }
    void reply.code(404).send(new ApiError('not-found', `no route ${req.method} ${req.url}`).body());
  });

  // Checked before the body is read or validated (onRequest): without the token a request learns
  // nothing about what the body should have been.
  const authorize = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const current = options.token?.();
    if (!current) return;
    const token = Buffer.from(current);
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const given = m ? Buffer.from(m[1]) : Buffer.alloc(0);
    if (given.length !== token.length || !timingSafeEqual(given, token)) {
      void reply.header('www-authenticate', 'Bearer realm="nodebgp"');
      throw new ApiError('unauthorized', 'this API needs Authorization: Bearer <token> for changes');
    }
  };
  // One audit line per write: who (address), what (method, path), and how it ended.
  const audit = async (req: FastifyRequest, reply: FastifyReply) => {
    proc.logger.info({ audit: { from: req.ip, method: req.method, path: req.url, status: reply.statusCode } }, `API ${req.method} ${req.url} from ${req.ip}: ${reply.statusCode}`);
  };
  const write = { onRequest: authorize, onResponse: audit, security: [{ bearer: [] }] };
  const heavy = options.heavyReads ?? new HeavyReads();
  const counted = new WeakSet<FastifyRequest>();
  const heavyRead = {
    onRequest: async (req: FastifyRequest, reply: FastifyReply) => {
      if (heavy.inFlight >= heavy.limit) {
        void reply.header('retry-after', '1');
        throw new ApiError('too-many-requests', `at most ${heavy.limit} route listings are served at once; try again`);
      }
      heavy.inFlight++;
      counted.add(req);
    },
    // Until the response is written out (or the client goes away).
    onResponse: async (req: FastifyRequest) => {
      if (counted.delete(req)) heavy.inFlight--;
    },
    onRequestAbort: async (req: FastifyRequest) => {
      if (counted.delete(req)) heavy.inFlight--;
    },
  };
  // The daemon as the edge sees it: what it may ask, what it may tell.
  const q = proc.queries;
  const c = proc.commands;

  // --- health ---------------------------------------------------------------------------------------
  app.get('/healthz', { schema: { operationId: 'health', summary: 'Liveness', description: 'The process is alive.', tags: ['health'], security: [], response: { 200: C.Health, ...errors } } }, async () => ({ ok: true }));
  app.get('/readyz', { schema: { operationId: 'ready', summary: 'Readiness', description: 'Configuration loaded and BGP listeners up.', tags: ['health'], security: [], response: { 200: C.Ready, 503: C.Ready, ...errors } } }, async (_req, reply) => {
    const r = q.ready();
    return reply.code(r.ok ? 200 : 503).send(r);
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // --- reads ----------------------------------------------------------------------------------------
  const read = (operationId: string, summary: string, description: string) => ({ operationId, summary, description, tags: ['state'], security: [] });
  app.get('/v1/summary', { schema: { ...read('getSummary', 'Sessions and prefix counts', "Like FRR's `show bgp summary json`."), response: { 200: C.Summary, ...errors } } }, async () => q.summary());
  app.get('/v1/neighbors', { schema: { ...read('listNeighbors', 'Every neighbor in detail', "Like FRR's `show bgp neighbors json`."), response: { 200: C.Neighbors, ...errors } } }, async () => q.neighbors());
  app.get('/v1/neighbors/:address', { schema: { ...read('getNeighbor', 'One neighbor in detail', 'Negotiated capabilities, timers, messages by type, liveness, policy, flaps, the last NOTIFICATIONs.'), params: address, response: { 200: C.Neighbor, ...errors } } }, async (req) => q.neighbor(req.params.address));
  app.get('/v1/bfd', { schema: { ...read('listBfdSessions', 'BFD sessions', "Every BFD session, like FRR's `show bfd peers`."), response: { 200: C.BfdSessions, ...errors } } }, async () => q.bfd());
  app.get('/v1/bmp', { schema: { ...read('getBmp', 'BMP collectors', "The BMP monitoring stations (RFC 7854) we send to, like FRR's `show bmp`."), response: { 200: C.BmpStatus, ...errors } } }, async () => q.bmp());
  app.get('/v1/rpki', { schema: { ...read('getRpki', 'RPKI caches', "The RTR caches (RFC 8210) and what each holds, like FRR's `show rpki cache-connection`."), response: { 200: C.RpkiStatus, ...errors } } }, async () => q.rpki());
  app.get('/v1/nexthops', { schema: { ...read('listNexthops', 'Tracked next hops', "Every BGP next hop and how it resolves (through which route, to which gateways, at what IGP cost), like FRR's `show bgp nexthop`."), response: { 200: C.TrackedNexthops, ...errors } } }, async () => q.nexthops());
  app.get('/v1/rpki/validate', {
    schema: {
      ...read('validateOrigin', 'Judge a prefix and origin AS', "RFC 6811 origin validation of a prefix from an origin AS against the caches in use, with the covering VRPs, like FRR's `show rpki prefix`."),
      querystring: C.Closed({ prefix: Type.String(), asn: Type.Integer({ minimum: 0, maximum: 4294967295 }) }),
      response: { 200: C.RpkiValidation, ...errors },
    },
  }, async (req) => q.rpkiValidate(req.query.prefix, req.query.asn));
  app.get('/v1/neighbors/:address/routes/:which', {
    ...heavyRead,
    schema: {
      ...read('listNeighborRoutes', 'A neighbor\'s routes', 'A neighbor\'s routes: received (before import policy; needs softReconfigurationInbound), accepted (after policy) or advertised.'),
      params: C.Closed({ address: Type.String(), which: Type.Enum(['received', 'accepted', 'advertised']) }),
      querystring: C.Closed({ family: Type.Enum(C.FAMILY_NAMES, { default: 'ipv4-unicast' }), ...page }),
      response: { 200: C.NeighborRoutePage, ...errors },
    },
  }, async (req) => q.neighborRoutes(req.params.address, req.params.which, req.query.family, req.query.limit, req.query.after));
  app.get('/v1/routes/:family', {
    ...heavyRead,
    schema: {
      ...read('listRoutes', 'Loc-RIB routes', 'Loc-RIB routes of a family with every path, the best marked, and for the others the decision step they lost on. Paged.'),
      params: C.Closed({ family: C.FamilyName }),
      querystring: C.Closed({
        prefix: Type.Optional(Type.String({ description: 'exact prefix' })),
        longer: Type.Optional(Type.Boolean({ description: 'with prefix: every prefix inside it' })),
        lookup: Type.Optional(Type.String({ description: 'longest-prefix match for an address' })),
        neighbor: Type.Optional(Type.String({ description: 'only paths from this neighbor ("local": ours)' })),
        community: Type.Optional(Type.String({ description: 'only paths with this community' })),
        rpki: Type.Optional(C.RpkiState),
        ...page,
      }),
      response: { 200: C.RoutePage, ...errors },
    },
  }, async (req) => q.routes({ family: req.params.family, ...req.query }));

  // --- writes ---------------------------------------------------------------------------------------
  app.post('/v1/routes', {
    ...write,
    schema: { operationId: 'announceRoute', summary: 'Announce a prefix', description: 'Announce (originate) a prefix.', tags: ['routes'], security: [{ bearer: [] }], body: C.Announce, response: { 200: C.Announced, ...errors } },
  }, async (req) => {
    c.announce(req.body);
    return { ok: true, announced: req.body.prefix };
  });
  app.delete('/v1/routes', {
    ...write,
    schema: {
      operationId: 'withdrawRoute',
      summary: 'Withdraw a prefix',
      description: 'Withdraw a prefix announced by this daemon.',
      tags: ['routes'],
      security: [{ bearer: [] }],
      querystring: C.Closed({ prefix: Type.String() }),
      response: { 200: C.Withdrawn, ...errors },
    },
  }, async (req) => {
    if (!c.withdraw(req.query.prefix)) throw new ApiError('not-found', `${req.query.prefix} is not announced by this daemon`);
    return { ok: true, withdrawn: req.query.prefix };
  });
  const action = <B extends TSchema>(path: string, operationId: string, summary: string, description: string, body: B | undefined, run: (addr: string, body: Partial<C.Static<B>>) => C.SoftResetResult | void) =>
    app.post(`/v1/neighbors/:address/${path}`, {
      ...write,
      schema: { operationId, summary, description, tags: ['neighbors'], security: [{ bearer: [] }], params: address, ...(body ? { body } : {}), response: { 200: C.NeighborDone, ...errors } },
    }, async (req) => {
      const neighbor = q.neighbor(req.params.address).address;
      const done = run(neighbor, (req.body ?? {}) as Partial<C.Static<B>>);
      return { ok: true, neighbor, ...(done ? { done } : {}) };
    });
  action('shutdown', 'shutdownNeighbor', 'Shut a neighbor down', 'Administrative shutdown (Cease 6/2, RFC 9003 message); stays down until enabled.', C.Message, (a, b) => c.shutdownNeighbor(a, b.message));
  action('enable', 'enableNeighbor', 'Enable a neighbor', 'Start an administratively down neighbor.', undefined, (a) => c.enableNeighbor(a));
  action('reset', 'resetNeighbor', 'Reset a neighbor', 'Hard reset (Cease 6/4); the session starts again.', C.Message, (a, b) => c.resetNeighbor(a, b.message));
  action('soft-reset', 'softResetNeighbor', 'Soft-reset a neighbor', 'Soft reset: re-apply import policy (from kept routes or by ROUTE-REFRESH) and/or resend the Adj-RIB-Out.',
    C.SoftResetRequest, (a, b) => c.softReset(a, b.direction ?? 'both'));

  const daemonOp = (operationId: string, summary: string, description: string, secured: boolean) => ({ operationId, summary, description, tags: ['daemon'], security: secured ? [{ bearer: [] }] : [] });
  app.post('/v1/config/reload', { ...write, schema: { ...daemonOp('reloadConfig', 'Reload the configuration', 'Re-read the configuration file and apply the difference; an invalid file changes nothing.', true), response: { 200: C.Reloaded, ...errors } } }, async () => ({ ok: true, result: await c.reload() }));
  app.get('/v1/config/reload', { schema: { ...daemonOp('getLastReload', 'The last reload', 'The outcome of the last reload.', false), response: { 200: C.LastReloadAnswer, ...errors } } }, async () => ({ lastReload: q.lastReload() }));
  app.post('/v1/memory/compact', {
    ...write,
    schema: {
      ...daemonOp('compactMemory', 'Collect garbage now', 'Run a full garbage collection now; the heap in use before and after (bytes). The daemon does this itself after most of a table is withdrawn.', true),
      response: { 200: C.Compacted, ...errors },
    },
  }, async () => {
    const r = c.compactMemory();
    if (!r) throw new ApiError('conflict', 'this process cannot collect garbage on demand (it was not started by nodebgpd)');
    return r;
  });
  app.post('/v1/rib/dump', {
    ...write,
    schema: {
      ...daemonOp('dumpRib', 'Dump the RIB as MRT', 'Write every path of the Loc-RIB as an MRT TABLE_DUMP_V2 file (RFC 6396, RFC 8050 for ADD-PATH) into mrt.directory; bgpdump and other MRT readers take it.', true),
      tags: ['routes'],
      body: C.RibDumpRequest,
      response: { 200: C.RibDumped, ...errors },
    },
  }, async (req) => c.dumpRib(req.body?.name));
  app.get('/v1/log-level', { schema: { ...daemonOp('getLogLevel', 'The log level', 'The level lines are logged at.', false), response: { 200: C.LogLevelAnswer, ...errors } } }, async () => ({ level: q.logLevel() }));
  app.put('/v1/log-level', {
    ...write,
    schema: { ...daemonOp('setLogLevel', 'Set the log level', 'Change the level at once (until the next start).', true), body: C.Closed({ level: C.LogLevel }), response: { 200: C.LogLevelSet, ...errors } },
  }, async (req) => {
    c.setLogLevel(req.body.level);
    return { ok: true, level: req.body.level };
  });

  // --- metrics --------------------------------------------------------------------------------------
  if (options.metrics) {
    const metrics = options.metrics;
    app.get('/metrics', { schema: { operationId: 'getMetrics', summary: 'Prometheus metrics', description: 'Prometheus metrics (also served, read-only, on the metrics listener).', tags: ['monitoring'], security: [], produces: ['text/plain'], response: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } }, ...errors } } }, async (_req, reply: FastifyReply) => {
      void reply.header('content-type', metrics.registry.contentType);
      return metrics.scrape();
    });
  }
  registerEvents(app, q);
  return app;
}
