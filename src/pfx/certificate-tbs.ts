/**
 * The parts of an X.509 certificate's TBSCertificate that pfxstore reads (RFC 5280 §4.1), from its DER.
 * Pure (Uint8Array, no Node API): the CLI reads its certificates' validity and usage with it, and the browser
 * console everything it shows of a PFX's certificate.
 *
 *   TBSCertificate ::= SEQUENCE { version [0] EXPLICIT OPTIONAL, serialNumber, signature, issuer, validity, subject,
 *     subjectPublicKeyInfo, issuerUniqueID [1] IMPLICIT OPTIONAL, subjectUniqueID [2] IMPLICIT OPTIONAL,
 *     extensions [3] EXPLICIT Extensions OPTIONAL }
 */
import { type DerNode, Tag, children, readNode, readTime } from './der.js';

export interface TbsParts {
  readonly validity: DerNode;
  readonly subject: DerNode;
  readonly subjectPublicKeyInfo: DerNode;
  /** The EXPLICIT [3] wrapper of the Extensions, when present (unwrapped by the reader that needs it). */
  readonly extensionsWrapper: DerNode | undefined;
}

export function readTbsCertificate(der: Uint8Array): TbsParts {
  const certificate = children(readNode(der, 0), 'Certificate');
  const tbs = children(certificate.expect(Tag.SEQUENCE, 'tbsCertificate'), 'tbsCertificate');
  tbs.optional(Tag.CONTEXT_0, 'version');
  tbs.expect(Tag.INTEGER, 'serialNumber');
  tbs.expect(Tag.SEQUENCE, 'signature');
  tbs.expect(Tag.SEQUENCE, 'issuer');
  const validity = tbs.expect(Tag.SEQUENCE, 'validity');
  const subject = tbs.expect(Tag.SEQUENCE, 'subject');
  const subjectPublicKeyInfo = tbs.expect(Tag.SEQUENCE, 'subjectPublicKeyInfo');
  while (!tbs.done && tbs.peekTag() !== Tag.CONTEXT_3) tbs.next('a unique identifier'); // [1], [2]: version 2 relics
  return { validity, subject, subjectPublicKeyInfo, extensionsWrapper: tbs.optional(Tag.CONTEXT_3, 'extensions') };
}

export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * notBefore/notAfter read from the DER (RFC 5280 §4.1.2.5) rather than from Node's `validFrom`
 * strings, whose "Mon DD HH:MM:SS YYYY GMT" format would need locale-sensitive Date parsing.
 */
export function readValidity(der: Uint8Array): Validity {
  const validity = children(readTbsCertificate(der).validity, 'validity');
  const notBefore = readTime(validity.next('notBefore'), 'notBefore');
  const notAfter = readTime(validity.next('notAfter'), 'notAfter');
  return { notBefore, notAfter };
}
