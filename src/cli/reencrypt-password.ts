/**
 * A stored PFX password moved from one connector key to another, without HTTP: decrypt it with the key it is under
 * now (the record's own padding), encrypt it for the other key. `rekey` (rekey-record.ts) writes the result back
 * to the same record; `push` (push-record.ts) sends it with a copy of the record to another endpoint.
 */
import type { KeyObject } from 'node:crypto';
import type { PasswordChange, UserPfxCertificate } from '../client/certificates.js';
import { decodePassword, decryptPassword, encryptPassword, KeyError, type OaepPadding } from '../pfx/index.js';

export interface Reencryption {
  /** `--private-key`: the key the records are under now. */
  readonly oldKey: KeyObject;
  /** `--public-key`: the key the passwords are encrypted for. */
  readonly newPublicKey: KeyObject;
  readonly providerName: string;
  readonly keyName: string;
  /** `--padding`; absent, each record keeps its own paddingScheme. */
  readonly padding?: OaepPadding;
}

export type Reencrypted =
  | { readonly ok: true; readonly change: PasswordChange; readonly plaintext: Buffer }
  /** `undecryptable`: the password does not decrypt with `oldKey` (rekey takes some such records as done already). */
  | { readonly ok: false; readonly reason: string; readonly undecryptable: boolean };

/** The record's password under the new key, as the four fields a record stores it in; or why not. */
export function reencryptPassword(record: UserPfxCertificate, to: Reencryption): Reencrypted {
  if (!record.encryptedPfxPassword) return { ok: false, reason: 'the server returned no encryptedPfxPassword for this record', undecryptable: false };
  let plaintext: Buffer;
  try {
    plaintext = decryptPassword(Buffer.from(record.encryptedPfxPassword, 'base64'), to.oldKey, record.paddingScheme);
  } catch (err) {
    if (!(err instanceof KeyError)) throw err;
    return err.code === 'decrypt-failed'
      ? { ok: false, reason: `the password does not decrypt with --private-key and ${record.paddingScheme}: it is under another key`, undecryptable: true }
      : { ok: false, reason: `paddingScheme ${record.paddingScheme}: ${err.message}`, undecryptable: false };
  }
  const paddingScheme = to.padding ?? record.paddingScheme;
  let encrypted: Buffer;
  try {
    encrypted = encryptPassword(decodePassword(plaintext), to.newPublicKey, paddingScheme);
  } catch (err) {
    if (!(err instanceof KeyError)) throw err;
    return { ok: false, reason: `cannot encrypt for --public-key: ${err.message}`, undecryptable: false };
  }
  return {
    ok: true,
    plaintext,
    change: { encryptedPfxPassword: encrypted.toString('base64'), providerName: to.providerName, keyName: to.keyName, paddingScheme },
  };
}
