/** RSA key pairs for `pfxstore keygen`: the connector-side key that decrypts PFX passwords. */
import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';

export type RsaKeyBits = 2048 | 3072 | 4096;
export const RSA_KEY_BITS: readonly RsaKeyBits[] = [2048, 3072, 4096];

export interface RsaKeyPairPem {
  /** PKCS#8, unencrypted (`BEGIN PRIVATE KEY`); the caller writes it with mode 0600. */
  readonly privatePem: string;
  /** SubjectPublicKeyInfo (`BEGIN PUBLIC KEY`). */
  readonly publicPem: string;
}

const generate = promisify(generateKeyPair);

/** Asynchronous because a 4096-bit key can take seconds, which must not block a server or a progress bar. */
export async function generateRsaKeyPair(bits: RsaKeyBits): Promise<RsaKeyPairPem> {
  if (!RSA_KEY_BITS.includes(bits)) throw new RangeError(`RSA key size must be one of ${RSA_KEY_BITS.join(', ')}, got ${bits}`);
  const { privateKey, publicKey } = await generate('rsa', {
    modulusLength: bits,
    publicExponent: 0x10001,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privatePem: privateKey, publicPem: publicKey };
}
