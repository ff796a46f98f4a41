/**
 * The parameters of PKCS#12's password-based encryption, read without decrypting anything: PBES2
 * (RFC 8018 §6.2, what OpenSSL 3 writes by default: PBKDF2-HMAC-SHA256 + AES-256-CBC) and the PKCS#12
 * PBE schemes (RFC 7292 Appendix C, what `-legacy` writes: 3DES for keys, 40-bit RC2 for certificates).
 *
 * Pure (no Node API): the CLI decrypts with node:crypto (pbe.ts), the browser console with WebCrypto
 * (console/src/pfx), both from these parameters.
 */
import { type AlgorithmIdentifier, type DerNode, DerError, Tag, children, readAlgorithmIdentifier, readOctets, readSmallInt } from './der.js';
import { PfxError } from './errors.js';
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

/** PKCS#12 PBE schemes (RFC 7292 App. C): cipher (Node's name, or RC2), key bytes, RC2 effective bits. */
const PKCS12_PBE: Readonly<Record<string, { cipher: 'des-ede3-cbc' | 'des-ede-cbc' | 'rc2'; keyBytes: number; rc2Bits?: number }>> = {
  [OID_PBE_SHA1_3DES]: { cipher: 'des-ede3-cbc', keyBytes: 24 },
  [OID_PBE_SHA1_2DES]: { cipher: 'des-ede-cbc', keyBytes: 16 },
  [OID_PBE_SHA1_RC2_128]: { cipher: 'rc2', keyBytes: 16, rc2Bits: 128 },
  [OID_PBE_SHA1_RC2_40]: { cipher: 'rc2', keyBytes: 5, rc2Bits: 40 },
};

/** PBKDF2-params (RFC 8018 §A.2), shared by PBES2 and PBMAC1. */
export interface Pbkdf2Params {
  readonly salt: Uint8Array;
  readonly iterations: number;
  readonly keyLength: number | undefined;
  /** Node's digest name of the HMAC PRF: sha1, sha256… */
  readonly digest: string;
}

/** A pkcs-12PbeParams scheme: key (ID 1) and IV (ID 2) from the SHA-1 PKCS#12 KDF over the BMP password. */
export interface Pkcs12PbeScheme {
  readonly kind: 'pkcs12';
  readonly cipher: 'des-ede3-cbc' | 'des-ede-cbc' | 'rc2';
  readonly keyBytes: number;
  readonly rc2Bits: number | undefined;
  readonly salt: Uint8Array;
  readonly iterations: number;
}

/** PBES2: PBKDF2 over the UTF-8 password, then a block cipher in CBC mode with the IV given. */
export interface Pbes2Scheme {
  readonly kind: 'pbes2';
  readonly kdf: Pbkdf2Params;
  /** Node's cipher name: aes-256-cbc, des-ede3-cbc… */
  readonly cipher: string;
  readonly keyBytes: number;
  readonly iv: Uint8Array;
}

export type PbeScheme = Pkcs12PbeScheme | Pbes2Scheme;

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

/** Reads the scheme named by `algorithm` (an AlgorithmIdentifier node) and checks its parameters. */
export function readPbeScheme(algorithm: DerNode, what: string): PbeScheme {
  const alg = readAlgorithmIdentifier(algorithm, `${what} encryption algorithm`);
  if (alg.oid === OID_PBES2) return readPbes2Scheme(alg, what);
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
  return { kind: 'pkcs12', cipher: scheme.cipher, keyBytes: scheme.keyBytes, rc2Bits: scheme.rc2Bits, salt, iterations };
}

/** PBES2-params ::= SEQUENCE { keyDerivationFunc AlgorithmIdentifier, encryptionScheme AlgorithmIdentifier } */
function readPbes2Scheme(alg: AlgorithmIdentifier, what: string): Pbes2Scheme {
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
  return { kind: 'pbes2', kdf, cipher: name, keyBytes, iv };
}

/** Reads `SEQUENCE { AlgorithmIdentifier, OCTET STRING }`, an EncryptedPrivateKeyInfo (RFC 5208 §6). */
export function readEncryptedPrivateKeyInfo(node: DerNode, what: string): { algorithm: DerNode; data: Uint8Array } {
  const reader = children(node, what);
  const algorithm = reader.expect(Tag.SEQUENCE, `${what} encryptionAlgorithm`);
  const data = reader.octets(`${what} encryptedData`);
  reader.finish(what);
  return { algorithm, data };
}
