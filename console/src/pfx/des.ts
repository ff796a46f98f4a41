/**
 * DES (FIPS 46-3) and its triple form, decryption in CBC mode — only because `openssl pkcs12 -export -legacy`
 * (and Windows before Server 2019) encrypt the private key with pbeWithSHAAnd3-KeyTripleDES-CBC (RFC 7292
 * App. C), and WebCrypto has no DES. Hand-rolled rather than a dependency: the one maintained JavaScript DES
 * (des.js) is CommonJS with two helper packages, and this is ~100 lines checked against OpenSSL's
 * des-ede3-cbc on random keys and data (test/console-pfx/des.test.ts). A key bag is ~1.2 KB: 150 blocks, so
 * a plain bit-array implementation costs a few milliseconds, nothing beside the key derivations.
 */

/** Permutation tables, 1-based bit numbers counted from the most significant bit (FIPS 46-3 appendix). */
const IP = [
  58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8,
  57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
];
const FP = IP.map((_, i) => IP.indexOf(i + 1) + 1);
/** E: each 4-bit group with its neighbours' bits on either side. */
const E = Array.from({ length: 48 }, (_, i) => ((4 * Math.floor(i / 6) + (i % 6) - 1 + 32) % 32) + 1);
const P = [16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25];
const PC1 = [
  57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
  63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
];
const PC2 = [
  14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2,
  41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];
const SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];
const S_BOXES = [
  '14 4 13 1 2 15 11 8 3 10 6 12 5 9 0 7 0 15 7 4 14 2 13 1 10 6 12 11 9 5 3 8 4 1 14 8 13 6 2 11 15 12 9 7 3 10 5 0 15 12 8 2 4 9 1 7 5 11 3 14 10 0 6 13',
  '15 1 8 14 6 11 3 4 9 7 2 13 12 0 5 10 3 13 4 7 15 2 8 14 12 0 1 10 6 9 11 5 0 14 7 11 10 4 13 1 5 8 12 6 9 3 2 15 13 8 10 1 3 15 4 2 11 6 7 12 0 5 14 9',
  '10 0 9 14 6 3 15 5 1 13 12 7 11 4 2 8 13 7 0 9 3 4 6 10 2 8 5 14 12 11 15 1 13 6 4 9 8 15 3 0 11 1 2 12 5 10 14 7 1 10 13 0 6 9 8 7 4 15 14 3 11 5 2 12',
  '7 13 14 3 0 6 9 10 1 2 8 5 11 12 4 15 13 8 11 5 6 15 0 3 4 7 2 12 1 10 14 9 10 6 9 0 12 11 7 13 15 1 3 14 5 2 8 4 3 15 0 6 10 1 13 8 9 4 5 11 12 7 2 14',
  '2 12 4 1 7 10 11 6 8 5 3 15 13 0 14 9 14 11 2 12 4 7 13 1 5 0 15 10 3 9 8 6 4 2 1 11 10 13 7 8 15 9 12 5 6 3 0 14 11 8 12 7 1 14 2 13 6 15 0 9 10 4 5 3',
  '12 1 10 15 9 2 6 8 0 13 3 4 14 7 5 11 10 15 4 2 7 12 9 5 6 1 13 14 0 11 3 8 9 14 15 5 2 8 12 3 7 0 4 10 1 13 11 6 4 3 2 12 9 5 15 10 11 14 1 7 6 0 8 13',
  '4 11 2 14 15 0 8 13 3 12 9 7 5 10 6 1 13 0 11 7 4 9 1 10 14 3 5 12 2 15 8 6 1 4 11 13 12 3 7 14 10 15 6 8 0 5 9 2 6 11 13 8 1 4 10 7 9 5 0 15 14 2 3 12',
  '13 2 8 4 6 15 11 1 10 9 3 14 5 0 12 7 1 15 13 8 10 3 7 4 12 5 6 11 0 14 9 2 7 11 4 1 9 12 14 2 0 6 10 13 15 3 5 8 2 1 14 7 4 10 8 13 15 12 9 0 3 5 6 11',
].map((row) => row.split(' ').map(Number));

export const DES_BLOCK_BYTES = 8;

type Bits = Uint8Array;

function permute(input: Bits, table: readonly number[]): Bits {
  const out = new Uint8Array(table.length);
  for (let i = 0; i < table.length; i++) out[i] = input[table[i]! - 1]!;
  return out;
}

