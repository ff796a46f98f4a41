/**
 * Password-based decryption of PKCS#12 contents with node:crypto, from the parameters pbe-params.ts
 * reads: PBES2 (PBKDF2 + a native block cipher) and the PKCS#12 PBE schemes (PKCS#12 KDF + 3DES, or RC2).
 */
import { createDecipheriv, pbkdf2Sync } from 'node:crypto';
import type { DerNode } from './der.js';
import { DecryptFailure } from './errors.js';
import type { IterationBudget } from './limits.js';
import { type Pbes2Scheme, readPbeScheme } from './pbe-params.js';
import { KDF_IV, KDF_KEY, type PasswordForm, pkcs12Kdf } from './pkcs12-kdf.js';
import { rc2CbcDecrypt } from './rc2.js';

export { DecryptFailure } from './errors.js';
export { type Pbkdf2Params, readEncryptedPrivateKeyInfo, readPbkdf2Params } from './pbe-params.js';

/** Decrypts `data` with the password-based scheme named by `algorithm` (an AlgorithmIdentifier node). */
export function pbeDecrypt(algorithm: DerNode, data: Uint8Array, password: PasswordForm, budget: IterationBudget, what: string): Buffer {
  const scheme = readPbeScheme(algorithm, what);
  if (scheme.kind === 'pbes2') return pbes2Decrypt(scheme, data, password, budget, what);
  budget.spend(2 * scheme.iterations, `${what}'s key derivation`);
  // RFC 7292 App. B.3 / C: key (ID 1) and IV (ID 2) from the SHA-1 PKCS#12 KDF over the BMP password.
  const key = pkcs12Kdf('sha1', password.bmp, scheme.salt, KDF_KEY, scheme.iterations, scheme.keyBytes);
  const iv = pkcs12Kdf('sha1', password.bmp, scheme.salt, KDF_IV, scheme.iterations, 8);
  if (scheme.rc2Bits !== undefined) {
    try {
      const plain = rc2CbcDecrypt(key, iv, data, scheme.rc2Bits);
      return Buffer.from(plain.buffer, plain.byteOffset, plain.length);
    } catch {
      throw new DecryptFailure(`${what} does not decrypt`);
    }
  }
  return nativeDecrypt(scheme.cipher, key, iv, data, what);
}

/** RFC 8018 §6.2.2: PBKDF2 then the block cipher, both native. */
function pbes2Decrypt(scheme: Pbes2Scheme, data: Uint8Array, password: PasswordForm, budget: IterationBudget, what: string): Buffer {
  const { kdf } = scheme;
  budget.spend(kdf.iterations, `${what}'s PBKDF2`);
  const key = pbkdf2Sync(password.utf8, kdf.salt, kdf.iterations, scheme.keyBytes, kdf.digest);
  return nativeDecrypt(scheme.cipher, key, scheme.iv, data, what);
}

function nativeDecrypt(cipher: string, key: Uint8Array, iv: Uint8Array, data: Uint8Array, what: string): Buffer {
  try {
    const decipher = createDecipheriv(cipher, key, iv);
    return Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    // OpenSSL's "bad decrypt" says nothing a user can act on; the caller words it.
    throw new DecryptFailure(`${what} does not decrypt`);
  }
}
