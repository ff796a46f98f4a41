import assert from 'node:assert/strict';
import { copyFile, mkdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type CliServer, importFlags, type MadePfx, PfxFactory, runCli, startCliServer } from './harness.js';

const PASSWORD = 'manifest-pass 1';
const ROWS = 20;

describe('pfxstore import --manifest', () => {
  let srv: CliServer;
  let f: PfxFactory;
  let originals: MadePfx[];
  let manifest: string;
  const dir = () => f.ws.dir;

  /** Row n (1-based) sits on CSV line n + 1: file n is a copy of one of three PFX files, owned by its own user. */
  const upn = (n: number) => `user${String(n).padStart(2, '0')}@contoso.com`;
  const file = (n: number) => `bulk/pfx-${String(n).padStart(2, '0')}.pfx`;

  const writeManifest = (passwordFileOf: (n: number) => string) => writeFile(manifest, [
    'path,upn,purpose,password_file',
    ...Array.from({ length: ROWS }, (_, i) => `${file(i + 1)},${upn(i + 1)},${i % 2 ? 'SmimeSigning' : 'smimeEncryption'},${passwordFileOf(i + 1)}`),
  ].join('\n') + '\n');

  before(async () => {
    [srv, f] = await Promise.all([startCliServer(), PfxFactory.create()]);
    originals = await Promise.all([0, 1, 2].map((i) => f.pfx(`orig${i}`, { password: PASSWORD, legacy: i === 2 })));
    await f.write('good.txt', `${PASSWORD}\n`);
    await f.write('bad.txt', 'not the password\n');
    await mkdir(join(dir(), 'bulk'));
    // Row 15's file is missing on the first run.
    await Promise.all(Array.from({ length: ROWS }, (_, i) => i + 1).filter((n) => n !== 15)
      .map((n) => copyFile(originals[n % 3]!.path, join(dir(), file(n)))));
    manifest = join(dir(), 'certs.csv');
    await writeManifest((n) => (n === 8 ? 'bad.txt' : 'good.txt'));
  });
  after(async () => {
    await Promise.all([srv?.stop(), f?.cleanup()]);
  });

  it('imports 20 files with concurrency 4, carries on past bad rows and names each failure', async () => {
    const r = await runCli(['import', '--manifest', manifest, '--concurrency', '4', ...importFlags(f, '').slice(2)], { env: srv.env });
    assert.equal(r.code, 1, r.stderr);
    // Not a terminal: one plain progress line per file.
    assert.equal(r.stderr.match(/^\[\d+\/20\] /gm)?.length, ROWS, r.stderr);
    assert.match(r.stdout, /^imported 18 · updated 0 · skipped 0 · failed 2$/m);
    assert.match(r.stdout, /^ {2}row 9 .*pfx-08\.pfx \(user08@contoso\.com\): wrong password/m);
    assert.match(r.stdout, /^ {2}row 16 .*pfx-15\.pfx \(user15@contoso\.com\): no such file/m);

    const list = await runCli(['list', '--json'], { env: srv.env });
    const stored = JSON.parse(list.stdout) as { userPrincipalName: string; thumbprint: string; intendedPurpose: string }[];
    assert.equal(stored.length, 18);
    const row3 = stored.find((c) => c.userPrincipalName === upn(3))!;
    assert.equal(row3.thumbprint, originals[0]!.thumbprint);
    assert.equal(row3.intendedPurpose, 'smimeEncryption');
    assert.equal(stored.find((c) => c.userPrincipalName === upn(4))!.intendedPurpose, 'smimeSigning');
  });

  it('a rerun after fixing the rows imports only what is missing', async () => {
    await writeManifest(() => 'good.txt');
    await copyFile(originals[0]!.path, join(dir(), file(15)));
    const r = await runCli(['import', '--manifest', manifest, '--concurrency', '4', '--json', ...importFlags(f, '').slice(2)], { env: srv.env });
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.deepEqual([summary.imported, summary.updated, summary.skipped, summary.failed], [2, 0, 18, 0]);
    const imported = summary.results.filter((x: { outcome: string }) => x.outcome === 'imported').map((x: { row: number }) => x.row);
    assert.deepEqual(imported.sort((a: number, b: number) => a - b), [9, 16]);
    // Results come back in manifest order.
    assert.deepEqual(summary.results.map((x: { row: number }) => x.row), Array.from({ length: ROWS }, (_, i) => i + 2));
    const list = await runCli(['list', '--json'], { env: srv.env });
    assert.equal(JSON.parse(list.stdout).length, ROWS);
  });

  it('reads backslashes in path and password_file as separators (a manifest written on Windows), relative to the CSV', async () => {
    const win = join(dir(), 'win');
    await mkdir(join(win, 'pfx', 'sub'), { recursive: true });
    await mkdir(join(win, 'secrets'));
    await Promise.all([
      copyFile(originals[0]!.path, join(win, 'pfx', 'user01.pfx')),
      copyFile(originals[1]!.path, join(win, 'pfx', 'sub', 'user02.pfx')),
      writeFile(join(win, 'secrets', 'pw.txt'), `${PASSWORD}\r\n`),
    ]);
    const csv = join(win, 'certs.csv');
    await writeFile(csv, [
      'path,upn,purpose,password_file',
      'pfx\\user01.pfx,win01@contoso.com,smimeEncryption,secrets\\pw.txt',
      '.\\pfx\\sub\\user02.pfx,win02@contoso.com,smimeEncryption,secrets\\pw.txt',
    ].join('\r\n') + '\r\n');
    // Run from elsewhere: the paths are the CSV's, not the working directory's.
    const r = await runCli(['import', '--manifest', csv, '--json', ...importFlags(f, '').slice(2)], { env: srv.env, cwd: dir() });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const summary = JSON.parse(r.stdout);
    assert.deepEqual([summary.imported, summary.failed], [2, 0], r.stdout);
    for (const [user, original] of [['win01@contoso.com', originals[0]!], ['win02@contoso.com', originals[1]!]] as const) {
      const list = await runCli(['list', '--json', '--upn', user], { env: srv.env });
      assert.deepEqual((JSON.parse(list.stdout) as { thumbprint: string }[]).map((c) => c.thumbprint), [original.thumbprint]);
    }
  });

  it('rejects a manifest with an unknown column as a usage error', async () => {
    const bad = await f.write('bad.csv', 'path,upn,password-file\nx.pfx,a@b.c,pw\n');
    const r = await runCli(['import', '--manifest', bad, ...importFlags(f, '').slice(2)], { env: srv.env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown: password-file/);
    await unlink(bad);
  });
});
