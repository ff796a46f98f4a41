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
import { KeyError } from './errors.js';

const MAGIC_RSA_PUBLIC = 0x31415352; // 'RSA1'
const MAGIC_RSA_PRIVATE = 0x32415352; // 'RSA2'
const MAGIC_RSA_FULL_PRIVATE = 0x33415352; // 'RSA3'
const HEADER_BYTES = 24;

/** True when the bytes start like a CNG key blob ('RSA1/2/3', 'ECK*', 'ECS*'), so the caller reads them as one. */
export function looksLikeCngBlob(data: Buffer): boolean {
  if (data.length < 4) return false;
  const magic = data.readUInt32LE(0);
  if (magic === MAGIC_RSA_PUBLIC || magic === MAGIC_RSA_PRIVATE || magic === MAGIC_RSA_FULL_PRIVATE) return true;
  return data[0] === 0x45 && data[1] === 0x43 && (data[2] === 0x4b || data[2] === 0x53); // 'EC' + 'K'/'S'
}

export function readRsaPublicBlob(data: Buffer): KeyObject {
  if (data.length >= 2 && data[0] === 0x45 && data[1] === 0x43) {
    throw new KeyError('not-rsa-public-key', 'this is a CNG elliptic-curve key blob (BCRYPT_ECCKEY_BLOB); the Intune PFX connector key must be RSA');
  }
  if (data.length < HEADER_BYTES) throw blobError(`it is ${data.length} bytes, shorter than the 24-byte header`);
  const magic = data.readUInt32LE(0);
  if (magic === MAGIC_RSA_PRIVATE || magic === MAGIC_RSA_FULL_PRIVATE) {
    throw new KeyError('not-rsa-public-key', 'this is a CNG RSA private key blob; give the public key (Export-IntunePublicKey writes it)');
  }
  if (magic !== MAGIC_RSA_PUBLIC) throw blobError(`the magic is 0x${magic.toString(16)}, not 'RSA1' (0x31415352)`);
  const bitLength = data.readUInt32LE(4);
  const expBytes = data.readUInt32LE(8);
  const modBytes = data.readUInt32LE(12);
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

/** The reverse of `readRsaPublicBlob`: what Export-IntunePublicKey would write for this key. */
export function toRsaPublicBlob(key: KeyObject): Buffer {
  if (key.asymmetricKeyType !== 'rsa') throw new KeyError('not-rsa-public-key', `a ${key.asymmetricKeyType} key has no RSAPUBLICBLOB`);
  const jwk = key.export({ format: 'jwk' });
  const modulus = Buffer.from(jwk.n!, 'base64url');
  const exponent = Buffer.from(jwk.e!, 'base64url');
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(MAGIC_RSA_PUBLIC, 0);
  header.writeUInt32LE(key.asymmetricKeyDetails!.modulusLength!, 4);
  header.writeUInt32LE(exponent.length, 8);
  header.writeUInt32LE(modulus.length, 12);
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
