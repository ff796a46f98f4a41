import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { readRsaPrivateKey } from '../../src/pfx/private-key.js';
import { readRsaPrivateBlob, toRsaFullPrivateBlob } from '../../src/pfx/rsa-private-blob.js';
import { assertKeyError } from '../helpers/pfx-errors.js';
import { type Numbers, cngBlob, fromBigEndian } from './cng-blob-builder.js';

const numbersOf = (key: KeyObject): Numbers => {
  const jwk = key.export({ format: 'jwk' });
  const int = (v: string | undefined) => fromBigEndian(Buffer.from(v!, 'base64url'));
  return { n: int(jwk.n), e: int(jwk.e), d: int(jwk.d), p: int(jwk.p), q: int(jwk.q), dp: int(jwk.dp), dq: int(jwk.dq), qi: int(jwk.qi) };
};

/** Every way a CNG private blob is refused, each with its message (no child process: a key from node:crypto). */
describe('malformed CNG RSA private key blobs', () => {
  let key: KeyObject;
  let k: Numbers;
  let good: Buffer;
  const full = (reason: RegExp) => new RegExp(`^not a valid RSAFULLPRIVATEBLOB \\(BCRYPT_RSAKEY_BLOB\\): ${reason.source}`);
  const refused = (blob: Buffer, reason: RegExp) => assertKeyError(() => readRsaPrivateKey(blob), 'unsupported-key-format', full(reason));

  before(() => {
    key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    k = numbersOf(key);
    good = cngBlob(k);
  });

  test('the hand-made blob is read, so each case below fails for its own reason alone', () => {
    assert.ok(readRsaPrivateKey(good).equals(key));
    assert.deepEqual(toRsaFullPrivateBlob(key), good);
  });

  test('short of a header, or a magic that is no RSA private blob', () => {
    assertKeyError(() => readRsaPrivateBlob(good.subarray(0, 23)), 'unsupported-key-format', /it is 23 bytes, shorter than the 24-byte header/);
    assertKeyError(() => readRsaPrivateBlob(cngBlob(k, { magic: 'RSA4' })), 'unsupported-key-format', /the magic is 'RSA4', not 'RSA3' \(0x33415352\) or 'RSA2' \(0x32415352\)/);
    const binary = Buffer.from(good);
    binary.writeUInt32LE(0xdeadbeef, 0);
    assertKeyError(() => readRsaPrivateBlob(binary), 'unsupported-key-format', /the magic is 0xdeadbeef/);
  });

  test('a public or elliptic-curve blob where a private RSA key is needed', () => {
    assertKeyError(() => readRsaPrivateKey(cngBlob(k, { magic: 'RSA1' })), 'not-private-key', /CNG RSA public key blob \(RSAPUBLICBLOB\); a private key is needed/);
    const ecc = Buffer.concat([Buffer.from('ECK2', 'latin1'), Buffer.alloc(4 + 96)]);
    assertKeyError(() => readRsaPrivateKey(ecc), 'not-rsa-private-key', /elliptic-curve key blob \(BCRYPT_ECCKEY_BLOB\); the Intune PFX connector key must be RSA/);
  });

  test('header sizes out of range or inconsistent', () => {
    refused(cngBlob(k, { header: { cbPublicExp: 0 } }), /cbPublicExp is 0; expected 1–8/);
    refused(cngBlob(k, { header: { cbPublicExp: 9 } }), /cbPublicExp is 9; expected 1–8/);
    refused(cngBlob(k, { header: { cbModulus: 63, BitLength: 500 } }), /cbModulus is 63; expected 64–2048/);
    refused(cngBlob(k, { header: { cbModulus: 2049, BitLength: 16385 } }), /cbModulus is 2049; expected 64–2048/);
    refused(cngBlob(k, { header: { BitLength: 4096 } }), /BitLength 4096 does not fit a 256-byte modulus/);
    refused(cngBlob(k, { header: { BitLength: 2040 } }), /BitLength 2040 does not fit a 256-byte modulus/);
    refused(cngBlob(k, { header: { cbPrime1: 0 } }), /cbPrime1 is 0; expected 1–256 \(cbModulus\)/);
    refused(cngBlob(k, { header: { cbPrime2: 257 } }), /cbPrime2 is 257; expected 1–256 \(cbModulus\)/);
  });

  test('a length other than the header describes', () => {
    refused(good.subarray(0, good.length - 1), /it is 1178 bytes but its header describes 1179/);
    refused(Buffer.concat([good, Buffer.alloc(1)]), /it is 1180 bytes but its header describes 1179/);
    // RSA2 is the first four integers only: an RSA3 body under an RSA2 header is too long.
    assertKeyError(() => readRsaPrivateKey(Buffer.concat([Buffer.from('RSA2', 'latin1'), good.subarray(4)])), 'unsupported-key-format',
      /^not a valid RSAPRIVATEBLOB \(BCRYPT_RSAKEY_BLOB\): it is 1179 bytes but its header describes 539/);
  });

  test('numbers that are no RSA key', () => {
    refused(cngBlob({ ...k, e: 65536n }), /PublicExponent is 65536; an RSA public exponent is odd and at least 3/);
    refused(cngBlob({ ...k, e: 1n }), /PublicExponent is 1; an RSA public exponent is odd and at least 3/);
    refused(cngBlob(k, { header: { BitLength: 2047 } }), /BitLength is 2047 but the modulus has 2048 bits/);
    refused(cngBlob({ ...k, n: k.n - 2n }), /Modulus is not Prime1 × Prime2/);
    refused(cngBlob({ ...k, n: k.p * k.p, q: k.p }), /Prime1 equals Prime2/);
    refused(cngBlob({ ...k, p: k.n, q: 1n, dq: 0n }), /Prime1 is not prime/);
    refused(cngBlob({ ...k, n: k.n * 3n, q: k.q * 3n }), /Prime2 is not prime/);
  });

  test('RSAFULLPRIVATEBLOB numbers that disagree with one another', () => {
    refused(cngBlob({ ...k, d: k.d + 2n }), /PrivateExponent is not the inverse of PublicExponent mod lcm\(Prime1 − 1, Prime2 − 1\)/);
    refused(cngBlob({ ...k, dp: k.dp ^ 1n }), /Exponent1 is not PrivateExponent mod \(Prime1 − 1\)/);
    refused(cngBlob({ ...k, dq: k.dq ^ 1n }), /Exponent2 is not PrivateExponent mod \(Prime2 − 1\)/);
    refused(cngBlob({ ...k, qi: k.qi ^ 1n }), /Coefficient is not the inverse of Prime2 mod Prime1/);
  });

  test('an RSAPRIVATEBLOB whose exponent has no inverse', () => {
    // e = 3 has no inverse when 3 divides p − 1 or q − 1 (three keys in four).
    let numbers: Numbers | undefined;
    for (let i = 0; i < 50 && !numbers; i++) {
      const candidate = numbersOf(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey);
      if ((candidate.p - 1n) % 3n === 0n || (candidate.q - 1n) % 3n === 0n) numbers = { ...candidate, e: 3n };
    }
    assert.ok(numbers);
    assertKeyError(() => readRsaPrivateKey(cngBlob(numbers, { magic: 'RSA2' })), 'unsupported-key-format',
      /^not a valid RSAPRIVATEBLOB \(BCRYPT_RSAKEY_BLOB\): PublicExponent has no inverse mod lcm\(Prime1 − 1, Prime2 − 1\)/);
  });

  test('writing: only a two-prime RSA private key has an RSAFULLPRIVATEBLOB', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    assertKeyError(() => toRsaFullPrivateBlob(publicKey), 'not-private-key', /a public key has no RSAFULLPRIVATEBLOB/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    assertKeyError(() => toRsaFullPrivateBlob(ec), 'not-rsa-private-key', /an RSAFULLPRIVATEBLOB holds RSA keys only; this key is EC/);
  });
});
