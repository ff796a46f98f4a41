/**
 * The connector's RSA public key in the browser, from every file the CLI's `--public-key` reads
 * (src/pfx/public-key.ts): PEM SPKI, PEM PKCS#1 (`RSA PUBLIC KEY`), a certificate (PEM or DER), DER SPKI or
 * PKCS#1, and the CNG RSAPUBLICBLOB of `Export-IntunePublicKey`. Each form is reduced to its modulus and exponent
 * with the shared DER reader, then imported into WebCrypto as an RSA-OAEP key (a JWK: one import path for all).
 * Refusals carry the CLI's codes and words.
 */
import { latin1Text } from '../../../src/pfx/bytes.js';
import { readTbsCertificate } from '../../../src/pfx/certificate-tbs.js';
import { looksLikeCngBlob } from '../../../src/pfx/cng-rsa-header.js';
import { DerError, Tag, children, readNode, readOid } from '../../../src/pfx/der.js';
import { KeyError } from '../../../src/pfx/errors.js';
import { OAEP_DIGESTS, type OaepPadding } from '../../../src/pfx/oaep-padding.js';
import { CERTIFICATE_LABELS, isPem, pemBlocks } from '../../../src/pfx/pem.js';
import { ACCEPTED_PUBLIC_KEYS, PRIVATE_KEY_LABELS, rsaBitsProblem } from '../../../src/pfx/public-key-forms.js';
import { readRsaPublicBlobNumbers, withoutLeadingZeros } from '../../../src/pfx/rsa-public-blob.js';
import { bitString, rsaPublicNumbers } from './key-identity.js';
import { subtle } from './web-crypto.js';

/** A key file the console cannot use; `code` and message as the CLI's KeyError. */
export class KeyFileError extends KeyError {
  override name = 'KeyFileError';
}

export type PublicKeyForm = 'PEM SubjectPublicKeyInfo' | 'PEM PKCS#1' | 'PEM certificate' | 'DER certificate' | 'DER SubjectPublicKeyInfo' | 'DER PKCS#1' | 'CNG RSAPUBLICBLOB';

export interface PublicKey {
  /** What the file was, for the person choosing it. */
  readonly form: PublicKeyForm;
  readonly modulusBits: number;
  /** The public numbers (RFC 7518 §6.3.1): what a caller may keep to remember the key without the file. */
  readonly jwk: { readonly kty: 'RSA'; readonly n: string; readonly e: string };
  /** The WebCrypto RSA-OAEP encryption key for this padding's hash (OAEP and MGF1 alike). */
  oaepKey(padding: OaepPadding): Promise<CryptoKey>;
}

const OID_RSA = '1.2.840.113549.1.1.1';
/** Key algorithms named in "the key is … ; must be RSA", as Node's asymmetricKeyType names them in the CLI. */
const OTHER_KEY_TYPES: Readonly<Record<string, string>> = {
  '1.2.840.10045.2.1': 'EC',
  '1.2.840.113549.1.1.10': 'RSA-PSS',
  '1.2.840.10040.4.1': 'DSA',
  '1.3.101.110': 'X25519',
  '1.3.101.111': 'X448',
  '1.3.101.112': 'ED25519',
  '1.3.101.113': 'ED448',
  '1.2.840.10046.2.1': 'DH',
};

/** Reads an RSA public key file; rejects with `KeyFileError` naming what the bytes are when they are not one. */
export async function readPublicKey(bytes: Uint8Array): Promise<PublicKey> {
  try {
    if (bytes.length === 0) throw new KeyFileError('unsupported-key-format', `the key file is empty; ${ACCEPTED_PUBLIC_KEYS}`);
    const { form, n, e } = looksLikeCngBlob(bytes) ? fromBlob(bytes) : isPem(bytes) ? fromPem(latin1Text(bytes)) : fromDer(bytes);
    return await rsaPublicKey(form, withoutLeadingZeros(n), withoutLeadingZeros(e));
  } catch (err) {
    if (err instanceof KeyFileError || !(err instanceof KeyError)) throw err;
    throw new KeyFileError(err.code, err.message); // the shared readers throw the CLI's KeyError
  }
}

interface Numbers {
  readonly form: PublicKeyForm;
  readonly n: Uint8Array;
  readonly e: Uint8Array;
}

function fromBlob(bytes: Uint8Array): Numbers {
  const { modulus, exponent } = readRsaPublicBlobNumbers(bytes);
  return { form: 'CNG RSAPUBLICBLOB', n: modulus, e: exponent };
}

function fromPem(text: string): Numbers {
  const block = pemBlocks(text)[0];
  if (!block) throw new KeyFileError('unsupported-key-format', `the file holds a malformed PEM block; ${ACCEPTED_PUBLIC_KEYS}`);
  const { label } = block;
  if (PRIVATE_KEY_LABELS.has(label)) {
    throw new KeyFileError('not-rsa-public-key', `this is a private key (${label}); give the public key instead (openssl pkey -pubout)`);
  }
  const known = CERTIFICATE_LABELS.has(label) || label === 'PUBLIC KEY' || label === 'RSA PUBLIC KEY';
  if (!known) throw new KeyFileError('unsupported-key-format', `a PEM "${label}" block is not a public key; ${ACCEPTED_PUBLIC_KEYS}`);
  try {
    const der = pemBody(block.text, label);
    if (CERTIFICATE_LABELS.has(label)) return { form: 'PEM certificate', ...spkiNumbers(certificateSpki(der)) };
    if (label === 'PUBLIC KEY') return { form: 'PEM SubjectPublicKeyInfo', ...spkiNumbers(der) };
    return { form: 'PEM PKCS#1', ...rsaPublicNumbers(der) };
  } catch (e) {
    if (e instanceof KeyError) throw e;
    throw new KeyFileError('unsupported-key-format', `the PEM block "${label}" cannot be read (${(e as Error).message})`);
  }
}

