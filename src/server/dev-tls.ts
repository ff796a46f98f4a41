import { webcrypto } from 'node:crypto';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { readIfExists, readOrCreate } from '../util/data-dir.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY_MS = 86_400_000;

export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  /** The dev CA certificate to trust (`curl --cacert`, NODE_EXTRA_CA_CERTS); absent with the user's own cert. */
  readonly caPath?: string;
}

/**
 * Default TLS: a dev CA and a leaf for localhost/127.0.0.1/::1, made once in `--data`. Clients trust the CA
 * file instead of turning verification off.
 */
export async function loadDevTls(dataDir: string): Promise<TlsMaterial> {
  const caPath = join(dataDir, 'dev-ca.pem');
  let cert = readIfExists(dataDir, 'tls-cert.pem');
  let key = readIfExists(dataDir, 'tls-key.pem');
  if (!cert || !key || !readIfExists(dataDir, 'dev-ca.pem')) {
    const made = await makeDevChain();
    readOrCreate(dataDir, 'dev-ca.pem', () => made.caPem);
    key = readOrCreate(dataDir, 'tls-key.pem', () => made.leafKeyPem);
    cert = readOrCreate(dataDir, 'tls-cert.pem', () => made.leafPem);
  }
  return { cert, key, caPath };
}

/** A dev CA and a localhost leaf signed by it, in memory: what loadDevTls keeps in `--data`. */
export async function makeDevChain(): Promise<{ caPem: string; leafPem: string; leafKeyPem: string }> {
  const now = Date.now();
  const caKeys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: 'CN=pfxstore development CA',
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 3650 * DAY_MS),
    signingAlgorithm: EC,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const leafKeys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: 'CN=localhost',
    issuer: ca.subject,
    // Browsers and curl refuse server certificates valid for more than 398 days.
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 397 * DAY_MS),
    signingAlgorithm: EC,
    signingKey: caKeys.privateKey,
    publicKey: leafKeys.publicKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' }, { type: 'ip', value: '127.0.0.1' }, { type: 'ip', value: '::1' },
      ]),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', leafKeys.privateKey));
  const leafKeyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END PRIVATE KEY-----\n`;
  return { caPem: ca.toString('pem') + '\n', leafPem: leaf.toString('pem') + '\n', leafKeyPem };
}

function randomSerial(): string {
  // Positive, non-zero, 16 bytes: what RFC 5280 §4.1.2.2 asks of serial numbers.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return Buffer.from(bytes).toString('hex');
}
