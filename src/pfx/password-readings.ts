/**
 * The other ways a decrypted password's bytes may have been meant. The connector reads them one byte per
 * character (Latin-1, `PASSWORD_ENCODING`); a tool that encrypted the password's UTF-8 or UTF-16LE bytes instead
 * produced a record the connector cannot open, yet whose PFX opens with one of these readings — which tells the
 * person exactly what went wrong.
 */

export interface PasswordReading {
  /** How the bytes were read, as a person names the encoding. */
  readonly encoding: 'UTF-8' | 'UTF-16LE';
  readonly password: string;
}

/**
 * The UTF-8 and UTF-16LE readings of the bytes, each only where the bytes are valid in that encoding and the
 * reading differs from the Latin-1 one (pure ASCII reads the same in UTF-8, so it is left out).
 */
export function otherPasswordReadings(bytes: Buffer): PasswordReading[] {
  const latin1 = bytes.toString('latin1');
  const readings: PasswordReading[] = [];
  for (const [encoding, label] of [['utf-8', 'UTF-8'], ['utf-16le', 'UTF-16LE']] as const) {
    if (encoding === 'utf-16le' && bytes.length % 2 !== 0) continue;
    const password = strictDecode(bytes, encoding);
    if (password !== undefined && password !== latin1) readings.push({ encoding: label, password });
  }
  return readings;
}

function strictDecode(bytes: Buffer, encoding: 'utf-8' | 'utf-16le'): string | undefined {
  try {
    // fatal: invalid sequences (and lone surrogates) throw instead of becoming U+FFFD.
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
