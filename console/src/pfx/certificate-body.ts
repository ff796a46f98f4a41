/**
 * The request body of one import, built in the browser: byte for byte what the CLI's `import` POSTs for the
 * same file, password, key and settings (src/cli/import-prepare.ts), except the RSA-OAEP ciphertext, which is
 * random by design. The password is encrypted here with WebCrypto; the plaintext never leaves this function.
 */
import type { CertificateBody } from '../../../src/client/certificates.js';
import { latin1Text } from '../../../src/pfx/bytes.js';
import { PfxError } from '../../../src/pfx/errors.js';
import { PasswordTooLongError, oaepCapacity, oaepPadding, passwordBytes } from '../../../src/pfx/oaep-padding.js';
import type { OpenedPfx } from './open-pfx.js';
import type { PublicKey } from './public-key.js';
import { source, subtle } from './web-crypto.js';

export type { CertificateBody } from '../../../src/client/certificates.js';

/** The CLI's `import --padding` default: the strongest hash, which a 2048-bit key holds a 126-byte password with. */
export const DEFAULT_PADDING = 'oaepSha512';

const ODATA_TYPE: CertificateBody['@odata.type'] = '#microsoft.graph.userPFXCertificate';

export interface CertificateBodyOptions {
  readonly pfxBytes: Uint8Array;
  readonly password: string;
  /** What `openPfx(pfxBytes, password)` returned. */
  readonly opened: OpenedPfx;
  readonly publicKey: PublicKey;
  readonly upn: string;
  /** An intendedPurpose name (unassigned, smimeEncryption, …), sent as given: the server checks it. */
  readonly purpose: string;
  /** oaepSha256, oaepSha384 or oaepSha512 (any case); default oaepSha512. pkcs1, oaepSha1 and none are refused. */
  readonly padding?: string;
  readonly providerName: string;
  readonly keyName: string;
  /** Import an expired certificate (the CLI's --allow-expired); refused by default. */
  readonly allowExpired?: boolean;
  /** The clock expiry is judged by (tests). */
  readonly now?: Date;
}

/**
 * Rejects with `PfxError('expired')` for an expired certificate, `KeyError` for a refused padding or a password
 * the key cannot carry (a character above U+00FF, or too long), as the CLI refuses them.
 */
export async function buildCertificateBody(options: CertificateBodyOptions): Promise<CertificateBody> {
  const { opened, publicKey } = options;
  const now = options.now ?? new Date();
  if (opened.notAfter.getTime() <= now.getTime() && !options.allowExpired) {
    throw new PfxError('expired', `the certificate expired on ${opened.notAfter.toISOString()}`);
  }
  const padding = oaepPadding(options.padding ?? DEFAULT_PADDING);
  const plaintext = passwordBytes(options.password);
  if (plaintext.length > oaepCapacity(publicKey.modulusBits, padding)) throw new PasswordTooLongError(plaintext.length, publicKey.modulusBits, padding);
  const ciphertext = new Uint8Array(await subtle().encrypt({ name: 'RSA-OAEP' }, await publicKey.oaepKey(padding), source(plaintext)));
  plaintext.fill(0);
  return {
    '@odata.type': ODATA_TYPE,
    thumbprint: opened.thumbprint.toLowerCase(), // the API's form (contract §4.1), as the CLI sends it
    intendedPurpose: options.purpose,
    userPrincipalName: options.upn,
    startDateTime: opened.notBefore.toISOString(),
    expirationDateTime: opened.notAfter.toISOString(),
    providerName: options.providerName,
    keyName: options.keyName,
    paddingScheme: padding,
    encryptedPfxBlob: base64(options.pfxBytes),
    encryptedPfxPassword: base64(ciphertext),
  };
}

function base64(bytes: Uint8Array): string {
  return btoa(latin1Text(bytes));
}
