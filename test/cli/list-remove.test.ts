import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CliServer, importFlags, type MadePfx, PfxFactory, runCli, startCliServer } from './harness.js';

const PASSWORD = 'list-pass';
const A = 'anna@contoso.com';
const B = 'ben@contoso.com';

interface Listed {
  id: string;
  userPrincipalName: string;
  thumbprint: string;
}

describe('pfxstore list, get, remove, users', () => {
  let srv: CliServer;
  let f: PfxFactory;
  let pfx: MadePfx[];

  const cli = (...args: string[]) => runCli(args, { env: srv.env });
  const listJson = async (...args: string[]) => {
    const r = await cli('list', '--json', ...args);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Listed[];
  };

  before(async () => {
    [srv, f] = await Promise.all([startCliServer(), PfxFactory.create()]);
    // Three certificates, one expiring in 10 days, each for both users: six records.
    pfx = await Promise.all([10, 100, 200].map((days) => f.pfx(`list-${days}`, { password: PASSWORD, days })));
    const manifest = await f.write('m.csv', ['path,upn', ...pfx.flatMap((p) => [`${p.path},${A}`, `${p.path},${B}`])].join('\n'));
    const r = await runCli(['import', '--manifest', manifest, ...importFlags(f, '').slice(2), '--password-env', 'PFX_PASS'],
      { env: { ...srv.env, PFX_PASS: PASSWORD } });
    assert.equal(r.code, 0, r.stderr + r.stdout);
  });
  after(async () => {
    await Promise.all([srv?.stop(), f?.cleanup()]);
  });

  it('follows @odata.nextLink to the end (page size 2, six records)', async () => {
    const all = await listJson('--page-size', '2');
    assert.equal(all.length, 6);
    assert.equal(new Set(all.map((c) => c.id)).size, 6);
    assert.deepEqual(all.map((c) => c.id).sort(), (await listJson()).map((c) => c.id).sort());
  });

  it('filters by user (case-insensitively), thumbprint (any spelling) and expiry, server-side', async () => {
    const [byUser, byUpperUser, byThumb, expiring, both] = await Promise.all([
      listJson('--upn', A),
      listJson('--upn', A.toUpperCase(), '--page-size', '1'),
      listJson('--thumbprint', pfx[1]!.thumbprint.toUpperCase().replace(/(..)(?!$)/g, '$1:')),
      listJson('--expiring-within', '30'),
      listJson('--upn', B, '--thumbprint', pfx[2]!.thumbprint),
    ]);
    assert.equal(byUser.length, 3);
    assert.ok(byUser.every((c) => c.userPrincipalName === A));
    assert.equal(byUpperUser.length, 3);
    assert.deepEqual(byThumb.map((c) => c.userPrincipalName).sort(), [A, B]);
    assert.deepEqual(expiring.map((c) => c.thumbprint), [pfx[0]!.thumbprint, pfx[0]!.thumbprint]);
    assert.equal(both.length, 1);
    assert.equal(both[0]!.userPrincipalName, B);
  });

  it('prints a table, and usage errors exit 2', async () => {
    const table = await cli('list', '--upn', A);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^ID +USER +PURPOSE +EXPIRES$/m);
    assert.equal(table.stdout.trim().split('\n').length, 4);
    const [days, nothing, both] = await Promise.all([cli('list', '--expiring-within', 'soon'), cli('remove'), cli('remove', 'x', '--upn', A)]);
    assert.deepEqual([days.code, nothing.code, both.code], [2, 2, 2]);
    assert.match(days.stderr, /--expiring-within must be a whole number/);
    const [listBad, removeBad] = await Promise.all([cli('list', '--thumbprint', 'abc'), cli('remove', '--upn', A, '--thumbprint', 'zz'.repeat(20))]);
    assert.deepEqual([listBad.code, removeBad.code], [2, 2]);
    assert.match(listBad.stderr, /--thumbprint must be the certificate's SHA-1 as 40 hex digits \(spaces and colons allowed\), not 'abc'/);
    assert.match(removeBad.stderr, /--thumbprint must be/);
  });

  it('get shows one record; an unknown id fails with the server\'s reason (exit 1)', async () => {
    const [first] = await listJson('--upn', A, '--thumbprint', pfx[0]!.thumbprint);
    const r = await cli('get', first!.id);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^thumbprint: +${pfx[0]!.thumbprint}$`, 'm'));
    assert.match(r.stdout, /^encryptedPfxPassword: +not returned/m);
    const missing = await cli('get', `${'0'.repeat(32)}-${'a'.repeat(40)}`);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /404 ResourceNotFound/);
  });

  it('remove by id, by user and thumbprint, and by user', async () => {
    const [one] = await listJson('--upn', A, '--thumbprint', pfx[0]!.thumbprint);
    const byId = await cli('remove', one!.id);
    assert.equal(byId.code, 0, byId.stderr);
    assert.equal(byId.stdout, `removed ${one!.id}\n`);
    const again = await cli('remove', one!.id);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no such certificate/);

    const byThumb = await cli('remove', '--upn', B, '--thumbprint', pfx[1]!.thumbprint);
    assert.equal(byThumb.code, 0, byThumb.stderr);
    assert.equal(byThumb.stdout.trim().split('\n').length, 1);
    const byUser = await cli('remove', '--upn', B, '--yes');
    assert.equal(byUser.code, 0, byUser.stderr);
    assert.equal(byUser.stdout.trim().split('\n').length, 2);
    assert.deepEqual(await listJson('--upn', B), []);
    assert.equal((await listJson()).length, 2);
  });

  it('users add, list and remove; a user owning certificates is kept (exit 1)', async () => {
    const add = await cli('users', 'add', 'dave@contoso.com', '--display-name', 'Dave');
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /^added dave@contoso\.com: [0-9a-f-]{36}$/m);
    const listed = await cli('users', 'list', '--json', '--page-size', '1');
    assert.equal(listed.code, 0, listed.stderr);
    const upns = (JSON.parse(listed.stdout) as { userPrincipalName: string }[]).map((u) => u.userPrincipalName).sort();
    assert.deepEqual(upns, [A, B, 'dave@contoso.com']);
    const [removed, owner] = await Promise.all([cli('users', 'remove', 'dave@contoso.com'), cli('users', 'remove', A)]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(owner.code, 1);
    assert.match(owner.stderr, /still owns certificates/);
    const bad = await cli('users', 'frobnicate');
    assert.equal(bad.code, 2);
  });

  it('users add of a user who exists shows that user (exit 1); users remove of an owner names the command that removes the certificates', async () => {
    const listed = await cli('users', 'list', '--upn', A, '--json');
    assert.equal(listed.code, 0, listed.stderr);
    const [anna] = JSON.parse(listed.stdout) as { id: string; userPrincipalName: string }[];
    const again = await cli('users', 'add', A);
    assert.equal(again.code, 1);
    assert.equal(again.stdout, '');
    assert.equal(again.stderr, `pfxstore users add: ${A} already exists (id ${anna!.id}, userPrincipalName ${A}); nothing was added\n`);
    const [byId, byUpn] = await Promise.all([cli('users', 'remove', anna!.id), cli('users', 'remove', A)]);
    for (const r of [byId, byUpn]) {
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`: the user still owns certificates; remove them first with 'pfxstore remove --upn ${A.replace(/\./g, '\\.')}'$`, 'm'));
    }
    assert.ok(byId.stderr.startsWith(`pfxstore users remove: ${anna!.id}: `), byId.stderr);
  });
});
