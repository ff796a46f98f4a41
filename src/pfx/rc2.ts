/**
 * RC2 (RFC 2268) in CBC mode. Needed only because `openssl pkcs12 -export -legacy` (and Windows
 * before Server 2019) encrypt the certificate bag with pbeWithSHAAnd40BitRC2-CBC (RFC 7292 App. C),
 * and Node's OpenSSL 3 ships RC2 only in the legacy provider, which Node does not load.
 * Files are small (a few KiB of certificates), so a plain 16-bit-word implementation is ample.
 * Pure (Uint8Array, no Node API): the browser console decrypts `-legacy` files with it too (WebCrypto has no RC2).
 */
import { hexBytes } from './bytes.js';

/** RFC 2268 §2: PITABLE, a permutation of 0..255 derived from the digits of pi. */
const PITABLE = hexBytes(
  'd978f9c419ddb5ed28e9fd794aa0d89dc67e37832b76538e624c6488448bfba2' +
    '179a59f587b34f1361456d8d09817d32bd8f40eb86b77b0bf09521225c6b4e82' +
    '54d66593ce60b21c7356c014a78cf1dc1275ca1f3bbee4d1423dd430a33cb626' +
    '6fbf0eda4669075727f21d9bbc944303f811c7f690ef3ee706c3d52fc8661ed7' +
    '08e8eade8052eef784aa72ac354d6a2a961ad2715a1549744b9fd05e0418a4ec' +
    'c2e0416e0f51cbcc2491af50a1f47039997c3a8523b8b47afc02365b25559731' +
    '2d5dfa98e38a92ae05df2910676cbac9d300e6cfe19ea82c6316013f58e289a9' +
    '0d38341bab33ffb0bb480c5fb9b1cd2ec5f3db47e5a59c770aa62068fe7fc1ad',
);

/** Rotation amounts of the four MIX steps (RFC 2268 §3.1). */
const SHIFT = [1, 2, 3, 5] as const;

export const RC2_BLOCK_BYTES = 8;

/** RFC 2268 §2 key expansion: 1–128 key bytes and T1 effective bits → 64 16-bit subkeys. */
export function rc2ExpandKey(key: Uint8Array, effectiveBits: number): Uint16Array {
  const t = key.length;
  if (t < 1 || t > 128) throw new RangeError(`RC2 key must be 1–128 bytes, got ${t}`);
  if (!Number.isInteger(effectiveBits) || effectiveBits < 1 || effectiveBits > 1024) {
    throw new RangeError(`RC2 effective key bits must be 1–1024, got ${effectiveBits}`);
  }
  const l = new Uint8Array(128);
  l.set(key);
  for (let i = t; i < 128; i++) l[i] = PITABLE[(l[i - 1] + l[i - t]) & 0xff]!;
  // Reduce the effective key to T1 bits: T8 bytes, the top byte masked with TM.
  const t8 = Math.ceil(effectiveBits / 8);
  const tm = 0xff >> (8 * t8 - effectiveBits);
  l[128 - t8] = PITABLE[l[128 - t8] & tm]!;
  for (let i = 127 - t8; i >= 0; i--) l[i] = PITABLE[l[i + 1] ^ l[i + t8]]!;
  const k = new Uint16Array(64);
  for (let i = 0; i < 64; i++) k[i] = l[2 * i] | (l[2 * i + 1] << 8);
  return k;
}

/** RFC 2268 §3: five MIXING rounds, MASH, six MIXING, MASH, five MIXING. */
export function rc2EncryptBlock(k: Uint16Array, block: Uint8Array, out: Uint8Array, inOffset = 0, outOffset = 0): void {
  const r = readWords(block, inOffset);
  let j = 0;
  for (let round = 0; round < 16; round++) {
    for (let i = 0; i < 4; i++) {
      const sum = r[i] + k[j++] + (r[(i + 3) & 3] & r[(i + 2) & 3]) + (~r[(i + 3) & 3] & r[(i + 1) & 3]);
      const s = SHIFT[i];
      r[i] = ((sum << s) | ((sum & 0xffff) >>> (16 - s))) & 0xffff;
    }
    if (round === 4 || round === 10) {
      for (let i = 0; i < 4; i++) r[i] = (r[i] + k[r[(i + 3) & 3] & 63]) & 0xffff;
    }
  }
  writeWords(r, out, outOffset);
}

