// `nodebgp decode` on valid and malformed input: JSON lines out, exit status 1 on any error.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, loadFixtures } from '../helpers/fixtures.js';
import { shipped } from '../helpers/shipped-env.js';
import { MANDATORY, NLRI, attr, msg, update } from '../helpers/build.js';

// The built binary, as users run it (`npm test` builds before tap runs).
const cli = join(ROOT, 'dist', 'api', 'cli', 'main.js');

function run(args: string[], input?: string | Buffer) {
  const [cmd, ...argv] = shipped([process.execPath, cli, 'decode', ...args]);
  const r = spawnSync(cmd, argv, { input, encoding: 'utf8' });
  return { status: r.status, lines: r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)), stderr: r.stderr };
}

const keepalive = 'ffffffffffffffffffffffffffffffff001304';
const fixtures = loadFixtures('frr');

t.test('hex arguments', async (t) => {
  const r = run([keepalive, fixtures[0].hex]);
  t.equal(r.status, 0);
  t.same(r.lines, [{ type: 'keepalive' }, fixtures[0].expected]);
});

t.test('hex lines on stdin, one malformed', async (t) => {
  const bad = 'ffffffffffffffffffffffffffffffff001306';
  const r = run([], `${keepalive}\n${bad}\n\n${keepalive}\n`);
  t.equal(r.status, 1, 'non-zero exit at the end');
  t.equal(r.lines.length, 3, 'every line answered');
  t.same(r.lines[1], { error: { code: 1, subcode: 3, data: '06', reason: 'message type 6' } });
  t.same(r.lines[2], { type: 'keepalive' }, 'decoding goes on after an error');
});

t.test('--raw binary stream from a file', async (t) => {
  const dir = t.testdir({});
  const file = join(dir, 'stream.bin');
  const upd = fixtures.filter((f) => f.expected.type === 'update').slice(0, 5);
  writeFileSync(file, Buffer.concat(upd.map((f) => Buffer.from(f.hex, 'hex'))));
  const r = run(['--raw', file, '--extended-message']);
  t.equal(r.status, 0, r.stderr);
  t.same(r.lines, upd.map((f) => f.expected));
});

t.test('--raw from stdin and a stream cut short', async (t) => {
  const r = run(['--raw'], Buffer.from(keepalive + 'ffffffff', 'hex'));
  t.equal(r.status, 1);
  t.same(r.lines[0], { type: 'keepalive' });
  t.match(r.lines[1].error.reason, /stream ends inside a message/);
});

t.test('context options', async (t) => {
  // ADD-PATH: path id 0x21000001, 10.0.0.0/24 withdrawn; read without path ids, 0x21 is prefix length 33.
  const addPath = update('21000001180a0000', '', '').toString('hex');
  t.same(run(['--add-path', 'ipv4-unicast', addPath]).lines[0].withdrawn, [{ prefix: '10.0.0.0/24', pathId: 0x21000001 }]);
  t.equal(run([addPath]).status, 1, 'without --add-path the same octets are malformed');
  // A 2-octet AS_PATH [65001].
  const as2 = update('', attr(0x40, 1, '00') + attr(0x40, 2, '0201 fde9') + attr(0x40, 3, 'c0000201'), NLRI).toString('hex');
  const r = run(['--no-as4', as2]);
  t.same(r.lines[0].attributes.asPath, [{ type: 'sequence', asns: [65001] }]);
  t.equal(run(['--add-path', 'ipv9-unicast', keepalive]).status, 2, 'an unknown AFI/SAFI name is a usage error');
  t.equal(run([update('', MANDATORY, NLRI).toString('hex')]).status, 0, 'the same UPDATE in 4-octet form');
  t.equal(run([msg(4, '00').toString('hex')]).lines[0].error.subcode, 2, 'a KEEPALIVE with a body is a length error');
});
