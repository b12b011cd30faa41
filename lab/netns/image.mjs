// The nodebgp image and pod without a container engine: what the Dockerfile builds (the app under
// /app, node with its file capabilities and ip, the numeric user), read from the Dockerfile
// itself and laid out under a directory; and processes started as the container starts them:
// setpriv to the image's UID and GID, no supplementary groups, the bounding set the pod grants,
// nothing inherited or ambient. What would only work as root fails here as it would in the pod.
import { cpSync, chmodSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The Dockerfile's facts: its USER (numeric, as runAsNonRoot needs) and the file capabilities it sets (names, and +p or +ep). */
export function dockerfileFacts(file = join(ROOT, 'Dockerfile')) {
  const text = readFileSync(file, 'utf8');
  const users = [...text.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
  const user = users.at(-1);
  if (!user || !/^\d+(:\d+)?$/.test(user)) throw new Error(`Dockerfile: USER ${user ?? '(none)'} is not numeric (the kubelet cannot check runAsNonRoot against a name)`);
  const [uid, gid = uid] = user.split(':').map(Number);
  const caps = {};
  const capFlags = {};
  for (const m of text.matchAll(/setcap\s+(\S+)\+(e?p)\s+"\$\(readlink -f "\$\(command -v (\w+)\)"\)"/g)) {
    caps[m[3]] = m[1].split(',');
    capFlags[m[3]] = m[2];
  }
  const entry = /^ENTRYPOINT\s+(\[.*\])/m.exec(text);
  return { uid, gid, caps, capFlags, entrypoint: entry ? JSON.parse(entry[1]) : [] };
}

/**
 * The image's layout under `dir`: app/ (dist, node_modules, package.json, world-readable, as
 * COPY leaves them) and bin/ (node and ip, copied, with the Dockerfile's file capabilities, if any).
 */
export function installImage(dir, facts = dockerfileFacts()) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'bin'), { recursive: true });
  const app = join(dir, 'app');
  for (const part of ['dist', 'node_modules', 'package.json']) cpSync(join(ROOT, part), join(app, part), { recursive: true, dereference: true });
  for (const p of [dir, join(dir, 'bin')]) chmodSync(p, 0o755);
  spawnSync('chmod', ['-R', 'a+rX', app]);
  const tools = { node: process.execPath, ip: spawnSync('sh', ['-c', 'readlink -f "$(command -v ip)"'], { encoding: 'utf8' }).stdout.trim() };
  for (const [name, source] of Object.entries(tools)) {
    const target = join(dir, 'bin', name);
    cpSync(source, target);
    chmodSync(target, 0o755);
    const caps = facts.caps[name];
    if (caps) {
      const r = spawnSync('setcap', [`${caps.join(',')}+${facts.capFlags[name]}`, target], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`setcap on ${target}: ${r.stderr}`);
    }
  }
  return imageLayout(dir);
}

/** Where installImage puts things under `dir`. */
export function imageLayout(dir) {
  return { dir, app: join(dir, 'app'), bin: join(dir, 'bin'), node: join(dir, 'bin', 'node'), ip: join(dir, 'bin', 'ip') };
}

/**
 * The command prefix that runs a process as the container does: the image's user, the pod's
 * capability bounding set (e.g. ['NET_BIND_SERVICE', 'NET_ADMIN'], or [] for drop ALL), no
 * inherited or ambient capabilities, and only the container's environment: PATH with the image's
 * tools first, HOME, and `env` (the pod's variables). Nothing of the caller's environment passes
 * (a test runner's NODE_OPTIONS would reach a node that gains no capability).
 */
export function asContainer(facts, bounding, image, env = {}) {
  const caps = bounding.map((c) => `+${c.toLowerCase()}`).join(',');
  const base = { PATH: `${image.bin}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin`, HOME: image.dir };
  const vars = Object.entries({ ...base, ...env }).map(([k, v]) => `${k}=${v}`);
  return {
    prefix: ['setpriv', `--reuid=${facts.uid}`, `--regid=${facts.gid}`, '--clear-groups', `--bounding-set=-all${caps ? `,${caps}` : ''}`, '--inh-caps=-all', '--ambient-caps=-all', 'env', '-i', ...vars],
    env: base,
  };
}
