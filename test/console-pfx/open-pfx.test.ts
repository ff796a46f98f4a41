/**
 * The browser's openPfx against OpenSSL-made files and against the CLI's reader on the same files: the same
 * thumbprint, dates and e-mail addresses, the same error codes and messages.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { PfxError, openPfx } from '../../console/src/pfx/index.js';
import { certificateUsage, certificateValidity, openPkcs12, thumbprint } from '../../src/pfx/index.js';
import { OpensslWorkspace } from '../helpers/openssl.js';

const PASSWORD = 'Pässword-1';

describe('browser openPfx', () => {
  let ws: OpensslWorkspace;
  const files: Record<string, string> = {};

  before(async () => {
    ws = await OpensslWorkspace.create('pfxstore-console-pfx-');
    const caKey = await ws.rsaKey('ca', 2048);
    const ca = await ws.certificate('ca', { key: caKey, subject: '/CN=Contoso CA', ca: true });
    const rsaKey = await ws.rsaKey('alice', 2048);
    const extensions = ['keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=emailProtection', 'subjectAltName=email:alice@contoso.com'];
    const rsaCert = await ws.certificate('alice', { key: rsaKey, subject: '/CN=Alice/O=Contoso/emailAddress=alice@example.org', extensions, issuer: { cert: ca, key: caKey } });
    const ecKey = await ws.ecKey('bob');
    const ecCert = await ws.certificate('bob', { key: ecKey, subject: '/CN=Bob', days: 400 });
    files.default = await ws.pkcs12('default', { cert: rsaCert, key: rsaKey, certfile: ca, password: PASSWORD });
    files.legacy = await ws.pkcs12('legacy', { cert: rsaCert, key: rsaKey, certfile: ca, password: PASSWORD, legacy: true });
    files.ec = await ws.pkcs12('ec', { cert: ecCert, key: ecKey, password: PASSWORD });
    files.ecLegacy = await ws.pkcs12('ec-legacy', { cert: ecCert, key: ecKey, password: PASSWORD, legacy: true });
    files.noMac = await ws.pkcs12('nomac', { cert: rsaCert, key: rsaKey, password: PASSWORD, extra: ['-nomac'] });
    files.emptyPassword = await ws.pkcs12('empty', { cert: ecCert, key: ecKey, password: '' });
    files.noKey = await ws.pkcs12('nokey', { cert: rsaCert, password: PASSWORD, nokeys: true });
  });
  after(() => ws.cleanup());

  for (const name of ['default', 'legacy', 'ec', 'ecLegacy', 'noMac', 'emptyPassword']) {
    it(`opens the ${name} file as the CLI does: thumbprint, dates, subject, e-mails`, async () => {
      const der = await readFile(files[name]!);
      const password = name === 'emptyPassword' ? '' : PASSWORD;
      const opened = await openPfx(new Uint8Array(der), password);
      const cli = openPkcs12(der, password);
      assert.equal(opened.thumbprint, thumbprint(cli.certificate).toUpperCase());
      assert.match(opened.thumbprint, /^[0-9A-F]{40}$/);
      const { notBefore, notAfter } = certificateValidity(cli.certificate);
      assert.deepEqual([opened.notBefore, opened.notAfter], [notBefore, notAfter]);
      assert.deepEqual(opened.emails, certificateUsage(cli.certificate).emailAddresses);
      assert.equal(opened.subject, cli.certificate.subject.split('\n').join(', '));
      assert.deepEqual(Buffer.from(opened.certificate), cli.certificate.raw);
      assert.ok(new X509Certificate(opened.certificate).checkPrivateKey(cli.privateKey), 'the leaf, not the CA');
    });
  }

  it('reads the e-mail addresses of the subject alternative name, then of the subject', async () => {
    const opened = await openPfx(await readFile(files.legacy!), PASSWORD);
    assert.deepEqual(opened.emails, ['alice@contoso.com', 'alice@example.org']);
    assert.equal(opened.subject, 'CN=Alice, O=Contoso, emailAddress=alice@example.org');
  });

  /** Asserts the browser rejects as the CLI throws: same code, same message. */
  async function sameRefusal(der: Uint8Array, password: string, code: string, message: RegExp): Promise<void> {
    let cliError: unknown;
    try {
      openPkcs12(Buffer.from(der), password);
    } catch (e) {
      cliError = e;
    }
    assert.ok(cliError instanceof Error, 'the CLI refuses it too');
    await assert.rejects(openPfx(der, password), (e: unknown) => {
      assert.ok(e instanceof PfxError);
      assert.equal(e.code, code);
      assert.match(e.message, message);
      assert.equal(e.message, cliError.message);
      return true;
    });
  }

  for (const name of ['default', 'legacy']) {
    it(`refuses a wrong password for the ${name} file with the CLI's message`, async () => {
      await sameRefusal(await readFile(files[name]!), 'wrong', 'wrong-password', /^wrong password: the PKCS#12 MAC does not verify/);
    });
  }

  it('refuses a wrong password for a file without a MAC', async () => {
    await sameRefusal(await readFile(files.noMac!), 'wrong', 'wrong-password', /^wrong password: the file has no MAC and its contents do not decrypt/);
  });

  it('refuses a corrupted file: one byte changed inside is caught by the MAC', async () => {
    const der = new Uint8Array(await readFile(files.default!));
    der[Math.floor(der.length / 2)]! ^= 0x01;
    await sameRefusal(der, PASSWORD, 'wrong-password', /or the file was altered after it was made/);
  });

  it('refuses a truncated file as not PKCS#12', async () => {
    const der = new Uint8Array(await readFile(files.default!)).subarray(0, 500);
    await sameRefusal(der, PASSWORD, 'not-pkcs12', /^not a PKCS#12 \(PFX\) file: truncated/);
  });

  it('refuses a non-PFX (a PEM certificate), an empty file, and a file without a key', async () => {
    await sameRefusal(await readFile(ws.path('alice.crt.pem')), PASSWORD, 'not-pkcs12', /it is PEM text/);
    await sameRefusal(new Uint8Array(0), PASSWORD, 'not-pkcs12', /the file is empty/);
    await sameRefusal(await readFile(files.noKey!), PASSWORD, 'no-private-key', /holds no private key/);
  });

  it('refuses too many iterations as an unsupported algorithm, before any work', async () => {
    await assert.rejects(openPfx(await readFile(files.default!), PASSWORD, { maxIterations: 1000 }), (e: unknown) => {
      assert.ok(e instanceof PfxError);
      assert.equal(e.code, 'unsupported-algorithm');
      assert.equal(e.message, 'the MAC asks for 2048 iterations, more than the limit of 1000');
      return true;
    });
  });
});
