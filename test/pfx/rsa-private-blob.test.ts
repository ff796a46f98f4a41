import assert from 'node:assert/strict';
import { constants, createPrivateKey, createPublicKey, privateDecrypt, publicEncrypt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { readRsaPrivateKey } from '../../src/pfx/private-key.js';
import { readRsaPublicKey, toRsaPublicBlob } from '../../src/pfx/public-key.js';
import { toRsaFullPrivateBlob } from '../../src/pfx/rsa-private-blob.js';
import { OpensslWorkspace, openssl } from '../helpers/openssl.js';
import { FULL_LAYOUT, type Numbers, bigEndian, cngBlob, fromBigEndian, parseOpensslText } from './cng-blob-builder.js';

interface OpensslKey {
  readonly file: string;
  readonly pem: string;
  readonly numbers: Numbers;
  readonly bits: number;
  /** `openssl rsa -noout -modulus`: `Modulus=HEX`. */
  readonly modulus: string;
}

/** The CNG private blobs against OpenSSL: the layout field by field, byte-for-byte round trips, OpenSSL reading what comes out. */
describe('CNG RSA private key blobs (RSAFULLPRIVATEBLOB, RSAPRIVATEBLOB)', () => {
  let ws: OpensslWorkspace;
  const keys: OpensslKey[] = [];

  before(async () => {
    ws = await OpensslWorkspace.create();
    const files = await Promise.all([
      ws.rsaKey('genpkey-2048', 2048),
      ws.path('genrsa-3072.pem'),
    ]);
    await openssl(['genrsa', '-out', files[1]!, '3072']);
    for (const file of files) {
      const [pem, text, modulus] = await Promise.all([
        readFile(file, 'utf8'), openssl(['rsa', '-in', file, '-text', '-noout']), openssl(['rsa', '-in', file, '-noout', '-modulus']),
      ]);
      keys.push({ file, pem, ...parseOpensslText(text.toString()), modulus: modulus.toString() });
    }
  });
  after(() => ws.cleanup());

  test('the RSAFULLPRIVATEBLOB layout, field by field, against `openssl rsa -text`', () => {
    for (const { pem, numbers, bits } of keys) {
      const blob = toRsaFullPrivateBlob(readRsaPrivateKey(Buffer.from(pem)));
      // Header: six little-endian ULONGs.
      assert.equal(blob.subarray(0, 4).toString('latin1'), 'RSA3');
      assert.equal(blob.readUInt32LE(0), 0x33415352);
      const [bitLength, cbPublicExp, cbModulus, cbPrime1, cbPrime2] = [4, 8, 12, 16, 20].map((o) => blob.readUInt32LE(o));
      assert.equal(bitLength, bits);
      assert.equal(cbPublicExp, 3); // 65537
      assert.equal(cbModulus, bits / 8);
      assert.equal(cbPrime1, bigEndian(numbers.p).length);
      assert.equal(cbPrime2, bigEndian(numbers.q).length);
      assert.equal(cbPrime1, bits / 16);
      const widths = { cbPublicExp, cbModulus, cbPrime1, cbPrime2 };
      assert.equal(blob.length, 24 + cbPublicExp + 2 * cbModulus + 3 * cbPrime1 + 2 * cbPrime2);
      // Then the integers, big-endian, each in its fixed-width field, at the documented offsets.
      let offset = 24;
      for (const [name, field, width] of FULL_LAYOUT) {
        const bytes = blob.subarray(offset, offset + widths[width]);
        assert.equal(bytes.length, widths[width], name);
        assert.equal(fromBigEndian(bytes), numbers[field], `${name} at offset ${offset}`);
        offset += widths[width];
      }
      assert.equal(offset, blob.length);
      if (bits === 2048) {
        // The offsets spelled out once for RSA-2048: e at 24, n at 27, p 283, q 411, dp 539, dq 667, qi 795, d 923.
        assert.equal(fromBigEndian(blob.subarray(27, 283)), numbers.n);
        assert.equal(fromBigEndian(blob.subarray(923, 1179)), numbers.d);
        assert.equal(blob.length, 1179);
      }
      // And the same bytes as the blob written by hand from the document.
      assert.deepEqual(blob, cngBlob(numbers));
    }
  });

  test('round trips byte for byte: OpenSSL PEM → blob → PEM, and blob → PEM → blob', async () => {
    for (const { file, pem, numbers } of keys) {
      const blob = toRsaFullPrivateBlob(readRsaPrivateKey(Buffer.from(pem)));
      const back = readRsaPrivateKey(blob);
      assert.equal(back.export({ type: 'pkcs8', format: 'pem' }), pem);
      const pkcs1 = (await openssl(['rsa', '-in', file, '-traditional'])).toString();
      assert.equal(back.export({ type: 'pkcs1', format: 'pem' }), pkcs1);
      assert.deepEqual(toRsaFullPrivateBlob(readRsaPrivateKey(Buffer.from(back.export({ type: 'pkcs8', format: 'pem' })))), blob);
      assert.deepEqual(toRsaFullPrivateBlob(readRsaPrivateKey(Buffer.from(pkcs1))), blob);
      assert.deepEqual(cngBlob(numbers), blob);
    }
  });

  test('OpenSSL reads every PEM made from a blob and finds the same modulus', async () => {
    for (const [i, { modulus, numbers, file }] of keys.entries()) {
      const key = readRsaPrivateKey(cngBlob(numbers));
      const pkcs8 = await ws.write(`from-blob-${i}.pem`, key.export({ type: 'pkcs8', format: 'pem' }));
      const pkcs1 = await ws.write(`from-blob-${i}.rsa.pem`, key.export({ type: 'pkcs1', format: 'pem' }));
      for (const f of [pkcs8, pkcs1]) {
        assert.equal((await openssl(['rsa', '-in', f, '-noout', '-modulus'])).toString(), modulus);
        assert.match((await openssl(['pkey', '-in', f, '-check', '-noout'])).toString(), /Key is valid/);
      }
      // The public half, from an RSAPUBLICBLOB: SPKI and PKCS#1 PEM.
      const publicKey = readRsaPublicKey(toRsaPublicBlob(key));
      const spki = await ws.write(`from-blob-${i}.pub.pem`, publicKey.export({ type: 'spki', format: 'pem' }));
      const rsaPublic = await ws.write(`from-blob-${i}.rsapub.pem`, publicKey.export({ type: 'pkcs1', format: 'pem' }));
      const expected = await openssl(['pkey', '-in', file, '-pubout']);
      assert.deepEqual(await openssl(['pkey', '-pubin', '-in', spki, '-pubout']), expected);
      assert.equal((await openssl(['rsa', '-pubin', '-in', spki, '-noout', '-modulus'])).toString(), modulus);
      assert.equal((await openssl(['rsa', '-RSAPublicKey_in', '-in', rsaPublic, '-noout', '-modulus'])).toString(), modulus);
    }
  });

  test('an RSAPRIVATEBLOB (e, n, p, q only) gives the same key as OpenSSL\'s, its other numbers computed', () => {
    for (const { pem, numbers } of keys) {
      const blob = cngBlob(numbers, { magic: 'RSA2' });
      assert.equal(blob.readUInt32LE(0), 0x32415352);
      assert.equal(blob.length, 24 + 3 + bigEndian(numbers.n).length + bigEndian(numbers.p).length + bigEndian(numbers.q).length);
      const key = readRsaPrivateKey(blob);
      assert.equal(key.export({ type: 'pkcs8', format: 'pem' }), pem);
      assert.deepEqual(toRsaFullPrivateBlob(key), cngBlob(numbers));
    }
  });

  test('a PrivateExponent not reduced mod lcm (Windows versions differ): accepted, kept as it is, and it decrypts', async () => {
    // Microsoft's page: some versions export d mod (p − 1)(q − 1), others mod lcm(p − 1, q − 1). d + lcm is
    // an equally valid exponent below (p − 1)(q − 1), and never OpenSSL's.
    const { numbers, file } = keys[0]!;
    const d = numbers.d + ((numbers.p - 1n) * (numbers.q - 1n)) / gcd(numbers.p - 1n, numbers.q - 1n);
    const blob = cngBlob({ ...numbers, d });
    const key = readRsaPrivateKey(blob);
    assert.deepEqual(toRsaFullPrivateBlob(key), blob);
    const pemFile = await ws.write('phi.pem', key.export({ type: 'pkcs8', format: 'pem' }));
    assert.match((await openssl(['pkey', '-in', pemFile, '-check', '-noout'])).toString(), /Key is valid/);
    const secret = Buffer.from('escrowed');
    const ciphertext = publicEncrypt({ key: createPublicKey(await readFile(file)), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, secret);
    assert.deepEqual(privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, ciphertext), secret);
    assert.ok(createPrivateKey(await readFile(file)).equals(readRsaPrivateKey(cngBlob(numbers))));
  });
});

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}
