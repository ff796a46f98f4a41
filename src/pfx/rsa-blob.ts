/**
 * The CNG `BCRYPT_RSAPUBLIC_BLOB` ("RSAPUBLICBLOB"), the file Microsoft's `Export-IntunePublicKey`
 * writes (CngKey.Export(CngKeyBlobFormat "RSAPUBLICBLOB")). Layout, from the BCRYPT_RSAKEY_BLOB docs:
 *
 *   ULONG Magic ('RSA1' = 0x31415352) · ULONG BitLength · ULONG cbPublicExp · ULONG cbModulus ·
 *   ULONG cbPrime1 · ULONG cbPrime2        -- six little-endian 32-bit integers
 *   BYTE PublicExponent[cbPublicExp]       -- big-endian
 *   BYTE Modulus[cbModulus]                -- big-endian
 */
import { type KeyObject, createPublicKey } from 'node:crypto';
import { HEADER_BYTES, RSA_MAGIC, isCngEccBlob, readRsaBlobHeader, writeRsaBlobHeader } from './cng-rsa-header.js';
import { KeyError } from './errors.js';

export function readRsaPublicBlob(data: Buffer): KeyObject {
  if (isCngEccBlob(data)) {
    throw new KeyError('not-rsa-public-key', 'this is a CNG elliptic-curve key blob (BCRYPT_ECCKEY_BLOB); the Intune PFX connector key must be RSA');
  }
  if (data.length < HEADER_BYTES) throw blobError(`it is ${data.length} bytes, shorter than the 24-byte header`);
  const { magic, bitLength, cbPublicExp: expBytes, cbModulus: modBytes } = readRsaBlobHeader(data);
  if (magic === RSA_MAGIC.private || magic === RSA_MAGIC.fullPrivate) {
    throw new KeyError('not-rsa-public-key', 'this is a CNG RSA private key blob; give the public key (Export-IntunePublicKey writes it)');
  }
  if (magic !== RSA_MAGIC.public) throw blobError(`the magic is 0x${magic.toString(16)}, not 'RSA1' (0x31415352)`);
  if (expBytes < 1 || expBytes > 8) throw blobError(`cbPublicExp is ${expBytes}; expected 1–8`);
  if (modBytes < 64 || modBytes > 2048) throw blobError(`cbModulus is ${modBytes}; expected 64–2048`);
  if (bitLength > modBytes * 8 || bitLength <= (modBytes - 1) * 8) {
    throw blobError(`BitLength ${bitLength} does not fit a ${modBytes}-byte modulus`);
  }
  const expected = HEADER_BYTES + expBytes + modBytes;
  if (data.length !== expected) throw blobError(`it is ${data.length} bytes but its header describes ${expected}`);
  const exponent = data.subarray(HEADER_BYTES, HEADER_BYTES + expBytes);
  const modulus = data.subarray(HEADER_BYTES + expBytes, expected);
  // A JWK (RFC 7518 §6.3.1) is the simplest way to hand Node a bare (n, e) pair.
  try {
    return createPublicKey({ key: { kty: 'RSA', n: base64url(modulus), e: base64url(exponent) }, format: 'jwk' });
  } catch (e) {
    throw blobError(`its modulus and exponent do not form an RSA key (${(e as Error).message})`);
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

/** JWK integers carry no leading zero bytes. */
function base64url(bigEndian: Buffer): string {
  let start = 0;
  while (start < bigEndian.length - 1 && bigEndian[start] === 0) start++;
  return bigEndian.subarray(start).toString('base64url');
}

function blobError(reason: string): KeyError {
  return new KeyError('unsupported-key-format', `not a valid RSAPUBLICBLOB (BCRYPT_RSAKEY_BLOB): ${reason}`);
}
