/**
 * Reading the RSA public key that encrypts PFX passwords, in every form a user is likely to have:
 * PEM SPKI (`BEGIN PUBLIC KEY`), PEM PKCS#1 (`BEGIN RSA PUBLIC KEY`), an X.509 certificate (PEM or
 * DER), DER SPKI or PKCS#1, and the CNG RSAPUBLICBLOB of Microsoft's `Export-IntunePublicKey`.
 */
import { type KeyObject, X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { KeyError } from './errors.js';
import { looksLikeCngBlob } from './cng-rsa-header.js';
import { CERTIFICATE_LABELS, isPem, pemBlocks } from './pem.js';
import { ACCEPTED_PUBLIC_KEYS as ACCEPTED, PRIVATE_KEY_LABELS as PRIVATE_LABELS, rsaBitsProblem } from './public-key-forms.js';
import { readRsaPublicBlob } from './rsa-blob.js';

export { MAX_RSA_BITS, MIN_RSA_BITS } from './public-key-forms.js';
export { toRsaPublicBlob } from './rsa-blob.js';

/** Reads an RSA public key; throws `KeyError` naming what the bytes are when they are not one. */
export function readRsaPublicKey(data: Buffer): KeyObject {
  if (data.length === 0) throw new KeyError('unsupported-key-format', `the key file is empty; ${ACCEPTED}`);
  const key = looksLikeCngBlob(data) ? readRsaPublicBlob(data) : isPem(data) ? readPem(data.toString('latin1')) : readDer(data);
  assertRsaPublicKey(key);
  return key;
}

/** Refuses anything but an RSA public key of a size the contract can store. */
export function assertRsaPublicKey(key: KeyObject): void {
  if (key.type !== 'public') throw new KeyError('not-rsa-public-key', `expected a public key, got a ${key.type} key`);
  if (key.asymmetricKeyType !== 'rsa') {
    throw new KeyError('not-rsa-public-key', `the key is ${key.asymmetricKeyType?.toUpperCase() ?? 'not asymmetric'}; the Intune PFX connector key must be RSA`);
  }
  const problem = rsaBitsProblem(key.asymmetricKeyDetails?.modulusLength ?? 0);
  if (problem) throw new KeyError('not-rsa-public-key', problem);
}

function readPem(text: string): KeyObject {
  const block = pemBlocks(text)[0];
  if (!block) throw new KeyError('unsupported-key-format', `the file holds a malformed PEM block; ${ACCEPTED}`);
  const { label, text: pem } = block;
  if (PRIVATE_LABELS.has(label)) {
    throw new KeyError('not-rsa-public-key', `this is a private key (${label}); give the public key instead (openssl pkey -pubout)`);
  }
  try {
    if (CERTIFICATE_LABELS.has(label)) return new X509Certificate(pem).publicKey;
    if (label === 'PUBLIC KEY') return createPublicKey({ key: pem, format: 'pem', type: 'spki' });
    if (label === 'RSA PUBLIC KEY') return createPublicKey({ key: pem, format: 'pem', type: 'pkcs1' });
  } catch (e) {
    throw new KeyError('unsupported-key-format', `the PEM block "${label}" cannot be read (${(e as Error).message})`);
  }
  throw new KeyError('unsupported-key-format', `a PEM "${label}" block is not a public key; ${ACCEPTED}`);
}

/**
 * DER: a certificate, then SPKI, then PKCS#1. Private keys are ruled out first because Node's
 * `createPublicKey` quietly derives a public key from private DER when asked for PKCS#1.
 */
function readDer(der: Buffer): KeyObject {
  if (der[0] === 0x30) {
    try {
      return new X509Certificate(der).publicKey;
    } catch {
      // not a certificate: try the key formats
    }
    if (isDerPrivateKey(der)) throw new KeyError('not-rsa-public-key', 'this is a DER private key; give the public key instead');
    for (const type of ['spki', 'pkcs1'] as const) {
      try {
        return createPublicKey({ key: der, format: 'der', type });
      } catch {
        // not this format: try the next
      }
    }
  }
  throw new KeyError('unsupported-key-format', `the key file is in an unknown format; ${ACCEPTED}`);
}

function isDerPrivateKey(der: Buffer): boolean {
  for (const type of ['pkcs8', 'pkcs1'] as const) {
    try {
      createPrivateKey({ key: der, format: 'der', type });
      return true;
    } catch {
      // not this format: try the next
    }
  }
  return false;
}