/** RFC 2268 §4: the rounds of §3 inverted and in reverse order. */
export function rc2DecryptBlock(k: Uint16Array, block: Uint8Array, out: Uint8Array, inOffset = 0, outOffset = 0): void {
  const r = readWords(block, inOffset);
  let j = 63;
  for (let round = 15; round >= 0; round--) {
    for (let i = 3; i >= 0; i--) {
      const s = SHIFT[i];
      const x = r[i];
      const rotated = ((x >>> s) | (x << (16 - s))) & 0xffff;
      r[i] = (rotated - k[j--] - (r[(i + 3) & 3] & r[(i + 2) & 3]) - (~r[(i + 3) & 3] & r[(i + 1) & 3])) & 0xffff;
    }
    if (round === 5 || round === 11) {
      for (let i = 3; i >= 0; i--) r[i] = (r[i] - k[r[(i + 3) & 3] & 63]) & 0xffff;
    }
  }
  writeWords(r, out, outOffset);
}

function readWords(b: Uint8Array, o: number): number[] {
  return [b[o] | (b[o + 1] << 8), b[o + 2] | (b[o + 3] << 8), b[o + 4] | (b[o + 5] << 8), b[o + 6] | (b[o + 7] << 8)];
}

function writeWords(r: number[], out: Uint8Array, o: number): void {
  for (let i = 0; i < 4; i++) {
    out[o + 2 * i] = r[i] & 0xff;
    out[o + 2 * i + 1] = r[i] >>> 8;
  }
}

/**
 * RC2-CBC decryption with PKCS#7 padding removal (RFC 8018 §6.1.1 step 4 / RFC 5652 §6.3).
 * Throws on a length that is not a whole number of blocks or on bad padding: with a PBE key
 * that almost always means a wrong password, which the caller reports.
 */
export function rc2CbcDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array, effectiveBits: number): Uint8Array {
  if (iv.length !== RC2_BLOCK_BYTES) throw new RangeError(`RC2-CBC IV must be 8 bytes, got ${iv.length}`);
  if (data.length === 0 || data.length % RC2_BLOCK_BYTES !== 0) {
    throw new RangeError(`RC2-CBC ciphertext of ${data.length} bytes is not a whole number of 8-byte blocks`);
  }
  const k = rc2ExpandKey(key, effectiveBits);
  const out = new Uint8Array(data.length);
  for (let o = 0; o < data.length; o += RC2_BLOCK_BYTES) {
    rc2DecryptBlock(k, data, out, o, o);
    const chain = o === 0 ? iv : data.subarray(o - RC2_BLOCK_BYTES, o);
    for (let i = 0; i < RC2_BLOCK_BYTES; i++) out[o + i] ^= chain[i];
  }
  const pad = out[out.length - 1];
  let bad = pad < 1 || pad > RC2_BLOCK_BYTES;
  for (let i = 2; i <= pad && !bad; i++) bad = out[out.length - i] !== pad;
  if (bad) throw new RangeError('RC2-CBC: bad padding');
  return out.subarray(0, out.length - pad);
}

/** RC2-CBC encryption with PKCS#7 padding: the inverse of `rc2CbcDecrypt`, used by the tests. */
export function rc2CbcEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array, effectiveBits: number): Uint8Array {
  if (iv.length !== RC2_BLOCK_BYTES) throw new RangeError(`RC2-CBC IV must be 8 bytes, got ${iv.length}`);
  const k = rc2ExpandKey(key, effectiveBits);
  const pad = RC2_BLOCK_BYTES - (data.length % RC2_BLOCK_BYTES);
  const out = new Uint8Array(data.length + pad).fill(pad);
  out.set(data);
  for (let o = 0; o < out.length; o += RC2_BLOCK_BYTES) {
    const chain = o === 0 ? iv : out.subarray(o - RC2_BLOCK_BYTES, o);
    for (let i = 0; i < RC2_BLOCK_BYTES; i++) out[o + i] ^= chain[i];
    rc2EncryptBlock(k, out, out, o, o);
  }
  return out;
}
