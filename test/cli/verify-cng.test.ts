import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CliServer, EXPORT_ROLES, PfxFactory, runCli, startCliServer } from './harness.js';

const PASSWORD = 'cng-pass';

/** The key bridge end to end: keygen writes PEM and CNG files, import uses the PEM public key, verify the CNG private blob. */
describe('pfxstore verify with a CNG private key blob', () => {
  let srv: CliServer;
  let f: PfxFactory;
  let id: string;
  let name: string;
  let exportEnv: Record<string, string>;

  before(async () => {
    [srv, f] = await Promise.all([startCliServer(), PfxFactory.create()]);
    name = f.path('corp');
    const [made, keygen] = await Promise.all([f.pfx('cng', { password: PASSWORD }), runCli(['keygen', '--out', name, '--format', 'both'])]);
    assert.equal(keygen.code, 0, keygen.stderr);
    const r = await runCli([
      'import', made.path, '--upn', 'carl@contoso.com', '--public-key', `${name}.pub.pem`, '--padding', 'oaepSha256',
      '--provider-name', 'Microsoft Software Key Storage Provider', '--key-name', 'PFXEncryptionKey', '--password-env', 'PFX_PASS',
    ], { env: { ...srv.env, PFX_PASS: PASSWORD } });
    assert.equal(r.code, 0, r.stderr);
    id = /: (\S+)$/m.exec(r.stdout)![1]!;
    exportEnv = { ...srv.env, PFXSTORE_TOKEN: await srv.server.token({ roles: EXPORT_ROLES }) };
  });
  after(async () => {
    await Promise.all([srv?.stop(), f?.cleanup()]);
  });

  it('keygen NAME.private.cngblob decrypts what was encrypted to NAME.pub.pem: deliverable (exit 0)', async () => {
    const r = await runCli(['verify', id, '--private-key', `${name}.private.cngblob`], { env: exportEnv });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /^ok +password: decrypts with this private key \(oaepSha256\)$/m);
    assert.match(r.stdout, /^the connector will be able to deliver this$/m);
  });

  it('a blob made by key convert from the PEM private key works the same', async () => {
    const blob = f.path('converted.cngblob');
    const c = await runCli(['key', 'convert', `${name}.key.pem`, '--to', 'cng', '--out', blob]);
    assert.equal(c.code, 0, c.stderr);
    const r = await runCli(['verify', id, '--private-key', blob, '--json'], { env: exportEnv });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(JSON.parse(r.stdout).deliverable, true);
  });

  it('the public blob instead of the private one: says a private key is needed (exit 1)', async () => {
    const r = await runCli(['verify', id, '--private-key', `${name}.public.cngblob`], { env: exportEnv });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `pfxstore verify: --private-key ${name}.public.cngblob: this is a CNG RSA public key blob (RSAPUBLICBLOB); ` +
      'a private key is needed (an RSAFULLPRIVATEBLOB, as Export-IntunePrivateKey writes)\n');
  });
});
