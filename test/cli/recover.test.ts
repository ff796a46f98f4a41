import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { openssl } from '../helpers/openssl.js';
import { postgresTestDb } from '../helpers/postgres.js';
import { type CliServer, EXPORT_ROLES, importFlags, type MadePfx, PfxFactory, runCli, startCliServer } from './harness.js';

const db = await postgresTestDb(import.meta.url);
after(() => db.cleanup());

/** Latin-1 beyond ASCII, as the connector decodes passwords: the file must carry it as OpenSSL reads it (UTF-8). */
const PASSWORD = 'Recover pässwörd 7';
const LEGACY_PASSWORD = 'legacy-secret';
const REASON = 'INC-2231: Zoë lost her laptop, needs her 2019 mail — approved by J. Doe';
const APP_ID = 'helpdesk-recovery';

interface AuditEvent {
  activity: string;
  displayName: string;
  activityType: string;
  activityOperationType: string;
  actor: { applicationId: string | null; userPrincipalName: string | null };
  resources: { resourceId: string }[];
}

describe('pfxstore recover', () => {
  let f: PfxFactory;
  let modern: MadePfx;
  let legacy: MadePfx;
  let otherKey: string;
  let n = 0;
  /** A path in the workspace that nothing has used yet. */
  const fresh = (ext: string) => f.path(`out-${++n}.${ext}`);

  before(async () => {
    f = await PfxFactory.create();
    [modern, legacy, otherKey] = await Promise.all([
      f.pfx('zoe', { password: PASSWORD }),
      f.pfx('zoe-2019', { password: LEGACY_PASSWORD, legacy: true }),
      f.ws.rsaKey('other', 2048),
    ]);
  });
  after(() => f?.cleanup());

  for (const store of ['sqlite', 'postgres'] as const) {
    describe(store, { skip: store === 'postgres' && db.skip }, () => {
      let srv: CliServer;
      let modernId: string;
      let legacyId: string;
      let exportEnv: Record<string, string>;
      const recover = (id: string, extra: string[], env = exportEnv) => runCli(['recover', id, '--private-key', f.connectorKey, ...extra], { env });

      const exportEvents = async (id: string): Promise<AuditEvent[]> => {
        const r = await runCli(['audit', '--json', '--certificate', id], { env: srv.env });
        assert.equal(r.code, 0, r.stderr);
        return (JSON.parse(r.stdout) as AuditEvent[]).filter((e) => e.activityOperationType === 'Export');
      };

      before(async () => {
        srv = await startCliServer(store === 'postgres' ? ['--db', db.urlFor(db.newSchema())] : []);
        const imported = async (made: MadePfx, password: string, padding: string) => {
          const r = await runCli(['import', made.path, ...importFlags(f, 'zoe@contoso.com'), '--padding', padding, '--password-env', 'PFX_PASS'],
            { env: { ...srv.env, PFX_PASS: password } });
          assert.equal(r.code, 0, r.stderr + r.stdout);
          return /: (\S+)$/m.exec(r.stdout)![1]!;
        };
        modernId = await imported(modern, PASSWORD, 'oaepSha384');
        legacyId = await imported(legacy, LEGACY_PASSWORD, 'oaepSha256');
        exportEnv = { ...srv.env, PFXSTORE_TOKEN: await srv.server.token({ roles: EXPORT_ROLES, appId: APP_ID }) };
      });
      after(() => srv?.stop());

      it('writes the PFX as imported and its password, both 0600; OpenSSL opens the one with the other; the audit event has reason, record and caller', async () => {
        const [out, pw] = [fresh('pfx'), fresh('txt')];
        const r = await recover(modernId, ['--out', out, '--password-out', pw, '--reason', REASON]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, '', 'the password never reaches stdout unless asked for');
        assert.match(r.stderr, new RegExp(`^recovered ${modernId} \\(zoe@contoso\\.com, thumbprint ${modern.thumbprint}\\): PFX .*out-\\d+\\.pfx \\(\\d+ bytes, mode 0600\\), password .*\\.txt \\(mode 0600\\)\\n$`));
        assert.ok(!r.stderr.includes(PASSWORD));
        assert.deepEqual(readFileSync(out), readFileSync(modern.path), 'the stored bytes, exactly as imported');
        assert.equal(readFileSync(pw, 'utf8'), PASSWORD, 'the password alone, no newline');
        for (const file of [out, pw]) assert.equal(statSync(file).mode & 0o777, 0o600, file);
        await openssl(['pkcs12', '-in', out, '-passin', `file:${pw}`, '-noout']);

        const [event, ...more] = await exportEvents(modernId);
        assert.equal(more.length, 0, 'one export, one event');
        assert.equal(event!.activity, `Export UserPFXCertificate: ${REASON}`);
        assert.equal(event!.displayName, 'Export UserPFXCertificate');
        assert.equal(event!.activityType, 'Export UserPFXCertificate');
        assert.deepEqual(event!.resources.map((res) => res.resourceId), [modernId]);
        assert.equal(event!.actor.applicationId, APP_ID);
      });

      it('a legacy (RC2/3DES) PFX comes back as it was: OpenSSL 3 opens it with -legacy', async () => {
        const [out, pw] = [fresh('pfx'), fresh('txt')];
        const r = await recover(legacyId, ['--out', out, '--password-out', pw, '--reason', 'legacy mail']);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(readFileSync(out), readFileSync(legacy.path));
        assert.equal(readFileSync(pw, 'utf8'), LEGACY_PASSWORD);
        await openssl(['pkcs12', '-legacy', '-in', out, '-passin', `file:${pw}`, '-noout']);
      });

      it('--password-out - prints exactly the password on stdout (no newline when not a terminal); dev mode mints the export role', async () => {
        const out = fresh('pfx');
        const r = await runCli(['recover', modernId, '--private-key', f.connectorKey, '--out', out, '--password-out', '-', '--reason', 'printed'], { env: srv.devEnv });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, PASSWORD);
        assert.match(r.stderr, /password on stdout\n$/);
        assert.equal(statSync(out).mode & 0o777, 0o600);
        await openssl(['pkcs12', '-in', out, '-passin', 'env:PW', '-noout'], { env: { PW: r.stdout } });
        assert.ok((await exportEvents(modernId)).some((e) => e.activity === 'Export UserPFXCertificate: printed'));
      });

      it('never overwrites: an existing --out or --password-out is refused (exit 1), nothing is written, nothing exported', async () => {
        const before = (await exportEvents(modernId)).length;
        const existing = fresh('pfx');
        await writeFile(existing, 'keep me');
        const pw = fresh('txt');
        const r1 = await recover(modernId, ['--out', existing, '--password-out', pw, '--reason', 'r']);
        assert.equal(r1.code, 1);
        assert.match(r1.stderr, /out-\d+\.pfx already exists; not overwriting it \(choose another name\)\. Nothing was written\.\n$/);
        assert.equal(readFileSync(existing, 'utf8'), 'keep me');
        assert.ok(!existsSync(pw));

        const out = fresh('pfx');
        const existingPw = fresh('txt');
        await writeFile(existingPw, 'old');
        const r2 = await recover(modernId, ['--out', out, '--password-out', existingPw, '--reason', 'r']);
        assert.equal(r2.code, 1);
        assert.match(r2.stderr, /out-\d+\.txt already exists; not overwriting it/);
        assert.ok(!existsSync(out), 'the PFX is not written when the password file cannot be');
        assert.equal(readFileSync(existingPw, 'utf8'), 'old');
        assert.equal((await exportEvents(modernId)).length, before, 'refused before anything was read');
      });

      it('a password file that cannot be created: the PFX just written is removed again (exit 1)', async () => {
        const out = fresh('pfx');
        const r = await recover(modernId, ['--out', out, '--password-out', f.path('no-such-dir/pw.txt'), '--reason', 'r']);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /^pfxstore recover: .*no-such-dir\/pw\.txt: ENOENT: no such file or directory.*\. Nothing was written\.\n$/);
        assert.ok(!existsSync(out), 'both or neither');
      });

      it('the wrong private key: says so (exit 1), writes nothing', async () => {
        const [out, pw] = [fresh('pfx'), fresh('txt')];
        const r = await runCli(['recover', modernId, '--private-key', otherKey, '--out', out, '--password-out', pw, '--reason', 'r'], { env: exportEnv });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /^pfxstore recover: the password does not decrypt with this private key and oaepSha384: it was encrypted for another key \(Microsoft Software Key Storage Provider\/PFXEncryptionKey\)\. Nothing was written\.\n$/);
        assert.ok(!existsSync(out) && !existsSync(pw));
        const toStdout = await runCli(['recover', modernId, '--private-key', otherKey, '--out', out, '--password-out', '-', '--reason', 'r'], { env: exportEnv });
        assert.deepEqual([toStdout.code, toStdout.stdout], [1, '']);
        assert.ok(!existsSync(out));
      });

      it('without the export role: names UserPfxCertificate.Export.All (exit 1), writes nothing', async () => {
        const [out, pw] = [fresh('pfx'), fresh('txt')];
        const r = await recover(modernId, ['--out', out, '--password-out', pw, '--reason', 'r'], srv.env);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /^pfxstore recover: the server returned no encryptedPfxBlob\/encryptedPfxPassword: the token lacks the UserPfxCertificate\.Export\.All role/);
        assert.ok(!existsSync(out) && !existsSync(pw));
      });

      it('no such record, or no such key file: exit 1 with the reason, nothing written', async () => {
        const [out, pw] = [fresh('pfx'), fresh('txt')];
        const missing = await recover(`${'0'.repeat(32)}-${'0'.repeat(40)}`, ['--out', out, '--password-out', pw, '--reason', 'r']);
        assert.equal(missing.code, 1);
        assert.match(missing.stderr, /No userPfxCertificate with id '0{32}-0{40}' exists/);
        const noKey = await runCli(['recover', modernId, '--private-key', f.path('nope.pem'), '--out', out, '--password-out', pw, '--reason', 'r'], { env: exportEnv });
        assert.equal(noKey.code, 1);
        assert.match(noKey.stderr, /--private-key .*nope\.pem: no such file/);
        assert.ok(!existsSync(out) && !existsSync(pw));
      });
    });
  }

  it('usage errors exit 2 with the usage, before anything is read or written', async () => {
    const [out, pw] = [fresh('pfx'), fresh('txt')];
    const all = ['--private-key', 'k.pem', '--out', out, '--password-out', pw, '--reason', 'why'];
    const without = (flag: string) => all.filter((_, i) => all[i] !== flag && all[i - 1] !== flag);
    const cases: [string[], RegExp][] = [
      [all, /give exactly one certificate ID \(see pfxstore list\)\./],
      [['a', 'b', ...all], /give exactly one certificate ID/],
      [['id'], /--private-key F, --out FILE\.pfx, --password-out F\|-, --reason TEXT are required\./],
      [['id', ...without('--reason')], /^pfxstore recover: --reason TEXT is required\.$/m],
      [['id', ...without('--password-out')], /--password-out F\|- is required\./],
      [['id', ...without('--out'), '--out', ''], /--out FILE\.pfx is required\./],
      [['id', ...without('--reason'), '--reason', ''], /--reason is empty\./],
      [['id', ...without('--reason'), '--reason', '   '], /--reason is empty\./],
      [['id', ...without('--reason'), '--reason', 'two\nlines'], /--reason contains a control character/],
      [['id', ...without('--reason'), '--reason', 'x'.repeat(501)], /--reason is 501 characters long; at most 500 are allowed\./],
      [['id', ...without('--out'), '--out', '-'], /--out must be a file: the PFX is binary/],
      [['id', ...without('--password-out'), '--password-out', out], /--out and --password-out must be different files\./],
      [['id', ...all, '--password', 'x'], /passwords are never taken on the command line/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['recover', ...args], { env: { PFXSTORE_URL: 'https://127.0.0.1:1/beta', PFXSTORE_TOKEN: 'unused' } });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message, args.join(' '));
      assert.match(r.stderr, /^Usage: pfxstore recover ID --private-key F --out FILE\.pfx --password-out F\|- --reason TEXT/m);
    }
    assert.ok(!existsSync(out) && !existsSync(pw));
  });
});
