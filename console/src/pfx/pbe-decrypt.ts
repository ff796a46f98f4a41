/**
 * Password-based decryption of PKCS#12 contents in the browser, from the parameters src/pfx/pbe-params.ts
 * reads (shared with the CLI): PBES2 with PBKDF2 and AES-CBC in WebCrypto (OpenSSL 3's default), and the
 * PKCS#12 PBE schemes of `-legacy` files — the PKCS#12 KDF, then 3DES (des.ts) or RC2 (src/pfx/rc2.ts).
 */
import type { DerNode } from '../../../src/pfx/der.js';
import { DecryptFailure } from '../../../src/pfx/errors.js';
import type { IterationBudget } from '../../../src/pfx/limits.js';
import { type Pbes2Scheme, readPbeScheme } from '../../../src/pfx/pbe-params.js';
import { KDF_IV, KDF_KEY, type PasswordForm, pkcs12KdfWith } from '../../../src/pfx/pkcs12-kdf-core.js';
import { rc2CbcDecrypt } from '../../../src/pfx/rc2.js';
import { tripleDesCbcDecrypt } from './des.js';
import { aesCbcDecrypt, pbkdf2, syncHash } from './web-crypto.js';

/** Decrypts `data` with the scheme named by `algorithm`; `DecryptFailure` when it does not decrypt. */
export async function pbeDecrypt(algorithm: DerNode, data: Uint8Array, password: PasswordForm, budget: IterationBudget, what: string): Promise<Uint8Array> {
  const scheme = readPbeScheme(algorithm, what);
  if (scheme.kind === 'pbes2') return pbes2Decrypt(scheme, data, password, budget, what);
  budget.spend(2 * scheme.iterations, `${what}'s key derivation`);
  // RFC 7292 App. B.3 / C: key (ID 1) and IV (ID 2) from the SHA-1 PKCS#12 KDF over the BMP password.
  const sha1 = syncHash('sha1');
  const key = pkcs12KdfWith(sha1, 'sha1', password.bmp, scheme.salt, KDF_KEY, scheme.iterations, scheme.keyBytes);
  const iv = pkcs12KdfWith(sha1, 'sha1', password.bmp, scheme.salt, KDF_IV, scheme.iterations, 8);
  try {
    return scheme.rc2Bits !== undefined ? rc2CbcDecrypt(key, iv, data, scheme.rc2Bits) : tripleDesCbcDecrypt(key, iv, data);
  } catch {
    throw new DecryptFailure(`${what} does not decrypt`);
  }
}

/** RFC 8018 §6.2.2: PBKDF2 over the UTF-8 password, then AES-CBC (or 3DES-CBC, which some tools pair with PBES2). */
async function pbes2Decrypt(scheme: Pbes2Scheme, data: Uint8Array, password: PasswordForm, budget: IterationBudget, what: string): Promise<Uint8Array> {
  const { kdf } = scheme;
  budget.spend(kdf.iterations, `${what}'s PBKDF2`);
  const key = await pbkdf2(password.utf8, kdf.salt, kdf.iterations, scheme.keyBytes, kdf.digest, `${what}'s PBKDF2`);
  try {
    return scheme.cipher === 'des-ede3-cbc' ? tripleDesCbcDecrypt(key, scheme.iv, data) : await aesCbcDecrypt(key, scheme.iv, data);
  } catch {
    throw new DecryptFailure(`${what} does not decrypt`);
  }
}
