/**
 * PKCS#12 password integrity: the MacData over the AuthenticatedSafe (RFC 7292 §4, §5.1), read and
 * checked for support without a password. Verifying it (mac.ts in Node, WebCrypto's HMAC in the browser
 * console) is what lets a wrong password be reported as such instead of as a "bad decrypt" deep inside a bag.
 *
 * Two forms exist:
 * - HMAC keyed by the PKCS#12 KDF (RFC 7292 App. B), with SHA-1 (`-legacy`) or SHA-256
 *   (OpenSSL 3.0–3.3 default; checked with `openssl pkcs12 -info`: "MAC: sha256, Iteration 2048");
 * - PBMAC1 with PBKDF2 (RFC 9579, RFC 8018 §A.5), which OpenSSL 3.4+ writes with `-pbmac1_pbkdf2`.
 *
 * Pure (no Node API).
 */
import { type AlgorithmIdentifier, type DerNode, DerError, Tag, children, readAlgorithmIdentifier, readSmallInt } from './der.js';
import { PfxError } from './errors.js';
import { DIGESTS, HMAC_PRF_DIGESTS, OID_PBMAC1, describeOid } from './oids.js';
import { type Pbkdf2Params, readPbkdf2Params } from './pbe-params.js';
import { isKdfDigest } from './pkcs12-kdf-core.js';

/** Output bytes of each digest: the length of the HMAC key the PKCS#12 KDF derives (RFC 7292 App. B.4). */
export const DIGEST_BYTES: Readonly<Record<string, number>> = {
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
  readonly digest: Uint8Array;
  readonly salt: Uint8Array;
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

/** How the MAC key is made: the PKCS#12 KDF (ID 3) over the BMP password, or PBKDF2 over the UTF-8 one (PBMAC1). */
export type MacKeyDerivation =
  | { readonly kind: 'pkcs12'; readonly digest: string; readonly keyBytes: number }
  | { readonly kind: 'pbmac1'; readonly digest: string; readonly kdf: Pbkdf2Params & { readonly keyLength: number } };

/** The HMAC digest and key derivation of a MAC `assertMacSupported` accepted; throws on malformed parameters. */
export function macKeyDerivation(mac: MacData): MacKeyDerivation {
  if (mac.algorithm.oid === OID_PBMAC1) return pbmac1Derivation(mac);
  const digest = DIGESTS[mac.algorithm.oid]!;
  if (mac.iterations < 1) throw new PfxError('not-pkcs12', 'not a valid PKCS#12 file: MacData iterations must be at least 1');
  return { kind: 'pkcs12', digest, keyBytes: DIGEST_BYTES[digest]! };
}

/**
 * RFC 9579 §4: PBMAC1-params { keyDerivationFunc PBKDF2, messageAuthScheme HMAC }. The salt and
 * iteration count come from the PBKDF2 parameters (MacData's own are ignored), keyLength is
 * required, and the password is its UTF-8 bytes, as OpenSSL's PBMAC1_PBKDF2_HMAC passes them.
 */
function pbmac1Derivation(mac: MacData): MacKeyDerivation {
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
  return { kind: 'pbmac1', digest, kdf: { ...kdf, keyLength: kdf.keyLength } };
}

/** The iterations the MAC key's derivation costs, for the caller's IterationBudget. */
export function macIterations(mac: MacData, derivation: MacKeyDerivation): number {
  return derivation.kind === 'pbmac1' ? derivation.kdf.iterations : mac.iterations;
}
