/**
 * Password-based decryption of PKCS#12 contents: PBES2 (RFC 8018 §6.2, what OpenSSL 3 writes by
 * default: PBKDF2-HMAC-SHA256 + AES-256-CBC) and the PKCS#12 PBE schemes (RFC 7292 Appendix C,
 * what `-legacy` writes: 3DES for keys, 40-bit RC2 for certificates).
 */
import { createDecipheriv, pbkdf2Sync } from 'node:crypto';
import { type AlgorithmIdentifier, type DerNode, DerError, Tag, children, readAlgorithmIdentifier, readOctets, readSmallInt } from './der.js';
import { PfxError } from './errors.js';
import type { IterationBudget } from './limits.js';
import {
  HMAC_PRF_DIGESTS,
  OID_PBE_SHA1_2DES,
  OID_PBE_SHA1_3DES,
  OID_PBE_SHA1_RC2_128,
  OID_PBE_SHA1_RC2_40,
  OID_PBES2,
  OID_PBKDF2,
  PBES2_CIPHERS,
  describeOid,
} from './oids.js';
import { KDF_IV, KDF_KEY, type PasswordForm, pkcs12Kdf } from './pkcs12-kdf.js';
import { rc2CbcDecrypt } from './rc2.js';

/**
 * The ciphertext did not decrypt (bad padding). With CBC and PKCS#7 padding this is what a wrong
 * key looks like; the caller decides whether that means a wrong password.
 */
export class DecryptFailure extends Error {
  override name = 'DecryptFailure';
}

/** PKCS#12 PBE schemes (RFC 7292 App. C): Node cipher (or RC2), key bytes, RC2 effective bits. */
const PKCS12_PBE: Readonly<Record<string, { cipher: string; keyBytes: number; rc2Bits?: number }>> = {
  [OID_PBE_SHA1_3DES]: { cipher: 'des-ede3-cbc', keyBytes: 24 },
  [OID_PBE_SHA1_2DES]: { cipher: 'des-ede-cbc', keyBytes: 16 },
  [OID_PBE_SHA1_RC2_128]: { cipher: 'rc2', keyBytes: 16, rc2Bits: 128 },
  [OID_PBE_SHA1_RC2_40]: { cipher: 'rc2', keyBytes: 5, rc2Bits: 40 },
};

/** PBKDF2-params (RFC 8018 §A.2), shared by PBES2 and PBMAC1. */
export interface Pbkdf2Params {
  readonly salt: Buffer;
  readonly iterations: number;
  readonly keyLength: number | undefined;
  readonly digest: string;
}

export function readPbkdf2Params(kdf: AlgorithmIdentifier, what: string): Pbkdf2Params {
  if (kdf.oid !== OID_PBKDF2) {
    throw new PfxError('unsupported-algorithm', `${what}: key derivation ${describeOid(kdf.oid)} is not supported (only PBKDF2)`);
  }
  if (kdf.params === undefined) throw new DerError(`${what}: PBKDF2 parameters are missing`);
  const reader = children(kdf.params, `${what} PBKDF2 parameters`);
  if (reader.peekTag() === Tag.SEQUENCE) {
    throw new PfxError('unsupported-algorithm', `${what}: PBKDF2 salt from another source (otherSource) is not supported`);
  }
  const salt = reader.octets('PBKDF2 salt');
  const iterations = readSmallInt(reader.expect(Tag.INTEGER, 'PBKDF2 iterationCount'), 'PBKDF2 iterationCount');
  const keyLengthNode = reader.optional(Tag.INTEGER, 'PBKDF2 keyLength');
  const keyLength = keyLengthNode && readSmallInt(keyLengthNode, 'PBKDF2 keyLength', 1024);
  let digest = 'sha1'; // RFC 8018 §A.2: prf DEFAULT algid-hmacWithSHA1
  if (!reader.done) {
    const prf = readAlgorithmIdentifier(reader.expect(Tag.SEQUENCE, 'PBKDF2 prf'), 'PBKDF2 prf');
    const known = HMAC_PRF_DIGESTS[prf.oid];
    if (known === undefined) throw new PfxError('unsupported-algorithm', `${what}: PBKDF2 PRF ${describeOid(prf.oid)} is not supported`);
    digest = known;
  }
  reader.finish(`${what} PBKDF2 parameters`);
  if (iterations < 1) throw new DerError(`${what}: PBKDF2 iterationCount must be at least 1`, kdf.params.start);
  return { salt, iterations, keyLength, digest };
}

