#!/usr/bin/env node
// Import-boundary check (DESIGN.md section 1): layers import one way,
// api -> daemon -> {fsm, bfd, nd, rpki, rib, fib} -> wire, and the pure layers stay free of I/O and of
// logging/metrics libraries; above the RIB nobody reads its storage (trie nodes, route entries),
// only its read faces (src/rib/query.ts, kernel-view.ts); and the daemon's timers are on the
// injected clock. Exits 1 listing every offender. Usage: check-imports.mjs [root]
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(process.argv[2] ?? '.');
const src = join(root, 'src');

/** Project layers each layer may import. */
const ALLOWED_LAYERS = {
  wire: ['wire'],
  fsm: ['fsm', 'wire'],
  bfd: ['bfd', 'wire'],
  nd: ['nd', 'wire'],
  rpki: ['rpki', 'wire'],
  rib: ['rib', 'wire'],
  fib: ['fib', 'wire'],
  // config builds the RIB's policy data from text, so it may read rib's types.
  config: ['config', 'rib', 'wire'],
  daemon: ['daemon', 'config', 'fsm', 'bfd', 'nd', 'rpki', 'rib', 'fib', 'wire'],
  api: ['api', 'daemon', 'config', 'wire'],
};
/** Packages (and node: modules) a layer must not import; `*` means any at all. */
const FORBIDDEN_PACKAGES = {
  wire: ['*'],
  rib: ['node:net', 'node:dgram', 'pino', 'prom-client', 'fastify'],
  fsm: ['pino', 'prom-client', 'fastify'],
  bfd: ['pino', 'prom-client', 'fastify'],
  nd: ['node:net', 'pino', 'prom-client', 'fastify'],
  rpki: ['pino', 'prom-client', 'fastify'],
  fib: ['pino', 'prom-client', 'fastify'],
};

/**
 * Packages src may use for their types only (`import type`): TypeBox's runtime is 374 modules
 * (2.8 MB of the idle daemon's memory) for a few plain objects, which src/daemon/contract/schema.ts
 * builds itself.
 */
const TYPE_ONLY_PACKAGES = ['typebox', '@fastify/type-provider-typebox'];

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (/\.(ts|mts|js|mjs)$/.test(name)) yield p;
  }
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm;
const problems = [];
for (const file of files(src)) {
  const layer = relative(src, file).split(sep)[0];
  if (!(layer in ALLOWED_LAYERS)) continue;
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3];
    const where = `${relative(root, file)}: imports '${spec}'`;
    if (spec.startsWith('.')) {
      const target = relative(src, resolve(dirname(file), spec));
      const targetLayer = target.split(sep)[0];
      if (target.startsWith('..')) problems.push(`${where} from outside src`);
      else if (!ALLOWED_LAYERS[layer].includes(targetLayer)) problems.push(`${where}: ${layer} may not import ${targetLayer}`);
    } else {
      const banned = FORBIDDEN_PACKAGES[layer] ?? [];
      const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      if (TYPE_ONLY_PACKAGES.includes(pkg) && !/^\s*;?\s*(import|export)\s+type\s/.test(m[0])) problems.push(`${where}: ${pkg} only with \`import type\` (its runtime is not loaded; see TYPE_ONLY_PACKAGES)`);
      if (banned.includes('*') || banned.includes(pkg)) problems.push(`${where}: ${layer} may not import packages${banned.includes('*') ? ' (it is pure)' : ` like ${pkg}`}`);
    }
  }
}
/** What must not appear in a layer's code, and why. */
const FORBIDDEN_TEXT = {
  daemon: [[/node\.value|\.trie\.|RouteNode/, 'reads the RIB\'s storage: use its read faces (query.ts, kernel-view.ts)'], [/(?<![.\w])(setTimeout|setInterval)\(/, 'a global timer: use the injected clock']],
  api: [[/node\.value|\.trie\.|RouteNode/, 'reads the RIB\'s storage: use its read faces (query.ts, kernel-view.ts)'], [/\bproc\.daemon\b/, 'reaches into the daemon: use its ports (DaemonQueries, DaemonCommands in src/daemon/ports.ts)']],
};
for (const file of files(src)) {
  const layer = relative(src, file).split(sep)[0];
  const rules = FORBIDDEN_TEXT[layer] ?? [];
  readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    if (/^\s*(\/\/|\*)/.test(line)) return;
    for (const [re, why] of rules) if (re.test(line)) problems.push(`${relative(root, file)}:${i + 1}: ${why}`);
  });
}
if (problems.length > 0) {
  console.error(`import boundaries violated (DESIGN.md section 1):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('import boundaries: ok');
