import assert from 'node:assert/strict';
import { type KeyObject, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { readRsaPublicKey, toRsaPublicBlob } from '../../src/pfx/public-key.js';
import { assertKeyError } from '../helpers/pfx-errors.js';
import { OpensslWorkspace, openssl } from '../helpers/openssl.js';

const spki = (key: KeyObject) => key.export({ type: 'spki', format: 'der' });

/**
 * BCRYPT_RSAPUBLIC_BLOB written field by field from the documented layout, independently of
 * `toRsaPublicBlob`: six little-endian ULONGs, then big-endian exponent and modulus.
 */
function handMadeBlob(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  const e = Buffer.from(jwk.e!, 'base64url');
  const n = Buffer.from(jwk.n!, 'base64url');
  const header = Buffer.alloc(24);
  header.write('RSA1', 0, 'latin1'); // 0x31415352 little-endian is the bytes 'R' 'S' 'A' '1'
  header.writeUInt32LE(n.length * 8, 4);
  header.writeUInt32LE(e.length, 8);
  header.writeUInt32LE(n.length, 12);
  return Buffer.concat([header, e, n]);
}

describe('reading RSA public keys', () => {
  let ws: OpensslWorkspace;
  let rsaKeyFile: string;
  let ecKeyFile: string;
  let expected: Buffer;
  const files: Record<string, Buffer> = {};

  before(async () => {
    ws = await OpensslWorkspace.create();
    [rsaKeyFile, ecKeyFile] = await Promise.all([ws.rsaKey('rsa', 2048), ws.ecKey('ec')]);
    expected = spki(createPublicKey(await readFile(rsaKeyFile)));
    const cert = await ws.certificate('rsa', { key: rsaKeyFile, subject: '/CN=connector' });
    const ecCert = await ws.certificate('ec', { key: ecKeyFile, subject: '/CN=ec' });
    Object.assign(files, {
      spkiPem: await openssl(['pkey', '-in', rsaKeyFile, '-pubout']),
      pkcs1Pem: await openssl(['rsa', '-in', rsaKeyFile, '-RSAPublicKey_out']),
      certPem: await readFile(cert),
      certDer: await ws.toDer('x509', cert),
      certText: await openssl(['x509', '-in', cert, '-text']),
      spkiDer: await openssl(['pkey', '-in', rsaKeyFile, '-pubout', '-outform', 'DER']),
      pkcs1Der: await openssl(['rsa', '-in', rsaKeyFile, '-RSAPublicKey_out', '-outform', 'DER']),
      privatePem: await readFile(rsaKeyFile),
      privateDer: await openssl(['pkey', '-in', rsaKeyFile, '-outform', 'DER']),
      ecSpkiPem: await openssl(['pkey', '-in', ecKeyFile, '-pubout']),
      ecCertPem: await readFile(ecCert),
    });
  });

  after(() => ws.cleanup());

  const accepted = ['spkiPem', 'pkcs1Pem', 'certPem', 'certDer', 'certText', 'spkiDer', 'pkcs1Der'];
  for (const name of accepted) {
    test(`reads ${name}`, () => {
      const key = readRsaPublicKey(files[name]!);
      assert.equal(key.type, 'public');
      assert.deepEqual(spki(key), expected);
    });
  }

  test('RSAPUBLICBLOB (Export-IntunePublicKey) round-trips', () => {
    const key = createPublicKey(files.spkiPem!);
    const blob = handMadeBlob(key);
    assert.equal(blob.readUInt32LE(0), 0x31415352);
    assert.equal(blob.length, 24 + 3 + 256);
    assert.deepEqual(spki(readRsaPublicKey(blob)), expected);
    assert.deepEqual(toRsaPublicBlob(key), blob);
    assert.deepEqual(toRsaPublicBlob(createPrivateKey(files.privatePem!)), blob);
  });

  test('refuses damaged RSAPUBLICBLOBs with the reason', () => {
    const blob = handMadeBlob(createPublicKey(files.spkiPem!));
    assertKeyError(() => readRsaPublicKey(blob.subarray(0, 20)), 'unsupported-key-format', /shorter than the 24-byte header/);
    assertKeyError(() => readRsaPublicKey(blob.subarray(0, blob.length - 1)), 'unsupported-key-format', /header describes 283/);
    assertKeyError(() => readRsaPublicKey(Buffer.concat([blob, Buffer.alloc(1)])), 'unsupported-key-format', /header describes/);
    const badBits = Buffer.from(blob);
    badBits.writeUInt32LE(4096, 4);
    assertKeyError(() => readRsaPublicKey(badBits), 'unsupported-key-format', /BitLength 4096/);
    const privateMagic = Buffer.from(blob);
    privateMagic.write('RSA2', 0, 'latin1');
    assertKeyError(() => readRsaPublicKey(privateMagic), 'not-rsa-public-key', /private key blob/);
    const eccBlob = Buffer.concat([Buffer.from('ECS1', 'latin1'), Buffer.alloc(4 + 64)]);
    assertKeyError(() => readRsaPublicKey(eccBlob), 'not-rsa-public-key', /elliptic-curve/);
  });

  test('refuses EC keys and certificates', () => {
    assertKeyError(() => readRsaPublicKey(files.ecSpkiPem!), 'not-rsa-public-key', /EC.*must be RSA/);
    assertKeyError(() => readRsaPublicKey(files.ecCertPem!), 'not-rsa-public-key', /must be RSA/);
  });

  test('refuses private keys, saying to give the public key', () => {
    assertKeyError(() => readRsaPublicKey(files.privatePem!), 'not-rsa-public-key', /private key/);
    assertKeyError(() => readRsaPublicKey(files.privateDer!), 'not-rsa-public-key', /private key/);
  });

  test('refuses what is not a key', () => {
    assertKeyError(() => readRsaPublicKey(Buffer.alloc(0)), 'unsupported-key-format', /empty/);
    assertKeyError(() => readRsaPublicKey(Buffer.from('hello world')), 'unsupported-key-format', /unknown format/);
    assertKeyError(() => readRsaPublicKey(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01])), 'unsupported-key-format');
    assertKeyError(() => readRsaPublicKey(Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n')), 'unsupported-key-format', /not a public key/);
    assertKeyError(() => readRsaPublicKey(Buffer.from('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n')), 'unsupported-key-format', /cannot be read/);
  });
});
