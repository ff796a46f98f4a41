/** The browser's readPublicKey on every form the CLI's --public-key reads, and its refusals in the CLI's words. */
import assert from 'node:assert/strict';
import { constants, createPrivateKey, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { KeyFileError, readPublicKey } from '../../console/src/pfx/index.js';
import { readRsaPublicKey, toRsaPublicBlob } from '../../src/pfx/index.js';
import { OpensslWorkspace } from '../helpers/openssl.js';

describe('browser readPublicKey', () => {
  let ws: OpensslWorkspace;
  let keyFile: string;
  const forms: Record<string, Buffer> = {};

  before(async () => {
    ws = await OpensslWorkspace.create('pfxstore-console-key-');
    keyFile = await ws.rsaKey('connector', 2048);
    const cert = await ws.certificate('connector', { key: keyFile, subject: '/CN=connector' });
    forms['PEM SubjectPublicKeyInfo'] = await ws.toDer('pkey', keyFile, ['-pubout', '-outform', 'PEM']);
    forms['PEM PKCS#1'] = await ws.toDer('rsa', keyFile, ['-RSAPublicKey_out', '-outform', 'PEM']);
    forms['PEM certificate'] = await readFile(cert);
    forms['DER certificate'] = await ws.toDer('x509', cert);
    forms['DER SubjectPublicKeyInfo'] = await ws.toDer('pkey', keyFile, ['-pubout']);
    forms['DER PKCS#1'] = await ws.toDer('rsa', keyFile, ['-RSAPublicKey_out']);
    forms['CNG RSAPUBLICBLOB'] = toRsaPublicBlob(createPrivateKey(await readFile(keyFile)));
  });
  after(() => ws.cleanup());

  it('reads each form to the same key, which encrypts what the private key decrypts', async () => {
    const privateKey = createPrivateKey(await readFile(keyFile));
    const expected = readRsaPublicKey(forms['DER SubjectPublicKeyInfo']!).export({ format: 'jwk' });
    for (const [form, bytes] of Object.entries(forms)) {
      const key = await readPublicKey(new Uint8Array(bytes));
      assert.equal(key.form, form);
      assert.equal(key.modulusBits, 2048);
      assert.deepEqual({ n: key.jwk.n, e: key.jwk.e }, { n: expected.n, e: expected.e }, form);
      for (const [padding, oaepHash] of [['oaepSha256', 'sha256'], ['oaepSha512', 'sha512']] as const) {
        const ciphertext = await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, await key.oaepKey(padding), new TextEncoder().encode('secret'));
        const plain = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, new Uint8Array(ciphertext));
        assert.equal(plain.toString(), 'secret', `${form}, ${padding}`);
      }
    }
  });

  /** Asserts the browser refuses as the CLI does: same code and message, as a KeyFileError. */
  async function sameRefusal(bytes: Uint8Array, code: string, message: RegExp): Promise<void> {
    let cliError: unknown;
    try {
      readRsaPublicKey(Buffer.from(bytes));
    } catch (e) {
      cliError = e;
    }
    assert.ok(cliError instanceof Error, 'the CLI refuses it too');
    await assert.rejects(readPublicKey(bytes), (e: unknown) => {
      assert.ok(e instanceof KeyFileError);
      assert.equal(e.code, code);
      assert.match(e.message, message);
      assert.equal(e.message, cliError.message);
      return true;
    });
  }

  it('refuses an empty file, a private key (PEM and DER), text, and a damaged blob', async () => {
    await sameRefusal(new Uint8Array(0), 'unsupported-key-format', /^the key file is empty; expected a PEM public key/);
    await sameRefusal(await readFile(keyFile), 'not-rsa-public-key', /^this is a private key \(PRIVATE KEY\)/);
    await sameRefusal(await ws.toDer('pkey', keyFile), 'not-rsa-public-key', /^this is a DER private key/);
    await sameRefusal(new TextEncoder().encode('hello'), 'unsupported-key-format', /^the key file is in an unknown format/);
    await sameRefusal(forms['CNG RSAPUBLICBLOB']!.subarray(0, 100), 'unsupported-key-format', /^not a valid RSAPUBLICBLOB .*but its header describes/);
  });

  it('refuses an EC key and an RSA key out of the 1024–8192-bit range', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }) as string;
    await sameRefusal(new TextEncoder().encode(ec), 'not-rsa-public-key', /^the key is EC; the Intune PFX connector key must be RSA$/);
    const small = generateKeyPairSync('rsa', { modulusLength: 768 }).publicKey.export({ format: 'der', type: 'spki' });
    await sameRefusal(new Uint8Array(small), 'not-rsa-public-key', /^the RSA key has 768 bits; expected 1024–8192$/);
  });
});