/** RFC 7468: base64 between the BEGIN and END lines (headers of the old encrypted form are not key material here). */
function pemBody(text: string, label: string): Uint8Array {
  const begin = `-----BEGIN ${label}-----`;
  const end = text.indexOf(`-----END ${label}-----`);
  if (end < 0) throw new Error(`no END ${label} line`);
  const base64 = text.slice(begin.length, end).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) throw new Error('the block is not base64');
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/** DER: a certificate, then (a private key is refused) SPKI, then PKCS#1 — the CLI's order. */
function fromDer(der: Uint8Array): Numbers {
  if (der[0] === 0x30) {
    const spki = attempt(() => certificateSpki(der));
    if (spki) return { form: 'DER certificate', ...spkiNumbers(spki) };
    if (isDerPrivateKey(der)) throw new KeyFileError('not-rsa-public-key', 'this is a DER private key; give the public key instead');
    const fromSpki = attempt(() => spkiNumbers(der));
    if (fromSpki) return { form: 'DER SubjectPublicKeyInfo', ...fromSpki };
    const fromPkcs1 = attempt(() => rsaPublicNumbers(der));
    if (fromPkcs1) return { form: 'DER PKCS#1', ...fromPkcs1 };
  }
  throw new KeyFileError('unsupported-key-format', `the key file is in an unknown format; ${ACCEPTED_PUBLIC_KEYS}`);
}

/** Only a DerError means "not this form"; a KeyError (an EC key, say) is the answer. */
function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (e) {
    if (e instanceof DerError) return undefined;
    throw e;
  }
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }: the SPKI's DER. */
function certificateSpki(der: Uint8Array): Uint8Array {
  const top = readNode(der, 0);
  if (top.end !== der.length) throw new DerError('bytes after the certificate');
  const certificate = children(top, 'Certificate');
  certificate.expect(Tag.SEQUENCE, 'tbsCertificate');
  certificate.expect(Tag.SEQUENCE, 'signatureAlgorithm');
  certificate.expect(Tag.BIT_STRING, 'signatureValue');
  certificate.finish('Certificate');
  const spki = readTbsCertificate(der).subjectPublicKeyInfo;
  return der.subarray(spki.start, spki.end);
}

/** SubjectPublicKeyInfo: RSA numbers, or a KeyFileError naming the other algorithm. */
function spkiNumbers(der: Uint8Array): { n: Uint8Array; e: Uint8Array } {
  const top = readNode(der, 0);
  if (top.end !== der.length) throw new DerError('bytes after the SubjectPublicKeyInfo');
  const info = children(top, 'SubjectPublicKeyInfo');
  const algorithm = readOid(children(info.expect(Tag.SEQUENCE, 'algorithm'), 'algorithm').expect(Tag.OID, 'algorithm'), 'algorithm');
  const key = bitString(info.expect(Tag.BIT_STRING, 'subjectPublicKey'));
  info.finish('SubjectPublicKeyInfo');
  if (algorithm !== OID_RSA) {
    const type = OTHER_KEY_TYPES[algorithm];
    if (type === undefined) throw new DerError(`unknown key algorithm ${algorithm}`);
    throw new KeyFileError('not-rsa-public-key', `the key is ${type}; the Intune PFX connector key must be RSA`);
  }
  return rsaPublicNumbers(key);
}

/** PrivateKeyInfo (version, AlgorithmIdentifier, OCTET STRING) or PKCS#1 RSAPrivateKey (nine INTEGERs). */
function isDerPrivateKey(der: Uint8Array): boolean {
  return attempt(() => {
    const fields = children(readNode(der, 0), 'key');
    const tags: number[] = [];
    while (!fields.done) tags.push(fields.next('field').tag);
    const pkcs8 = tags[0] === Tag.INTEGER && tags[1] === Tag.SEQUENCE && tags[2] === Tag.OCTET_STRING;
    const pkcs1 = tags.length >= 9 && tags.every((t) => t === Tag.INTEGER);
    return pkcs8 || pkcs1;
  }) ?? false;
}

async function rsaPublicKey(form: PublicKeyForm, n: Uint8Array, e: Uint8Array): Promise<PublicKey> {
  const modulusBits = n.length === 0 ? 0 : (n.length - 1) * 8 + (32 - Math.clz32(n[0]!));
  const problem = rsaBitsProblem(modulusBits);
  if (problem) throw new KeyFileError('not-rsa-public-key', problem);
  const jwk = { kty: 'RSA', n: base64url(n), e: base64url(e) } as const;
  const keys = new Map<OaepPadding, Promise<CryptoKey>>();
  const oaepKey = (padding: OaepPadding): Promise<CryptoKey> => {
    let key = keys.get(padding);
    if (key === undefined) {
      const hash = `SHA-${OAEP_DIGESTS[padding].digest.slice(3)}`;
      key = subtle().importKey('jwk', { ...jwk, ext: true }, { name: 'RSA-OAEP', hash }, false, ['encrypt']);
      keys.set(padding, key);
    }
    return key;
  };
  // Import once now, so a modulus WebCrypto refuses is reported with the file, not at the first import.
  await oaepKey('oaepSha256').catch((err: Error) => {
    throw new KeyFileError('unsupported-key-format', `its modulus and exponent do not form an RSA key (${err.message})`);
  });
  return { form, modulusBits, jwk, oaepKey };
}

function base64url(bytes: Uint8Array): string {
  return btoa(latin1Text(bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
