/** Object identifiers read by the PFX layer, with the RFC that defines each. */

/** PKCS#7 / CMS content types (RFC 2315 §14, RFC 7292 §4.1). */
export const OID_DATA = '1.2.840.113549.1.7.1';
export const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
export const OID_ENVELOPED_DATA = '1.2.840.113549.1.7.3';
export const OID_ENCRYPTED_DATA = '1.2.840.113549.1.7.6';

/** PKCS#12 bag types (RFC 7292 §4.2). */
export const OID_KEY_BAG = '1.2.840.113549.1.12.10.1.1';
export const OID_SHROUDED_KEY_BAG = '1.2.840.113549.1.12.10.1.2';
export const OID_CERT_BAG = '1.2.840.113549.1.12.10.1.3';
export const OID_SAFE_CONTENTS_BAG = '1.2.840.113549.1.12.10.1.6';
/** CertBag certId for a DER X.509 certificate (RFC 7292 §4.2.3, PKCS#9 certTypes). */
export const OID_X509_CERTIFICATE = '1.2.840.113549.1.9.22.1';

/** PKCS#9 attributes carried on bags (RFC 2985 §5.5.1–5.5.2). */
export const OID_FRIENDLY_NAME = '1.2.840.113549.1.9.20';
export const OID_LOCAL_KEY_ID = '1.2.840.113549.1.9.21';

/** X.509 extensions and attributes import checks (RFC 5280 §4.2.1, PKCS#9 emailAddress in RFC 2985 §5.2.1). */
export const OID_KEY_USAGE = '2.5.29.15';
export const OID_SUBJECT_ALT_NAME = '2.5.29.17';
export const OID_EXTENDED_KEY_USAGE = '2.5.29.37';
export const OID_EMAIL_ADDRESS = '1.2.840.113549.1.9.1';

/** PKCS#12 password-based encryption (RFC 7292 Appendix C). */
export const OID_PBE_SHA1_RC4_128 = '1.2.840.113549.1.12.1.1';
export const OID_PBE_SHA1_RC4_40 = '1.2.840.113549.1.12.1.2';
export const OID_PBE_SHA1_3DES = '1.2.840.113549.1.12.1.3';
export const OID_PBE_SHA1_2DES = '1.2.840.113549.1.12.1.4';
export const OID_PBE_SHA1_RC2_128 = '1.2.840.113549.1.12.1.5';
export const OID_PBE_SHA1_RC2_40 = '1.2.840.113549.1.12.1.6';

/** PKCS#5 v2 (RFC 8018 §A.2, §A.4, §B.1) and PBMAC1 (RFC 8018 §A.5, used for PKCS#12 by RFC 9579). */
export const OID_PBKDF2 = '1.2.840.113549.1.5.12';
export const OID_PBES2 = '1.2.840.113549.1.5.13';
export const OID_PBMAC1 = '1.2.840.113549.1.5.14';

/** HMAC PRFs for PBKDF2/PBMAC1 (RFC 8018 §B.1.1–B.1.2) → Node digest names. */
export const HMAC_PRF_DIGESTS: Readonly<Record<string, string>> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
  '1.2.840.113549.2.12': 'sha512-224',
  '1.2.840.113549.2.13': 'sha512-256',
};

/** Digest algorithms allowed in a PKCS#12 MacData DigestInfo (RFC 7292 §4, Appendix B.2). */
export const DIGESTS: Readonly<Record<string, string>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '2.16.840.1.101.3.4.2.5': 'sha512-224',
  '2.16.840.1.101.3.4.2.6': 'sha512-256',
};

/** PBES2 encryption schemes Node implements natively → [cipher name, key bytes, IV bytes]. */
export const PBES2_CIPHERS: Readonly<Record<string, readonly [string, number, number]>> = {
  '2.16.840.1.101.3.4.1.2': ['aes-128-cbc', 16, 16],
  '2.16.840.1.101.3.4.1.22': ['aes-192-cbc', 24, 16],
  '2.16.840.1.101.3.4.1.42': ['aes-256-cbc', 32, 16],
  '1.2.840.113549.3.7': ['des-ede3-cbc', 24, 8],
};

const NAMES: Readonly<Record<string, string>> = {
  [OID_SIGNED_DATA]: 'signedData (public-key integrity mode)',
  [OID_ENVELOPED_DATA]: 'envelopedData (public-key privacy mode)',
  [OID_PBE_SHA1_RC4_128]: 'pbeWithSHAAnd128BitRC4',
  [OID_PBE_SHA1_RC4_40]: 'pbeWithSHAAnd40BitRC4',
  '1.2.840.113549.1.5.3': 'pbeWithMD5AndDES-CBC (PBES1)',
  '1.2.840.113549.1.5.10': 'pbeWithSHA1AndDES-CBC (PBES1)',
  '1.3.14.3.2.7': 'DES-CBC',
  '1.2.840.113549.3.2': 'RC2-CBC',
  '1.2.840.113549.2.5': 'MD5',
  '1.2.643.7.1.1.2.2': 'GOST R 34.11-2012 (256)',
  '1.2.643.7.1.1.2.3': 'GOST R 34.11-2012 (512)',
};

/** A human name for an OID in error messages: the known name with the OID, or the OID alone. */
export function describeOid(oid: string): string {
  const name = NAMES[oid];
  return name === undefined ? oid : `${name} (${oid})`;
}
