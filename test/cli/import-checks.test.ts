import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { type CliServer, importFlags, type MadePfx, PfxFactory, runCli, startCliServer } from './harness.js';

const PASSWORD = 'checked on the way in';
const S_MIME = ['keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=emailProtection,clientAuth'];

/** `import`'s device checks: each certificate made by OpenSSL with or without the extension a check looks at. */
describe('pfxstore import: certificates checked on the way in', () => {
  let srv: CliServer;
  let f: PfxFactory;
  const pfx: Record<string, MadePfx> = {};

  const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { env: { ...srv.env, PFX_PASS: PASSWORD, ...env } });
  const importAs = (name: string, upn: string, purpose: string, ...more: string[]) =>
    cli(['import', pfx[name]!.path, ...importFlags(f, upn), '--purpose', purpose, '--password-env', 'PFX_PASS', ...more]);
  const stored = async (upn: string) => {
    const r = await cli(['list', '--upn', upn, '--json']);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { thumbprint: string }[]).map((c) => c.thumbprint).sort();
  };
  /** The warnings of a run, without the `warning: FILE: ` prefix. */
  const warnings = (stderr: string) => [...stderr.matchAll(/^warning: [^:]+: (.*)$/gm)].map((m) => m[1]!);

  before(async () => {
    [srv, f] = await Promise.all([startCliServer(), PfxFactory.create()]);
    const make = async (name: string, options: Omit<Parameters<PfxFactory['pfx']>[1], 'password'>) => {
      pfx[name] = await f.pfx(name, { password: PASSWORD, ...options });
    };
    await Promise.all([
      make('clean', { extensions: [...S_MIME, 'subjectAltName=email:alice@contoso.com'] }),
      make('noEku', { extensions: [S_MIME[0]!, 'subjectAltName=email:alice@contoso.com'] }),
      make('anyEku', { extensions: [S_MIME[0]!, 'extendedKeyUsage=anyExtendedKeyUsage', 'subjectAltName=email:alice@contoso.com'] }),
      make('subjectEmail', { subject: '/CN=Alice/emailAddress=alice@contoso.com', extensions: S_MIME }),
      // Each named for its own user, so that the address check passes and only the check under test warns.
      make('tlsClient', { extensions: [S_MIME[0]!, 'extendedKeyUsage=clientAuth,serverAuth', 'subjectAltName=email:eku@contoso.com'] }),
      make('signOnly', { extensions: ['keyUsage=critical,digitalSignature', S_MIME[1]!, 'subjectAltName=email:ku-enc@contoso.com'] }),
      make('encryptOnly', { extensions: ['keyUsage=critical,keyEncipherment', S_MIME[1]!, 'subjectAltName=email:ku-sign@contoso.com'] }),
      make('noEmail', { extensions: S_MIME }),
      make('otherEmail', { extensions: [...S_MIME, 'subjectAltName=email:Alice.Smith@contoso.com,email:asmith@fabrikam.com'] }),
      make('future', { notYetValid: true }),
      make('expired', { expired: true }),
    ]);
  });
  after(async () => {
    await Promise.all([srv?.stop(), f?.cleanup()]);
  });

  it('a certificate fit for its purpose gives no warning: emailProtection or no EKU or anyExtendedKeyUsage, the UPN in any case', async () => {
    const runs = await Promise.all([
      importAs('clean', 'Alice@Contoso.com', 'smimeEncryption'),
      importAs('clean', 'alice@contoso.com', 'smimeSigning', '--dry-run'),
      importAs('noEku', 'alice@contoso.com', 'smimeSigning', '--dry-run'),
      importAs('anyEku', 'alice@contoso.com', 'smimeEncryption', '--dry-run', '--strict'),
      importAs('subjectEmail', 'ALICE@contoso.com', 'smimeEncryption', '--strict'),
      importAs('noEmail', 'nobody@contoso.com', 'unassigned', '--strict'),
    ]);
    for (const r of runs) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr.includes('warning'), false, r.stderr);
    }
    assert.deepEqual(await stored('alice@contoso.com'), [pfx.clean!.thumbprint, pfx.subjectEmail!.thumbprint].sort());
  });

  it('warns of each problem on stderr with what to do, exit 0, and stores the certificate', async () => {
    const cases: [string, string, string, RegExp][] = [
      ['tlsClient', 'smimeEncryption', 'eku@contoso.com',
        /^purpose smimeEncryption needs the emailProtection extended key usage \(1\.3\.6\.1\.5\.5\.7\.3\.4\), but the certificate allows only clientAuth \(1\.3\.6\.1\.5\.5\.7\.3\.2\), serverAuth \(1\.3\.6\.1\.5\.5\.7\.3\.1\), so mail clients will not use it for S\/MIME; reissue it with emailProtection in its extended key usage, or import it with the purpose it was made for$/],
      ['signOnly', 'smimeEncryption', 'ku-enc@contoso.com',
        /^purpose smimeEncryption needs the keyEncipherment key usage, but the certificate allows only digitalSignature, so mail encrypted to it cannot be opened with this key; reissue it with keyEncipherment in its key usage, or import it as smimeSigning if it was made for that$/],
      ['encryptOnly', 'smimeSigning', 'ku-sign@contoso.com',
        /^purpose smimeSigning needs the digitalSignature key usage, but the certificate allows only keyEncipherment, so mail clients will not sign with it; reissue it with digitalSignature in its key usage, or import it as smimeEncryption if it was made for that$/],
      ['noEmail', 'smimeSigning', 'no-email@contoso.com',
        /^the certificate names no e-mail address \(no rfc822Name in its subject alternative name, no emailAddress in its subject\), so mail clients cannot match it to no-email@contoso\.com; reissue it with the user's address in its subject alternative name$/],
      ['clean', 'vpn', 'vpn@contoso.com',
        /^purpose vpn: Intune does not deliver imported PFX certificates to VPN profiles, so no device will get this one for VPN; deploy VPN certificates with a SCEP or PKCS certificate profile, or import this one with the S\/MIME purpose it was made for$/],
      ['clean', 'wifi', 'wifi@contoso.com', /^purpose wifi: Intune does not deliver imported PFX certificates to Wi-Fi profiles, .* deploy Wi-Fi certificates with /],
      ['future', 'unassigned', 'future@contoso.com',
        /^the certificate is not valid before 2099-01-01T00:00:00\.000Z \(\d+ days from now\), so devices will not use it until then; import it nearer that date, or have it reissued if the issuing CA's clock is wrong$/],
    ];
    const runs = await Promise.all(cases.map(([name, purpose, upn]) => importAs(name, upn, purpose)));
    for (const [i, r] of runs.entries()) {
      const [name, , upn, expected] = cases[i]!;
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^imported /, name);
      const got = warnings(r.stderr);
      assert.equal(got.length, 1, `${name}: ${r.stderr}`);
      assert.match(got[0]!, expected);
      assert.match(r.stderr, new RegExp(`^warning: ${pfx[name]!.path}: `, 'm'));
      assert.deepEqual(await stored(upn), [pfx[name]!.thumbprint]);
    }
  });

  it('--strict fails a file with a warning (exit 1, the reason, nothing stored) and imports the clean ones', async () => {
    const upn = 'strict@contoso.com';
    const one = await importAs('noEmail', upn, 'smimeEncryption', '--strict');
    assert.equal(one.code, 1, one.stderr);
    assert.equal(one.stdout, '');
    assert.match(one.stderr, new RegExp(`^pfxstore import: ${pfx.noEmail!.path} \\(${upn}\\): refused by --strict: the certificate names no e-mail address \\(.*\\), ` +
      'so mail clients cannot match it to strict@contoso\\.com; reissue it with the user\'s address in its subject alternative name$', 'm'));
    assert.equal(warnings(one.stderr).length, 0, 'the reason is the failure, not a warning as well');
    assert.deepEqual(await stored(upn), []);

    // Several files: the summary names each failure with all its reasons; --json carries them as warnings too.
    const many = await cli(['import', pfx.tlsClient!.path, pfx.clean!.path, pfx.noEmail!.path, ...importFlags(f, 'alice@contoso.com'),
      '--purpose', 'smimeSigning', '--password-env', 'PFX_PASS', '--strict', '--update']);
    assert.equal(many.code, 1, many.stderr);
    assert.match(many.stdout, /^imported 0 · updated 1 · skipped 0 · failed 2$/m);
    assert.match(many.stdout, new RegExp(`^ {2}${pfx.tlsClient!.path} \\(alice@contoso\\.com\\): refused by --strict: \\(1\\) purpose smimeSigning needs the emailProtection extended key usage .* \\(2\\) the certificate's e-mail address eku@contoso\\.com is not the UPN alice@contoso\\.com \\(the user has no mail\\), .*$`, 'm'));
    assert.match(many.stdout, new RegExp(`^ {2}${pfx.noEmail!.path} \\(alice@contoso\\.com\\): refused by --strict: the certificate names no e-mail address .*$`, 'm'));
    assert.deepEqual(await stored('alice@contoso.com'), [pfx.clean!.thumbprint, pfx.subjectEmail!.thumbprint].sort());

    const json = await importAs('future', 'strict-json@contoso.com', 'vpn', '--strict', '--json');
    assert.equal(json.code, 1, json.stderr);
    const [result] = JSON.parse(json.stdout).results;
    assert.equal(result.outcome, 'failed');
    assert.equal(result.warnings.length, 2);
    assert.match(result.warnings[0], /^purpose vpn: Intune does not deliver/);
    assert.match(result.warnings[1], /^the certificate is not valid before 2099-01-01/);
    assert.equal(result.message, `refused by --strict: (1) ${result.warnings[0]} (2) ${result.warnings[1]}`);
    assert.deepEqual(await stored('strict-json@contoso.com'), []);

    // --strict is about devices: --allow-expired's own warning is an explicit permission, not a failure.
    const expired = await importAs('expired', 'strict-expired@contoso.com', 'unassigned', '--strict', '--allow-expired');
    assert.equal(expired.code, 0, expired.stderr);
    assert.deepEqual(warnings(expired.stderr), ['the certificate expired on 2021-01-01T00:00:00.000Z (allowed by --allow-expired)']);
    assert.deepEqual(await stored('strict-expired@contoso.com'), [pfx.expired!.thumbprint]);
  });

  it('import --help names --strict and the checks', async () => {
    const r = await cli(['import', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /\[--strict\]/);
    assert.match(r.stdout, /^ {2}--strict {2,}fail a file that the device checks warn about \(wrong EKU or key usage, no matching e-mail address, vpn\/wifi, not yet valid\)/m);
    assert.match(r.stdout, /^Each certificate is checked for what stops it working on a device/m);
  });

  it('--dry-run shows the same warnings; with --strict it fails the file and prints no request for it', async () => {
    const dry = await importAs('tlsClient', 'dry@contoso.com', 'smimeEncryption', '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(warnings(dry.stderr).join('\n'), /^purpose smimeEncryption needs the emailProtection extended key usage/);
    assert.match(dry.stdout, /^POST /m);

    const strict = await cli(['import', pfx.tlsClient!.path, pfx.clean!.path, ...importFlags(f, 'alice@contoso.com'), '--purpose', 'smimeEncryption',
      '--password-env', 'PFX_PASS', '--dry-run', '--strict', '--json']);
    assert.equal(strict.code, 1, strict.stderr);
    assert.deepEqual(strict.stdout.trimEnd().split('\n').map((line) => JSON.parse(line).thumbprint), [pfx.clean!.thumbprint]);
    assert.match(strict.stderr, /^prepared 1 · failed 1$/m);
    assert.match(strict.stderr, /refused by --strict: \(1\) purpose smimeEncryption needs the emailProtection .* \(2\) the certificate's e-mail address eku@contoso\.com is not the UPN alice@contoso\.com /);
    assert.deepEqual(await stored('dry@contoso.com'), []);
  });

  it('an address that is not the UPN passes when it is the user\'s mail; otherwise the warning says what is known of the mail', async () => {
    const add = await cli(['users', 'add', 'alice.m@contoso.com', '--mail', 'alice.smith@contoso.com']);
    assert.equal(add.code, 0, add.stderr);
    const nomail = await cli(['users', 'add', 'alice.n@contoso.com']);
    assert.equal(nomail.code, 0, nomail.stderr);
    const [byMail, noMail, noUser, dry, updated] = await Promise.all([
      importAs('otherEmail', 'alice.m@contoso.com', 'smimeEncryption', '--strict'),
      importAs('otherEmail', 'alice.n@contoso.com', 'smimeEncryption'),
      importAs('otherEmail', 'alice.new@contoso.com', 'smimeSigning'),
      importAs('otherEmail', 'alice.m@contoso.com', 'smimeEncryption', '--dry-run'),
      importAs('clean', 'alice.m@contoso.com', 'smimeEncryption'),
    ]);
    assert.equal(byMail.code, 0, byMail.stderr);
    assert.equal(warnings(byMail.stderr).length, 0, byMail.stderr);
    assert.deepEqual(warnings(updated.stderr), [
      'the certificate\'s e-mail address alice@contoso.com is neither the UPN alice.m@contoso.com nor the user\'s mail alice.smith@contoso.com, ' +
      'so mail clients will not use it for this user\'s mailbox; check the UPN given, or reissue the certificate for the user\'s address',
    ]);
    const tail = ', so mail clients will not use it for this user\'s mailbox; check the UPN given, or reissue the certificate for the user\'s address';
    assert.deepEqual(warnings(noMail.stderr), [
      `the certificate's e-mail addresses (Alice.Smith@contoso.com, asmith@fabrikam.com) do not include the UPN alice.n@contoso.com (the user has no mail)${tail}`,
    ]);
    assert.deepEqual(warnings(noUser.stderr), [
      `the certificate's e-mail addresses (Alice.Smith@contoso.com, asmith@fabrikam.com) do not include the UPN alice.new@contoso.com (no such user yet, so no mail to compare)${tail}`,
    ]);
    assert.deepEqual(warnings(dry.stderr), [
      `the certificate's e-mail addresses (Alice.Smith@contoso.com, asmith@fabrikam.com) do not include the UPN alice.m@contoso.com (a dry run does not look up the user's mail)${tail}`,
    ]);
    for (const r of [noMail, noUser, dry, updated]) assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await stored('alice.m@contoso.com'), [pfx.clean!.thumbprint, pfx.otherEmail!.thumbprint].sort());
  });

  it('checks each manifest row with its own purpose and upn; --strict fails the rows that warn', async () => {
    // Rows 2, 4 and 5 name certificates stored by the tests above: a clean one, one lacking keyEncipherment, one fit for encryption.
    const csv = f.path('checks.csv');
    await writeFile(csv, [
      'path,upn,purpose,password_file',
      `${pfx.clean!.path},alice@contoso.com,smimeEncryption,`,
      `${pfx.clean!.path},row-vpn@contoso.com,VPN,`,
      `${pfx.signOnly!.path},ku-enc@contoso.com,SmimeEncryption,`,
      `${pfx.encryptOnly!.path},ku-sign@contoso.com,smimeEncryption,`,
    ].join('\n') + '\n');
    const flags = [...importFlags(f, '').slice(2), '--password-env', 'PFX_PASS'];
    const strict = await cli(['import', '--manifest', csv, ...flags, '--strict']);
    assert.equal(strict.code, 1, strict.stderr);
    assert.match(strict.stdout, /^imported 0 · updated 0 · skipped 2 · failed 2$/m);
    assert.match(strict.stdout, new RegExp(`^ {2}row 3 ${pfx.clean!.path} \\(row-vpn@contoso\\.com\\): refused by --strict: purpose vpn: Intune does not deliver`, 'm'));
    assert.match(strict.stdout, new RegExp(`^ {2}row 4 ${pfx.signOnly!.path} \\(ku-enc@contoso\\.com\\): refused by --strict: purpose smimeEncryption needs the keyEncipherment key usage, .* if it was made for that$`, 'm'));
    assert.deepEqual(await stored('row-vpn@contoso.com'), []);

    const lenient = await cli(['import', '--manifest', csv, ...flags, '--json']);
    assert.equal(lenient.code, 0, lenient.stderr);
    assert.match(lenient.stderr, new RegExp(`^warning: row 3 ${pfx.clean!.path}: purpose vpn: `, 'm'));
    assert.match(lenient.stderr, new RegExp(`^warning: row 4 ${pfx.signOnly!.path}: purpose smimeEncryption needs the keyEncipherment`, 'm'));
    const summary = JSON.parse(lenient.stdout);
    assert.deepEqual([summary.imported, summary.skipped, summary.failed], [1, 3, 0]);
    assert.deepEqual(summary.results.map((r: { warnings: string[] }) => r.warnings.length), [0, 1, 1, 0]);
    assert.deepEqual(await stored('row-vpn@contoso.com'), [pfx.clean!.thumbprint]);
  });
});
