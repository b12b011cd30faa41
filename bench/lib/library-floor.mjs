// What an idle nodebgpd costs before any of its own code (bench/idle.mjs, the `node` and
// `libraries` rows): a process that opens the BGP port and answers /metrics on the admin port,
// and nothing else. `node`: node:net and node:http alone. `libraries`: the same job done with the
// libraries the daemon is built on (Fastify, its pino logger, a prom-client registry with the
// default metrics nodebgpd also exports). Started with nodebgpd's own heap flags and malloc arenas.
//   node bench/lib/library-floor.mjs node|libraries
import { createServer as bgpPort } from 'node:net';

const kind = process.argv[2];
if (kind === 'node') {
  const { createServer } = await import('node:http');
  createServer((_req, res) => res.end('')).listen(8179, '127.0.0.1');
} else if (kind === 'libraries') {
  const { default: Fastify } = await import('fastify');
  const { pino } = await import('pino');
  const { Registry, collectDefaultMetrics } = await import('prom-client');
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  // As nodebgpd: requests not logged by Fastify, the daemon's own pino log beside it.
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  await app.listen({ port: 8179, host: '127.0.0.1' });
  pino().info({ metrics: 'http://127.0.0.1:8179/metrics' }, 'listening');
} else {
  throw new Error(`library-floor: 'node' or 'libraries', not ${kind}`);
}
// Last: the bench reads the process once this port listens.
bgpPort().listen(179);
