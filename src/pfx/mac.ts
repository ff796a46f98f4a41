/**
 * PKCS#12 password integrity: the MacData over the AuthenticatedSafe (RFC 7292 §4, §5.1).
 * Verifying it first is what lets a wrong password be reported as such instead of as a
 * "bad decrypt" deep inside a bag.
 *
 * Two forms exist:
 * - HMAC keyed by the PKCS#12 KDF (RFC 7292 App. B), with SHA-1 (`-legacy`) or SHA-256
 *   (OpenSSL 3.0–3.3 default; checked with `openssl pkcs12 -info`: "MAC: sha256, Iteration 2048");
 * - PBMAC1 with PBKDF2 (RFC 9579, RFC 8018 §A.5), which OpenSSL 3.4+ writes with `-pbmac1_pbkdf2`.
 */
import { createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { type AlgorithmIdentifier, type DerNode, DerError, Tag, children, readAlgorithmIdentifier, readSmallInt } from './der.js';
import { PfxError } from './errors.js';
import type { IterationBudget } from './limits.js';
import { DIGESTS, HMAC_PRF_DIGESTS, OID_PBMAC1, describeOid } from './oids.js';
import { readPbkdf2Params } from './pbe.js';
import { KDF_MAC, type PasswordForm, isKdfDigest, pkcs12Kdf } from './pkcs12-kdf.js';

const DIGEST_BYTES: Readonly<Record<string, number>> = {
  sha1: 20,
  sha224: 28,
  sha256: 32,
  sha384: 48,
  sha512: 64,
  'sha512-224': 28,
  'sha512-256': 32,
};

export interface MacData {
  readonly algorithm: AlgorithmIdentifier;
  readonly digest: Buffer;
  readonly salt: Buffer;
  readonly iterations: number;
}

/** MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 } */
export function readMacData(node: DerNode): MacData {
  const reader = children(node, 'MacData');
  const digestInfo = children(reader.expect(Tag.SEQUENCE, 'MacData mac'), 'MacData DigestInfo');
  const algorithm = readAlgorithmIdentifier(digestInfo.expect(Tag.SEQUENCE, 'MAC algorithm'), 'MAC algorithm');
  const digest = digestInfo.octets('MAC digest');
  digestInfo.finish('MacData DigestInfo');
  const salt = reader.octets('MacData macSalt');
  const iterationsNode = reader.optional(Tag.INTEGER, 'MacData iterations');
  const iterations = iterationsNode ? readSmallInt(iterationsNode, 'MacData iterations') : 1;
  reader.finish('MacData');
  return { algorithm, digest, salt, iterations };
}

/**
 * Checks that the MAC's algorithm is one we implement, before any password is tried, so that an
 * unsupported file is not misreported as a wrong password.
 */
export function assertMacSupported(mac: MacData): void {
  const { oid } = mac.algorithm;
  if (oid === OID_PBMAC1) return;
  const digest = DIGESTS[oid];
  if (digest === undefined || !isKdfDigest(digest)) {
    throw new PfxError('unsupported-algorithm', `the file's MAC uses ${describeOid(oid)}, which pfxstore does not support`);
  }
}

/** True when the MAC over `content` (the AuthenticatedSafe octets) verifies with this password form. */
export function verifyMac(mac: MacData, content: Buffer, password: PasswordForm, budget: IterationBudget): boolean {
  const { oid } = mac.algorithm;
  let digest: string;
  let key: Buffer;
  if (oid === OID_PBMAC1) {
    ({ digest, key } = pbmac1Key(mac, password, budget));
  } else {
    digest = DIGESTS[oid]!;
    if (mac.iterations < 1) throw new PfxError('not-pkcs12', 'not a valid PKCS#12 file: MacData iterations must be at least 1');
    budget.spend(mac.iterations, 'the MAC');
    // RFC 7292 App. B.4: the HMAC key is as long as the digest output, derived with ID 3.
    key = pkcs12Kdf(digest, password.bmp, mac.salt, KDF_MAC, mac.iterations, DIGEST_BYTES[digest]);
  }
  const actual = createHmac(digest, key).update(content).digest();
  return actual.length === mac.digest.length && timingSafeEqual(actual, mac.digest);
}

/**
 * RFC 9579 §4: PBMAC1-params { keyDerivationFunc PBKDF2, messageAuthScheme HMAC }. The salt and
 * iteration count come from the PBKDF2 parameters (MacData's own are ignored), keyLength is
 * required, and the password is its UTF-8 bytes, as OpenSSL's PBMAC1_PBKDF2_HMAC passes them.
 */
function pbmac1Key(mac: MacData, password: PasswordForm, budget: IterationBudget): { digest: string; key: Buffer } {
  const params = mac.algorithm.params;
  if (params === undefined) throw new DerError('PBMAC1 parameters are missing');
  const reader = children(params, 'PBMAC1 parameters');
  const kdf = readPbkdf2Params(readAlgorithmIdentifier(reader.expect(Tag.SEQUENCE, 'PBMAC1 keyDerivationFunc'), 'PBMAC1 keyDerivationFunc'), 'the MAC');
  const scheme = readAlgorithmIdentifier(reader.expect(Tag.SEQUENCE, 'PBMAC1 messageAuthScheme'), 'PBMAC1 messageAuthScheme');
  reader.finish('PBMAC1 parameters');
  const digest = HMAC_PRF_DIGESTS[scheme.oid];
  if (digest === undefined) {
    throw new PfxError('unsupported-algorithm', `the file's PBMAC1 uses ${describeOid(scheme.oid)}, which pfxstore does not support`);
  }
  // RFC 9579 §4 requires keyLength; the cap (der.ts: ≤ 1024) bounds the work (cf. CVE-2025-11187).
  if (kdf.keyLength === undefined || kdf.keyLength < 1) throw new DerError('PBMAC1: PBKDF2 keyLength is missing');
  budget.spend(kdf.iterations, 'the MAC');
  return { digest, key: pbkdf2Sync(password.utf8, kdf.salt, kdf.iterations, kdf.keyLength, kdf.digest) };
}
