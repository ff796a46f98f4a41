/**
 * The PKCS#12 KDF (pkcs12-kdf-core.ts) on node:crypto. The iterated hash runs one native one-shot
 * `crypto.hash` per round; the per-round call overhead (~1.3 µs) is what a pure-Node PKCS#12 KDF cannot
 * avoid, since no native API iterates a hash.
 */
import { hash } from 'node:crypto';
import { pkcs12KdfWith } from './pkcs12-kdf-core.js';

export { KDF_IV, KDF_KEY, KDF_MAC, type PasswordForm, bmpPassword, isKdfDigest, passwordForms } from './pkcs12-kdf-core.js';

/** RFC 7292 B.2 with Node's digest `digest` (sha1, sha256…). */
export function pkcs12Kdf(digest: string, password: Uint8Array, salt: Uint8Array, id: number, iterations: number, length: number): Buffer {
  const key = pkcs12KdfWith((data) => hash(digest, data, 'buffer'), digest, password, salt, id, iterations, length);
  return Buffer.from(key.buffer, key.byteOffset, key.length);
}
