/**
 * The PKCS#12 key-derivation function (RFC 7292 Appendix B.2) and the password encodings that go
 * with it. It derives the legacy MAC key (ID 3) — which OpenSSL 3 still uses for its default MAC,
 * HMAC-SHA-256 — and the key (ID 1) and IV (ID 2) of the pbeWithSHAAnd… ciphers of `-legacy` files.
 *
 * Pure: the one primitive, a hash, is the caller's (node:crypto in the CLI, pkcs12-kdf.ts; a synchronous
 * JavaScript hash in the browser console, where WebCrypto's promise per digest would cost far more than
 * the 2,048 rounds themselves).
 */
import { concatBytes, latin1Text } from './bytes.js';

/** Purpose byte D of RFC 7292 B.3. */
export const KDF_KEY = 1;
export const KDF_IV = 2;
export const KDF_MAC = 3;

/**
 * One hash of `data`; `repeat`, where a hasher has it, hashes a digest `times` more times over, faster than
 * calling it in a loop (the browser's SHA-1 keeps its state in words between rounds: sha1-block.ts).
 */
export interface HashFunction {
  (data: Uint8Array): Uint8Array;
  repeat?(digest: Uint8Array, times: number): Uint8Array;
}

/** Input block size v in bytes of each digest (RFC 7292 B.2: 64 for SHA-1/SHA-256, 128 for SHA-512). */
const BLOCK_BYTES: Readonly<Record<string, number>> = {
  sha1: 64,
  sha224: 64,
  sha256: 64,
  sha384: 128,
  sha512: 128,
  'sha512-224': 128,
  'sha512-256': 128,
};

export function isKdfDigest(digest: string): boolean {
  return BLOCK_BYTES[digest] !== undefined;
}

/** RFC 7292 B.2 with `hash` as the digest named `digest`. `password` is already in its BMPString form (see `bmpPassword`). */
export function pkcs12KdfWith(
  hash: HashFunction,
  digest: string,
  password: Uint8Array,
  salt: Uint8Array,
  id: number,
  iterations: number,
  length: number,
): Uint8Array {
  const v = BLOCK_BYTES[digest];
  if (v === undefined) throw new RangeError(`PKCS#12 KDF: unsupported digest ${digest}`);
  if (iterations < 1) throw new RangeError('PKCS#12 KDF: iterations must be at least 1');
  const d = new Uint8Array(v).fill(id);
  // I = S || P, each the input repeated to a whole number of v-byte blocks (steps 2–4).
  const i = concatBytes([repeatTo(salt, v * Math.ceil(salt.length / v)), repeatTo(password, v * Math.ceil(password.length / v))]);
  const out: Uint8Array[] = [];
  let produced = 0;
  for (;;) {
    let a = hash(concatBytes([d, i]));
    if (hash.repeat) a = hash.repeat(a, iterations - 1);
    else for (let r = 1; r < iterations; r++) a = hash(a);
    out.push(a);
    produced += a.length;
    if (produced >= length) break;
    // Step 6C: I_j = (I_j + B + 1) mod 2^(8v), B = A repeated to v bytes.
    const b = repeatTo(a, v);
    for (let j = 0; j < i.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = i[j + k] + b[k] + carry;
        i[j + k] = sum & 0xff;
        carry = sum >>> 8;
      }
    }
  }
  return concatBytes(out).subarray(0, length);
}

function repeatTo(source: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  if (source.length === 0) return out;
  for (let o = 0; o < length; o += source.length) out.set(source.subarray(0, Math.min(source.length, length - o)), o);
  return out;
}

/** RFC 7292 B.1: the password as a BMPString (UTF-16BE) with a two-byte zero terminator. */
export function bmpPassword(password: string): Uint8Array {
  const out = new Uint8Array(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) {
    const unit = password.charCodeAt(i);
    out[2 * i] = unit >>> 8;
    out[2 * i + 1] = unit & 0xff;
  }
  return out;
}

/**
 * One way of turning the caller's password into bytes. PBES2 and PBMAC1 take the UTF-8 bytes
 * (RFC 8018 §3 leaves the encoding open; OpenSSL passes the UTF-8 string through), the PKCS#12
 * KDF takes the BMPString.
 */
export interface PasswordForm {
  readonly utf8: Uint8Array;
  readonly bmp: Uint8Array;
}

/**
 * The password forms to try, most likely first, as OpenSSL's PKCS12_parse does:
 * - the password as typed;
 * - for an empty password, also the zero-length BMP form (a NULL password: no terminator);
 * - for a non-ASCII password, its UTF-8 bytes each taken as one BMP character, which is what
 *   OpenSSL before 1.1.0 (and tools that copied it) wrote.
 * With a MAC the right form is found by the MAC alone; the bags are then decrypted once.
 */
export function passwordForms(password: string): PasswordForm[] {
  const utf8 = new TextEncoder().encode(password);
  const forms: PasswordForm[] = [{ utf8, bmp: bmpPassword(password) }];
  if (password.length === 0) forms.push({ utf8, bmp: new Uint8Array(0) });
  if (utf8.length !== password.length) forms.push({ utf8, bmp: bmpPassword(latin1Text(utf8)) });
  return forms;
}
