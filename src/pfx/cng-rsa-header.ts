/**
 * The header every CNG RSA key blob starts with, `BCRYPT_RSAKEY_BLOB` (bcrypt.h; Microsoft's "BCRYPT_RSAKEY_BLOB
 * structure" page): six little-endian ULONGs — Magic, BitLength, cbPublicExp, cbModulus, cbPrime1, cbPrime2 — then
 * the key's integers, each big-endian, in an order set by the magic (rsa-blob.ts, rsa-private-blob.ts).
 * Reading is pure (Uint8Array): the browser console reads RSAPUBLICBLOB files with it too.
 */
import { latin1Text } from './bytes.js';

/** BCRYPT_RSAPUBLIC_MAGIC 'RSA1', BCRYPT_RSAPRIVATE_MAGIC 'RSA2', BCRYPT_RSAFULLPRIVATE_MAGIC 'RSA3'. */
export const RSA_MAGIC = { public: 0x31415352, private: 0x32415352, fullPrivate: 0x33415352 } as const;
export const HEADER_BYTES = 24;

export interface RsaBlobHeader {
  readonly magic: number;
  readonly bitLength: number;
  readonly cbPublicExp: number;
  readonly cbModulus: number;
  readonly cbPrime1: number;
  readonly cbPrime2: number;
}

/** The caller has checked that `data` holds at least HEADER_BYTES. */
export function readRsaBlobHeader(data: Uint8Array): RsaBlobHeader {
  return {
    magic: uint32LE(data, 0),
    bitLength: uint32LE(data, 4),
    cbPublicExp: uint32LE(data, 8),
    cbModulus: uint32LE(data, 12),
    cbPrime1: uint32LE(data, 16),
    cbPrime2: uint32LE(data, 20),
  };
}

function uint32LE(data: Uint8Array, offset: number): number {
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(offset, true);
}

export function writeRsaBlobHeader(header: RsaBlobHeader): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES);
  const view = new DataView(out.buffer);
  [header.magic, header.bitLength, header.cbPublicExp, header.cbModulus, header.cbPrime1, header.cbPrime2]
    .forEach((value, i) => view.setUint32(i * 4, value, true));
  return out;
}

/** The magic as it reads in a hex dump ('RSA3'), or its hex value when it is not printable ASCII. */
export function magicText(magic: number): string {
  const text = latin1Text(Uint8Array.of(magic & 0xff, (magic >>> 8) & 0xff, (magic >>> 16) & 0xff, magic >>> 24));
  return /^[\x20-\x7e]{4}$/.test(text) ? `'${text}'` : `0x${magic.toString(16).padStart(8, '0')}`;
}

/** True when the bytes start like a CNG key blob ('RSA1/2/3', 'ECK*', 'ECS*'), so the caller reads them as one. */
export function looksLikeCngBlob(data: Uint8Array): boolean {
  if (data.length < 4) return false;
  const magic = uint32LE(data, 0);
  if (magic === RSA_MAGIC.public || magic === RSA_MAGIC.private || magic === RSA_MAGIC.fullPrivate) return true;
  return isCngEccBlob(data);
}

/** 'EC' + 'K'/'S': the BCRYPT_ECCKEY_BLOB magics (ECK1…ECK6, ECS1…ECS8). */
export function isCngEccBlob(data: Uint8Array): boolean {
  return data.length >= 3 && data[0] === 0x45 && data[1] === 0x43 && (data[2] === 0x4b || data[2] === 0x53);
}
