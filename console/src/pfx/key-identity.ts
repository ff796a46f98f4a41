/**
 * Which certificate belongs to the private key: the CLI asks OpenSSL (X509Certificate.checkPrivateKey); the
 * browser compares the public numbers both DER structures carry — the RSA modulus and exponent (RFC 8017
 * App. A.1), or the EC public point that PKCS#8 keys written by OpenSSL, Windows and Java include (RFC 5915 §3).
 */
import { bytesEqual } from '../../../src/pfx/bytes.js';
import { type DerNode, DerReader, Tag, children, readNode, readOid } from '../../../src/pfx/der.js';

const OID_RSA = '1.2.840.113549.1.1.1';
const OID_RSA_PSS = '1.2.840.113549.1.1.10';
const OID_EC = '1.2.840.10045.2.1';

/** The public part of a key, comparable with `sameKey`; undefined when the DER does not carry it. */
export type KeyIdentity = { readonly kind: 'rsa'; readonly n: Uint8Array; readonly e: Uint8Array } | { readonly kind: 'ec'; readonly point: Uint8Array };

export function sameKey(a: KeyIdentity | undefined, b: KeyIdentity | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (a.kind === 'rsa' && b.kind === 'rsa') return bytesEqual(a.n, b.n) && bytesEqual(a.e, b.e);
  if (a.kind === 'ec' && b.kind === 'ec') return bytesEqual(a.point, b.point);
  return false;
}

/**
 * PrivateKeyInfo ::= SEQUENCE { version, privateKeyAlgorithm AlgorithmIdentifier, privateKey OCTET STRING, … }
 * (RFC 5208 §5). Throws `DerError` when `der` is not PKCS#8; undefined for a key whose public part is not in it.
 */
export function privateKeyIdentity(der: Uint8Array): KeyIdentity | undefined {
  const top = readNode(der, 0);
  const info = children(top, 'PrivateKeyInfo');
  info.expect(Tag.INTEGER, 'PrivateKeyInfo version');
  const algorithm = readOid(children(info.expect(Tag.SEQUENCE, 'privateKeyAlgorithm'), 'privateKeyAlgorithm').expect(Tag.OID, 'algorithm'), 'algorithm');
  const keyNode = info.expect(Tag.OCTET_STRING, 'privateKey');
  const key = new DerReader(der, keyNode.contentStart, keyNode.contentEnd);
  if (algorithm === OID_RSA || algorithm === OID_RSA_PSS) {
    // RSAPrivateKey ::= SEQUENCE { version, modulus, publicExponent, … }
    const fields = children(key.expect(Tag.SEQUENCE, 'RSAPrivateKey'), 'RSAPrivateKey');
    fields.expect(Tag.INTEGER, 'RSAPrivateKey version');
    return { kind: 'rsa', n: integer(fields.expect(Tag.INTEGER, 'modulus')), e: integer(fields.expect(Tag.INTEGER, 'publicExponent')) };
  }
  if (algorithm === OID_EC) {
    // ECPrivateKey ::= SEQUENCE { version, privateKey OCTET STRING, parameters [0] OPTIONAL, publicKey [1] BIT STRING OPTIONAL }
    const fields = children(key.expect(Tag.SEQUENCE, 'ECPrivateKey'), 'ECPrivateKey');
    fields.expect(Tag.INTEGER, 'ECPrivateKey version');
    fields.expect(Tag.OCTET_STRING, 'ECPrivateKey privateKey');
    fields.optional(Tag.CONTEXT_0, 'ECPrivateKey parameters');
    const wrapper = fields.optional(0xa1, 'ECPrivateKey publicKey');
    return wrapper && { kind: 'ec', point: bitString(children(wrapper, 'ECPrivateKey publicKey').expect(Tag.BIT_STRING, 'publicKey')) };
  }
  return undefined;
}

/** SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING } (RFC 5280 §4.1). */
export function publicKeyIdentity(spki: DerNode): KeyIdentity | undefined {
  const info = children(spki, 'SubjectPublicKeyInfo');
  const algorithm = readOid(children(info.expect(Tag.SEQUENCE, 'algorithm'), 'algorithm').expect(Tag.OID, 'algorithm'), 'algorithm');
  const key = bitString(info.expect(Tag.BIT_STRING, 'subjectPublicKey'));
  if (algorithm === OID_EC) return { kind: 'ec', point: key };
  if (algorithm !== OID_RSA && algorithm !== OID_RSA_PSS) return undefined;
  const numbers = rsaPublicNumbers(key);
  return { kind: 'rsa', ...numbers };
}

/** RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 App. A.1.1), magnitudes without leading zeros. */
export function rsaPublicNumbers(der: Uint8Array): { n: Uint8Array; e: Uint8Array } {
  const top = readNode(der, 0);
  const fields = children(top, 'RSAPublicKey');
  const n = integer(fields.expect(Tag.INTEGER, 'modulus'));
  const e = integer(fields.expect(Tag.INTEGER, 'publicExponent'));
  fields.finish('RSAPublicKey');
  return { n, e };
}

/** A BIT STRING's bytes after its unused-bits octet. */
export function bitString(node: DerNode): Uint8Array {
  return node.buf.subarray(node.contentStart + 1, node.contentEnd);
}

function integer(node: DerNode): Uint8Array {
  let start = node.contentStart;
  while (start < node.contentEnd - 1 && node.buf[start] === 0) start++;
  return node.buf.subarray(start, node.contentEnd);
}
