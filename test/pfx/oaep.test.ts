import assert from 'node:assert/strict';
import { type KeyObject, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import {
  OAEP_PADDINGS,
  PASSWORD_ENCODING,
  decodePassword,
  decryptPassword,
  encodePassword,
  encryptPassword,
  oaepPadding,
} from '../../src/pfx/oaep.js';
import { assertKeyError } from '../helpers/pfx-errors.js';
import { OpensslWorkspace } from '../helpers/openssl.js';

const DIGEST = { oaepSha256: 'sha256', oaepSha384: 'sha384', oaepSha512: 'sha512' } as const;
const PASSWORD = 'Pfx-Passw0rd! with spaces, "quotes" and café';

describe('RSA-OAEP password encryption', () => {
  let ws: OpensslWorkspace;
  let keyFile: string;
  let publicKey: KeyObject;
  let privateKey: KeyObject;

  before(async () => {
    ws = await OpensslWorkspace.create();
    keyFile = await ws.rsaKey('connector', 2048);
    privateKey = createPrivateKey(await readFile(keyFile));
    publicKey = createPublicKey(privateKey);
  });

  after(() => ws.cleanup());

  for (const padding of OAEP_PADDINGS) {
    test(`${padding}: openssl pkeyutl decrypts it to the password bytes, and back`, async () => {
      const ciphertext = encryptPassword(PASSWORD, publicKey, padding);
      assert.equal(ciphertext.length, 256);
      const decrypted = await ws.oaepDecrypt(keyFile, ciphertext, DIGEST[padding]);
      assert.deepEqual(decrypted, encodePassword(PASSWORD));
      assert.deepEqual(decryptPassword(ciphertext, privateKey, padding), encodePassword(PASSWORD));
      // The other direction: what OpenSSL encrypts, pfxstore decrypts.
      const fromOpenssl = await ws.oaepEncrypt(keyFile, encodePassword(PASSWORD), DIGEST[padding]);
      assert.equal(decodePassword(decryptPassword(fromOpenssl, privateKey, padding)), PASSWORD);
    });
  }

  test('the password is encoded one byte per character, as the Intune module does', () => {
    assert.equal(PASSWORD_ENCODING, 'latin1');
    assert.deepEqual(encodePassword('abc'), Buffer.from('abc', 'utf8'));
    assert.deepEqual(encodePassword('café'), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    assert.equal(decodePassword(Buffer.from([0x63, 0x61, 0x66, 0xe9])), 'café');
    assertKeyError(() => encodePassword('ключ'), 'password-not-encodable', /U\+043A, position 1/);
    assertKeyError(() => encryptPassword('🔑', publicKey, 'oaepSha256'), 'password-not-encodable');
  });

  test('refuses pkcs1, oaepSha1, none and unknown schemes, naming the allowed ones', () => {
    assertKeyError(() => encryptPassword(PASSWORD, publicKey, 'pkcs1'), 'unsupported-padding', /Bleichenbacher.*oaepSha256, oaepSha384, oaepSha512/);
    assertKeyError(() => encryptPassword(PASSWORD, publicKey, 'oaepSha1'), 'unsupported-padding', /SHA-1/);
    assertKeyError(() => encryptPassword(PASSWORD, publicKey, 'none'), 'unsupported-padding', /unpadded/);
    assertKeyError(() => encryptPassword(PASSWORD, publicKey, 'oaep'), 'unsupported-padding', /unknown padding scheme "oaep"/);
    assertKeyError(() => decryptPassword(Buffer.alloc(256), privateKey, 'pkcs1'), 'unsupported-padding');
    assert.equal(oaepPadding('OaepSha512'), 'oaepSha512'); // how the PowerShell module spells it
  });

  test('a password too long for the key is refused with the limit', () => {
    // RFC 8017 §7.1.1: at most k − 2·hLen − 2 = 256 − 128 − 2 = 126 bytes with SHA-512 and 2048 bits.
    assert.equal(encryptPassword('x'.repeat(126), publicKey, 'oaepSha512').length, 256);
    assertKeyError(() => encryptPassword('x'.repeat(127), publicKey, 'oaepSha512'), 'password-not-encodable', /at most 126/);
  });

  test('decrypting with the wrong scheme or key is decrypt-failed', () => {
    const ciphertext = encryptPassword(PASSWORD, publicKey, 'oaepSha256');
    assertKeyError(() => decryptPassword(ciphertext, privateKey, 'oaepSha512'), 'decrypt-failed', /wrong key or padding/);
  });

  test('refuses a non-RSA or private key for encryption', async () => {
    const ecFile = await ws.ecKey('ec');
    const ecPublic = createPublicKey(await readFile(ecFile));
    assertKeyError(() => encryptPassword(PASSWORD, ecPublic, 'oaepSha256'), 'not-rsa-public-key', /must be RSA/);
    assertKeyError(() => encryptPassword(PASSWORD, privateKey, 'oaepSha256'), 'not-rsa-public-key', /public key/);
  });
});
