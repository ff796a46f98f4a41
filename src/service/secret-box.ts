import { createCipheriv, createDecipheriv, randomBytes, randomFillSync } from 'node:crypto';
import { readOrCreate } from '../util/data-dir.js';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** IVs drawn per refill of the random pool. */
const IVS_PER_REFILL = 256;

/**
 * Encryption at rest for the secret fields: AES-256-GCM with a key kept in `--data` (or PFXSTORE_SECRET_KEY,
 * base64, for several instances on one database). The row's tenant, id and property are the associated data,
 * so a ciphertext copied into another row does not decrypt.
 * Layout: version (1 byte) | IV (12) | tag (16) | ciphertext.
 */
export class SecretBox {
  private ivPool = Buffer.alloc(0);
  private ivOffset = 0;

  private constructor(private readonly key: Buffer) {}

  static load(dataDir: string, env: NodeJS.ProcessEnv = process.env): SecretBox {
    const fromEnv = env.PFXSTORE_SECRET_KEY;
    const encoded = fromEnv ?? readOrCreate(dataDir, 'secret-key', () => randomBytes(32).toString('base64')).trim();
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== 32) throw new Error('The at-rest secret key must be 32 bytes, base64-encoded.');
    return new SecretBox(key);
  }

  /** A key that lives as long as the process (`startPfxstore` on the memory store: nothing to keep it for). */
  static ephemeral(): SecretBox {
    return new SecretBox(randomBytes(32));
  }

  seal(plaintext: Buffer, context: string): Buffer {
    const iv = this.nextIv();
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
  }

  /**
   * A fresh random IV, cut from a pool refilled 256 IVs at a time: one call to the CSPRNG costs about as much
   * as sealing a whole PFX, and a create seals two. Random 96-bit IVs are what GCM asks for (NIST SP 800-38D §8.2.2).
   */
  private nextIv(): Buffer {
    if (this.ivOffset + IV_BYTES > this.ivPool.length) {
      this.ivPool = randomFillSync(Buffer.allocUnsafe(IV_BYTES * IVS_PER_REFILL));
      this.ivOffset = 0;
    }
    const iv = this.ivPool.subarray(this.ivOffset, this.ivOffset + IV_BYTES);
    this.ivOffset += IV_BYTES;
    return iv;
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
