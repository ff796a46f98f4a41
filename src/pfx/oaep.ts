/**
 * Encrypting the PFX password for the Intune PFX Certificate Connector: RSA-OAEP (RFC 8017 §7.1)
 * with SHA-256/384/512 as both the OAEP hash and the MGF1 hash and an empty label — what CNG's
 * BCRYPT_OAEP_PADDING_INFO does (one hash for both) and what
 * `openssl pkeyutl -decrypt -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256` undoes.
 */
import { type KeyObject, constants, privateDecrypt, publicEncrypt } from 'node:crypto';
import { KeyError } from './errors.js';
import { OAEP_DIGESTS, PasswordTooLongError, oaepCapacity, oaepPadding, passwordBytes } from './oaep-padding.js';
import { assertRsaPublicKey } from './public-key.js';

export {
  OAEP_PADDINGS, type OaepPadding, type PaddingScheme, PasswordTooLongError, oaepCapacity, oaepPadding,
} from './oaep-padding.js';

/** Latin-1: one byte per character (oaep-padding.ts, `passwordBytes`, says why). */
export const PASSWORD_ENCODING = 'latin1' satisfies BufferEncoding;

/** The password's bytes as encrypted; throws `KeyError` for a character above U+00FF. */
export function encodePassword(password: string): Buffer {
  const bytes = passwordBytes(password);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

export function decodePassword(bytes: Buffer): string {
  return bytes.toString(PASSWORD_ENCODING);
}

/** Encrypts the password under the connector's public key; the result is `encryptedPfxPassword` (base64). */
export function encryptPassword(password: string, publicKey: KeyObject, padding: string): Buffer {
  const scheme = oaepPadding(padding);
  assertRsaPublicKey(publicKey);
  const { digest } = OAEP_DIGESTS[scheme];
  const plaintext = encodePassword(password);
  const modulusBits = publicKey.asymmetricKeyDetails!.modulusLength!;
  if (plaintext.length > oaepCapacity(modulusBits, scheme)) throw new PasswordTooLongError(plaintext.length, modulusBits, scheme);
  return publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: digest }, plaintext);
}

/** The connector's side (and `pfxstore verify`): the password bytes back; `decodePassword` makes them text. */
export function decryptPassword(ciphertext: Buffer, privateKey: KeyObject, padding: string): Buffer {
  const { digest } = OAEP_DIGESTS[oaepPadding(padding)];
  try {
    return privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: digest }, ciphertext);
  } catch {
    throw new KeyError('decrypt-failed', `the password does not decrypt with this private key and RSA-OAEP-${digest.toUpperCase()} (wrong key or padding scheme?)`);
  }
}
