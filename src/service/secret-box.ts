import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readOrCreate } from '../server/data-dir.js';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encryption at rest for the secret fields: AES-256-GCM with a key kept in `--data` (or PFXSTORE_SECRET_KEY,
 * base64, for several instances on one database). The row's tenant, id and property are the associated data,
 * so a ciphertext copied into another row does not decrypt.
 * Layout: version (1 byte) | IV (12) | tag (16) | ciphertext.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static load(dataDir: string, env: NodeJS.ProcessEnv = process.env): SecretBox {
    const fromEnv = env.PFXSTORE_SECRET_KEY;
    const encoded = fromEnv ?? readOrCreate(dataDir, 'secret-key', () => randomBytes(32).toString('base64')).trim();
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== 32) throw new Error('The at-rest secret key must be 32 bytes, base64-encoded.');
    return new SecretBox(key);
  }

  seal(plaintext: Buffer, context: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
  }

  open(sealed: Buffer, context: string): Buffer {
    if (sealed[0] !== VERSION) throw new Error('Unknown at-rest encryption version.');
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
  }
}
