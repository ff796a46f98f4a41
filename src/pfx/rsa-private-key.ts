/**
 * A fast path for the private key of a PFX. OpenSSL 3.0's decoder framework makes `createPrivateKey` on
 * PKCS#8 DER cost ~0.5 ms for an RSA-2048 key — a sixth of opening a whole OpenSSL-made PFX, most of what
 * `import` spends beyond the unavoidable PBKDF2/MAC work — while Node's JWK import builds the same key from
 * its numbers in ~25 µs (measured with bench/import.ts on Node 20 / OpenSSL 3.0).
 *
 * Only the canonical encoding is taken this way: PKCS#8 v1 (RFC 5208) with rsaEncryption and NULL
 * parameters, no attributes, around a two-prime RSAPrivateKey (RFC 8017 §A.1.2), all strict DER with
 * minimal positive INTEGERs and nothing trailing — what OpenSSL and Java write. Anything else (other
 * algorithms, attributes as Windows CNG adds, multi-prime, BER, any irregularity) returns undefined and goes
 * through OpenSSL as before, so what is accepted or refused, and the key that results, are unchanged.
 */
import { type JsonWebKey, type KeyObject, createPrivateKey } from 'node:crypto';
import { type DerNode, DerReader, Tag, readNode } from './der.js';

/** AlgorithmIdentifier contents: OID 1.2.840.113549.1.1.1 (rsaEncryption), NULL. */
const RSA_ENCRYPTION_NULL = Buffer.from('06092a864886f70d0101010500', 'hex');

export function canonicalRsaPrivateKey(pkcs8: Buffer): KeyObject | undefined {
  try {
    const jwk = canonicalRsaJwk(pkcs8);
    return jwk && createPrivateKey({ key: jwk, format: 'jwk' });
  } catch {
    return undefined; // not canonical after all: OpenSSL decides
  }
}

function canonicalRsaJwk(der: Buffer): JsonWebKey | undefined {
  const info = sequence(der, 0, der.length);
  if (!info) return undefined;
  const fields = new DerReader(der, info.contentStart, info.contentEnd);
  const version = unsigned(fields.next('version'));
  const algorithm = fields.next('privateKeyAlgorithm');
  const octets = fields.next('privateKey');
  if (version?.length !== 0 || !fields.done || !strictDer(algorithm) || algorithm.tag !== Tag.SEQUENCE) return undefined;
  if (!der.subarray(algorithm.contentStart, algorithm.contentEnd).equals(RSA_ENCRYPTION_NULL)) return undefined;
  if (octets.tag !== Tag.OCTET_STRING || !strictDer(octets)) return undefined;

  const key = sequence(der, octets.contentStart, octets.contentEnd);
  if (!key) return undefined;
  const reader = new DerReader(der, key.contentStart, key.contentEnd);
  const ints: Buffer[] = [];
  while (!reader.done && ints.length < 9) {
    const value = unsigned(reader.next('RSAPrivateKey field'));
    if (value === undefined) return undefined;
    ints.push(value);
  }
  // version 0 (two-prime), then n, e, d, p, q, dp, dq, qi — each non-zero.
  if (!reader.done || ints.length !== 9 || ints[0].length !== 0 || ints.slice(1).some((v) => v.length === 0)) return undefined;
  const [, n, e, d, p, q, dp, dq, qi] = ints.map((v) => v.toString('base64url'));
  return { kty: 'RSA', n, e, d, p, q, dp, dq, qi };
}

/** A strict-DER SEQUENCE filling exactly [start, end). */
function sequence(buf: Buffer, start: number, end: number): DerNode | undefined {
  const node = readNode(buf, start, end);
  return node.tag === Tag.SEQUENCE && node.end === end && strictDer(node) ? node : undefined;
}

/** Definite length in its shortest form (X.690 §10.1). */
function strictDer(node: DerNode): boolean {
  if (node.indefinite) return false;
  const length = node.contentEnd - node.contentStart;
  let lengthOctets = 1;
  if (length >= 0x80) for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) lengthOctets++;
  return node.contentStart - node.start === 1 + lengthOctets;
}

/** The magnitude of a minimal, non-negative INTEGER (empty for zero); undefined for anything else. */
function unsigned(node: DerNode): Buffer | undefined {
  if (node.tag !== Tag.INTEGER || !strictDer(node) || node.contentEnd === node.contentStart) return undefined;
  const bytes = Buffer.from(node.buf.buffer, node.buf.byteOffset + node.contentStart, node.contentEnd - node.contentStart);
  if (bytes[0] & 0x80) return undefined; // negative
  if (bytes[0] === 0 && bytes.length > 1 && !(bytes[1] & 0x80)) return undefined; // non-minimal
  return bytes[0] === 0 ? bytes.subarray(1) : bytes;
}