/** Decrypts `data` with the password-based scheme named by `algorithm` (an AlgorithmIdentifier node). */
export function pbeDecrypt(algorithm: DerNode, data: Buffer, password: PasswordForm, budget: IterationBudget, what: string): Buffer {
  const alg = readAlgorithmIdentifier(algorithm, `${what} encryption algorithm`);
  if (alg.oid === OID_PBES2) return pbes2Decrypt(alg, data, password, budget, what);
  const scheme = PKCS12_PBE[alg.oid];
  if (scheme === undefined) {
    throw new PfxError('unsupported-algorithm', `${what} is encrypted with ${describeOid(alg.oid)}, which pfxstore does not support`);
  }
  // pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER } (RFC 7292 App. C)
  if (alg.params === undefined) throw new DerError(`${what}: PBE parameters are missing`, algorithm.start);
  const reader = children(alg.params, `${what} PBE parameters`);
  const salt = reader.octets('PBE salt');
  const iterations = readSmallInt(reader.expect(Tag.INTEGER, 'PBE iterations'), 'PBE iterations');
  reader.finish(`${what} PBE parameters`);
  if (iterations < 1) throw new DerError(`${what}: PBE iterations must be at least 1`, alg.params.start);
  budget.spend(2 * iterations, `${what}'s key derivation`);
  // RFC 7292 App. B.3 / C: key (ID 1) and IV (ID 2) from the SHA-1 PKCS#12 KDF over the BMP password.
  const key = pkcs12Kdf('sha1', password.bmp, salt, KDF_KEY, iterations, scheme.keyBytes);
  const iv = pkcs12Kdf('sha1', password.bmp, salt, KDF_IV, iterations, 8);
  if (scheme.rc2Bits !== undefined) {
    try {
      return rc2CbcDecrypt(key, iv, data, scheme.rc2Bits);
    } catch {
      throw new DecryptFailure(`${what} does not decrypt`);
    }
  }
  return nativeDecrypt(scheme.cipher, key, iv, data, what);
}

/** RFC 8018 §6.2.2: PBKDF2 then the block cipher, both native. */
function pbes2Decrypt(alg: AlgorithmIdentifier, data: Buffer, password: PasswordForm, budget: IterationBudget, what: string): Buffer {
  // PBES2-params ::= SEQUENCE { keyDerivationFunc AlgorithmIdentifier, encryptionScheme AlgorithmIdentifier }
  if (alg.params === undefined) throw new DerError(`${what}: PBES2 parameters are missing`);
  const reader = children(alg.params, `${what} PBES2 parameters`);
  const kdf = readPbkdf2Params(readAlgorithmIdentifier(reader.expect(Tag.SEQUENCE, 'PBES2 keyDerivationFunc'), 'PBES2 keyDerivationFunc'), what);
  const enc = readAlgorithmIdentifier(reader.expect(Tag.SEQUENCE, 'PBES2 encryptionScheme'), 'PBES2 encryptionScheme');
  reader.finish(`${what} PBES2 parameters`);
  const cipher = PBES2_CIPHERS[enc.oid];
  if (cipher === undefined) {
    throw new PfxError('unsupported-algorithm', `${what} is encrypted with PBES2 and ${describeOid(enc.oid)}, which pfxstore does not support`);
  }
  const [name, keyBytes, ivBytes] = cipher;
  if (kdf.keyLength !== undefined && kdf.keyLength !== keyBytes) {
    throw new DerError(`${what}: PBKDF2 keyLength ${kdf.keyLength} does not fit ${name}`, alg.params.start);
  }
  if (enc.params === undefined || enc.params.tag !== Tag.OCTET_STRING) {
    throw new DerError(`${what}: the ${name} IV is missing`, alg.params.start);
  }
  const iv = readOctets(enc.params, `${name} IV`);
  if (iv.length !== ivBytes) throw new DerError(`${what}: ${name} IV of ${iv.length} bytes`, enc.params.start);
  budget.spend(kdf.iterations, `${what}'s PBKDF2`);
  const key = pbkdf2Sync(password.utf8, kdf.salt, kdf.iterations, keyBytes, kdf.digest);
  return nativeDecrypt(name, key, iv, data, what);
}

function nativeDecrypt(cipher: string, key: Buffer, iv: Buffer, data: Buffer, what: string): Buffer {
  try {
    const decipher = createDecipheriv(cipher, key, iv);
    return Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    // OpenSSL's "bad decrypt" says nothing a user can act on; the caller words it.
    throw new DecryptFailure(`${what} does not decrypt`);
  }
}

/** Reads `SEQUENCE { AlgorithmIdentifier, OCTET STRING }`, an EncryptedPrivateKeyInfo (RFC 5208 §6). */
export function readEncryptedPrivateKeyInfo(node: DerNode, what: string): { algorithm: DerNode; data: Buffer } {
  const reader = children(node, what);
  const algorithm = reader.expect(Tag.SEQUENCE, `${what} encryptionAlgorithm`);
  const data = reader.octets(`${what} encryptedData`);
  reader.finish(what);
  return { algorithm, data };
}