function toBits(bytes: Uint8Array, offset: number): Bits {
  const bits = new Uint8Array(64);
  for (let i = 0; i < 64; i++) bits[i] = (bytes[offset + (i >> 3)]! >> (7 - (i & 7))) & 1;
  return bits;
}

/** The 16 round keys of one 8-byte DES key (parity bits ignored), in encryption order. */
function roundKeys(key: Uint8Array): Bits[] {
  const cd = permute(toBits(key, 0), PC1);
  let c = Array.from(cd.subarray(0, 28));
  let d = Array.from(cd.subarray(28));
  return SHIFTS.map((shift) => {
    c = [...c.slice(shift), ...c.slice(0, shift)];
    d = [...d.slice(shift), ...d.slice(0, shift)];
    return permute(Uint8Array.from([...c, ...d]), PC2);
  });
}

/** The Feistel network on one block (bits), with the round keys in the order given. */
function crypt(block: Bits, keys: readonly Bits[]): Bits {
  const state = permute(block, IP);
  let l = state.subarray(0, 32);
  let r = state.subarray(32);
  for (const k of keys) {
    const x = permute(r, E);
    for (let i = 0; i < 48; i++) x[i]! ^= k[i]!;
    const s = new Uint8Array(32);
    for (let box = 0; box < 8; box++) {
      const b = x.subarray(6 * box, 6 * box + 6);
      const value = S_BOXES[box]![((b[0]! << 1) | b[5]!) * 16 + ((b[1]! << 3) | (b[2]! << 2) | (b[3]! << 1) | b[4]!)]!;
      for (let bit = 0; bit < 4; bit++) s[4 * box + bit] = (value >> (3 - bit)) & 1;
    }
    const f = permute(s, P);
    const next = new Uint8Array(32);
    for (let i = 0; i < 32; i++) next[i] = l[i]! ^ f[i]!;
    l = r;
    r = next;
  }
  const preOutput = new Uint8Array(64);
  preOutput.set(r, 0); // the last round does not swap
  preOutput.set(l, 32);
  return permute(preOutput, FP);
}

/**
 * Triple DES (EDE) CBC decryption with PKCS#7 padding removal: a 24-byte key (three DES keys) or a 16-byte
 * one (two-key 3DES, K3 = K1). Throws `RangeError` on a bad length or bad padding — with a PBE key, almost
 * always a wrong password, which the caller reports.
 */
export function tripleDesCbcDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  if (key.length !== 24 && key.length !== 16) throw new RangeError(`3DES key must be 16 or 24 bytes, got ${key.length}`);
  if (iv.length !== DES_BLOCK_BYTES) throw new RangeError(`3DES-CBC IV must be 8 bytes, got ${iv.length}`);
  if (data.length === 0 || data.length % DES_BLOCK_BYTES !== 0) {
    throw new RangeError(`3DES-CBC ciphertext of ${data.length} bytes is not a whole number of 8-byte blocks`);
  }
  const k1 = roundKeys(key.subarray(0, 8));
  const k2 = roundKeys(key.subarray(8, 16));
  const k3 = key.length === 24 ? roundKeys(key.subarray(16, 24)) : k1;
  // EDE decryption: D_K1(E_K2(D_K3(c))); decrypting is the network with the round keys reversed.
  const stages = [[...k3].reverse(), k2, [...k1].reverse()];
  const out = new Uint8Array(data.length);
  for (let o = 0; o < data.length; o += DES_BLOCK_BYTES) {
    let bits = toBits(data, o);
    for (const keys of stages) bits = crypt(bits, keys);
    const chain = o === 0 ? iv : data.subarray(o - DES_BLOCK_BYTES, o);
    for (let i = 0; i < DES_BLOCK_BYTES; i++) {
      let byte = 0;
      for (let bit = 0; bit < 8; bit++) byte = (byte << 1) | bits[8 * i + bit]!;
      out[o + i] = byte ^ chain[i]!;
    }
  }
  const pad = out[out.length - 1]!;
  let bad = pad < 1 || pad > DES_BLOCK_BYTES;
  for (let i = 2; i <= pad && !bad; i++) bad = out[out.length - i] !== pad;
  if (bad) throw new RangeError('3DES-CBC: bad padding');
  return out.subarray(0, out.length - pad);
}
