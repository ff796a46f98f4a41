/**
 * SHA-1 (FIPS 180-4 §6.1) of a message that fits one block (≤ 55 bytes), without allocating beyond the
 * result. The PKCS#12 KDF of `-legacy` files hashes a 20-byte digest 2,047 times per derivation, five
 * derivations a file: a general-purpose hasher's per-call set-up (~20 µs in @noble/hashes) made that ~100 ms a
 * file, this ~3 ms. Longer messages go to @noble/hashes. Checked against node:crypto (test/console-pfx/sha1-block.test.ts).
 */
import { sha1 } from '@noble/hashes/legacy';

const W = new Uint32Array(80);

export function sha1Short(data: Uint8Array): Uint8Array {
  if (data.length > 55) return sha1(data);
  W.fill(0, 0, 16);
  for (let i = 0; i < data.length; i++) W[i >> 2]! |= data[i]! << (24 - 8 * (i & 3));
  W[data.length >> 2]! |= 0x80 << (24 - 8 * (data.length & 3));
  W[15] = data.length * 8;
  for (let t = 16; t < 80; t++) {
    const x = W[t - 3]! ^ W[t - 8]! ^ W[t - 14]! ^ W[t - 16]!;
    W[t] = (x << 1) | (x >>> 31);
  }
  let a = 0x67452301, b = 0xefcdab89, c = 0x98badcfe, d = 0x10325476, e = 0xc3d2e1f0;
  for (let t = 0; t < 80; t++) {
    const f = t < 20 ? (b & c) | (~b & d) : t < 40 ? b ^ c ^ d : t < 60 ? (b & c) | (b & d) | (c & d) : b ^ c ^ d;
    const k = t < 20 ? 0x5a827999 : t < 40 ? 0x6ed9eba1 : t < 60 ? 0x8f1bbcdc : 0xca62c1d6;
    const temp = (((a << 5) | (a >>> 27)) + f + e + k + W[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = temp;
  }
  const out = new Uint8Array(20);
  const view = new DataView(out.buffer);
  view.setUint32(0, (0x67452301 + a) | 0);
  view.setUint32(4, (0xefcdab89 + b) | 0);
  view.setUint32(8, (0x98badcfe + c) | 0);
  view.setUint32(12, (0x10325476 + d) | 0);
  view.setUint32(16, (0xc3d2e1f0 + e) | 0);
  return out;
}
