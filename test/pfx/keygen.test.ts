import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { generateRsaKeyPair } from '../../src/pfx/keygen.js';
import { OpensslWorkspace, openssl } from '../helpers/openssl.js';

describe('generateRsaKeyPair', () => {
  let ws: OpensslWorkspace;
  before(async () => {
    ws = await OpensslWorkspace.create();
  });
  after(() => ws.cleanup());

  test('writes PKCS#8 and SPKI PEM that OpenSSL reads and checks', async () => {
    const { privatePem, publicPem } = await generateRsaKeyPair(2048);
    assert.match(privatePem, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.match(publicPem, /^-----BEGIN PUBLIC KEY-----\n/);
    const privateFile = await ws.write('k.pem', privatePem);
    assert.match((await openssl(['pkey', '-in', privateFile, '-check', '-noout'])).toString(), /Key is valid/);
    const derived = (await openssl(['pkey', '-in', privateFile, '-pubout'])).toString();
    assert.equal(derived, publicPem);
    const key = createPrivateKey(privatePem);
    assert.equal(key.asymmetricKeyDetails?.modulusLength, 2048);
    assert.equal(key.asymmetricKeyDetails?.publicExponent, 65537n);
    assert.equal(createPublicKey(publicPem).asymmetricKeyType, 'rsa');
  });

  test('refuses other sizes', async () => {
    await assert.rejects(generateRsaKeyPair(1024 as 2048), /2048, 3072, 4096/);
  });
});
