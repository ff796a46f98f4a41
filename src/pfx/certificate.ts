/** What pfxstore records about a certificate: its Intune thumbprint and its validity. */
import { type X509Certificate, createHash } from 'node:crypto';
import { type Validity, readValidity } from './certificate-tbs.js';

export type { Validity } from './certificate-tbs.js';

/**
 * The thumbprint Intune and Windows show: SHA-1 over the DER certificate, 40 lowercase hex digits
 * (contract §4.1). Not a security function — an identifier, as in Windows' certificate store.
 */
export function thumbprint(cert: X509Certificate): string {
  return createHash('sha1').update(cert.raw).digest('hex');
}

/** The certificate's notBefore and notAfter, exactly as its DER states them (certificate-tbs.ts). */
export function certificateValidity(cert: X509Certificate): Validity {
  return readValidity(cert.raw);
}
