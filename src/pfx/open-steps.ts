/**
 * The steps of opening a PFX that do not depend on who does the cryptography, and the refusals a person sees —
 * shared by the CLI (pkcs12.ts, node:crypto) and the browser console (console/src/pfx/open-pfx.ts, WebCrypto),
 * so both open the same files in the same order with the same words. Pure (no Node API).
 */
import { bytesEqual } from './bytes.js';
import { DerError } from './der.js';
import { type DecryptFailure, PfxError } from './errors.js';
import { IterationBudget } from './limits.js';
import { OID_DATA } from './oids.js';
import { type PfxStructure, parsePfx } from './pfx-structure.js';
import { type PasswordForm, passwordForms } from './pkcs12-kdf-core.js';
import type { SafeBag } from './safe-bags.js';

export interface OpenStart {
  readonly pfx: PfxStructure;
  readonly budget: IterationBudget;
  /** The password's forms, most likely first (pkcs12-kdf-core.ts). */
  readonly forms: PasswordForm[];
}

/** Reads the structure (not-pkcs12) and refuses public-key integrity mode, before any password is tried. */
export function startOpening(der: Uint8Array, password: string, maxIterations?: number): OpenStart {
  const pfx = parsePfx(der);
  if (pfx.authSafeType !== OID_DATA) {
    throw new PfxError('unsupported-algorithm', 'the file uses public-key integrity mode (signedData), which pfxstore does not open');
  }
  return { pfx, budget: new IterationBudget(maxIterations), forms: passwordForms(password) };
}

/** A DerError met after the structure was read (inside a bag, a certificate) as the `not-pkcs12` PfxError. */
export function asOpenError(e: unknown): unknown {
  return e instanceof DerError ? new PfxError('not-pkcs12', `not a valid PKCS#12 file: ${e.message}`) : e;
}

export function macMismatch(): PfxError {
  return new PfxError('wrong-password', 'wrong password: the PKCS#12 MAC does not verify (or the file was altered after it was made)');
}

/** The MAC verified, the contents did not decrypt: most likely `-twopass`. */
export function contentsDoNotDecrypt(e: DecryptFailure): PfxError {
  return new PfxError(
    'wrong-password',
    `the MAC verifies with this password but the contents do not decrypt (${e.message}); ` +
      'was the file made with separate integrity and encryption passwords (openssl pkcs12 -twopass)?',
  );
}

/** Without a MAC the only evidence of a wrong password is contents that do not decrypt. */
export function noMacWrongPassword(failure: DecryptFailure): PfxError {
  return new PfxError('wrong-password', `wrong password: the file has no MAC and its contents do not decrypt with this password (${failure.message})`);
}

/** Refuses contents without a key or a certificate. */
export function assertKeyAndCertificate(keys: number, certificates: number): void {
  if (keys === 0) throw new PfxError('no-private-key', 'the file holds no private key (was it exported with -nokeys?)');
  if (certificates === 0) throw new PfxError('no-certificate', 'the file holds a private key but no certificate');
}

export function noMatchingCertificate(certificates: number): PfxError {
  return new PfxError('no-certificate', `none of the file's ${certificates} certificate(s) matches its private key`);
}

/** True when both bags carry the same localKeyId (PKCS#9), the link OpenSSL and Windows write between key and certificate. */
export function sameLocalKeyId(a: SafeBag, b: SafeBag): boolean {
  return a.localKeyId !== undefined && b.localKeyId !== undefined && bytesEqual(a.localKeyId, b.localKeyId);
}

/** The certificates to try for a key: those sharing its localKeyId first, then the others in file order. */
export function candidatesFor<T extends { readonly bag: SafeBag }>(key: SafeBag, certs: readonly T[]): T[] {
  return [...certs.filter((c) => sameLocalKeyId(key, c.bag)), ...certs.filter((c) => !sameLocalKeyId(key, c.bag))];
}
