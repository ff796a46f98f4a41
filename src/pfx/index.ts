/**
 * The PFX layer: PKCS#12 reading, thumbprints, RSA key formats (PEM, DER, CNG blobs), RSA-OAEP password
 * encryption. No HTTP; shared by the server, the CLI and the tests.
 */
export { KeyError, type KeyErrorCode, PfxError, type PfxErrorCode } from './errors.js';
export { DEFAULT_MAX_ITERATIONS } from './limits.js';
export { type OpenPkcs12Options, type OpenedPfx, checkPkcs12Structure, isPkcs12Structure, openPkcs12 } from './pkcs12.js';
export { type Validity, certificateValidity, thumbprint } from './certificate.js';
export {
  type CertificateUsage, type KeyUsageName, OID_ANY_EXTENDED_KEY_USAGE, OID_EMAIL_PROTECTION, certificateUsage, describeExtendedKeyUsage,
} from './certificate-usage.js';
export { assertRsaPublicKey, readRsaPublicKey, toRsaPublicBlob } from './public-key.js';
export { assertRsaPrivateKey, readRsaPrivateKey } from './private-key.js';
export { readRsaPrivateBlob, toRsaFullPrivateBlob } from './rsa-private-blob.js';
export { type EncodedKey, KEY_FORMS, type KeyForm, encodeRsaKey, readRsaKey } from './key-forms.js';
export {
  OAEP_PADDINGS,
  type OaepPadding,
  PASSWORD_ENCODING,
  type PaddingScheme,
  decodePassword,
  decryptPassword,
  encodePassword,
  encryptPassword,
  oaepPadding,
  PasswordTooLongError,
} from './oaep.js';
export { type PasswordReading, otherPasswordReadings } from './password-readings.js';
export { RSA_KEY_BITS, type RsaKeyBits, type RsaKeyPairPem, generateRsaKeyPair } from './keygen.js';
