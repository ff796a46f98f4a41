/**
 * Verifying a PKCS#12 MAC (read by mac-data.ts) with node:crypto: the HMAC key from the PKCS#12 KDF
 * or, for PBMAC1, from PBKDF2.
 */
import { createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import type { IterationBudget } from './limits.js';
import { type MacData, macIterations, macKeyDerivation } from './mac-data.js';
import { KDF_MAC, type PasswordForm, pkcs12Kdf } from './pkcs12-kdf.js';

export { type MacData, assertMacSupported, readMacData } from './mac-data.js';

/** True when the MAC over `content` (the AuthenticatedSafe octets) verifies with this password form. */
export function verifyMac(mac: MacData, content: Uint8Array, password: PasswordForm, budget: IterationBudget): boolean {
  const derivation = macKeyDerivation(mac);
  budget.spend(macIterations(mac, derivation), 'the MAC');
  const key = derivation.kind === 'pbmac1'
    ? pbkdf2Sync(password.utf8, derivation.kdf.salt, derivation.kdf.iterations, derivation.kdf.keyLength, derivation.kdf.digest)
    // RFC 7292 App. B.4: the HMAC key is as long as the digest output, derived with ID 3.
    : pkcs12Kdf(derivation.digest, password.bmp, mac.salt, KDF_MAC, mac.iterations, derivation.keyBytes);
  const actual = createHmac(derivation.digest, key).update(content).digest();
  return actual.length === mac.digest.length && timingSafeEqual(actual, mac.digest);
}
