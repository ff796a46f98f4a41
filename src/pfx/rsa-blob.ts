/**
 * RSAPUBLICBLOB files (rsa-public-blob.ts reads and checks them) as node:crypto KeyObjects, and back: what
 * Microsoft's `Export-IntunePublicKey` writes.
 */
import { type KeyObject, createPublicKey } from 'node:crypto';
import { RSA_MAGIC, writeRsaBlobHeader } from './cng-rsa-header.js';
import { KeyError } from './errors.js';
import { readRsaPublicBlobNumbers, rsaPublicBlobError, withoutLeadingZeros } from './rsa-public-blob.js';

export function readRsaPublicBlob(data: Uint8Array): KeyObject {
  const { modulus, exponent } = readRsaPublicBlobNumbers(data);
  // A JWK (RFC 7518 §6.3.1) is the simplest way to hand Node a bare (n, e) pair.
  try {
    return createPublicKey({ key: { kty: 'RSA', n: base64url(modulus), e: base64url(exponent) }, format: 'jwk' });
  } catch (e) {
    throw rsaPublicBlobError(`its modulus and exponent do not form an RSA key (${(e as Error).message})`);
  }
}

/** The reverse of `readRsaPublicBlob`: what Export-IntunePublicKey would write for this key (public or private). */
export function toRsaPublicBlob(key: KeyObject): Buffer {
  if (key.asymmetricKeyType !== 'rsa') throw new KeyError('not-rsa-public-key', `a ${key.asymmetricKeyType} key has no RSAPUBLICBLOB`);
  const jwk = key.export({ format: 'jwk' });
  const modulus = Buffer.from(jwk.n!, 'base64url');
  const exponent = Buffer.from(jwk.e!, 'base64url');
  const header = writeRsaBlobHeader({
    magic: RSA_MAGIC.public, bitLength: key.asymmetricKeyDetails!.modulusLength!,
    cbPublicExp: exponent.length, cbModulus: modulus.length, cbPrime1: 0, cbPrime2: 0,
  });
  return Buffer.concat([header, exponent, modulus]);
}

function base64url(bigEndian: Uint8Array): string {
  const bytes = withoutLeadingZeros(bigEndian);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64url');
}
