import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { openssl } from '../helpers/openssl.js';
import {
  type CliResult, type CliServer, EXPORT_ROLES, importFlags, type MadePfx, PfxFactory, runCli, startCliServer,
} from './harness.js';

const PASSWORD = 'Tr0ub4dor & "3" $x';

describe('pfxstore import (against a real HTTPS pfxstore)', () => {
  let srv: CliServer;
  let f: PfxFactory;
  let alice: MadePfx;
  let legacy: MadePfx;
  let exportToken: string;
  const outputs: CliResult[] = [];

  const cli = async (args: string[], env: Record<string, string | undefined> = {}, input?: string) => {
    const r = await runCli(args, { env: { ...srv.env, PFX_PASS: PASSWORD, ...env }, input });
    outputs.push(r);
    return r;
  };
  const stored = async (upn: string) => {
    const r = await cli(['list', '--upn', upn, '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Record<string, string>[];
  };

  before(async () => {
    [srv, f] = await Promise.all([startCliServer(), PfxFactory.create()]);
    [alice, legacy] = await Promise.all([
      f.pfx('alice', { password: PASSWORD, days: 60 }),
      f.pfx('bob-legacy', { password: PASSWORD, legacy: true }),
    ]);
    exportToken = await srv.server.token({ roles: EXPORT_ROLES });
  });
  after(async () => {
    await Promise.all([srv?.stop(), f?.cleanup()]);
  });

  it('imports one PFX: thumbprint, dates, purpose, padding, blob and an OpenSSL-decryptable password', async () => {
    // Dev mode: no token given, the CLI mints one from the server's --data and trusts its dev CA.
    const r = await cli(['import', alice.path, ...importFlags(f, 'alice@contoso.com'), '--purpose', 'SmimeEncryption',
      '--padding', 'oaepSha256', '--password-env', 'PFX_PASS'], { PFXSTORE_TOKEN: undefined, PFXSTORE_CA: undefined, ...srv.devEnv });
    assert.equal(r.code, 0, r.stderr);
    const id = /^imported .*: (\S+)$/m.exec(r.stdout)?.[1];
    assert.ok(id, r.stdout);
    assert.ok(id.endsWith(`-${alice.thumbprint}`));

    const got = await cli(['get', id, '--json'], { PFXSTORE_TOKEN: exportToken });
    assert.equal(got.code, 0, got.stderr);
    const cert = JSON.parse(got.stdout);
    assert.equal(cert.thumbprint, alice.thumbprint);
    assert.equal(Date.parse(cert.startDateTime), alice.notBefore.getTime());
    assert.equal(Date.parse(cert.expirationDateTime), alice.notAfter.getTime());
    assert.equal(cert.intendedPurpose, 'smimeEncryption');
    assert.equal(cert.paddingScheme, 'oaepSha256');
    assert.equal(cert.userPrincipalName, 'alice@contoso.com');
    assert.equal(cert.providerName, 'Microsoft Software Key Storage Provider');
    assert.equal(cert.keyName, 'PFXEncryptionKey');
    assert.equal(cert.encryptedPfxBlob, (await readFile(alice.path)).toString('base64'));
    const plain = await f.ws.oaepDecrypt(f.connectorKey, Buffer.from(cert.encryptedPfxPassword, 'base64'), 'sha256');
    assert.equal(plain.toString('latin1'), PASSWORD);
  });

  it('imports an OpenSSL -legacy (3DES/RC2) PFX with the password on stdin, purpose case-insensitive', async () => {
    const r = await cli(['import', legacy.path, ...importFlags(f, 'bob@contoso.com'), '--purpose', 'VPN', '--password-stdin'],
      {}, `${PASSWORD}\n`);
    assert.equal(r.code, 0, r.stderr);
    const [cert] = await stored('bob@contoso.com');
    assert.equal(cert?.thumbprint, legacy.thumbprint);
    assert.equal(cert?.intendedPurpose, 'vpn');
    assert.equal(cert?.paddingScheme, 'oaepSha512');
  });

  it('--dry-run --json prints each complete request body, one JSON object per line; uploads nothing, never shows the password', async () => {
    const pwFile = await f.write('pw.txt', `${PASSWORD}\n`);
    const r = await cli(['import', alice.path, ...importFlags(f, 'dry@contoso.com'), '--password-file', pwFile, '--dry-run', '--json']);
    assert.equal(r.code, 0, r.stderr);
    // One file: stdout is exactly one JSON object, a body to POST as it is (`> cert.json`).
    const body = JSON.parse(r.stdout);
    assert.equal(r.stdout.trimEnd().split('\n').length, 1);
    assert.equal(body['@odata.type'], '#microsoft.graph.userPFXCertificate');
    assert.equal(body.thumbprint, alice.thumbprint);
    assert.equal(body.userPrincipalName, 'dry@contoso.com');
    assert.equal(body.paddingScheme, 'oaepSha512');
    assert.equal(body.encryptedPfxBlob, (await readFile(alice.path)).toString('base64'), 'the whole PFX, nothing elided');
    const plain = await f.ws.oaepDecrypt(f.connectorKey, Buffer.from(body.encryptedPfxPassword, 'base64'), 'sha512');
    assert.equal(plain.toString('latin1'), PASSWORD);
    assert.ok(!(r.stdout + r.stderr).includes(PASSWORD), 'the password itself never appears');

    // Several files: one body per line, in the order of the files.
    const two = await cli(['import', legacy.path, alice.path, ...importFlags(f, 'dry@contoso.com'), '--password-env', 'PFX_PASS', '--dry-run', '--json']);
    assert.equal(two.code, 0, two.stderr);
    const lines = two.stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(lines.map((b) => b.thumbprint), [legacy.thumbprint, alice.thumbprint]);
    assert.equal(lines[0].encryptedPfxBlob, (await readFile(legacy.path)).toString('base64'));

    // The text form is for reading: the request line, and the blob abbreviated.
    const text = await cli(['import', alice.path, ...importFlags(f, 'dry@contoso.com'), '--password-env', 'PFX_PASS', '--dry-run']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^POST https:\/\/.*\/beta\/deviceManagement\/userPfxCertificates$/m);
    assert.match(text.stdout, /"encryptedPfxBlob": "[A-Za-z0-9+/]{24}…\(\d+ bytes\)"/);
    assert.deepEqual(await stored('dry@contoso.com'), []);
  });

  it('names every missing required flag at once (exit 2)', async () => {
    const r = await cli(['import', alice.path]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^pfxstore import: missing: --upn \(the user the certificates belong to\); --public-key; --provider-name; --key-name; the PFX password: --password-env VAR, --password-file F or --password-stdin\.$/m);
    assert.match(r.stderr, /^Usage: pfxstore import FILE\.pfx… /m);
    const none = await cli(['import']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /missing: the PFX files to import \(or --manifest CSV\); --upn/);
  });

  it('a second import is skipped; --update patches the record in place', async () => {
    const again = await cli(['import', alice.path, ...importFlags(f, 'alice@contoso.com'), '--password-env', 'PFX_PASS']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^skipped .*already stored/m);

    const [before] = await stored('alice@contoso.com');
    const r = await cli(['import', alice.path, ...importFlags(f, 'ALICE@contoso.com'), '--purpose', 'wifi', '--padding', 'oaepSha384',
      '--password-env', 'PFX_PASS', '--update']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^updated /m);
    const all = await stored('alice@contoso.com');
    assert.equal(all.length, 1);
    assert.equal(all[0]!.id, before!.id);
    assert.equal(all[0]!.intendedPurpose, 'wifi');
    assert.equal(all[0]!.paddingScheme, 'oaepSha384');
    assert.ok(Date.parse(all[0]!.lastModifiedDateTime!) >= Date.parse(before!.lastModifiedDateTime!));
  });

  it('--update creates a record that is not there yet', async () => {
    const r = await cli(['import', legacy.path, ...importFlags(f, 'carol@contoso.com'), '--password-env', 'PFX_PASS', '--update']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^imported /m);
    assert.equal((await stored('carol@contoso.com')).length, 1);
  });

  it('refuses bad input before any upload: wrong password, not a PFX, no private key, expired (exit 1)', async () => {
    const upn = 'errors@contoso.com';
    const [expired, noKey] = await Promise.all([
      f.pfx('expired', { password: PASSWORD, expired: true }),
      f.ws.pkcs12('nokey', { cert: alice.certPath, password: PASSWORD, nokeys: true }),
    ]);
    const flags = [...importFlags(f, upn), '--password-env', 'PFX_PASS'];
    const [wrong, notPfx, noKeyRun, expiredRun] = await Promise.all([
      cli(['import', alice.path, ...flags], { PFX_PASS: 'not the password' }),
      cli(['import', alice.certPath, ...flags]),
      cli(['import', noKey, ...flags]),
      cli(['import', expired.path, ...flags]),
    ]);
    for (const r of [wrong, notPfx, noKeyRun, expiredRun]) assert.equal(r.code, 1, r.stderr);
    assert.match(wrong.stderr, /wrong password/);
    assert.match(notPfx.stderr, /not a PKCS#12/i);
    assert.match(noKeyRun.stderr, /no private key/);
    assert.match(expiredRun.stderr, /expired on 2021-01-01T00:00:00\.000Z; pass --allow-expired/);
    assert.deepEqual(await stored(upn), []);

    const allowed = await cli(['import', expired.path, ...flags, '--allow-expired']);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stderr, /warning: .*expired on 2021-01-01/);
    assert.equal((await stored(upn))[0]?.thumbprint, expired.thumbprint);
  });

  it('refuses a non-RSA public key (exit 1), pkcs1/oaepSha1 and passwords in argv (exit 2)', async () => {
    const ecKey = await f.ws.ecKey('ec');
    const ecPub = f.path('ec.pub.pem');
    await openssl(['pkey', '-in', ecKey, '-pubout', '-out', ecPub]);
    const upn = 'keys@contoso.com';
    const base = ['import', alice.path, ...importFlags(f, upn)];
    const [ec, pkcs1, sha1, argv] = await Promise.all([
      cli([...base.slice(0, -6), '--upn', upn, '--public-key', ecPub, '--provider-name', 'P', '--key-name', 'K', '--password-env', 'PFX_PASS']),
      cli([...base, '--padding', 'pkcs1', '--password-env', 'PFX_PASS']),
      cli([...base, '--padding', 'oaepSha1', '--password-env', 'PFX_PASS']),
      cli([...base, '--password', 'hunter2']),
    ]);
    assert.equal(ec.code, 1, ec.stderr);
    assert.match(ec.stderr, /--public-key .*EC.*must be RSA/);
    assert.equal(pkcs1.code, 2);
    assert.match(pkcs1.stderr, /pkcs1 is refused/);
    assert.equal(sha1.code, 2);
    assert.match(sha1.stderr, /oaepSha1 is refused/);
    assert.equal(argv.code, 2);
    assert.match(argv.stderr, /never taken on the command line/);
    assert.doesNotMatch(argv.stderr + argv.stdout, /hunter2/);
    assert.deepEqual(await stored(upn), []);
  });

  it('import, import --update and list print the same id; --allow-expired says "imported" only of what was imported', async () => {
    const upn = 'same-id@contoso.com';
    const flags = [...importFlags(f, upn), '--password-env', 'PFX_PASS'];
    const first = await cli(['import', alice.path, ...flags]);
    assert.equal(first.code, 0, first.stderr);
    const [record] = await stored(upn);
    assert.equal(first.stdout, `imported ${alice.path} (${upn}): ${record!.id}\n`);
    const updated = await cli(['import', alice.path, ...flags, '--update']);
    assert.equal(updated.code, 0, updated.stderr);
    assert.equal(updated.stdout, `updated ${alice.path} (${upn}): ${record!.id}\n`);

    const expired = await f.pfx('expired-again', { password: PASSWORD, expired: true });
    const expiredFlags = [...importFlags(f, 'expired-again@contoso.com'), '--password-env', 'PFX_PASS', '--allow-expired'];
    const [dry, imported] = [await cli(['import', expired.path, ...expiredFlags, '--dry-run']), await cli(['import', expired.path, ...expiredFlags])];
    const skipped = await cli(['import', expired.path, ...expiredFlags]);
    for (const r of [dry, imported, skipped]) {
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /^warning: .*expired on 2021-01-01T00:00:00\.000Z \(allowed by --allow-expired\)$/m);
    }
    assert.doesNotMatch(dry.stdout + dry.stderr, /imported/);
    assert.match(imported.stdout, /^imported /);
    assert.match(skipped.stdout, /^skipped /);
    assert.doesNotMatch(skipped.stdout + skipped.stderr, /imported/);
  });

  it('a key too small for the padding says which key size, or which --padding, would hold the password (exit 1)', async () => {
    const small = f.path('small.key.pem');
    const smallPub = f.path('small.pub.pem');
    await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', small]);
    await openssl(['pkey', '-in', small, '-pubout', '-out', smallPub]);
    const upn = 'small-key@contoso.com';
    const flags = ['--upn', upn, '--public-key', smallPub, '--provider-name', 'P', '--key-name', 'K', '--password-env', 'PFX_PASS'];
    const r = await cli(['import', alice.path, ...flags]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /the password is 18 bytes, but a 1024-bit key holds at most 0 bytes with oaepSha512; use a key of at least 2048 bits or --padding oaepSha384 \(or oaepSha256\)$/m);
    const fits = await cli(['import', alice.path, ...flags, '--padding', 'oaepSha384']);
    assert.equal(fits.code, 0, fits.stderr);
    assert.equal((await stored(upn))[0]?.paddingScheme, 'oaepSha384');
  });

  it('never printed the password', () => {
    assert.ok(outputs.length > 10);
    for (const r of outputs) {
      assert.ok(!r.stdout.includes(PASSWORD) && !r.stderr.includes(PASSWORD), 'the password appeared in the output');
    }
  });
});
