// Waiting and pinging, for the lab's checks.
import { spawn } from 'node:child_process';

/** Polls `fn` (sync or async) until it returns something truthy or `ms` pass. */
export async function until(fn, ms, step = 250) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) return undefined;
    await new Promise((r) => setTimeout(r, step));
  }
}

/** Pings from one node's pod address to another's every `intervalMs`; the ping summary as numbers. */
export function pingStream(lab, from, source, to, count, intervalMs) {
  const intervalMs0 = intervalMs;
  return new Promise((resolveP) => {
    const p = spawn('ip', ['netns', 'exec', lab.ns(from), 'ping', '-n', '-q', '-I', source, '-i', String(intervalMs / 1000), '-c', String(count), '-W', '1', to], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', () => {
      const m = /(\d+) packets transmitted, (\d+) received.*time (\d+)ms/.exec(out);
      const transmitted = Number(m?.[1] ?? 0);
      // ping's own interval is a floor: the real one is its total time over the packets sent.
      const intervalMs = transmitted > 1 ? Number(m?.[3] ?? 0) / (transmitted - 1) : intervalMs0;
      resolveP({ transmitted, received: Number(m?.[2] ?? 0), intervalMs, text: out.trim() });
    });
  });
}
