// The admin API's token from the environment follows the file's rule (at least 16 characters): a
// one-character NODEBGP_API_TOKEN is refused at start, off loopback or not, with one clear line.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ROOT } from '../helpers/fixtures.js';
import { shipped } from '../helpers/shipped-env.js';
import { tempDir } from '../helpers/tmp.js';

t.test('a short NODEBGP_API_TOKEN is refused at start', async (t) => {
  const dir = tempDir('nodebgpd-token-');
  const file = join(dir, 'c.yaml');
  writeFileSync(file, 'asn: 65000\nrouterId: 10.0.0.1\nlisten: { port: 0 }\nfib: { enabled: false }\napi: { address: 0.0.0.0, port: 0 }\n');
  const [cmd, ...args] = shipped([process.execPath, join(ROOT, 'dist', 'api', 'nodebgpd.js'), '-c', file], { NODEBGP_API_TOKEN: 'x' });
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20000 });
  t.equal(r.status, 2, 'exit status 2 (configuration)');
  t.equal(r.stderr.trim(), 'nodebgpd: NODEBGP_API_TOKEN: a token has at least 16 characters', 'one line saying why');
  t.notMatch(r.stderr, /\bx\b/, 'without the token');
});
