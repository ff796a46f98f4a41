/**
 * What the connector's public key may be and how a wrong one is named — the words the CLI's `--public-key`
 * (public-key.ts) and the browser console's "Public key file" (console/src/pfx) share. Pure.
 */

/**
 * The contract (§4.1) accepts encrypted passwords of 128–1024 bytes, i.e. RSA keys of 1024–8192
 * bits; a key outside that range could only produce a record the server refuses.
 */
export const MIN_RSA_BITS = 1024;
export const MAX_RSA_BITS = 8192;

export const ACCEPTED_PUBLIC_KEYS =
  'expected a PEM public key (BEGIN PUBLIC KEY or BEGIN RSA PUBLIC KEY), an X.509 certificate (PEM or DER), ' +
  'a DER SubjectPublicKeyInfo or PKCS#1 key, or an RSAPUBLICBLOB from Export-IntunePublicKey';

export const PRIVATE_KEY_LABELS: ReadonlySet<string> = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'EC PRIVATE KEY']);

/** Why an RSA key of this size is refused, or undefined when it is in range. */
export function rsaBitsProblem(bits: number): string | undefined {
  return bits < MIN_RSA_BITS || bits > MAX_RSA_BITS ? `the RSA key has ${bits} bits; expected ${MIN_RSA_BITS}–${MAX_RSA_BITS}` : undefined;
}
