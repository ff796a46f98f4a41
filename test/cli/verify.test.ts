import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CertificateApi } from '../../src/client/certificates.js';
import { GraphClient } from '../../src/client/graph-client.js';
import { prepareRecord } from '../../src/cli/import-prepare.js';
import { readRsaPublicKey } from '../../src/pfx/index.js';
import { openssl } from '../helpers/openssl.js';
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
});
