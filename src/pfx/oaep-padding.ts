/**
 * The RSA-OAEP padding schemes the PFX password may be encrypted with, and the password's bytes — what the
 * CLI (oaep.ts, node:crypto) and the browser console (WebCrypto) encrypt alike. Pure (no Node API).
 */
import { KeyError } from './errors.js';

/** `userPfxPaddingScheme` (contract §4.1). */
export type PaddingScheme = 'none' | 'pkcs1' | 'oaepSha1' | 'oaepSha256' | 'oaepSha384' | 'oaepSha512';
export type OaepPadding = 'oaepSha256' | 'oaepSha384' | 'oaepSha512';

export const OAEP_DIGESTS: Readonly<Record<OaepPadding, { digest: string; bytes: number }>> = {
  oaepSha256: { digest: 'sha256', bytes: 32 },
  oaepSha384: { digest: 'sha384', bytes: 48 },
  oaepSha512: { digest: 'sha512', bytes: 64 },
};

export const OAEP_PADDINGS = Object.keys(OAEP_DIGESTS) as OaepPadding[];

const REFUSED: Readonly<Record<string, string>> = {
  none: 'unpadded ("textbook") RSA leaks the password',
  pkcs1: 'PKCS#1 v1.5 encryption padding is open to padding-oracle attacks (Bleichenbacher)',
  oaepsha1: 'OAEP with SHA-1 is deprecated',
};

/** Validates and normalises a padding scheme name (case-insensitive, as the Graph API reads enums). */
export function oaepPadding(padding: string): OaepPadding {
  const found = OAEP_PADDINGS.find((p) => p.toLowerCase() === padding.toLowerCase());
  if (found) return found;
  const refused = REFUSED[padding.toLowerCase()];
  const allowed = OAEP_PADDINGS.join(', ');
  if (refused) throw new KeyError('unsupported-padding', `padding scheme ${padding} is refused: ${refused}; use one of ${allowed}`);
  throw new KeyError('unsupported-padding', `unknown padding scheme "${padding}"; use one of ${allowed}`);
}

/**
 * How the password's characters become the bytes that are encrypted: `passwordBytes` (Latin-1).
 *
 * Microsoft's PFX import module (New-IntuneUserPfxCertificate, ConvertSecureStringToByteArray)
 * takes one byte per UTF-16 code unit, `(byte)char` — i.e. ISO-8859-1 for U+0000–U+00FF — and the
 * connector's validation service decodes the result with Encoding.ASCII. Encoding the same way
 * makes pfxstore's records byte-identical to the module's: the same as UTF-8 for ASCII passwords,
 * and, unlike UTF-8, also right for Latin-1 accents. Characters above U+00FF are refused, since the
 * module's truncation would produce a password that no longer opens the PFX.
 */
export function passwordBytes(password: string): Uint8Array {
  for (let i = 0; i < password.length; i++) {
    const code = password.charCodeAt(i);
    if (code > 0xff) {
      throw new KeyError(
        'password-not-encodable',
        `the password's character ${JSON.stringify(password[i])} (U+${code.toString(16).toUpperCase().padStart(4, '0')}, position ${i + 1}) ` +
          'cannot be sent: the Intune connector takes one byte per character (Latin-1)',
      );
    }
  }
  return Uint8Array.from(password, (c) => c.charCodeAt(0));
}

/** RFC 8017 §7.1.1: the most bytes RSA-OAEP can encrypt, mLen ≤ k − 2·hLen − 2 (none when that is negative). */
export function oaepCapacity(modulusBits: number, padding: OaepPadding): number {
  return Math.max(0, Math.ceil(modulusBits / 8) - 2 * OAEP_DIGESTS[padding].bytes - 2);
}

/**
 * A password the key cannot hold with this padding. It carries the two ways out — a key size that holds it (the
 * next multiple of 1024 bits, as RSA keys come) and the padding schemes that fit this key — so a caller can
 * phrase them in its own terms (the CLI names its flags).
 */
export class PasswordTooLongError extends KeyError {
  readonly max: number;
  readonly minBits: number;
  /** The schemes under which this key holds the password, strongest first; empty when none does. */
  readonly fittingPaddings: readonly OaepPadding[];

  constructor(readonly bytes: number, readonly modulusBits: number, readonly padding: OaepPadding) {
    const max = oaepCapacity(modulusBits, padding);
    const minBits = Math.ceil(((bytes + 2 * OAEP_DIGESTS[padding].bytes + 2) * 8) / 1024) * 1024;
    const fitting = [...OAEP_PADDINGS].reverse().filter((p) => oaepCapacity(modulusBits, p) >= bytes);
    super('password-not-encodable', `the password is ${bytes} bytes; a ${modulusBits}-bit key holds at most ${max} bytes with ${padding}; ` +
      `use a key of at least ${minBits} bits${fitting.length > 0 ? ` or the padding ${fitting.join(' or ')}` : ''}`);
    this.max = max;
    this.minBits = minBits;
    this.fittingPaddings = fitting;
  }
}
