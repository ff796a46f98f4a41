import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { decodeBase64 } from '../../src/service/entity-body.js';

describe('decodeBase64', () => {
  test('canonical base64 of any length decodes to the same bytes', () => {
    for (const length of [0, 1, 2, 3, 4, 2500]) {
      const bytes = randomBytes(length);
      assert.deepEqual(decodeBase64(bytes.toString('base64')), bytes);
    }
  });

  test('non-zero bits in the last character are accepted, as before', () => {
    assert.deepEqual(decodeBase64('QR=='), Buffer.from('A'));
    assert.deepEqual(decodeBase64('QUJ='), Buffer.from('AB'));
  });

  test('anything Buffer.from would silently repair or skip is refused', () => {
    for (const text of ['QQ', 'QQ=', 'Q Q==', 'QQ==\n', 'QQ=?', '====', 'QQ==QQ==', 'Q-_A', 'QUJD\u00e9']) {
      assert.equal(decodeBase64(text), undefined, JSON.stringify(text));
    }
  });
});
