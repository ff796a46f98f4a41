/** A certificate thumbprint: its SHA-1 hash as 40 hex digits (CONTRACT §4.1). */
export const THUMBPRINT_SOURCE = '[0-9a-f]{40}';
const THUMBPRINT = new RegExp(`^${THUMBPRINT_SOURCE}$`);

/**
 * Thumbprints arrive as Windows shows them (spaces, colons, upper case); they are stored, and compared, as 40
 * lowercase hex digits. Undefined when what is left is not a thumbprint.
 */
export function normaliseThumbprint(text: string): string | undefined {
  const stripped = text.replace(/[\s:]/g, '').toLowerCase();
  return THUMBPRINT.test(stripped) ? stripped : undefined;
}
