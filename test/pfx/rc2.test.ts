import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { rc2CbcDecrypt, rc2CbcEncrypt, rc2DecryptBlock, rc2EncryptBlock, rc2ExpandKey } from '../../src/pfx/rc2.js';
import { opensslEncrypt } from '../helpers/openssl.js';

// RFC 2268 §5 test vectors: effective key bits, key, plaintext, ciphertext.
const RFC_2268_VECTORS: readonly [number, string, string, string][] = [
  [63, '0000000000000000', '0000000000000000', 'ebb773f993278eff'],
  [64, 'ffffffffffffffff', 'ffffffffffffffff', '278b27e42e2f0d49'],
  [64, '3000000000000000', '1000000000000001', '30649edf9be7d2c2'],
  [64, '88', '0000000000000000', '61a8a244adacccf0'],
  [64, '88bca90e90875a', '0000000000000000', '6ccf4308974c267f'],
  [64, '88bca90e90875a7f0f79c384627bafb2', '0000000000000000', '1a807d272bbe5db1'],
  [128, '88bca90e90875a7f0f79c384627bafb2', '0000000000000000', '2269552ab0f85ca6'],
  [129, '88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e', '0000000000000000', '5b78d3a43dfff1f1'],
];

describe('RC2 (RFC 2268)', () => {
  for (const [bits, key, plain, cipher] of RFC_2268_VECTORS) {
    test(`RFC 2268 vector: ${bits} effective bits, key ${key.slice(0, 16)}…`, () => {
      const k = rc2ExpandKey(Buffer.from(key, 'hex'), bits);
      const out = Buffer.alloc(8);
      rc2EncryptBlock(k, Buffer.from(plain, 'hex'), out);
      assert.equal(out.toString('hex'), cipher);
      rc2DecryptBlock(k, Buffer.from(cipher, 'hex'), out);
      assert.equal(out.toString('hex'), plain);
    });
  }

  // The three RC2-CBC variants OpenSSL names; PKCS#12 -legacy uses the 40-bit one.
  const variants = [
    { cipher: 'rc2-40-cbc', keyBytes: 5, bits: 40 },
    { cipher: 'rc2-64-cbc', keyBytes: 8, bits: 64 },
    { cipher: 'rc2-cbc', keyBytes: 16, bits: 128 },
  ];
  for (const { cipher, keyBytes, bits } of variants) {
    test(`agrees with openssl enc -${cipher} in both directions`, async () => {
      for (const length of [0, 1, 7, 8, 9, 63, 1000]) {
        const key = randomBytes(keyBytes);
        const iv = randomBytes(8);
        const plaintext = randomBytes(length);
        const reference = await opensslEncrypt(cipher, key, iv, plaintext);
        assert.deepEqual(Buffer.from(rc2CbcDecrypt(key, iv, reference, bits)), plaintext, `decrypt, ${length} bytes`);
        assert.deepEqual(Buffer.from(rc2CbcEncrypt(key, iv, plaintext, bits)), reference, `encrypt, ${length} bytes`);
      }
    });
  }

  test('refuses bad padding, partial blocks and bad parameters', () => {
    // Fixed inputs: with random ones a wrong key would yield valid-looking padding 1 time in ~256.
    const key = Buffer.from('0102030405', 'hex');
    const iv = Buffer.from('0001020304050607', 'hex');
    const good = rc2CbcEncrypt(key, iv, Buffer.from('certificate bag'), 40);
    assert.throws(() => rc2CbcDecrypt(Buffer.from('0102030406', 'hex'), iv, good, 40), /bad padding/);
    assert.throws(() => rc2CbcDecrypt(key, iv, good.subarray(0, 12), 40), /whole number of 8-byte blocks/);
    assert.throws(() => rc2CbcDecrypt(key, iv, Buffer.alloc(0), 40), /whole number of 8-byte blocks/);
    assert.throws(() => rc2CbcDecrypt(key, iv.subarray(0, 4), good, 40), /IV must be 8 bytes/);
    assert.throws(() => rc2ExpandKey(Buffer.alloc(0), 40), /1–128 bytes/);
    assert.throws(() => rc2ExpandKey(key, 0), /effective key bits/);
  });
});
