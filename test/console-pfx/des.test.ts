import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { tripleDesCbcDecrypt } from '../../console/src/pfx/des.js';

describe('browser 3DES-CBC', () => {
  it('FIPS 81 / NIST single-DES vector (three equal keys make 3DES plain DES)', () => {
    // "Now is the time for all " under 0123456789abcdef, CBC with IV 1234567890abcdef (FIPS 81 appendix C).
    const key = Buffer.from('0123456789abcdef'.repeat(3), 'hex');
    const iv = Buffer.from('1234567890abcdef', 'hex');
    const ciphertext = Buffer.from('e5c7cdde872bf27c43e934008c389c0f683788499a7c05f6', 'hex');
    const plaintext = Buffer.from('Now is the time for all ');
    // The vector has no padding block: append the PKCS#7 block OpenSSL would have written.
    const padded = createCipheriv('des-ede3-cbc', key, iv).update(Buffer.concat([plaintext, Buffer.alloc(8, 8)]));
    assert.deepEqual(padded.subarray(0, 24), ciphertext);
    assert.deepEqual(Buffer.from(tripleDesCbcDecrypt(key, iv, padded)), plaintext);
  });

  for (const [cipher, keyBytes] of [['des-ede3-cbc', 24], ['des-ede-cbc', 16]] as const) {
    it(`agrees with OpenSSL's ${cipher} on random keys and lengths`, () => {
      for (const length of [0, 1, 7, 8, 9, 100, 1217]) {
        const key = randomBytes(keyBytes);
        const iv = randomBytes(8);
        const plaintext = randomBytes(length);
        const c = createCipheriv(cipher, key, iv);
        const ciphertext = Buffer.concat([c.update(plaintext), c.final()]);
        assert.deepEqual(Buffer.from(tripleDesCbcDecrypt(key, iv, ciphertext)), plaintext, `${length} bytes`);
      }
    });
  }

  it('refuses bad padding, lengths and IVs', () => {
    // Fixed keys: with random ones, a wrong key yields valid padding once in ~256 runs.
    const key = Buffer.from('00112233445566778899aabbccddeeff0123456789abcdef', 'hex');
    const iv = Buffer.from('0001020304050607', 'hex');
    const c = createCipheriv('des-ede3-cbc', key, iv);
    const good = Buffer.concat([c.update('the key bag'), c.final()]);
    assert.throws(() => tripleDesCbcDecrypt(Buffer.from('f0e1d2c3b4a5968778695a4b3c2d1e0ffedcba9876543210', 'hex'), iv, good), /bad padding/);
    assert.throws(() => tripleDesCbcDecrypt(key, iv, good.subarray(0, 12)), /whole number of 8-byte blocks/);
    assert.throws(() => tripleDesCbcDecrypt(key, iv.subarray(0, 4), good), /IV must be 8 bytes/);
    assert.throws(() => tripleDesCbcDecrypt(key.subarray(0, 8), iv, good), /16 or 24 bytes/);
  });
});
