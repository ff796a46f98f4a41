import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CertificateApi } from '../../src/client/certificates.js';
import { GraphClient } from '../../src/client/graph-client.js';
import { prepareRecord } from '../../src/cli/import-prepare.js';
import { readRsaPublicKey } from '../../src/pfx/index.js';
import { openssl } from '../helpers/openssl.js';
import { postHandBuilt } from './hand-built.js';
import { type CliServer, EXPORT_ROLES, importFlags, PfxFactory, runCli, startCliServer } from './harness.js';

const PASSWORD = 'verify-pass';

describe('pfxstore verify', () => {
  let srv: CliServer;
  let f: PfxFactory;
  let id: string;
  let otherKey: string;
  let exportEnv: Record<string, string>;

  before(async () => {
    [srv, f] = await Promise.all([startCliServer(), PfxFactory.create()]);
    const [made, other] = await Promise.all([f.pfx('verify', { password: PASSWORD }), f.ws.rsaKey('other', 2048)]);
    otherKey = other;
    const r = await runCli(['import', made.path, ...importFlags(f, 'vera@contoso.com'), '--padding', 'oaepSha384', '--password-env', 'PFX_PASS'],
      { env: { ...srv.env, PFX_PASS: PASSWORD } });
    assert.equal(r.code, 0, r.stderr);
    id = /: (\S+)$/m.exec(r.stdout)![1]!;
    exportEnv = { ...srv.env, PFXSTORE_TOKEN: await srv.server.token({ roles: EXPORT_ROLES }) };
  });
  after(async () => {
    await Promise.all([srv?.stop(), f?.cleanup()]);
  });

  it('with the export role and the right key: the connector will be able to deliver this', async () => {
    const r = await runCli(['verify', id, '--private-key', f.connectorKey], { env: exportEnv });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /^ok +password: decrypts with this private key \(oaepSha384\)$/m);
    assert.match(r.stdout, /^ok +PFX: opens with the decrypted password \(read as Latin-1, as the connector reads it\)$/m);
    assert.match(r.stdout, /^ok +thumbprint: /m);
    assert.match(r.stdout, /^ok +key pair: /m);
    assert.match(r.stdout, /^the connector will be able to deliver this$/m);
  });

  it('in dev mode the minted token carries the export role; --json and a DER PKCS#1 key work too', async () => {
    const der = await f.write('connector.der', await openssl(['rsa', '-in', f.connectorKey, '-outform', 'DER', '-traditional']));
    const r = await runCli(['verify', id, '--private-key', der, '--json'], { env: srv.devEnv });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const report = JSON.parse(r.stdout);
    assert.equal(report.deliverable, true);
    assert.deepEqual(report.checks.map((c: { check: string }) => c.check), ['password', 'PFX', 'thumbprint', 'key pair', 'validity']);
  });

  it('with the wrong private key: says exactly why not (exit 1)', async () => {
    const r = await runCli(['verify', id, '--private-key', otherKey], { env: exportEnv });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^FAIL +password: the password does not decrypt with this private key and oaepSha384: it was encrypted for another key$/m);
    assert.match(r.stdout, /^the connector will NOT be able to deliver this: /m);
  });

  it('without the export role: names the missing role (exit 1)', async () => {
    const r = await runCli(['verify', id, '--private-key', f.connectorKey], { env: srv.env });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /lacks the UserPfxCertificate\.Export\.All role/);
  });

  it('finds a record whose thumbprint does not match its PFX', async () => {
    const client = new GraphClient({ baseUrl: srv.baseUrl, token: srv.env.PFXSTORE_TOKEN!, extraCaPem: readFileSync(srv.server.caPath!, 'utf8') });
    try {
      const { body } = await prepareRecord({ file: f.path('verify.pfx'), upn: 'mallory@contoso.com', purpose: 'unassigned', password: PASSWORD }, {
        publicKey: readRsaPublicKey(readFileSync(f.connectorPub)), padding: 'oaepSha512', providerName: 'P', keyName: 'K', allowExpired: false,
      });
      const created = await new CertificateApi(client).create({ ...body, thumbprint: 'ab'.repeat(20) });
      const r = await runCli(['verify', created.id, '--private-key', f.connectorKey], { env: exportEnv });
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^FAIL +thumbprint: the PFX's certificate has thumbprint [0-9a-f]{40}, the record says abab/m);
    } finally {
      client.close();
    }
  });

  describe('the password is one the connector can decode (one byte per character, Latin-1)', () => {
    const ACCENTED = 'pässwörd-é';
    const verify = (id: string) => runCli(['verify', id, '--private-key', f.connectorKey], { env: exportEnv });

    it('a non-ASCII password imported by pfxstore (Latin-1 bytes) opens: deliverable', async () => {
      const made = await f.pfx('verify-latin1', { password: ACCENTED });
      const imported = await runCli(['import', made.path, ...importFlags(f, 'lena@contoso.com'), '--password-env', 'PFX_PASS'],
        { env: { ...srv.env, PFX_PASS: ACCENTED } });
      assert.equal(imported.code, 0, imported.stderr);
      const r = await verify(/: (\S+)$/m.exec(imported.stdout)![1]!);
      assert.equal(r.code, 0, r.stdout);
      assert.match(r.stdout, /^ok +PFX: opens/m);
    });

    it('a password encrypted as UTF-8 bytes: says so, and that the connector reads Latin-1 (exit 1)', async () => {
      const made = await f.pfx('verify-utf8', { password: ACCENTED });
      const id = await postHandBuilt(srv, f, { file: made.path, upn: 'ulrich@contoso.com', password: ACCENTED, passwordBytes: Buffer.from(ACCENTED, 'utf8') });
      const r = await verify(id);
      assert.equal(r.code, 1, r.stdout);
      const message = 'the password was encrypted as UTF-8 bytes; the connector reads one byte per character (Latin-1), so it will not open the PFX';
      assert.match(r.stdout, /^ok +password: decrypts/m);
      assert.ok(r.stdout.includes(`\nFAIL  password encoding: ${message}\n`), r.stdout);
      assert.ok(r.stdout.includes(`\nthe connector will NOT be able to deliver this: ${message}\n`), r.stdout);
      assert.doesNotMatch(r.stdout, /PFX:/);
      assert.ok(!r.stdout.includes(ACCENTED), 'the password is never printed');
    });

    it('a password encrypted as UTF-16LE bytes: says so (exit 1); --json names the check', async () => {
      const made = await f.pfx('verify-utf16', { password: PASSWORD });
      const id = await postHandBuilt(srv, f, { file: made.path, upn: 'ute@contoso.com', password: PASSWORD, passwordBytes: Buffer.from(PASSWORD, 'utf16le') });
      const r = await runCli(['verify', id, '--private-key', f.connectorKey, '--json'], { env: exportEnv });
      assert.equal(r.code, 1, r.stdout);
      const report = JSON.parse(r.stdout);
      assert.equal(report.deliverable, false);
      assert.deepEqual(report.checks.at(-1), {
        check: 'password encoding', ok: false,
        detail: 'the password was encrypted as UTF-16LE bytes (two per character); the connector reads one byte per character (Latin-1), so it will not open the PFX',
      });
    });

    it('bytes that open the PFX in no reading: the plain PFX failure, no guess about the encoding', async () => {
      const made = await f.pfx('verify-wrong', { password: PASSWORD });
      const id = await postHandBuilt(srv, f, { file: made.path, upn: 'wanda@contoso.com', password: PASSWORD, passwordBytes: Buffer.from('not-the-password', 'utf8') });
      const r = await verify(id);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stdout, /^FAIL +PFX: the stored PFX does not open with the decrypted password \(wrong password/m);
      assert.doesNotMatch(r.stdout, /password encoding/);
    });
  });
});
