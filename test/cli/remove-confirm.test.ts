import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { type CliResult, type CliServer, importFlags, PfxFactory, runCli, startCliServer } from './harness.js';

const PASSWORD = 'remove-pass';
const CAROL = 'carol@contoso.com';
const DAN = 'dan@contoso.com';
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'main.js');
/** util-linux `script` gives the CLI a real terminal (a pty) on stdin; without it the terminal cases are skipped. */
const HAS_SCRIPT = process.platform === 'linux' && spawnSync('script', ['--version']).status === 0;

/** The CLI on a pseudo-terminal: `input` is what the person types. Output is the terminal's (stdout and stderr together). */
function runOnTerminal(args: readonly string[], input: string, env: Record<string, string>): Promise<CliResult> {
  const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', [process.execPath, MAIN, ...args].map(quote).join(' '), '/dev/null'],
      { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c) => {
      stdout += c;
      // Answer once the question is on the screen, as a person would.
      if (/\[y\/N\] $/.test(stdout)) child.stdin.write(input);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr: '' }));
  });
}

describe('pfxstore remove: confirmation for every certificate of a user, --yes, --dry-run', () => {
  let srv: CliServer;
  let f: PfxFactory;

  const cli = (...args: string[]) => runCli(args, { env: srv.env });
  const idsOf = async (upn: string) => {
    const r = await cli('list', '--json', '--upn', upn);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { id: string }[]).map((c) => c.id).sort();
  };

  before(async () => {
    [srv, f] = await Promise.all([startCliServer(), PfxFactory.create()]);
    const pfx = await Promise.all([1, 2].map((n) => f.pfx(`remove-${n}`, { password: PASSWORD })));
    const manifest = await f.write('m.csv', ['path,upn', ...pfx.flatMap((p) => [`${p.path},${CAROL}`, `${p.path},${DAN}`])].join('\n'));
    const r = await runCli(['import', '--manifest', manifest, ...importFlags(f, '').slice(2), '--password-env', 'PFX_PASS'],
      { env: { ...srv.env, PFX_PASS: PASSWORD } });
    assert.equal(r.code, 0, r.stderr + r.stdout);
  });
  after(async () => {
    await Promise.all([srv?.stop(), f?.cleanup()]);
  });

  it('--upn off a terminal without --yes refuses (exit 2, naming --yes) and removes nothing', async () => {
    const before = await idsOf(CAROL);
    const r = await cli('remove', '--upn', CAROL);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /needs confirmation, and stdin is not a terminal: pass --yes/);
    assert.deepEqual(await idsOf(CAROL), before);
  });

  it('--dry-run lists what --upn would remove and removes nothing', async () => {
    const ids = await idsOf(CAROL);
    assert.equal(ids.length, 2);
    const r = await cli('remove', '--upn', CAROL, '--dry-run');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').sort(), ids.map((id) => `would remove ${id}`));
    assert.match(r.stderr, /dry run: 2 certificates would be removed; nothing removed/);
    assert.deepEqual(await idsOf(CAROL), ids);
  });

  it('explicit IDs need no confirmation', async () => {
    const [first, second] = await idsOf(DAN);
    const r = await cli('remove', first!);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `removed ${first}\n`);
    assert.deepEqual(await idsOf(DAN), [second]);
  });

  it('on a terminal it asks "Delete N certificates of U? [y/N]": no keeps them (exit 1), y removes them', { skip: !HAS_SCRIPT && 'no util-linux script' }, async () => {
    const ids = await idsOf(CAROL);
    const no = await runOnTerminal(['remove', '--upn', CAROL], 'n\r', srv.env);
    assert.equal(no.code, 1, no.stdout);
    assert.match(no.stdout, new RegExp(`Delete 2 certificates of ${CAROL}\\? \\[y/N\\] `));
    assert.match(no.stdout, /not confirmed; nothing removed/);
    assert.deepEqual(await idsOf(CAROL), ids);

    const yes = await runOnTerminal(['remove', '--upn', CAROL], 'y\r', srv.env);
    assert.equal(yes.code, 0, yes.stdout);
    for (const id of ids) assert.match(yes.stdout, new RegExp(`^removed ${id}\\r?$`, 'm'));
    assert.deepEqual(await idsOf(CAROL), []);
  });

  it('--yes removes every certificate of the user without asking', async () => {
    const r = await cli('remove', '--upn', DAN, '--yes');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 1);
    assert.deepEqual(await idsOf(DAN), []);
  });
});
