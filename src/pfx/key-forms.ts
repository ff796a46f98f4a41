/**
 * The forms `pfxstore key convert` moves an RSA key between: read either half in any form pfxstore knows
 * (private-key.ts, public-key.ts), write it as PKCS#8/SPKI PEM, PKCS#1 PEM, or a CNG blob.
 */
import type { KeyObject } from 'node:crypto';
import { KeyError } from './errors.js';
import { readRsaPrivateKey } from './private-key.js';
import { readRsaPublicKey } from './public-key.js';
import { toRsaPublicBlob } from './rsa-blob.js';
import { toRsaFullPrivateBlob } from './rsa-private-blob.js';

export type KeyForm = 'pem' | 'pkcs1' | 'cng';
export const KEY_FORMS: readonly KeyForm[] = ['pem', 'pkcs1', 'cng'];

/** A private key when the bytes hold one, else the public key they hold (a certificate's included). */
export function readRsaKey(data: Buffer): KeyObject {
  try {
    return readRsaPrivateKey(data);
  } catch (err) {
    if (err instanceof KeyError && err.code === 'not-private-key') return readRsaPublicKey(data);
    throw err;
  }
}

export interface EncodedKey {
  readonly bytes: Buffer;
  /** What was written, for the user: `PKCS#8 PEM`, `RSAFULLPRIVATEBLOB (CNG)`… */
  readonly description: string;
}

/** The key in that form: a private key as a private key, a public one as a public key. */
export function encodeRsaKey(key: KeyObject, form: KeyForm): EncodedKey {
  if (key.type === 'private') {
    switch (form) {
      case 'pem': return { bytes: pem(key.export({ type: 'pkcs8', format: 'pem' })), description: 'PKCS#8 PEM (BEGIN PRIVATE KEY)' };
      case 'pkcs1': return { bytes: pem(key.export({ type: 'pkcs1', format: 'pem' })), description: 'PKCS#1 PEM (BEGIN RSA PRIVATE KEY)' };
      case 'cng': return { bytes: toRsaFullPrivateBlob(key), description: 'RSAFULLPRIVATEBLOB (CNG)' };
    }
  }
  switch (form) {
    case 'pem': return { bytes: pem(key.export({ type: 'spki', format: 'pem' })), description: 'SPKI PEM (BEGIN PUBLIC KEY)' };
    case 'pkcs1': return { bytes: pem(key.export({ type: 'pkcs1', format: 'pem' })), description: 'PKCS#1 PEM (BEGIN RSA PUBLIC KEY)' };
    case 'cng': return { bytes: toRsaPublicBlob(key), description: 'RSAPUBLICBLOB (CNG)' };
  }
}

function pem(text: string | Buffer): Buffer {
  return Buffer.from(text);
}
