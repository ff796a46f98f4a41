/**
 * Reading the connector's RSA private key, for the commands that decrypt passwords (`verify`, `rekey`,
 * `recover`) and for `key convert`: PEM or DER, PKCS#8 or PKCS#1, and the CNG RSAFULLPRIVATEBLOB or
 * RSAPRIVATEBLOB a Windows key storage provider exports (`Export-IntunePrivateKey`). Whatever is not one
 * is named, with what to do instead.
 */
import { type KeyObject, X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { isCngEccBlob, looksLikeCngBlob } from './cng-rsa-header.js';
import { KeyError } from './errors.js';
import { CERTIFICATE_LABELS, isPem, pemBlocks } from './pem.js';
import { MAX_RSA_BITS, MIN_RSA_BITS } from './public-key.js';
import { readRsaPrivateBlob } from './rsa-private-blob.js';

const ACCEPTED = 'expected an unencrypted RSA private key: PEM or DER (PKCS#8 or PKCS#1), ' +
  'or a CNG RSAFULLPRIVATEBLOB or RSAPRIVATEBLOB (what Export-IntunePrivateKey writes)';
const NEEDED = 'a private key is needed (the connector decrypts with the private half)';
const PUBLIC_LABELS: ReadonlySet<string> = new Set(['PUBLIC KEY', 'RSA PUBLIC KEY', ...CERTIFICATE_LABELS]);
const NOT_RSA_LABELS: ReadonlySet<string> = new Set(['EC PRIVATE KEY', 'DSA PRIVATE KEY']);

/** Reads an unencrypted RSA private key; throws `KeyError` naming what the bytes are when they are not one. */
export function readRsaPrivateKey(data: Buffer): KeyObject {
  if (data.length === 0) throw new KeyError('unsupported-key-format', `the key file is empty; ${ACCEPTED}`);
  const key = looksLikeCngBlob(data) ? readCngBlob(data) : isPem(data) ? readPem(data.toString('latin1')) : readDer(data);
  assertRsaPrivateKey(key);
  return key;
}

/** Refuses anything but a plain RSA private key of a size the connector's key can have. */
export function assertRsaPrivateKey(key: KeyObject): void {
  if (key.type !== 'private') throw new KeyError('not-private-key', `this is a ${key.type} key; ${NEEDED}`);
  if (key.asymmetricKeyType === 'rsa-pss') {
    throw new KeyError('not-rsa-private-key', 'this is an RSA-PSS key (id-RSASSA-PSS), which can only sign; the connector key is a plain RSA (rsaEncryption) key');
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new KeyError('not-rsa-private-key', `the key is ${key.asymmetricKeyType?.toUpperCase() ?? 'not asymmetric'}; the Intune PFX connector key must be RSA`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
    throw new KeyError('not-rsa-private-key', `the RSA key has ${bits} bits; expected ${MIN_RSA_BITS}–${MAX_RSA_BITS}`);
  }
}

function readCngBlob(data: Buffer): KeyObject {
  if (isCngEccBlob(data)) {
    throw new KeyError('not-rsa-private-key', 'this is a CNG elliptic-curve key blob (BCRYPT_ECCKEY_BLOB); the Intune PFX connector key must be RSA');
  }
  return readRsaPrivateBlob(data); // names an RSAPUBLICBLOB as a public key
}

function readPem(text: string): KeyObject {
  const blocks = pemBlocks(text);
  // A file may hold a certificate and its key (`openssl pkcs12 -nodes` writes both): the key is what is asked for.
  const block = blocks.find((b) => b.label.endsWith('PRIVATE KEY')) ?? blocks[0];
  if (!block) throw new KeyError('unsupported-key-format', `the file holds a malformed PEM block; ${ACCEPTED}`);
  const { label, text: pem } = block;
  // RFC 1421 headers right after BEGIN mark OpenSSL's "traditional" encrypted PKCS#1.
  if (label === 'ENCRYPTED PRIVATE KEY' || (label === 'RSA PRIVATE KEY' && /^-----BEGIN RSA PRIVATE KEY-----\r?\nProc-Type: *4, *ENCRYPTED/.test(pem))) {
    throw encrypted(label);
  }
  if (PUBLIC_LABELS.has(label)) throw new KeyError('not-private-key', `this is ${CERTIFICATE_LABELS.has(label) ? 'a certificate' : 'a public key'} (${label}); ${NEEDED}`);
  if (NOT_RSA_LABELS.has(label)) throw new KeyError('not-rsa-private-key', `this is an ${label.split(' ')[0]} key (${label}); the Intune PFX connector key must be RSA`);
  if (label !== 'PRIVATE KEY' && label !== 'RSA PRIVATE KEY') throw new KeyError('unsupported-key-format', `a PEM "${label}" block is not a key pfxstore reads; ${ACCEPTED}`);
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new KeyError('unsupported-key-format', `the PEM block "${label}" cannot be read (${(err as Error).message})`);
  }
}

/** DER: PKCS#8, then PKCS#1, then SEC1 (only to name an EC key as such); a public key or certificate is named. */
function readDer(der: Buffer): KeyObject {
  if (der[0] === 0x30) {
    for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
      try {
        return createPrivateKey({ key: der, format: 'der', type });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_MISSING_PASSPHRASE') throw encrypted('DER EncryptedPrivateKeyInfo');
      }
    }
    if (isDerPublic(der)) throw new KeyError('not-private-key', `this is a DER public key or certificate; ${NEEDED}`);
  }
  throw new KeyError('unsupported-key-format', `the key file is in an unknown format; ${ACCEPTED}`);
}

function isDerPublic(der: Buffer): boolean {
  const readers = [
    () => new X509Certificate(der),
    () => createPublicKey({ key: der, format: 'der', type: 'spki' }),
    () => createPublicKey({ key: der, format: 'der', type: 'pkcs1' }),
  ];
  return readers.some((read) => {
    try {
      read();
      return true;
    } catch {
      return false;
    }
  });
}

/** pfxstore takes no passphrase for a key: it would have to be typed or stored somewhere as well. */
function encrypted(what: string): KeyError {
  return new KeyError('encrypted-private-key',
    `this private key is encrypted (${what}); decrypt it first with 'openssl pkey -in KEY -out PLAIN.key.pem' and keep the result where only you can read it`);
}
