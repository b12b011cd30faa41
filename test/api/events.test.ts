// GET /v1/events read by a real client (curl -N): session state changes and best-path changes as
// Server-Sent Events while a scripted peer establishes, announces and withdraws; a client that does
// not read is cut off with an `overflow` event once MAX_QUEUED events wait for it, and the daemon
// carries on.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { pino } from 'pino';
import t from 'tap';
import { buildApi } from '../../src/api/app.js';
import { MAX_QUEUED } from '../../src/api/events.js';
import { parseConfig } from '../../src/config/load.js';
import { RouteEvent, SessionEvent } from '../../src/daemon/contract/index.js';
import { DaemonProcess } from '../../src/daemon/process.js';
import { AS_PATH, NEXT_HOP, ORIGIN, update } from '../helpers/build.js';
import { establishFrom, openOf, until } from '../helpers/raw-peer.js';

const PEER = '127.0.0.2';
const CONFIG = `asn: 65000
routerId: 10.0.0.1
listen: { addresses: [127.0.0.1], port: 0 }
fib: { enabled: false }
ebgpRequiresPolicy: false
neighbors:
  - { address: ${PEER}, remoteAs: 65001, passive: true }
`;

async function setup(t: { teardown(fn: () => unknown): void }) {
  const proc = new DaemonProcess(parseConfig(CONFIG, 'test'), { logger: pino({ level: 'silent' }) });
  const app = await buildApi(proc);
  await proc.start();
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(async () => {
    await app.close();
    await proc.stop();
  });
  const port = (app.server.address() as { port: number }).port;
  const establish = async () => {
    await until(() => proc.daemon.neighbor(PEER).session.state === 'Active', 5000);
    const c = await establishFrom(proc.daemon.listener.ports[0], PEER, openOf(65001, 0x0a000002), () => proc.daemon.neighbor(PEER).up);
    t.teardown(() => c.socket.destroy());
    return c;
  };
  return { proc, port, establish };
}

function events(text: string): { event: string; data: Record<string, unknown> }[] {
  return text.split('\n\n').flatMap((block) => {
    const event = /^event: (.+)$/m.exec(block)?.[1];
    const data = /^data: (.+)$/m.exec(block)?.[1];
    return event && data ? [{ event, data: JSON.parse(data) as Record<string, unknown> }] : [];
  });
}

t.test('curl -N reads session and route events as they happen', async (t) => {
  const { port, establish } = await setup(t);
  const curl = spawn('curl', ['-sN', `http://127.0.0.1:${port}/v1/events`]);
  t.teardown(() => curl.kill());
  let out = '';
  curl.stdout.on('data', (d) => (out += d));
  t.ok(await until(() => out.includes(': nodebgp events'), 5000), 'the stream opens');
  const c = await establish();
  // 10.1.0.0/24 and 10.2.0.0/24 in, then 10.1.0.0/24 out.
  c.socket.write(update('', ORIGIN + AS_PATH + NEXT_HOP, '180a0100180a0200'));
  c.socket.write(update('180a0100', '', ''));
  t.ok(await until(() => events(out).filter((e) => e.event === 'route').length >= 3, 5000), 'route events arrive');
  const got = events(out);
  const states = got.filter((e) => e.event === 'session').map((e) => `${e.data.from}>${e.data.to}`);
  t.same(states, ['Active>OpenSent', 'OpenSent>OpenConfirm', 'OpenConfirm>Established'], 'every state change of the session, in order');
  t.ok(got.filter((e) => e.event === 'session').every((e) => e.data.neighbor === PEER && typeof e.data.at === 'string'), 'with the neighbor and the time');
  const routes = got.filter((e) => e.event === 'route').map((e) => [e.data.prefix, (e.data.best as { from?: string } | null)?.from ?? null]);
  t.same(routes, [['10.1.0.0/24', PEER], ['10.2.0.0/24', PEER], ['10.1.0.0/24', null]], 'best paths in, and the withdrawal as best: null');
  t.match(got.find((e) => e.event === 'route')?.data, { family: 'ipv4-unicast', best: { nextHop: '192.0.2.1', asPath: '65001' } });
  // Each payload in the contract's shape (closed objects: no undeclared field either).
  const ajv = new Ajv2020({ strict: false });
  addFormats.default(ajv);
  const bad = got.filter((e) => !ajv.validate(e.event === 'route' ? RouteEvent : SessionEvent, e.data));
  t.same(bad, [], 'every event matches the contract\'s SessionEvent or RouteEvent');
});

t.test('?routes=false: session events only', async (t) => {
  const { port, establish } = await setup(t);
  const curl = spawn('curl', ['-sN', `http://127.0.0.1:${port}/v1/events?routes=false`]);
  t.teardown(() => curl.kill());
  let out = '';
  curl.stdout.on('data', (d) => (out += d));
  await until(() => out.includes(': nodebgp events'), 5000);
  const c = await establish();
  c.socket.write(update('', ORIGIN + AS_PATH + NEXT_HOP, '180a0100'));
  await until(() => events(out).some((e) => e.data.to === 'Established'), 5000);
  await new Promise((r) => setTimeout(r, 300));
  t.same(events(out).map((e) => e.event), ['session', 'session', 'session']);
});

t.test('a client that does not read is cut off with `overflow`; the daemon carries on', async (t) => {
  const { proc, port, establish } = await setup(t);
  // A raw client that sends the request and then never reads.
  const s = connect(port, '127.0.0.1');
  t.teardown(() => s.destroy());
  await new Promise((r) => s.once('connect', r));
  s.write(`GET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n`);
  s.pause();
  const c = await establish();
  // Far more best-path changes than MAX_QUEUED: 200 UPDATEs of 250 /32s each.
  const msgs: Buffer[] = [];
  for (let m = 0; m < 200; m++) {
    let nlri = '';
    for (let i = 0; i < 250; i++) nlri += `200b${(m >> 8).toString(16).padStart(2, '0')}${(m & 255).toString(16).padStart(2, '0')}${i.toString(16).padStart(2, '0')}`;
    msgs.push(update('', ORIGIN + AS_PATH + NEXT_HOP, nlri));
  }
  c.socket.write(Buffer.concat(msgs));
  t.ok(await until(() => proc.daemon.rib.v4.prefixes === 50_000, 20000), `the daemon takes all 50,000 routes (more than ${MAX_QUEUED} events for the stalled client)`);
  s.resume();
  let text = '';
  s.on('data', (d) => (text += d.toString('latin1')));
  t.ok(await until(() => text.includes('event: overflow'), 10000), 'the stalled client finds an overflow event at the end of what it was sent');
  t.ok(await until(() => text.endsWith('\r\n0\r\n\r\n'), 5000), 'and the response ends there (the chunked body is terminated)');
  t.ok(proc.daemon.neighbor(PEER).up, 'the session is untouched');
});
