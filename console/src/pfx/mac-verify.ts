/** Verifying a PKCS#12 MAC (read by src/pfx/mac-data.ts, shared with the CLI) with WebCrypto's HMAC. */
import type { IterationBudget } from '../../../src/pfx/limits.js';
import { type MacData, macIterations, macKeyDerivation } from '../../../src/pfx/mac-data.js';
import { KDF_MAC, type PasswordForm, pkcs12KdfWith } from '../../../src/pfx/pkcs12-kdf-core.js';
import { hmac, pbkdf2, syncHash } from './web-crypto.js';

/** True when the MAC over `content` (the AuthenticatedSafe octets) verifies with this password form. */
export async function verifyMac(mac: MacData, content: Uint8Array, password: PasswordForm, budget: IterationBudget): Promise<boolean> {
  const derivation = macKeyDerivation(mac);
  budget.spend(macIterations(mac, derivation), 'the MAC');
  const key = derivation.kind === 'pbmac1'
    ? await pbkdf2(password.utf8, derivation.kdf.salt, derivation.kdf.iterations, derivation.kdf.keyLength, derivation.kdf.digest, 'the MAC')
    // RFC 7292 App. B.4: the HMAC key is as long as the digest output, derived with ID 3.
    : pkcs12KdfWith(syncHash(derivation.digest), derivation.digest, password.bmp, mac.salt, KDF_MAC, mac.iterations, derivation.keyBytes);
  const actual = await hmac(derivation.digest, key, content, 'the MAC');
  // Constant time, as the CLI's timingSafeEqual: the comparison should not tell how many bytes matched.
  let diff = actual.length ^ mac.digest.length;
  for (let i = 0; i < Math.min(actual.length, mac.digest.length); i++) diff |= actual[i]! ^ mac.digest[i]!;
  return diff === 0;
}
