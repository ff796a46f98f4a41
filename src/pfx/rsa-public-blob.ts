/**
 * The CNG `BCRYPT_RSAPUBLIC_BLOB` ("RSAPUBLICBLOB"), the file Microsoft's `Export-IntunePublicKey`
 * writes (CngKey.Export(CngKeyBlobFormat "RSAPUBLICBLOB")). Layout, from the BCRYPT_RSAKEY_BLOB docs:
 *
 *   ULONG Magic ('RSA1' = 0x31415352) · ULONG BitLength · ULONG cbPublicExp · ULONG cbModulus ·
 *   ULONG cbPrime1 · ULONG cbPrime2        -- six little-endian 32-bit integers
 *   BYTE PublicExponent[cbPublicExp]       -- big-endian
 *   BYTE Modulus[cbModulus]                -- big-endian
 *
 * Pure (Uint8Array): the CLI makes a KeyObject of the numbers (rsa-blob.ts), the browser console a CryptoKey.
 */
import { HEADER_BYTES, RSA_MAGIC, isCngEccBlob, readRsaBlobHeader } from './cng-rsa-header.js';
import { KeyError } from './errors.js';

export interface RsaPublicNumbers {
  /** Big-endian, as the blob stores them. */
  readonly modulus: Uint8Array;
  readonly exponent: Uint8Array;
}

/** The modulus and exponent of an RSAPUBLICBLOB, after checking its header; throws `KeyError` naming the problem. */
export function readRsaPublicBlobNumbers(data: Uint8Array): RsaPublicNumbers {
  if (isCngEccBlob(data)) {
    throw new KeyError('not-rsa-public-key', 'this is a CNG elliptic-curve key blob (BCRYPT_ECCKEY_BLOB); the Intune PFX connector key must be RSA');
  }
  if (data.length < HEADER_BYTES) throw rsaPublicBlobError(`it is ${data.length} bytes, shorter than the 24-byte header`);
  const { magic, bitLength, cbPublicExp: expBytes, cbModulus: modBytes } = readRsaBlobHeader(data);
  if (magic === RSA_MAGIC.private || magic === RSA_MAGIC.fullPrivate) {
    throw new KeyError('not-rsa-public-key', 'this is a CNG RSA private key blob; give the public key (Export-IntunePublicKey writes it)');
  }
  if (magic !== RSA_MAGIC.public) throw rsaPublicBlobError(`the magic is 0x${magic.toString(16)}, not 'RSA1' (0x31415352)`);
  if (expBytes < 1 || expBytes > 8) throw rsaPublicBlobError(`cbPublicExp is ${expBytes}; expected 1–8`);
  if (modBytes < 64 || modBytes > 2048) throw rsaPublicBlobError(`cbModulus is ${modBytes}; expected 64–2048`);
  if (bitLength > modBytes * 8 || bitLength <= (modBytes - 1) * 8) {
    throw rsaPublicBlobError(`BitLength ${bitLength} does not fit a ${modBytes}-byte modulus`);
  }
  const expected = HEADER_BYTES + expBytes + modBytes;
  if (data.length !== expected) throw rsaPublicBlobError(`it is ${data.length} bytes but its header describes ${expected}`);
  return { exponent: data.subarray(HEADER_BYTES, HEADER_BYTES + expBytes), modulus: data.subarray(HEADER_BYTES + expBytes, expected) };
}

/** JWK integers (RFC 7518 §6.3.1) carry no leading zero bytes. */
export function withoutLeadingZeros(bigEndian: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bigEndian.length - 1 && bigEndian[start] === 0) start++;
  return bigEndian.subarray(start);
}

export function rsaPublicBlobError(reason: string): KeyError {
  return new KeyError('unsupported-key-format', `not a valid RSAPUBLICBLOB (BCRYPT_RSAKEY_BLOB): ${reason}`);
}
