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

const R = new Int32Array(80);

/**
 * SHA-1 applied `times` times to a 20-byte digest, each round's digest the next one's message: the PKCS#12 KDF's
 * inner loop. The message block of a 20-byte input is the five digest words, the padding bit and the length (160
 * bits), so it is built in words and nothing is allocated or converted between rounds; the 80 steps run as four
 * loops without branches. About 5× sha1Short in a loop (12,288 rounds: 2.4 ms against 14 ms in Node).
 */
export function sha1Repeat(digest: Uint8Array, times: number): Uint8Array {
  if (digest.length !== 20) {
    let out = digest;
    for (let n = 0; n < times; n++) out = sha1Short(out);
    return out;
  }
  const view = new DataView(digest.buffer, digest.byteOffset, 20);
  let h0 = view.getInt32(0), h1 = view.getInt32(4), h2 = view.getInt32(8), h3 = view.getInt32(12), h4 = view.getInt32(16);
  R.fill(0, 0, 16);
  R[5] = 0x80000000 | 0;
  R[15] = 160;
  for (let n = 0; n < times; n++) {
    R[0] = h0; R[1] = h1; R[2] = h2; R[3] = h3; R[4] = h4;
    for (let t = 16; t < 80; t++) {
      const x = R[t - 3]! ^ R[t - 8]! ^ R[t - 14]! ^ R[t - 16]!;
      R[t] = (x << 1) | (x >>> 31);
    }
    let a = 0x67452301, b = 0xefcdab89 | 0, c = 0x98badcfe | 0, d = 0x10325476, e = 0xc3d2e1f0 | 0;
    let t = 0;
    for (; t < 20; t++) {
      const temp = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + R[t]!) | 0;
      e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = temp;
    }
    for (; t < 40; t++) {
      const temp = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + R[t]!) | 0;
      e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = temp;
    }
    for (; t < 60; t++) {
      const temp = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + (0x8f1bbcdc | 0) + R[t]!) | 0;
      e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = temp;
    }
    for (; t < 80; t++) {
      const temp = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + (0xca62c1d6 | 0) + R[t]!) | 0;
      e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = temp;
    }
    h0 = (0x67452301 + a) | 0;
    h1 = ((0xefcdab89 | 0) + b) | 0;
    h2 = ((0x98badcfe | 0) + c) | 0;
    h3 = (0x10325476 + d) | 0;
    h4 = ((0xc3d2e1f0 | 0) + e) | 0;
  }
  const out = new Uint8Array(20);
  const result = new DataView(out.buffer);
  result.setInt32(0, h0); result.setInt32(4, h1); result.setInt32(8, h2); result.setInt32(12, h3); result.setInt32(16, h4);
  return out;
}
