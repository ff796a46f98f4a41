/** What pfxstore records about a certificate: its Intune thumbprint and its validity. */
import { type X509Certificate, createHash } from 'node:crypto';
import { Tag, children, readNode, readTime } from './der.js';

/**
 * The thumbprint Intune and Windows show: SHA-1 over the DER certificate, 40 lowercase hex digits
 * (contract §4.1). Not a security function — an identifier, as in Windows' certificate store.
 */
export function thumbprint(cert: X509Certificate): string {
  return createHash('sha1').update(cert.raw).digest('hex');
}

export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * notBefore/notAfter read from the DER (RFC 5280 §4.1.2.5) rather than from Node's `validFrom`
 * strings, whose "Mon DD HH:MM:SS YYYY GMT" format would need locale-sensitive Date parsing.
 *
 *   TBSCertificate ::= SEQUENCE { version [0] EXPLICIT OPTIONAL, serialNumber, signature, issuer, validity, … }
 */
export function certificateValidity(cert: X509Certificate): Validity {
  const der = cert.raw;
  const certificate = children(readNode(der, 0), 'Certificate');
  const tbs = children(certificate.expect(Tag.SEQUENCE, 'tbsCertificate'), 'tbsCertificate');
  tbs.optional(Tag.CONTEXT_0, 'version');
  tbs.expect(Tag.INTEGER, 'serialNumber');
  tbs.expect(Tag.SEQUENCE, 'signature');
  tbs.expect(Tag.SEQUENCE, 'issuer');
  const validity = children(tbs.expect(Tag.SEQUENCE, 'validity'), 'validity');
  const notBefore = readTime(validity.next('notBefore'), 'notBefore');
  const notAfter = readTime(validity.next('notAfter'), 'notAfter');
  return { notBefore, notAfter };
}
