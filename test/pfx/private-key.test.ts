import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { readRsaKey } from '../../src/pfx/key-forms.js';
import { readRsaPrivateKey } from '../../src/pfx/private-key.js';
import { toRsaPublicBlob } from '../../src/pfx/public-key.js';
import { assertKeyError } from '../helpers/pfx-errors.js';
import { OpensslWorkspace, openssl } from '../helpers/openssl.js';
import { cngBlob, parseOpensslText } from './cng-blob-builder.js';

const PASS = 'PFXSTORE_TEST_KEY_PASS';

/** readRsaPrivateKey: every private form OpenSSL and CNG write, and a precise refusal for everything else. */
describe('reading RSA private keys', () => {
  let ws: OpensslWorkspace;
  let keyFile: string;
  const files: Record<string, Buffer> = {};

  before(async () => {
    ws = await OpensslWorkspace.create();
    let ecKey: string;
    [keyFile, ecKey] = await Promise.all([ws.rsaKey('rsa', 2048), ws.ecKey('ec')]);
    const cert = await ws.certificate('rsa', { key: keyFile, subject: '/CN=connector' });
    const pssKey = ws.path('pss.key.pem');
    const smallKey = ws.path('small.key.pem');
    await Promise.all([
      openssl(['genpkey', '-algorithm', 'RSA-PSS', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', pssKey]),
      openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:512', '-out', smallKey]),
    ]);
    const env = { env: { [PASS]: 'secret' } };
    const { numbers } = parseOpensslText((await openssl(['rsa', '-in', keyFile, '-text', '-noout'])).toString());
    const pkcs8Pem = await readFile(keyFile);
    Object.assign(files, {
      pkcs8Pem,
      pkcs1Pem: await openssl(['rsa', '-in', keyFile, '-traditional']),
      pkcs8Der: await openssl(['pkey', '-in', keyFile, '-outform', 'DER']),
      pkcs1Der: await openssl(['rsa', '-in', keyFile, '-traditional', '-outform', 'DER']),
      // What `openssl pkcs12 -nodes` writes: text, a certificate, then the key.
      certAndKey: Buffer.concat([Buffer.from('Bag Attributes\n    localKeyID: 01\n'), await readFile(cert), pkcs8Pem]),
      rsa3: cngBlob(numbers),
      rsa2: cngBlob(numbers, { magic: 'RSA2' }),
      encryptedPem: await openssl(['pkcs8', '-topk8', '-in', keyFile, '-passout', `env:${PASS}`], env),
      encryptedDer: await openssl(['pkcs8', '-topk8', '-in', keyFile, '-outform', 'DER', '-passout', `env:${PASS}`], env),
      encryptedTraditional: await openssl(['rsa', '-in', keyFile, '-traditional', '-aes128', '-passout', `env:${PASS}`], env),
      spkiPem: await openssl(['pkey', '-in', keyFile, '-pubout']),
      rsaPublicPem: await openssl(['rsa', '-in', keyFile, '-RSAPublicKey_out']),
      spkiDer: await openssl(['pkey', '-in', keyFile, '-pubout', '-outform', 'DER']),
      certPem: await readFile(cert),
      certDer: await ws.toDer('x509', cert),
      ecPkcs8: await readFile(ecKey),
      ecSec1: await openssl(['ec', '-in', ecKey]),
      ecDer: await openssl(['ec', '-in', ecKey, '-outform', 'DER']),
      pss: await readFile(pssKey),
      small: await readFile(smallKey),
    });
  });
  after(() => ws.cleanup());

  for (const name of ['pkcs8Pem', 'pkcs1Pem', 'pkcs8Der', 'pkcs1Der', 'certAndKey', 'rsa3', 'rsa2']) {
    test(`reads ${name}`, async () => {
      const key = readRsaPrivateKey(files[name]!);
      assert.ok(key.equals(createPrivateKey(await readFile(keyFile))));
    });
  }

  test('an encrypted key: decrypt it first with openssl pkey', () => {
    for (const [name, what] of [['encryptedPem', 'ENCRYPTED PRIVATE KEY'], ['encryptedTraditional', 'RSA PRIVATE KEY'], ['encryptedDer', 'DER EncryptedPrivateKeyInfo']]) {
      assertKeyError(() => readRsaPrivateKey(files[name!]!), 'encrypted-private-key',
        new RegExp(`^this private key is encrypted \\(${what}\\); decrypt it first with 'openssl pkey -in KEY -out PLAIN\\.key\\.pem'`));
    }
  });

  test('a public key or a certificate: a private key is needed', () => {
    assertKeyError(() => readRsaPrivateKey(files.spkiPem!), 'not-private-key', /^this is a public key \(PUBLIC KEY\); a private key is needed/);
    assertKeyError(() => readRsaPrivateKey(files.rsaPublicPem!), 'not-private-key', /^this is a public key \(RSA PUBLIC KEY\); a private key is needed/);
    assertKeyError(() => readRsaPrivateKey(files.certPem!), 'not-private-key', /^this is a certificate \(CERTIFICATE\); a private key is needed/);
    assertKeyError(() => readRsaPrivateKey(files.spkiDer!), 'not-private-key', /^this is a DER public key or certificate; a private key is needed/);
    assertKeyError(() => readRsaPrivateKey(files.certDer!), 'not-private-key', /DER public key or certificate/);
    assertKeyError(() => readRsaPrivateKey(toRsaPublicBlob(createPrivateKey(files.pkcs8Pem!))), 'not-private-key', /RSAPUBLICBLOB\); a private key is needed/);
  });

  test('a private key the connector cannot use: EC, RSA-PSS, too small', () => {
    for (const name of ['ecPkcs8', 'ecDer']) {
      assertKeyError(() => readRsaPrivateKey(files[name]!), 'not-rsa-private-key', /^the key is EC; the Intune PFX connector key must be RSA$/);
    }
    assertKeyError(() => readRsaPrivateKey(files.ecSec1!), 'not-rsa-private-key', /^this is an EC key \(EC PRIVATE KEY\); the Intune PFX connector key must be RSA$/);
    assertKeyError(() => readRsaPrivateKey(files.pss!), 'not-rsa-private-key', /RSA-PSS key \(id-RSASSA-PSS\), which can only sign/);
    assertKeyError(() => readRsaPrivateKey(files.small!), 'not-rsa-private-key', /^the RSA key has 512 bits; expected 1024–8192$/);
  });

  test('nothing, garbage, or a PEM block of another kind', () => {
    assertKeyError(() => readRsaPrivateKey(Buffer.alloc(0)), 'unsupported-key-format', /^the key file is empty; expected an unencrypted RSA private key/);
    assertKeyError(() => readRsaPrivateKey(Buffer.from('hello')), 'unsupported-key-format', /^the key file is in an unknown format; expected .*RSAFULLPRIVATEBLOB/);
    assertKeyError(() => readRsaPrivateKey(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00])), 'unsupported-key-format', /unknown format/);
    assertKeyError(() => readRsaPrivateKey(Buffer.from('-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n')), 'unsupported-key-format',
      /^a PEM "X509 CRL" block is not a key pfxstore reads/);
    const damaged = files.pkcs8Pem!.toString().replace(/\n[A-Za-z0-9+/]{20}/, '\n');
    assertKeyError(() => readRsaPrivateKey(Buffer.from(damaged)), 'unsupported-key-format', /^the PEM block "PRIVATE KEY" cannot be read/);
  });

  test('readRsaKey (key convert): the private key when there is one, else the public key', () => {
    assert.equal(readRsaKey(files.rsa3!).type, 'private');
    assert.equal(readRsaKey(files.certAndKey!).type, 'private');
    for (const name of ['spkiPem', 'rsaPublicPem', 'spkiDer', 'certPem', 'certDer']) assert.equal(readRsaKey(files[name]!).type, 'public', name);
    assert.equal(readRsaKey(toRsaPublicBlob(createPrivateKey(files.pkcs8Pem!))).type, 'public');
    assertKeyError(() => readRsaKey(files.encryptedPem!), 'encrypted-private-key');
  });
});
