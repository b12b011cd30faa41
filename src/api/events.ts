// GET /v1/events: a Server-Sent Events stream of what changes, like `gobgp monitor` over HTTP:
//   event: session   data: {"neighbor","from","to","at"}            every session state change
//   event: route     data: {"family","prefix","best": path | null}  every best-path change
// A client that reads too slowly (more than MAX_QUEUED events waiting on its socket) gets an
// `overflow` event and the stream ends: it re-reads the state from the API and subscribes again,
// and the daemon never buffers without bound for it. `?routes=false` leaves route events out.

import type { FastifyInstance } from 'fastify';
import { ErrorBody, type RouteEvent, type SessionEvent } from '../daemon/contract/index.js';
import type { DaemonQueries } from '../daemon/ports.js';

/** Events a client may have waiting before it is cut off. */
export const MAX_QUEUED = 10_000;
/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

export function registerEvents(app: FastifyInstance, q: DaemonQueries): void {
  app.get<{ Querystring: { routes: boolean } }>('/v1/events', {
    schema: {
      operationId: 'streamEvents',
      summary: 'Stream session and route changes (Server-Sent Events)',
      description: 'A `text/event-stream` of `session` events (every state change) and `route` events (every best-path change, unless `routes=false`). A client too slow to read gets an `overflow` event and the stream ends.',
      tags: ['monitoring'],
      security: [],
      querystring: { type: 'object', properties: { routes: { type: 'boolean', default: true } }, additionalProperties: false },
      response: { 200: { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, 400: ErrorBody },
    },
  }, async (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(': nodebgp events\n\n');
    let queued = 0;
    let closed = false;
    const send = (event: 'session' | 'route', data: SessionEvent | RouteEvent) => {
      if (closed) return;
      if (queued >= MAX_QUEUED) {
        res.end(`event: overflow\ndata: ${JSON.stringify({ queued, message: 'this client reads too slowly; read the state again and reconnect' })}\n\n`);
        return stop();
      }
      queued++;
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`, () => queued--);
    };
    const unsubscribe = q.subscribe({
      sessionState: (neighbor, from, to) => send('session', { neighbor, from, to, at: new Date().toISOString() }),
    });
    const unwatch = req.query.routes
      ? q.watchBest((family, prefix, best) => send('route', { family, prefix, best }))
      : () => undefined;
    const heartbeat = setInterval(() => closed || res.write(': keepalive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    const stop = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
      unwatch();
    };
    res.on('close', stop);
  });
}
