/**
 * What `rekey` does to one record, without HTTP: decide whether it is already under the new key, decrypt its
 * password with the old key, encrypt it for the new one, and — when the new key's private half is at hand —
 * decrypt the new ciphertext back before anything is sent, so nothing is written that the new key cannot read.
 */
import type { KeyObject } from 'node:crypto';
import type { PasswordChange, UserPfxCertificate } from '../client/certificates.js';
import { decodePassword, decryptPassword, encryptPassword, KeyError, type OaepPadding } from '../pfx/index.js';

export interface RekeySettings {
  /** `--private-key`: the key the records are under now. */
  readonly oldKey: KeyObject;
  /** `--public-key`: the key they move to. */
  readonly newPublicKey: KeyObject;
  /** `--new-private-key`: its private half, when given (checked to match `newPublicKey`). */
  readonly newPrivateKey?: KeyObject;
  readonly providerName: string;
  readonly keyName: string;
  /** `--padding`; absent, each record keeps its own paddingScheme. */
  readonly padding?: OaepPadding;
}

export type RekeyPlan =
  | { readonly outcome: 'rekey'; readonly change: PasswordChange }
  | { readonly outcome: 'skipped' | 'failed'; readonly reason: string };

/** A record with its secrets (the caller has checked the listing returned them). */
export function planRekey(record: UserPfxCertificate, settings: RekeySettings): RekeyPlan {
  if (!record.encryptedPfxPassword) return { outcome: 'failed', reason: 'the server returned no encryptedPfxPassword for this record' };
  const ciphertext = Buffer.from(record.encryptedPfxPassword, 'base64');
  const { newPrivateKey } = settings;
  if (newPrivateKey && decrypts(ciphertext, newPrivateKey, record.paddingScheme)) {
    return { outcome: 'skipped', reason: 'already under the new key (its password decrypts with --new-private-key)' };
  }
  let plaintext: Buffer;
  try {
    plaintext = decryptPassword(ciphertext, settings.oldKey, record.paddingScheme);
  } catch (err) {
    if (!(err instanceof KeyError)) throw err;
    // Without the new private half, a record that already names the new key and does not decrypt with the old one
    // is taken to be under the new key (a rerun after a crash). One that names it but still decrypts with the old
    // key is not, and is rekeyed below.
    if (!newPrivateKey && record.providerName === settings.providerName && record.keyName === settings.keyName) {
      return { outcome: 'skipped', reason: `already names ${settings.keyName} (${settings.providerName}) and does not decrypt with --private-key` };
    }
    return { outcome: 'failed', reason: err.code === 'decrypt-failed'
      ? `the password does not decrypt with --private-key and ${record.paddingScheme}: it is under another key`
      : `paddingScheme ${record.paddingScheme}: ${err.message}` };
  }
  const paddingScheme = settings.padding ?? record.paddingScheme;
  let encrypted: Buffer;
  try {
    encrypted = encryptPassword(decodePassword(plaintext), settings.newPublicKey, paddingScheme);
  } catch (err) {
    if (!(err instanceof KeyError)) throw err;
    return { outcome: 'failed', reason: `cannot encrypt for the new key: ${err.message}` };
  }
  if (newPrivateKey && !decrypts(encrypted, newPrivateKey, paddingScheme, plaintext)) {
    return { outcome: 'failed', reason: 'the new ciphertext does not decrypt to the password with --new-private-key; nothing was written' };
  }
  return {
    outcome: 'rekey',
    change: { encryptedPfxPassword: encrypted.toString('base64'), providerName: settings.providerName, keyName: settings.keyName, paddingScheme },
  };
}

/** Whether the ciphertext decrypts with this key and padding (to `expected`, when given). */
function decrypts(ciphertext: Buffer, key: KeyObject, padding: string, expected?: Buffer): boolean {
  try {
    const plaintext = decryptPassword(ciphertext, key, padding);
    return expected === undefined || plaintext.equals(expected);
  } catch (err) {
    if (err instanceof KeyError) return false;
    throw err;
  }
}
