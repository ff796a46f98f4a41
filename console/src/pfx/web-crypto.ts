/**
 * The primitives the browser opens a PFX with: WebCrypto (`globalThis.crypto.subtle`, the same API in
 * browsers and Node 20) for PBKDF2, HMAC, AES-CBC and SHA-1 thumbprints, and @noble/hashes for the PKCS#12
 * KDF's iterated hash — synchronous, because awaiting one WebCrypto digest per round (2,048 rounds per
 * derivation, five derivations in a -legacy file) costs more than the hashing itself; SHA-1, which `-legacy`
 * files iterate ten thousand times, by a one-block SHA-1 of its own (sha1-block.ts).
 */
import { sha224, sha256, sha384, sha512, sha512_224, sha512_256 } from '@noble/hashes/sha2';
import { PfxError } from '../../../src/pfx/errors.js';
import type { HashFunction } from '../../../src/pfx/pkcs12-kdf-core.js';
import { sha1Repeat, sha1Short } from './sha1-block.js';

/** Node's digest names (what src/pfx/oids.ts maps OIDs to) → a synchronous hash. */
const HASHES: Readonly<Record<string, HashFunction>> = {
  sha1: Object.assign((data: Uint8Array) => sha1Short(data), { repeat: sha1Repeat }),
  sha224: (data) => sha224(data),
  sha256: (data) => sha256(data),
  sha384: (data) => sha384(data),
  sha512: (data) => sha512(data),
  'sha512-224': (data) => sha512_224(data),
  'sha512-256': (data) => sha512_256(data),
};

/** Node's digest names → WebCrypto's; WebCrypto has no SHA-224 or SHA-512/t. */
const WEB_HASHES: Readonly<Record<string, string>> = { sha1: 'SHA-1', sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' };

export function syncHash(digest: string): HashFunction {
  const hash = HASHES[digest];
  if (hash === undefined) throw new PfxError('unsupported-algorithm', `the hash ${digest} is not supported in the browser`);
  return hash;
}

export function webHash(digest: string, what: string): string {
  const name = WEB_HASHES[digest];
  if (name === undefined) throw new PfxError('unsupported-algorithm', `${what} uses HMAC-${digest.toUpperCase()}, which the browser's WebCrypto does not offer`);
  return name;
}

export function subtle(): SubtleCrypto {
  const api = globalThis.crypto?.subtle;
  if (api === undefined) throw new PfxError('unsupported-algorithm', 'WebCrypto is not available (the console needs a secure context: https or localhost)');
  return api;
}

/** WebCrypto takes BufferSource; a view on a larger buffer is passed as exactly its bytes. */
export function source(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

export async function pbkdf2(password: Uint8Array, salt: Uint8Array, iterations: number, keyBytes: number, digest: string, what: string): Promise<Uint8Array> {
  const hash = webHash(digest, what);
  const base = await subtle().importKey('raw', source(password), 'PBKDF2', false, ['deriveBits']);
  return new Uint8Array(await subtle().deriveBits({ name: 'PBKDF2', hash, salt: source(salt), iterations }, base, keyBytes * 8));
}

export async function hmac(digest: string, key: Uint8Array, data: Uint8Array, what: string): Promise<Uint8Array> {
  // A zero-length HMAC key is legal (RFC 2104) but WebCrypto refuses it; no PKCS#12 MAC key is empty.
  const hmacKey = await subtle().importKey('raw', source(key), { name: 'HMAC', hash: webHash(digest, what) }, false, ['sign']);
  return new Uint8Array(await subtle().sign('HMAC', hmacKey, source(data)));
}

/** AES-CBC with PKCS#7 padding; WebCrypto rejects (OperationError) on bad padding. */
export async function aesCbcDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const aesKey = await subtle().importKey('raw', source(key), 'AES-CBC', false, ['decrypt']);
  return new Uint8Array(await subtle().decrypt({ name: 'AES-CBC', iv: source(iv) }, aesKey, source(data)));
}

export async function sha1Hex(data: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await subtle().digest('SHA-1', source(data)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
