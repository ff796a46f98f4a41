/**
 * Typed errors of the PFX layer. Callers (server, CLI) branch on `code`, never on message text;
 * messages are written for the person who has to fix the input.
 */

export type PfxErrorCode =
  /** Not a PKCS#12 PFX at all, or a PFX whose structure is damaged. */
  | 'not-pkcs12'
  /** The MAC did not verify (or, in a file without a MAC, the contents did not decrypt). */
  | 'wrong-password'
  /** The file holds no private key (e.g. `openssl pkcs12 -export -nokeys`). */
  | 'no-private-key'
  /** The file holds no certificate, or none that matches its private key. */
  | 'no-certificate'
  /** A well-formed file using an algorithm or mode pfxstore does not implement. */
  | 'unsupported-algorithm'
  /** The certificate has expired (the browser console refuses it, as `import` does without --allow-expired). */
  | 'expired';

export class PfxError extends Error {
  override name = 'PfxError';
  constructor(
    readonly code: PfxErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type KeyErrorCode =
  /** The bytes are none of the public-key formats pfxstore reads. */
  | 'unsupported-key-format'
  /** A readable key, but not an RSA public key (EC, a private key, RSA-PSS…). */
  | 'not-rsa-public-key'
  /** A public key (or a certificate) where a private key is needed. */
  | 'not-private-key'
  /** A readable private key, but not one the connector can use (EC, RSA-PSS, multi-prime, a size out of range). */
  | 'not-rsa-private-key'
  /** A password-protected private key: pfxstore takes private keys unencrypted, from a file only its owner reads. */
  | 'encrypted-private-key'
  /** A padding scheme pfxstore refuses to produce (pkcs1, oaepSha1, none) or does not know. */
  | 'unsupported-padding'
  /** The password cannot be encrypted as given (too long for the key, or not encodable). */
  | 'password-not-encodable'
  /** RSA decryption of an encrypted password failed (wrong key or wrong padding scheme). */
  | 'decrypt-failed';

export class KeyError extends Error {
  override name = 'KeyError';
  constructor(
    readonly code: KeyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The ciphertext did not decrypt (bad padding, or garbage after decryption). With CBC and PKCS#7 padding this
 * is what a wrong key looks like; the opener decides whether that means a wrong password. Internal to the
 * PFX readers: they turn it into a `PfxError`.
 */
export class DecryptFailure extends Error {
  override name = 'DecryptFailure';
}
