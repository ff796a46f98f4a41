/**
 * buildCertificateBody against the CLI's `import` (prepareRecord) on the same file, key and settings: the same
 * JSON but for the random RSA-OAEP ciphertext, which decrypts to the password with the connector's private key.
 */
import assert from 'node:assert/strict';
import { constants, createPrivateKey, createPublicKey, privateDecrypt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { KeyError, PfxError, buildCertificateBody, openPfx, readPublicKey } from '../../console/src/pfx/index.js';
import { prepareRecord } from '../../src/cli/import-prepare.js';
import { type OaepPadding, oaepPadding } from '../../src/pfx/index.js';
import { OpensslWorkspace } from '../helpers/openssl.js';

const PASSWORD = 'Crème brûlée 1';
const UPN = 'alice@contoso.com';

describe('browser buildCertificateBody', () => {
  let ws: OpensslWorkspace;
  let connectorKey: string;
  let files: Record<'default' | 'legacy', string>;

  before(async () => {
    ws = await OpensslWorkspace.create('pfxstore-console-body-');
    connectorKey = await ws.rsaKey('connector', 2048);
    const key = await ws.rsaKey('alice', 2048);
    const cert = await ws.certificate('alice', { key, subject: '/CN=Alice', days: 90 });
    files = {
      default: await ws.pkcs12('default', { cert, key, password: PASSWORD }),
      legacy: await ws.pkcs12('legacy', { cert, key, password: PASSWORD, legacy: true }),
    };
  });
  after(() => ws.cleanup());

  async function bodies(file: string, padding: OaepPadding) {
    const pfxBytes = new Uint8Array(await readFile(file));
    const publicPem = createPublicKey(await readFile(connectorKey)).export({ format: 'pem', type: 'spki' }) as string;
    const publicKey = await readPublicKey(new TextEncoder().encode(publicPem));
    const settings = { providerName: 'Microsoft Software Key Storage Provider', keyName: 'PfxConnectorKey' };
    const browser = await buildCertificateBody({
      pfxBytes, password: PASSWORD, opened: await openPfx(pfxBytes, PASSWORD), publicKey, upn: UPN, purpose: 'smimeEncryption', padding, ...settings,
    });
    const { body: cli } = await prepareRecord({ file, upn: UPN, purpose: 'smimeEncryption', password: PASSWORD }, {
      publicKey: createPublicKey(publicPem), padding, allowExpired: false, ...settings,
    });
    return { browser, cli };
  }

  for (const file of ['default', 'legacy'] as const) {
    for (const padding of ['oaepSha256', 'oaepSha384', 'oaepSha512'] as const) {
      it(`equals the CLI's body for the ${file} file with ${padding}, and the password decrypts`, async () => {
        const { browser, cli } = await bodies(files[file], padding);
        assert.deepEqual(Object.keys(browser), Object.keys(cli), 'the same properties in the same order');
        assert.deepEqual({ ...browser, encryptedPfxPassword: '' }, { ...cli, encryptedPfxPassword: '' });
        assert.notEqual(browser.encryptedPfxPassword, cli.encryptedPfxPassword, 'OAEP is randomised');
        const oaepHash = padding.replace('oaepSha', 'sha');
        const plain = privateDecrypt(
          { key: createPrivateKey(await readFile(connectorKey)), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash },
          Buffer.from(browser.encryptedPfxPassword, 'base64'),
        );
        assert.equal(plain.toString('latin1'), PASSWORD, 'the Latin-1 bytes of the password');
        assert.equal(plain.length, PASSWORD.length);
      });
    }
  }

  it('defaults to oaepSha512, as `import --padding` does', async () => {
    const pfxBytes = new Uint8Array(await readFile(files.default));
    const publicKey = await readPublicKey(new Uint8Array(await ws.toDer('pkey', connectorKey, ['-pubout'])));
    const body = await buildCertificateBody({
      pfxBytes, password: PASSWORD, opened: await openPfx(pfxBytes, PASSWORD), publicKey, upn: UPN, purpose: 'unassigned', providerName: 'p', keyName: 'k',
    });
    assert.equal(body.paddingScheme, 'oaepSha512');
  });

  it('refuses oaepSha1, a password beyond Latin-1, and an expired certificate, with the CLI\'s words', async () => {
    const pfxBytes = new Uint8Array(await readFile(files.default));
    const publicKey = await readPublicKey(new Uint8Array(await ws.toDer('pkey', connectorKey, ['-pubout'])));
    const opened = await openPfx(pfxBytes, PASSWORD);
    const base = { pfxBytes, password: PASSWORD, opened, publicKey, upn: UPN, purpose: 'unassigned', providerName: 'p', keyName: 'k' };
    const refusal = (() => {
      try {
        oaepPadding('oaepSha1');
      } catch (e) {
        return (e as Error).message;
      }
    })();
    await assert.rejects(buildCertificateBody({ ...base, padding: 'oaepSha1' }), (e: unknown) =>
      e instanceof KeyError && e.code === 'unsupported-padding' && e.message === refusal &&
      /^padding scheme oaepSha1 is refused: OAEP with SHA-1 is deprecated/.test(e.message));
    await assert.rejects(buildCertificateBody({ ...base, password: 'pass€' }), (e: unknown) =>
      e instanceof KeyError && e.code === 'password-not-encodable' &&
      e.message === 'the password\'s character "€" (U+20AC, position 5) cannot be sent: the Intune connector takes one byte per character (Latin-1)');
    const later = new Date(opened.notAfter.getTime() + 1000);
    await assert.rejects(buildCertificateBody({ ...base, now: later }), (e: unknown) =>
      e instanceof PfxError && e.code === 'expired' && e.message === `the certificate expired on ${opened.notAfter.toISOString()}`);
    const allowed = await buildCertificateBody({ ...base, now: later, allowExpired: true });
    assert.equal(allowed.expirationDateTime, opened.notAfter.toISOString());
  });
});
