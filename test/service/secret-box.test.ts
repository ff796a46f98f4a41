import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { SecretBox } from '../../src/service/secret-box.js';

describe('SecretBox (AES-256-GCM at rest)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pfxstore-secretbox-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const box = SecretBox.load(dir, {});

  test('opens what it sealed, under the same context only', () => {
    const secret = randomBytes(2500);
    const sealed = box.seal(secret, 'tenant/id/encryptedPfxBlob');
    assert.deepEqual(box.open(sealed, 'tenant/id/encryptedPfxBlob'), secret);
    assert.equal(sealed.length, 1 + 12 + 16 + secret.length);
    assert.throws(() => box.open(sealed, 'tenant/other-id/encryptedPfxBlob'), /unable to authenticate/i);
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] ^= 1;
    assert.throws(() => box.open(tampered, 'tenant/id/encryptedPfxBlob'), /unable to authenticate/i);
  });

  test('every seal has its own IV, across refills of the random pool', () => {
    const ivs = new Set<string>();
    for (let i = 0; i < 1000; i++) ivs.add(box.seal(Buffer.from('x'), 'c').subarray(1, 13).toString('hex'));
    assert.equal(ivs.size, 1000);
  });

  test('the key survives a reload from the data directory; another key cannot open', () => {
    const sealed = box.seal(Buffer.from('password'), 'c');
    assert.equal(SecretBox.load(dir, {}).open(sealed, 'c').toString(), 'password');
    const other = SecretBox.load(dir, { PFXSTORE_SECRET_KEY: randomBytes(32).toString('base64') });
    assert.throws(() => other.open(sealed, 'c'), /unable to authenticate/i);
  });
});
