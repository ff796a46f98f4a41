/** Finding the PEM blocks (RFC 7468) in a key file, which may carry other text around them. Pure (Uint8Array). */
import { latin1Text } from './bytes.js';

export interface PemBlock {
  /** What follows BEGIN: `PRIVATE KEY`, `RSA PUBLIC KEY`, `CERTIFICATE`… */
  readonly label: string;
  /** The text from this block's BEGIN line to the end of the file, as Node's PEM readers take it. */
  readonly text: string;
}

export const CERTIFICATE_LABELS: ReadonlySet<string> = new Set(['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE']);

const BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/g;

/** PEM may follow other text (e.g. `openssl x509 -text` output); DER always starts with SEQUENCE. */
export function isPem(data: Uint8Array): boolean {
  return data[0] !== 0x30 && latin1Text(data).includes('-----BEGIN ');
}

export function pemBlocks(text: string): PemBlock[] {
  return [...text.matchAll(BEGIN)].map((m) => ({ label: m[1]!, text: text.slice(m.index) }));
}
