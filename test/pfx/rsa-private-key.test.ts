import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { canonicalRsaPrivateKey } from '../../src/pfx/rsa-private-key.js';

/** The JWK fast path must build exactly the key OpenSSL would, and step aside for anything not canonical. */
describe('canonical RSA private keys', () => {
  for (const [bits, publicExponent] of [[1024, 65537], [2048, 65537], [2048, 3]] as const) {
    test(`RSA-${bits}, e=${publicExponent}: the same key as createPrivateKey`, () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits, publicExponent });
      const der = privateKey.export({ format: 'der', type: 'pkcs8' });
      const fast = canonicalRsaPrivateKey(der);
      assert.ok(fast, 'a canonical PKCS#8 key takes the fast path');
      assert.ok(fast.equals(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })));
      assert.deepEqual(fast.export({ format: 'der', type: 'pkcs8' }), der);
    });
  }

  test('anything else is left to OpenSSL: EC, RSA-PSS, trailing bytes, truncation, garbage', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'der', type: 'pkcs8' });
    const pss = generateKeyPairSync('rsa-pss', { modulusLength: 1024 }).privateKey.export({ format: 'der', type: 'pkcs8' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'der', type: 'pkcs8' });
    for (const der of [ec, pss, Buffer.concat([rsa, Buffer.from([0])]), rsa.subarray(0, rsa.length - 5), Buffer.from('not a key')]) {
      assert.equal(canonicalRsaPrivateKey(der), undefined);
    }
  });
});
