/**
 * What `rekey` does to one record, without HTTP: decide whether it is already under the new key, move its password
 * to the new key (reencrypt-password.ts), and — when the new key's private half is at hand — decrypt the new
 * ciphertext back before anything is sent, so nothing is written that the new key cannot read.
 */
import type { KeyObject } from 'node:crypto';
import type { PasswordChange, UserPfxCertificate } from '../client/certificates.js';
import { decryptPassword, KeyError } from '../pfx/index.js';
import { type Reencryption, reencryptPassword } from './reencrypt-password.js';

export interface RekeySettings extends Reencryption {
  /** `--new-private-key`: the private half of `newPublicKey`, when given (checked to match it). */
  readonly newPrivateKey?: KeyObject;
}

export type RekeyPlan =
  | { readonly outcome: 'rekey'; readonly change: PasswordChange }
  | { readonly outcome: 'skipped' | 'failed'; readonly reason: string };

/** A record with its secrets (the caller has checked the listing returned them). */
export function planRekey(record: UserPfxCertificate, settings: RekeySettings): RekeyPlan {
  const { newPrivateKey } = settings;
  if (newPrivateKey && record.encryptedPfxPassword && decrypts(Buffer.from(record.encryptedPfxPassword, 'base64'), newPrivateKey, record.paddingScheme)) {
    return { outcome: 'skipped', reason: 'already under the new key (its password decrypts with --new-private-key)' };
  }
  const moved = reencryptPassword(record, settings);
  if (!moved.ok) {
    // Without the new private half, a record that already names the new key and does not decrypt with the old one
    // is taken to be under the new key (a rerun after a crash). One that names it but still decrypts with the old
    // key is not, and is rekeyed.
    if (moved.undecryptable && !newPrivateKey && record.providerName === settings.providerName && record.keyName === settings.keyName) {
      return { outcome: 'skipped', reason: `already names ${settings.keyName} (${settings.providerName}) and does not decrypt with --private-key` };
    }
    return { outcome: 'failed', reason: moved.reason };
  }
  const { change, plaintext } = moved;
  if (newPrivateKey && !decrypts(Buffer.from(change.encryptedPfxPassword, 'base64'), newPrivateKey, change.paddingScheme, plaintext)) {
    return { outcome: 'failed', reason: 'the new ciphertext does not decrypt to the password with --new-private-key; nothing was written' };
  }
  return { outcome: 'rekey', change };
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
